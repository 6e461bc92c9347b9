import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS } from "../config/keys";
import { Role } from "../config/validate";
import { ClusterNode, nodeNames } from "../nodes";

export interface SandboxNodesArgs {
    /** Control-plane nodes. */
    readonly controlPlaneCount: number;
    /** Worker nodes. */
    readonly workerCount: number;
    /** User the (simulated) enlisting logs in as. */
    readonly sshUser: string;
    /** The Juju model: each model's nodes get addresses of their own (sandboxOctet). */
    readonly model: string;
}

/** The model of the default sandbox stack, whose nodes keep the addresses they always had (127.0.x.y). */
const DEFAULT_MODEL = CONFIG_KEYS.model.default;

/**
 * The second octet of a model's node addresses (127.<octet>.<role>.<10 + index>): 0 for the default
 * model, otherwise 1 to 255 from the model's name. Juju refuses a host that another model enlisted
 * ("machine is already provisioned"), so two sandbox stacks sharing the simulator need distinct
 * hosts; a name is hashed (FNV-1a) rather than numbered so that a stack's addresses never depend
 * on which other stacks exist, and so never change under it.
 */
export function sandboxOctet(model: string): number {
    if (model === DEFAULT_MODEL) return 0;
    let hash = 0x811c9dc5;
    for (const byte of Buffer.from(model, "utf8")) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
    return 1 + (hash % 255);
}

/**
 * Local nodes for the sandbox: distinct loopback IPv4 addresses (per model) and this machine's ::1.
 * Nothing is created anywhere; the Juju simulator "enlists" them.
 */
export class SandboxNodes extends pulumi.ComponentResource {
    public readonly nodes: ClusterNode[];

    constructor(name: string, args: SandboxNodesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:sandbox:SandboxNodes", name, {}, opts);
        // One loopback /24 per role (127.<octet>.1.x control plane, 127.<octet>.2.x workers,
        // 127.<octet>.3.x the load-balancer node), each node at 10 + its index in its role.
        const subnet: Record<Role, number> = { "control-plane": 1, worker: 2, "load-balancer": 3 };
        const octet = sandboxOctet(args.model);
        this.nodes = nodeNames(args.controlPlaneCount, args.workerCount).map(({ name: nodeName, roles, index }) => ({
            name: nodeName,
            roles,
            ipv4: `127.${octet}.${subnet[roles[0]]}.${10 + index}`,
            ipv6: ["::1"],
            sshUser: args.sshUser,
        }));
        this.registerOutputs({ nodes: this.nodes.map((node) => node.name) });
    }
}
