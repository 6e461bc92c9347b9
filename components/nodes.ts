import * as pulumi from "@pulumi/pulumi";
import { Role } from "./config/validate";

/** A host the cluster runs on, as every cloud component hands it to the Juju layer. */
export interface ClusterNode {
    /** Short name, unique in the stack. */
    readonly name: string;
    readonly roles: Role[];
    /** Always present: the charms need IPv4 on hosts, even for IPv6-only clusters. */
    readonly ipv4: pulumi.Input<string>;
    readonly ipv6: pulumi.Input<string[]>;
    /** User Juju logs in as to enlist the host. */
    readonly sshUser: string;
}

/** A node to create: its name and roles. */
export interface NodeName {
    readonly name: string;
    readonly roles: Role[];
    /**
     * Its number among the nodes of its role, the i of cp-i or worker-i: what decides its placement
     * (zoneSlot), so a change of the other role's count, or more nodes of its own role, never moves it.
     */
    readonly index: number;
}

/** The name of the node that carries kubeapi-load-balancer on the clouds ck-dualstack creates nodes on. */
export const BALANCER_NODE = "lb-0";

/**
 * Names and roles of a node count, control plane first, e.g. cp-0, cp-1, worker-0, worker-1, then
 * lb-0: kubeapi-load-balancer on a machine of its own, as Canonical's bundle places it. It cannot
 * share a machine with a worker: the worker charm closes 443 when its ingress is off and opens it
 * when on, the balancer holds 443, and Juju refuses to open or close a port another unit on the
 * machine holds (juju/juju worker/uniter/runner/context/ports.go). Clients reach the API on it
 * (its `loadbalancer-ips` is its IPv6 address when the API is reached over IPv6), so the API port
 * is opened on it alone.
 */
export function nodeNames(controlPlaneCount: number, workerCount: number): NodeName[] {
    return [
        ...Array.from({ length: controlPlaneCount }, (_, i) => ({
            name: `cp-${i}`,
            roles: ["control-plane"] as Role[],
            index: i,
        })),
        ...Array.from({ length: workerCount }, (_, i) => ({ name: `worker-${i}`, roles: ["worker"] as Role[], index: i })),
        { name: BALANCER_NODE, roles: ["load-balancer"] as Role[], index: 0 },
    ];
}

/**
 * The zone (subnet) a node goes in, out of `zones`: decided by its name alone (cp-i and worker-i go
 * to zone i mod zones), never by its position among all nodes, which shifts every worker when the
 * control-plane count changes. Each role is spread round robin from the first zone.
 */
export function zoneSlot(node: Pick<NodeName, "index">, zones: number): number {
    return node.index % zones;
}
