// The sandbox stack through the Automation API: the real Pulumi engine (the CLI on PATH) runs
// the program in this process, so no separate Node.js language host binary is needed.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { program } from "../../components/program";
import { alive } from "../../simulator/state";

export const ROOT = path.resolve(__dirname, "..", "..");
export const SANDBOX_DIR = path.join(ROOT, ".sandbox");
/** Public, sandbox-only passphrase (README, "Sandbox"); it protects nothing of value. */
export const SANDBOX_PASSPHRASE = "ck-dualstack-sandbox";

/** The sandbox's state folder (CK_DUALSTACK_SANDBOX_STATE lets tests keep their own). */
export function stateDir(): string {
    return process.env.CK_DUALSTACK_SANDBOX_STATE ?? path.join(SANDBOX_DIR, "state");
}

/** Engine settings for an offline, file-backed sandbox. */
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

/**
 * Selects (or creates) a stack of this project with its config from Pulumi.<stack>.yaml.
 * `extra` environment reaches the engine and, through it, the providers and the simulator.
 */
export async function openStack(stackName = "sandbox", extra: Record<string, string> = {}): Promise<Stack> {
    Object.assign(process.env, extra);
    const env = sandboxEnv(extra);
    fs.mkdirSync(stateDir(), { recursive: true });
    clearStaleLocks(stateDir());
    // The providers run in processes the engine starts; they read the simulator's settings from here.
    Object.assign(process.env, env);
    return LocalWorkspace.createOrSelectStack({ stackName, projectName: "ck-dualstack", program }, { workDir: ROOT, envVars: env });
}

/**
 * `pulumi stack export` as stored: secrets stay encrypted. (The Automation API's exportStack
 * passes --show-secrets, so it is not used for anything written or compared.)
 */
export function exportEncrypted(stack: Stack): { resources?: { type: string; outputs?: Record<string, unknown> }[] } {
    const out = execFileSync("pulumi", ["stack", "export", "--stack", stack.name, "--non-interactive"], {
        cwd: ROOT,
        env: { ...process.env, ...stack.workspace.envVars },
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    return (JSON.parse(out) as { deployment: ReturnType<typeof exportEncrypted> }).deployment;
}

/** The root stack resource's outputs, secrets encrypted. */
export function encryptedOutputs(stack: Stack): Record<string, unknown> {
    return exportEncrypted(stack).resources?.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs ?? {};
}
