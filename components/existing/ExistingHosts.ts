import * as pulumi from "@pulumi/pulumi";
import { HostEntry } from "../config/validate";
import { ClusterNode } from "../nodes";

export interface ExistingHostsArgs {
    /** The `hosts` entries as validation parsed them (ValidConfig.hosts). */
    readonly hosts: readonly HostEntry[];
    /** User Juju logs in as. */
    readonly sshUser: string;
}

/** Hosts that already exist (MAAS machines, bare metal, anything reachable over SSH). */
export class ExistingHosts extends pulumi.ComponentResource {
    public readonly nodes: ClusterNode[];

    constructor(name: string, args: ExistingHostsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:existing:ExistingHosts", name, {}, opts);
        this.nodes = args.hosts.map((host) => ({
            name: host.name,
            roles: host.roles,
            ipv4: host.ipv4,
            ipv6: host.ipv6,
            sshUser: args.sshUser,
        }));
        this.registerOutputs({ nodes: this.nodes.map((node) => node.name) });
    }
}
