import type { DeploymentInputs } from "../../components/juju/providers/deployment";
import { planFamilies } from "../../components/net/families";

/** The seed's pod and service ranges, as validation plans them. */
export const SEED_FAMILIES = planFamilies("192.168.0.0/16,fd00:c00b:1::/112", "10.152.183.0/24,fd00:c00b:2::/112");

/**
 * The cluster both the provider tests and the simulator tests deploy: one control plane, one worker
 * and the load-balancer machine (kubeapi-load-balancer alone), the seed's ranges, the worker's
 * ingress off and a 10-minute removal grace (what earlier versions used).
 */
export const TWO_NODE_DEPLOYMENT = {
    bundle: "charmed-kubernetes",
    channel: "1.35/stable",
    families: SEED_FAMILIES,
    loadbalancerIps: "",
    machines: [
        { id: "0", roles: ["control-plane"] },
        { id: "1", roles: ["worker"] },
        { id: "2", roles: ["load-balancer"] },
    ],
    nodes: [
        { name: "cp-0", roles: ["control-plane"] },
        { name: "worker-0", roles: ["worker"] },
        { name: "lb-0", roles: ["load-balancer"] },
    ],
    workerIngress: "false",
    removeGraceMinutes: 10,
    upgradeDrain: true,
} satisfies Partial<DeploymentInputs>;
