// The Deployment of a cluster seeded into the Juju simulator (simSeed.ts seedModel): machine 0 the
// control plane, 1 the balancer, 2.. the workers, nodes named as the configuration names them, and
// waits short enough for unit tests (the simulator's hooks take seconds, not minutes).
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before } from "node:test";
import { BUNDLE_APPLICATIONS } from "../../components/juju/JujuCluster";
import { DeploymentInputs, DeploymentOutputs } from "../../components/juju/providers/deployment";
import { SEED_FAMILIES } from "./deployment";
import { FakeKubeApi, fakeKubeApi, standInProcess } from "./simSeed";

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

/**
 * The Juju simulator and a fake Kubernetes API for one test file: `env` is set before its tests and
 * restored after them, the API answers for `nodes`, a stand-in process plays the simulated cluster's,
 * and `work` is removed at the end.
 */
export function simulatorHarness(
    work: string,
    env: Record<string, string>,
    nodes: string[],
): { readonly api: FakeKubeApi; readonly pid: number } {
    const saved: Record<string, string | undefined> = {};
    let api: FakeKubeApi | undefined;
    let standIn: ReturnType<typeof standInProcess> | undefined;
    before(async () => {
        for (const [key, value] of Object.entries(env)) {
            saved[key] = process.env[key];
            process.env[key] = value;
        }
        api = await fakeKubeApi(nodes);
        standIn = standInProcess();
    });
    after(async () => {
        for (const [key, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
        standIn?.kill();
        await api?.close();
        fs.rmSync(work, { recursive: true, force: true });
    });
    return {
        get api() {
            if (!api) throw new Error("the simulator harness starts before the tests");
            return api;
        },
        get pid() {
            return standIn!.pid!;
        },
    };
}

/** What `fn` printed on the console (the providers' progress lines), with its result. */
export async function printedBy<T>(fn: () => Promise<T>): Promise<{ result: T; said: string[] }> {
    const said: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void said.push(args.map(String).join(" "));
    try {
        return { result: await fn(), said };
    } finally {
        console.log = log;
    }
}
