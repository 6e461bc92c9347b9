import { Family } from "./cidr";

/** One ingress rule both clouds render: AWS security group rules, OpenStack secgroup rules. */
export interface IngressRule {
    /** What the rule is for, e.g. "ssh from admin". */
    readonly description: string;
    readonly protocol: "tcp";
    readonly fromPort: number;
    readonly toPort: number;
    readonly cidr: string;
    readonly family: Family;
    /** Which nodes get it. */
    readonly nodes: "all" | "control-plane" | "worker";
}

export const NODE_PORT_RANGE = { from: 30000, to: 32767 } as const;

const familyOf = (cidr: string): Family => (cidr.includes(":") ? "IPv6" : "IPv4");

/**
 * Ingress from outside the cluster: SSH and the API from admin ranges, NodePorts on workers
 * from their ranges, in both families (this replaces `juju open-port`, which cannot open IPv6
 * NodePorts). Nothing is opened unless a range is configured. Traffic between cluster nodes is
 * allowed separately, by group membership.
 */
export function ingressRules(adminCidrs: readonly string[], nodePortCidrs: readonly string[]): IngressRule[] {
    const rules: IngressRule[] = [];
    for (const cidr of adminCidrs) {
        rules.push({
            description: `ssh from ${cidr}`,
            protocol: "tcp",
            fromPort: 22,
            toPort: 22,
            cidr,
            family: familyOf(cidr),
            nodes: "all",
        });
        rules.push({
            description: `kubernetes api from ${cidr}`,
            protocol: "tcp",
            fromPort: 6443,
            toPort: 6443,
            cidr,
            family: familyOf(cidr),
            nodes: "control-plane",
        });
    }
    for (const cidr of nodePortCidrs) {
        rules.push({
            description: `nodeports from ${cidr}`,
            protocol: "tcp",
            fromPort: NODE_PORT_RANGE.from,
            toPort: NODE_PORT_RANGE.to,
            cidr,
            family: familyOf(cidr),
            nodes: "worker",
        });
    }
    return rules;
}
