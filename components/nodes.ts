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

/** A node to create: its name, roles, and whether clients reach the API on it. */
export interface NodeName {
    readonly name: string;
    readonly roles: Role[];
    /**
     * The first worker: it carries kubeapi-load-balancer (placementOverlay), whose
     * `loadbalancer-ips` is its IPv6 address when the API is reached over IPv6, so the API port is
     * opened on it alone.
     */
    readonly api: boolean;
}

/** Names and roles of a node count, control plane first, e.g. cp-0, cp-1, worker-0 (the API node). */
export function nodeNames(controlPlaneCount: number, workerCount: number): NodeName[] {
    return [
        ...Array.from({ length: controlPlaneCount }, (_, i) => ({ name: `cp-${i}`, roles: ["control-plane"] as Role[], api: false })),
        ...Array.from({ length: workerCount }, (_, i) => ({ name: `worker-${i}`, roles: ["worker"] as Role[], api: i === 0 })),
    ];
}
