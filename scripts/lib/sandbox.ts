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
import { CONFIG_KEYS } from "../../components/config/keys";
import { readStackFile } from "../../components/config/stackFile";
import { commandLine } from "../../simulator/processes";
import { alive } from "../../simulator/state";

export const ROOT = path.resolve(__dirname, "..", "..");
export const SANDBOX_DIR = path.join(ROOT, ".sandbox");
/** Public, sandbox-only passphrase (docs/sandbox.md); it protects nothing of value. */
export const SANDBOX_PASSPHRASE = "ck-dualstack-sandbox";

/** The sandbox's state folder (CK_DUALSTACK_SANDBOX_STATE lets tests keep their own). */
export function stateDir(): string {
    return process.env.CK_DUALSTACK_SANDBOX_STATE ?? path.join(SANDBOX_DIR, "state");
}

/** Engine settings for an offline, file-backed sandbox (docs/sandbox.md's lines, plus the simulator's home). */
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
                `run real stacks with the Pulumi CLI and your own backend and secrets (docs/clouds.md).`,
        );
}

/** The Juju controller (empty: the client's current one) and model a stack deploys into, as configured. */
export function stackModel(projectDir: string, stackName: string): { controller: string; model: string } {
    const config = readStackFile(projectDir, stackName);
    return {
        controller: config.controller ?? CONFIG_KEYS.controller.default,
        model: config.model ?? CONFIG_KEYS.model.default,
    };
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

/** A process's parent pid (proc(5): the field after the command name in /proc/PID/stat); 0 when gone. */
function parentOf(pid: number): number {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) || 0;
    } catch {
        return 0;
    }
}

/** Whether a live Pulumi engine (the `pulumi` CLI) is among the process's ancestors. */
function underEngine(pid: number): boolean {
    for (let parent = parentOf(pid); parent > 1; parent = parentOf(parent)) {
        if (path.basename(commandLine(parent)?.[0] ?? "") === "pulumi" && alive(parent)) return true;
    }
    return false;
}

/**
 * Whether a process is one the Pulumi engine starts for this project: a plugin (a resource
 * provider such as pulumi-resource-kubernetes or the dynamic providers' shim, or the language
 * host), or the Node.js process it runs from this project's @pulumi/pulumi (the program, the
 * dynamic-provider host), in or naming `projectDir`.
 */
export function isProjectPlugin(argv: readonly string[], cwd: string, projectDir: string): boolean {
    const inProject = (file: string) => file === projectDir || file.startsWith(`${projectDir}${path.sep}`);
    const plugin = argv.slice(0, 2).some((arg) => /^pulumi-(resource|language)-/.test(path.basename(arg)));
    const sdkHost = argv.some((arg) => arg.startsWith(path.join(projectDir, "node_modules", "@pulumi") + path.sep));
    return (plugin && (inProject(cwd) || argv.some(inProject))) || sdkHost;
}

/**
 * Stops the plugins of this project whose engine is gone: a `pulumi up` killed with SIGKILL
 * cannot stop its providers, and they run on with no engine (reparented) until someone does.
 * A plugin under a live engine (another stack's update in this folder) is left alone.
 */
export function clearOrphanedPlugins(projectDir = ROOT): number[] {
    const orphans: number[] = [];
    for (const entry of fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
        const pid = Number(entry);
        const argv = commandLine(pid);
        let cwd = "";
        try {
            cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
        } catch {
            continue; // gone, or not ours to read
        }
        if (argv && pid !== process.pid && isProjectPlugin(argv, cwd, projectDir) && !underEngine(pid)) orphans.push(pid);
    }
    for (const pid of orphans) {
        console.log(
            `sandbox: stopping ${commandLine(pid)?.slice(0, 2).join(" ")} (pid ${pid}), left running by a Pulumi engine that was killed`,
        );
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // gone meanwhile
        }
    }
    return orphans;
}

/** The environment the CLI runs with: this process's, the sandbox settings, and `extra`. */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    return { ...process.env, ...sandboxEnv(extra) };
}

/** Prepares the state folder (created, stale locks of dead engines removed) and stops plugins of dead engines. */
function prepareState(extra: Record<string, string>, projectDir: string): void {
    const dir = extra.CK_DUALSTACK_SANDBOX_STATE ?? stateDir();
    fs.mkdirSync(dir, { recursive: true });
    clearStaleLocks(dir);
    clearOrphanedPlugins(projectDir);
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
    prepareState(extra, options.cwd ?? ROOT);
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
    prepareState(extra, projectDir);
    // This process reads the simulator's state (calls.log) with the same settings.
    Object.assign(process.env, env);
    return LocalWorkspace.createOrSelectStack({ stackName, workDir: projectDir }, { envVars: env });
}

type StackRef = Stack | { name: string; cwd?: string; extra?: Record<string, string> };

/** A stack's state as stored. */
export interface Deployment {
    resources?: { type: string; urn?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[];
    pending_operations?: PendingOperation[];
}

/** `pulumi stack export` whole: the schema version and the deployment. */
function exportState(stack: StackRef): { version: number; deployment: Deployment } {
    const isStack = stack instanceof Stack;
    const out = execFileSync("pulumi", ["stack", "export", "--stack", stack.name, "--non-interactive"], {
        cwd: isStack ? stack.workspace.workDir : (stack.cwd ?? ROOT),
        env: isStack ? { ...process.env, ...stack.workspace.envVars } : cliEnv(stack.extra ?? {}),
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(out) as { version: number; deployment: Deployment };
}

/**
 * `pulumi stack export` as stored: secrets stay encrypted. (The Automation API's exportStack
 * passes --show-secrets, so it is not used for anything written or compared.)
 */
export function exportEncrypted(stack: StackRef): Deployment {
    return exportState(stack).deployment;
}

/** A step the engine started and did not see finish (an update killed meanwhile), as `pulumi stack export` shows it. */
export interface PendingOperation {
    resource: { urn: string };
    type: string;
}

/**
 * Pending operations of an update that was killed: the engine keeps them in the state and warns on
 * every later update ("Attempting to deploy or update resources with N pending operations from
 * previous deployment") until they are cleared. One whose resource is in the state again (the next
 * update created or adopted it) is stale: it is dropped as Pulumi's troubleshooting guide says
 * ("Interrupted update recovery": export, remove the pending operation, import). Returns those
 * dropped and those left (their resource is not known to exist).
 */
export function clearStalePendingOperations(stack: { name: string; cwd?: string; extra?: Record<string, string> }): {
    cleared: PendingOperation[];
    left: PendingOperation[];
} {
    const { version, deployment: exported } = exportState(stack);
    const pending = exported.pending_operations ?? [];
    const known = new Set((exported.resources ?? []).map((r) => r.urn));
    const cleared = pending.filter((op) => known.has(op.resource.urn));
    const left = pending.filter((op) => !known.has(op.resource.urn));
    if (cleared.length === 0) return { cleared, left };
    const cwd = stack.cwd ?? ROOT;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ck-sandbox-state-")), "deployment.json");
    try {
        fs.writeFileSync(file, JSON.stringify({ version, deployment: { ...exported, pending_operations: left } }));
        execFileSync("pulumi", ["stack", "import", "--stack", stack.name, "--file", file, "--non-interactive"], {
            cwd,
            env: cliEnv(stack.extra ?? {}),
            stdio: ["ignore", "ignore", "pipe"],
        });
    } finally {
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
    return { cleared, left };
}

/** The root stack resource's outputs, secrets encrypted. */
export function encryptedOutputs(stack: Parameters<typeof exportEncrypted>[0]): Record<string, unknown> {
    return exportEncrypted(stack).resources?.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs ?? {};
}
