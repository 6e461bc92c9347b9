// The Deployment of a cluster seeded into the Juju simulator (simSeed.ts seedModel): machine 0 the
// control plane, 1 the balancer, 2.. the workers, nodes named as the configuration names them, and
// waits short enough for unit tests (the simulator's hooks take seconds, not minutes).
import * as path from "node:path";
import { BUNDLE_APPLICATIONS } from "../../components/juju/JujuCluster";
import { DeploymentInputs, DeploymentOutputs } from "../../components/juju/providers/deployment";
import { SEED_FAMILIES } from "./deployment";

/** The simulator's juju, and the model seedModel writes. */
export const SIM_JUJU = path.resolve(__dirname, "..", "..", "simulator", "juju");
export const SIM_MODEL = "sim:up";

export function simDeploymentInputs(channel: string, options: { workers?: number; upgradeDrain?: boolean } = {}): DeploymentInputs {
    const workers = Array.from({ length: options.workers ?? 2 }, (_, i) => i);
    return {
        jujuPath: SIM_JUJU,
        modelRef: SIM_MODEL,
        bundle: "charmed-kubernetes",
        channel,
        families: SEED_FAMILIES,
        loadbalancerIps: "",
        machines: [
            { id: "0", roles: ["control-plane"] },
            { id: "1", roles: ["load-balancer"] },
            ...workers.map((i) => ({ id: String(2 + i), roles: ["worker"] })),
        ],
        expectedApplications: BUNDLE_APPLICATIONS,
        nodes: [
            { name: "cp-0", roles: ["control-plane"] },
            { name: "lb-0", roles: ["load-balancer"] },
            ...workers.map((i) => ({ name: `worker-${i}`, roles: ["worker"] })),
        ],
        workerIngress: "",
        removeGraceMinutes: 10,
        upgradeDrain: options.upgradeDrain ?? true,
        pollSeconds: 0.2,
        idleSeconds: 0.5,
        timeoutMinutes: 1,
        blockedGraceMinutes: 0.5,
        errorGraceMinutes: 0.1,
        outageMinutes: 0.5,
        downGraceMinutes: 0,
    };
}

/** The stored state of that Deployment, as create recorded it. */
export const simDeploymentOutputs = (inputs: DeploymentInputs): DeploymentOutputs => ({
    ...inputs,
    overlay: {},
    controlPlaneApp: "kubernetes-control-plane",
    generation: "g1",
    charmServiceCidr: "10.152.183.0/24,fd00:c00b:2::/112",
});
