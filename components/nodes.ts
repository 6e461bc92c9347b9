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

/** Role names of a node count, e.g. ["control-plane"] for index 0 of the control plane. */
export function nodeNames(controlPlaneCount: number, workerCount: number): { name: string; roles: Role[] }[] {
    return [
        ...Array.from({ length: controlPlaneCount }, (_, i) => ({ name: `cp-${i}`, roles: ["control-plane"] as Role[] })),
        ...Array.from({ length: workerCount }, (_, i) => ({ name: `worker-${i}`, roles: ["worker"] as Role[] })),
    ];
}
