import { Family, familyOf } from "./cidr";

/**
 * Which nodes (or which cloud load balancer) a rule is opened on:
 * - `all`: every node (SSH for enlisting);
 * - `api`: the node clients reach the API on: the load-balancer node, which carries
 *   kubeapi-load-balancer alone (components/juju/overlay.ts places it there);
 * - `worker`: every worker (NodePorts);
 * - `load-balancer`: the cloud load balancer in front of the workers (AWS NLB security group,
 *   Octavia listener `allowed_cidrs`).
 */
export type RuleTarget = "all" | "api" | "worker" | "load-balancer";

/** One ingress rule both clouds render: AWS security group rules, OpenStack secgroup rules. */
export interface IngressRule {
    /** What the rule is for, e.g. "ssh from admin". */
    readonly description: string;
    readonly protocol: "tcp" | "udp";
    readonly fromPort: number;
    readonly toPort: number;
    readonly cidr: string;
    readonly family: Family;
    /** Which nodes get it. */
    readonly nodes: RuleTarget;
}

export const NODE_PORT_RANGE = { from: 30000, to: 32767 } as const;

/** The port the cloud load balancer (NLB, Octavia) listens on for nginx. */
export const LOAD_BALANCER_PORT = 80;

/** Calico's VXLAN port (the bundle sets calico `vxlan: Always`, on both pools). */
export const VXLAN_PORT = 4789;

/**
 * The API port in the kubeconfig `get-kubeconfig` hands out, read from the charms' source
 * (charmed-kubernetes/charm-kubernetes-control-plane, src/k8s_api_endpoints.py `external()`, used by
 * `create_kubeconfigs` for /home/ubuntu/config, which the action returns): ck-dualstack never sets
 * the control plane's `loadbalancer-ips` (whose `from_config()` would build `:6443` on one control
 * plane), so `from_lb_external()` builds `https://<kubeapi-load-balancer address>:443`: the control
 * plane asks the balancer for `port_mapping = {443: 6443}` (src/charm.py `configure_loadbalancers`),
 * and the balancer answers with its own `loadbalancer-ips` when set (the IPv6 API), else its unit's
 * public address. Workers use the balancer's 6443 listener, between cluster nodes.
 */
export const API_CLIENT_PORT = 443;

/** An ICMP message admitted from anywhere: its family, type and code, and the whole family as source. */
export interface IcmpRule {
    readonly description: string;
    readonly family: Family;
    readonly type: number;
    readonly code: number;
    /** Anywhere in the family. */
    readonly cidr: string;
}

/**
 * Path MTU discovery, and only that: IPv4 "fragmentation needed" (ICMP type 3 code 4, RFC 1191) and
 * ICMPv6 "packet too big" (type 2 code 0, RFC 4443; RFC 8201) come from whichever router on the path
 * has the smaller MTU, not from the client, so they are admitted from anywhere, on every node and
 * on the cloud load balancer's group. Each cloud renders them (aws/ and openstack/DualStackNetwork).
 */
export const PATH_MTU_RULES: readonly IcmpRule[] = [
    {
        description: "path MTU discovery (ICMP fragmentation needed) from anywhere",
        family: "IPv4",
        type: 3,
        code: 4,
        cidr: "0.0.0.0/0",
    },
    {
        description: "path MTU discovery (ICMPv6 packet too big) from anywhere",
        family: "IPv6",
        type: 2,
        code: 0,
        cidr: "::/0",
    },
];

/** What is opened to the outside, besides the lists of sources. */
export interface IngressOptions {
    /** A cloud load balancer is put in front of the workers. */
    readonly loadBalancer: boolean;
}

/**
 * Ingress from outside the cluster: SSH from admin ranges on every node, the API port the
 * kubeconfig really uses on the API node, NodePorts on workers, and the load balancer's port,
 * in both families (this replaces `juju open-port`, which cannot open IPv6 NodePorts). Nothing is
 * opened unless a range is configured. Traffic between cluster nodes (Calico VXLAN included) is
 * allowed separately, by group membership: see clusterInternalRules.
 */
export function ingressRules(
    adminCidrs: readonly string[],
    nodePortCidrs: readonly string[],
    options: IngressOptions = { loadBalancer: false },
): IngressRule[] {
    const rules: IngressRule[] = [];
    const rule = (description: string, port: readonly [number, number], cidr: string, nodes: RuleTarget): IngressRule => ({
        description: `${description} from ${cidr}`,
        protocol: "tcp",
        fromPort: port[0],
        toPort: port[1],
        cidr,
        family: familyOf(cidr),
        nodes,
    });
    for (const cidr of adminCidrs) {
        rules.push(rule("ssh", [22, 22], cidr, "all"));
        rules.push(rule("kubernetes api", [API_CLIENT_PORT, API_CLIENT_PORT], cidr, "api"));
    }
    for (const cidr of nodePortCidrs) {
        rules.push(rule("nodeports", [NODE_PORT_RANGE.from, NODE_PORT_RANGE.to], cidr, "worker"));
        if (options.loadBalancer) rules.push(rule("nginx load balancer", [LOAD_BALANCER_PORT, LOAD_BALANCER_PORT], cidr, "load-balancer"));
    }
    return rules;
}

/** A rule between cluster nodes, by group membership. */
export interface InternalRule {
    readonly description: string;
    /** `all` protocols, or one. */
    readonly protocol: "all" | "tcp" | "udp";
    readonly family: Family;
}

/**
 * Traffic between cluster nodes, both families, all protocols: etcd, the API, kubelets, and
 * Calico's VXLAN (UDP 4789) between node addresses, which carries pod traffic of both pools
 * because the bundle sets `vxlan: Always`.
 */
export function clusterInternalRules(): InternalRule[] {
    return (["IPv4", "IPv6"] as const).map((family) => ({
        description: `all traffic between cluster nodes over ${family} (Calico VXLAN UDP ${VXLAN_PORT} included)`,
        protocol: "all",
        family,
    }));
}

/** Whether internal rules admit a protocol in a family (e.g. VXLAN: udp, IPv6). */
export function internalAdmits(rules: readonly InternalRule[], protocol: "tcp" | "udp", family: Family): boolean {
    return rules.some((rule) => rule.family === family && (rule.protocol === "all" || rule.protocol === protocol));
}
