// The sandbox stack on the user's path: the Pulumi CLI runs in the project folder, and its
// language host runs index.ts (Pulumi.yaml: nodejs with TypeScript) through
// @pulumi/pulumi/cmd/run, exactly as for `pulumi up` typed by hand. The driver (scripts/stack.ts)
// spawns the CLI; the tests and the bench use the Automation API's LocalWorkspace with a local
// program (workDir = the project, no inline program), which shells out to the same CLI.
import { SpawnSyncReturns, execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import * as yaml from "js-yaml";
import { alive } from "../../simulator/state";

export const ROOT = path.resolve(__dirname, "..", "..");
export const SANDBOX_DIR = path.join(ROOT, ".sandbox");
/** Public, sandbox-only passphrase (README, "Sandbox"); it protects nothing of value. */
export const SANDBOX_PASSPHRASE = "ck-dualstack-sandbox";

/** The sandbox's state folder (CK_DUALSTACK_SANDBOX_STATE lets tests keep their own). */
export function stateDir(): string {
    return process.env.CK_DUALSTACK_SANDBOX_STATE ?? path.join(SANDBOX_DIR, "state");
}

/** Engine settings for an offline, file-backed sandbox (the README's lines, plus the simulator's home). */
export function sandboxEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
        PULUMI_BACKEND_URL: `file://${extra.CK_DUALSTACK_SANDBOX_STATE ?? stateDir()}`,
        PULUMI_CONFIG_PASSPHRASE: SANDBOX_PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        CK_JUJU_SIM_HOME: process.env.CK_JUJU_SIM_HOME ?? path.join(SANDBOX_DIR, "juju-sim"),
        ...extra,
    };
}

/** Why the sandbox driver will not touch a stack. */
export class NotASandboxStack extends Error {}

/**
 * The sandbox driver uses a local backend and the public sandbox passphrase: it refuses any stack
 * whose `cloud` is not `sandbox` (explicitly, or by Pulumi.yaml's default), so that a real
 * cluster's kubeconfig is never stored under a published passphrase.
 */
export function assertSandboxStack(projectDir: string, stackName: string): void {
    const file = path.join(projectDir, `Pulumi.${stackName}.yaml`);
    if (!fs.existsSync(file))
        throw new NotASandboxStack(`sandbox: there is no ${path.basename(file)}; the sandbox driver only runs stacks with cloud: sandbox`);
    const config = ((yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> }).config ?? {};
    const project = yaml.load(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as {
        name: string;
        config?: Record<string, { default?: unknown }>;
    };
    const cloud = config[`${project.name}:cloud`] ?? project.config?.cloud?.default;
    if (cloud !== "sandbox")
        throw new NotASandboxStack(
            `sandbox: refusing stack "${stackName}": its cloud is ${JSON.stringify(cloud)}, not "sandbox". ` +
                "The sandbox driver keeps state in a local folder under the public sandbox passphrase; " +
                `run real stacks with the Pulumi CLI and your own backend and secrets (README, "Real deployments").`,
        );
}

/**
 * Removes stack locks left by an engine on this machine that no longer runs (an `up` that was
 * killed): what `pulumi cancel` would do, limited to holders that are certainly gone.
 */
export function clearStaleLocks(dir: string): void {
    const locks = path.join(dir, ".pulumi", "locks");
    if (!fs.existsSync(locks)) return;
    for (const entry of fs.readdirSync(locks, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !entry.name.endsWith(".json")) continue;
        const file = path.join(entry.parentPath, entry.name);
        const lock = JSON.parse(fs.readFileSync(file, "utf8")) as { pid: number; hostname: string; timestamp: string };
        if (lock.hostname === os.hostname() && !alive(lock.pid)) {
            console.log(
                `sandbox: removing the stack lock of engine pid ${lock.pid} (started ${lock.timestamp}), which is no longer running`,
            );
            fs.rmSync(file);
            fs.rmSync(`${file}.attrs`, { force: true });
        }
    }
}

/** The environment the CLI runs with: this process's, the sandbox settings, and `extra`. */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    return { ...process.env, ...sandboxEnv(extra) };
}

/** Prepares the state folder (created, stale locks of dead engines removed). */
function prepareState(extra: Record<string, string>): void {
    const dir = extra.CK_DUALSTACK_SANDBOX_STATE ?? stateDir();
    fs.mkdirSync(dir, { recursive: true });
    clearStaleLocks(dir);
}

/**
 * Runs `pulumi <args>` in the project folder, as a user would, with the sandbox settings.
 * Output goes to this process's terminal unless `capture` is set.
 */
export function pulumi(
    args: string[],
    options: { cwd?: string; extra?: Record<string, string>; capture?: boolean } = {},
): SpawnSyncReturns<string> {
    const extra = options.extra ?? {};
    prepareState(extra);
    return spawnSync("pulumi", args, {
        cwd: options.cwd ?? ROOT,
        env: cliEnv(extra),
        encoding: "utf8",
        stdio: options.capture ? "pipe" : "inherit",
        maxBuffer: 64 * 1024 * 1024,
    });
}

/**
 * Selects (or creates) stack `stackName` of the project in `projectDir` (config from its
 * Pulumi.<stack>.yaml) through the Automation API with a local program: every operation runs
 * the Pulumi CLI in that folder. `extra` environment reaches the engine and, through it, the
 * providers and the simulator.
 */
export async function openStack(stackName = "sandbox", extra: Record<string, string> = {}, projectDir = ROOT): Promise<Stack> {
    assertSandboxStack(projectDir, stackName);
    const env = sandboxEnv(extra);
    prepareState(extra);
    // This process reads the simulator's state (calls.log) with the same settings.
    Object.assign(process.env, env);
    return LocalWorkspace.createOrSelectStack({ stackName, workDir: projectDir }, { envVars: env });
}

/**
 * `pulumi stack export` as stored: secrets stay encrypted. (The Automation API's exportStack
 * passes --show-secrets, so it is not used for anything written or compared.)
 */
export function exportEncrypted(stack: Stack | { name: string; cwd?: string; extra?: Record<string, string> }): {
    resources?: { type: string; urn?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[];
} {
    const isStack = stack instanceof Stack;
    const out = execFileSync("pulumi", ["stack", "export", "--stack", stack.name, "--non-interactive"], {
        cwd: isStack ? stack.workspace.workDir : (stack.cwd ?? ROOT),
        env: isStack ? { ...process.env, ...stack.workspace.envVars } : cliEnv(stack.extra ?? {}),
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    return (JSON.parse(out) as { deployment: ReturnType<typeof exportEncrypted> }).deployment;
}

/** The root stack resource's outputs, secrets encrypted. */
export function encryptedOutputs(stack: Parameters<typeof exportEncrypted>[0]): Record<string, unknown> {
    return exportEncrypted(stack).resources?.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs ?? {};
}
