import * as pulumi from "@pulumi/pulumi";
import { ValidConfig } from "./config/load";
import { ClusterNode } from "./nodes";

/** What a cloud hands on to the Juju layer: the nodes, and what a load balancer needs. */
export interface CloudNodes {
    readonly nodes: ClusterNode[];
    /** How long enlisting waits for sshd on a node: new instances take minutes to boot; sandbox nodes have no sshd. */
    readonly sshWaitSeconds: number;
    /**
     * Hosts outlive their Juju machines (existing hosts; the sandbox's simulated ones), so Juju's
     * clean-up must run on them before they can be enlisted again; cloud instances go with them.
     */
    readonly cleanUpHosts: boolean;
    /** The cloud load balancer in front of the workers' NodePort, when loadBalancer is not none; returns its address. */
    readonly loadBalancer?: (nodePort: pulumi.Output<number>) => pulumi.Output<string>;
}

/** The one function each cloud folder exports (components/<cloud>/index.ts): its nodes for a valid config. */
export type CloudNodesFunction = (valid: ValidConfig) => CloudNodes;

/** New instances have an address well before sshd answers (cloud-init, first boot). */
export const NEW_INSTANCE_SSH_WAIT_SECONDS = 600;

/** The workers among the nodes: what a cloud load balancer forwards to. */
export function workersOf(nodes: readonly ClusterNode[]): ClusterNode[] {
    return nodes.filter((node) => node.roles.includes("worker"));
}
