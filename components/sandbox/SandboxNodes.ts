import * as pulumi from "@pulumi/pulumi";
import { Role } from "../config/validate";
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
        // One loopback /24 per role (127.0.1.x control plane, 127.0.2.x workers, 127.0.3.x the
        // load-balancer node), each node at 10 + its index in its role.
        const subnet: Record<Role, number> = { "control-plane": 1, worker: 2, "load-balancer": 3 };
        this.nodes = nodeNames(args.controlPlaneCount, args.workerCount).map(({ name: nodeName, roles, index }) => ({
            name: nodeName,
            roles,
            ipv4: `127.0.${subnet[roles[0]]}.${10 + index}`,
            ipv6: ["::1"],
            sshUser: args.sshUser,
        }));
        this.registerOutputs({ nodes: this.nodes.map((node) => node.name) });
    }
}
