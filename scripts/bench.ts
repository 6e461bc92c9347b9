// npm run bench: times the sandbox `up` against its critical path, on the real engine (the Pulumi
// CLI in the project folder, as users run it).
// Writes out/bench.json. The simulator's delays are fixed here so the lower bound is known.
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import * as yaml from "js-yaml";
import { apiServerReady } from "../simulator/cluster";
import { readCalls as calls, readState as simState } from "../simulator/state";
import { ROOT, openStack, sandboxEnv } from "./lib/sandbox";

// Real deployments take many minutes; these keep the run short while the fixed costs (engine,
// one process start per juju call) stay visible in overheadSeconds.
const DELAYS = { machine: 10, deploy: 10, settle: 60 };
/** The sandbox stack's settings with the default-like poll interval of a real deployment. */
const POLL_SECONDS = 5;
const BENCH_STACK_FILE = path.join(ROOT, "Pulumi.bench.yaml");
const WORK = path.join(ROOT, ".sandbox", "bench");
const SIM_HOME = path.join(WORK, "juju-sim");
const ENV = {
    CK_DUALSTACK_SANDBOX_STATE: path.join(WORK, "state"),
    CK_JUJU_SIM_HOME: SIM_HOME,
    CK_JUJU_SIM_MACHINE_SECONDS: String(DELAYS.machine),
    CK_JUJU_SIM_DEPLOY_SECONDS: String(DELAYS.deploy),
    CK_JUJU_SIM_SETTLE_SECONDS: String(DELAYS.settle),
};
const quiet = { onOutput: () => undefined, color: "never" as const };
const seconds = (ms: number) => Math.round(ms) / 1000;

/** Watches for the simulated control plane and notes when kube-apiserver first answers /readyz. */
function watchApiServer(): { readyAt: () => number | undefined; stop: () => void } {
    let readyAt: number | undefined;
    let stopped = false;
    (async () => {
        while (!stopped && readyAt === undefined) {
            try {
                const server = Object.values(simState().models)[0]?.apiserver;
                if (server && (await apiServerReady(server))) readyAt = Date.now();
            } catch {
                // not deployed yet
            }
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
    })();
    return { readyAt: () => readyAt, stop: () => (stopped = true) };
}

/**
 * The engine's own time for an empty program on the same path: the CLI in a project folder,
 * the Node.js language host, ts-node and @pulumi/pulumi's run script, no resources.
 */
async function emptyProgramSeconds(): Promise<number> {
    const dir = path.join(WORK, "empty");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        "name: ck-bench-empty\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: index.ts\n",
    );
    fs.writeFileSync(path.join(dir, "index.ts"), "export = async () => ({});\n");
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "bench", workDir: dir }, { envVars: sandboxEnv(ENV) });
    const start = Date.now();
    await stack.up(quiet);
    const elapsed = Date.now() - start;
    await stack.destroy(quiet);
    return elapsed;
}

async function main(): Promise<void> {
    fs.rmSync(WORK, { recursive: true, force: true });
    fs.mkdirSync(path.join(WORK, "state"), { recursive: true });
    const engineMs = await emptyProgramSeconds();
    const sandbox = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.sandbox.yaml"), "utf8")) as { config: Record<string, unknown> };
    fs.writeFileSync(BENCH_STACK_FILE, yaml.dump({ config: { ...sandbox.config, "ck-dualstack:pollSeconds": String(POLL_SECONDS) } }));
    const stack = await openStack("bench", ENV);
    const pollSeconds = POLL_SECONDS;
    // The waiter returns only after units stayed settled this long: part of the critical path.
    const idleMs = Number(sandbox.config["ck-dualstack:idleSeconds"] ?? 30) * 1000;
    const watcher = watchApiServer();
    const start = Date.now();
    try {
        await stack.up(quiet);
        const upMs = Date.now() - start;
        watcher.stop();
        const log = calls();
        const deployAt = log.find((c) => c.args[0] === "deploy")!.at;
        const units = Object.values(Object.values(simState().models)[0].applications).flatMap((app) => Object.values(app.units));
        const unitsSettledAt = Math.max(...units.map((u) => u.settleAt));
        const apiReadyAt = watcher.readyAt() ?? unitsSettledAt;
        const settledAt = Math.max(unitsSettledAt, apiReadyAt) + idleMs;
        const returnedAt = log.find((c) => c.args[0] === "run" && c.args.includes("get-kubeconfig"))!.at;
        // The critical path: one machine enlisting (they run in parallel), the deploy call, units
        // settling (or kube-apiserver starting, if slower), staying settled for the idle period,
        // plus the engine's own time.
        const criticalPathMs =
            (DELAYS.machine + DELAYS.deploy) * 1000 + Math.max(DELAYS.settle * 1000, apiReadyAt - deployAt - DELAYS.deploy * 1000) + idleMs;
        const lowerBoundMs = criticalPathMs + engineMs;
        const mutatingBefore = calls().filter((c) => c.mutating).length;
        await stack.up(quiet);
        const noopMutations = calls().filter((c) => c.mutating).length - mutatingBefore;
        const result = {
            upSeconds: seconds(upMs),
            lowerBoundSeconds: seconds(lowerBoundMs),
            ratio: Math.round((upMs / lowerBoundMs) * 1000) / 1000,
            overheadSeconds: seconds(upMs - lowerBoundMs),
            noopUpJujuMutations: noopMutations,
            readyDetectionSeconds: seconds(returnedAt - settledAt),
            pollSeconds,
            detail: {
                simulatorDelaysSeconds: DELAYS,
                emptyProgramEngineSeconds: seconds(engineMs),
                kubeApiserverReadyAfterDeploySeconds: seconds(apiReadyAt - deployAt),
                criticalPathSeconds: seconds(criticalPathMs),
                idlePeriodSeconds: seconds(idleMs),
            },
            targets: {
                ratioAtMost1_2: upMs / lowerBoundMs <= 1.2,
                noMutationsOnNoopUp: noopMutations === 0,
                readyDetectionWithinOnePoll: (returnedAt - settledAt) / 1000 <= pollSeconds,
            },
        };
        fs.mkdirSync(path.join(ROOT, "out"), { recursive: true });
        fs.writeFileSync(path.join(ROOT, "out", "bench.json"), `${JSON.stringify(result, null, 2)}\n`);
        console.log(JSON.stringify(result, null, 2));
    } finally {
        watcher.stop();
        await stack.destroy(quiet);
        await stack.workspace.removeStack("bench");
        fs.rmSync(BENCH_STACK_FILE, { force: true });
    }
}

main().catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
});
