import * as pulumi from "@pulumi/pulumi";
import { ClusterNode, nodeNames } from "../nodes";

export interface SandboxNodesArgs {
    /** Control-plane nodes. */
    readonly controlPlaneCount: number;
    /** Worker nodes. */
    readonly workerCount: number;
    /** User the (simulated) enlisting logs in as. */
    readonly sshUser: string;
}

/**
 * Local nodes for the sandbox: distinct loopback IPv4 addresses and this machine's ::1.
 * Nothing is created anywhere; the Juju simulator "enlists" them.
 */
export class SandboxNodes extends pulumi.ComponentResource {
    public readonly nodes: ClusterNode[];

    constructor(name: string, args: SandboxNodesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:sandbox:SandboxNodes", name, {}, opts);
        this.nodes = nodeNames(args.controlPlaneCount, args.workerCount).map(({ name: nodeName, roles }, i) => ({
            name: nodeName,
            roles,
            ipv4: `127.0.${roles.includes("worker") ? 2 : 1}.${10 + (roles.includes("worker") ? i - args.controlPlaneCount : i)}`,
            ipv6: ["::1"],
            sshUser: args.sshUser,
        }));
        this.registerOutputs({ nodes: this.nodes.map((node) => node.name) });
    }
}
