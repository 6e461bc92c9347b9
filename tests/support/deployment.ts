import type { DeploymentInputs } from "../../components/juju/providers/deployment";

/**
 * The cluster both the provider tests and the simulator tests deploy: one control plane, one worker
 * and the load-balancer machine (kubeapi-load-balancer alone), the seed's ranges.
 */
export const TWO_NODE_DEPLOYMENT = {
    bundle: "charmed-kubernetes",
    channel: "1.35/stable",
    podCidr: "192.168.0.0/16,fd00:c00b:1::/112",
    serviceCidr: "10.152.183.0/24,fd00:c00b:2::/112",
    loadbalancerIps: "",
    machines: [
        { id: "0", roles: ["control-plane"] },
        { id: "1", roles: ["worker"] },
        { id: "2", roles: ["load-balancer"] },
    ],
} satisfies Partial<DeploymentInputs>;
