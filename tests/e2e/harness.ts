// What every end-to-end test file shares: a sandbox stack of its own, so that test runs (and the
// engineers running them) never collide. Each run gets its own stack name and stack file
// (Pulumi.e2e-<label>-<pid>.yaml, ignored by git), its own state folder and its own simulator
// home; the committed Pulumi.sandbox.yaml is only read. The engine is the Pulumi CLI running in
// the project folder (scripts/lib/sandbox.ts).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import * as yaml from "js-yaml";
import { ROOT, openStack, pulumi } from "../../scripts/lib/sandbox";

export const quiet = { onOutput: () => undefined, color: "never" as const };

export interface E2eSandbox {
    /** Stack name, e.g. e2e-main-1234. */
    readonly name: string;
    /** Its stack file in the project folder. */
    readonly stackFile: string;
    /** Scratch folder of this run (state, simulator home), outside git's view (.sandbox/). */
    readonly work: string;
    readonly simHome: string;
    /** Environment for the engine, the providers and the simulator. */
    readonly env: Record<string, string>;
    open(): Promise<Stack>;
    /** Destroys what is left, stops the simulator's processes, removes the stack and its files. */
    cleanUp(stack?: Stack): Promise<void>;
}

/** The sandbox stack's committed config (Pulumi.sandbox.yaml), without its encryption salt. */
export function sandboxConfig(): Record<string, unknown> {
    return (yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.sandbox.yaml"), "utf8")) as { config: Record<string, unknown> }).config;
}

export function e2eSandbox(label: string, config: Record<string, unknown> = {}, extraEnv: Record<string, string> = {}): E2eSandbox {
    const name = `e2e-${label}-${process.pid}`;
    const stackFile = path.join(ROOT, `Pulumi.${name}.yaml`);
    const work = path.join(ROOT, ".sandbox", name);
    const simHome = path.join(work, "juju-sim");
    const env = {
        CK_DUALSTACK_SANDBOX_STATE: path.join(work, "state"),
        CK_JUJU_SIM_HOME: simHome,
        CK_JUJU_SIM_SETTLE_SECONDS: "2",
        CK_JUJU_SIM_MACHINE_SECONDS: "0.5",
        CK_JUJU_SIM_DEPLOY_SECONDS: "0.5",
        CK_JUJU_BACKOFF_MS: "200",
        ...extraEnv,
    };
    fs.mkdirSync(work, { recursive: true });
    fs.writeFileSync(stackFile, yaml.dump({ config: { ...sandboxConfig(), ...config } }));
    return {
        name,
        stackFile,
        work,
        simHome,
        env,
        open: () => openStack(name, env),
        async cleanUp(stack?: Stack) {
            if (stack) await stack.destroy(quiet).catch(() => undefined);
            pulumi(["stack", "rm", "--yes", "--force", "--stack", name], { extra: env, capture: true });
            sweepSimulator(env.CK_JUJU_SIM_HOME, name);
            fs.rmSync(stackFile, { force: true });
            fs.rmSync(work, { recursive: true, force: true });
        },
    };
}

/**
 * Stops what the simulator with this home still runs for the stack's model (scripts/simulatorSweep.ts
 * of the checkout in `projectDir`, as `npm run sandbox:destroy` runs it), and any process this run's
 * engines left behind: a killed engine's provider plugins outlive it. They are recognised by this
 * run's own CK_JUJU_SIM_HOME in their environment, so nobody else's is touched.
 */
export function sweepSimulator(simHome: string, stack: string, projectDir = ROOT): ReturnType<typeof spawnSync> {
    const swept = spawnSync(
        "node",
        ["-r", "ts-node/register/transpile-only", path.join(projectDir, "scripts", "simulatorSweep.ts"), stack],
        {
            cwd: projectDir,
            env: { ...process.env, CK_JUJU_SIM_HOME: simHome },
            encoding: "utf8",
        },
    );
    for (const pid of fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
        if (Number(pid) === process.pid) continue;
        try {
            if (fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`CK_JUJU_SIM_HOME=${simHome}`))
                process.kill(Number(pid), "SIGKILL");
        } catch {
            // gone, or not ours
        }
    }
    return swept;
}
