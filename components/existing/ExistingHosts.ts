import * as pulumi from "@pulumi/pulumi";
import { parseHostEntry } from "../config/validate";
import { ClusterNode } from "../nodes";

export interface ExistingHostsArgs {
    /** Validated `hosts` entries: `name roles ipv4 [ipv6 ...]`. */
    readonly hosts: readonly string[];
    /** User Juju logs in as. */
    readonly sshUser: string;
}

/** Hosts that already exist (MAAS machines, bare metal, anything reachable over SSH). */
export class ExistingHosts extends pulumi.ComponentResource {
    public readonly nodes: ClusterNode[];

    constructor(name: string, args: ExistingHostsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:existing:ExistingHosts", name, {}, opts);
        this.nodes = args.hosts.map((entry) => {
            const host = parseHostEntry(entry, []);
            if (!host) throw new Error(`unvalidated host entry "${entry}"`);
            return { name: host.name, roles: host.roles, ipv4: host.ipv4, ipv6: host.ipv6, sshUser: args.sshUser };
        });
        this.registerOutputs({ nodes: this.nodes.map((node) => node.name) });
    }
}
