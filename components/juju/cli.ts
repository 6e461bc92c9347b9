import { spawn } from "child_process";
import { traceJujuCall } from "./trace";

/** Why a Juju call failed, as far as the caller needs to act on it. */
export type JujuFailure = "missing" | "not-found" | "already-exists" | "unreachable" | "timeout" | "flood" | "malformed" | "other";

/** A failed Juju call: which command, the kind of failure, and what juju said (capped, never secrets). */
export class JujuError extends Error {
    constructor(
        readonly kind: JujuFailure,
        readonly command: string,
        readonly detail: string,
    ) {
        super(`juju ${command} failed (${kind}): ${detail}`);
        this.name = "JujuError";
    }
}

/** How to run the Juju CLI. */
export interface JujuOptions {
    /** The executable: a path or a name on PATH. */
    readonly jujuPath: string;
    /** Per-call timeout in milliseconds. */
    readonly timeoutMs?: number;
    /** After the timeout's SIGTERM, how long the process group gets before SIGKILL. */
    readonly killGraceMs?: number;
    /** Attempts for transient failures (controller unreachable), including the first. */
    readonly attempts?: number;
    /** First backoff delay in milliseconds; doubles each retry. */
    readonly backoffMs?: number;
    /** The call's output may hold secrets (action results, kubeconfigs): errors quote none of it. */
    readonly sensitive?: boolean;
    /** Most bytes of stdout plus stderr kept; a call that prints more is killed. */
    readonly maxOutputBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_KILL_GRACE_MS = 5_000;
const DEFAULT_ATTEMPTS = 5;
const DEFAULT_BACKOFF_MS = Number(process.env.CK_JUJU_BACKOFF_MS ?? 1000);
const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** Longest detail an error quotes: enough for juju's ERROR lines, never a whole document. */
export const MAX_DETAIL_CHARS = 400;

/**
 * Juju's not-found errors for the things ck-dualstack removes or reads: models, machines,
 * applications and units (juju/juju 3.6: `errors.NotFoundf("model %q")`, apiserver
 * `machine %s not found`, `application %q not found`, `unit %q not found`, remove-unit's `unit %q does
 * not exist`), and a model the client
 * still knows but the controller removed (cmd/modelcmd/base.go: `model %q has been removed from the
 * controller`). A missing controller, charm, action or anything else is not "already gone": it is a
 * real failure.
 */
const GONE = [
    /\bmodel "?[^\s"]+"? not found\b/i,
    /\bmodel "?[^\s"]+"? has been removed from the controller\b/i,
    /\bmachine "?\d+(\/[a-z]+\/\d+)*"? not found\b/i,
    /\bapplication "?[a-z][a-z0-9-]*"? not found\b/i,
    /\bunit "?[a-z][a-z0-9-]*\/\d+"? not found\b/i,
    // remove-unit of a unit already gone (apiserver/facades/client/application DestroyUnit: `unit %q does not exist`).
    /\bunit "?[a-z][a-z0-9-]*\/\d+"? does not exist\b/i,
];

/** Sorts juju's error text into the failures callers handle differently. */
export function classifyFailure(stderr: string): JujuFailure {
    if (/already exists|already provisioned/i.test(stderr)) return "already-exists";
    if (GONE.some((pattern) => pattern.test(stderr))) return "not-found";
    // "cannot acquire lock file": parallel juju commands contend for the client store's lock
    // (jujuclient/file.go; juju/juju#18949), which a later attempt gets.
    if (
        /cannot connect|connection refused|unable to connect|i\/o timeout|no route to host|connection reset|try again|controller .* unavailable|cannot acquire lock file|EOF$/im.test(
            stderr,
        )
    ) {
        return "unreachable";
    }
    return "other";
}

const cap = (text: string) => (text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)}… (cut)` : text);

/**
 * What juju said, for an error message: its ERROR lines, or else the first line and the last
 * two (a crash's message and where), capped. Sensitive calls quote ERROR lines of stderr only.
 */
export function summarize(stdout: string, stderr: string, sensitive = false): string {
    const lines = (text: string) =>
        text
            .trim()
            .split("\n")
            .filter((line) => line.trim() !== "");
    const errors = lines(stderr).filter((line) => line.startsWith("ERROR"));
    if (sensitive) return cap(errors.join(" | ")) || "(output withheld: it may hold secrets)";
    const all = lines(stderr || stdout);
    const picked = errors.length > 0 ? errors : all.length > 3 ? [all[0], ...all.slice(-2)] : all;
    return cap(picked.join(" | ")) || "(no output)";
}

/** What a successful call printed. */
export interface JujuOutput {
    readonly stdout: string;
    readonly stderr: string;
}

/** Signals the whole process group (juju may start helpers); the child may already be gone. */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
    if (pid === undefined) return;
    try {
        process.kill(-pid, signal);
    } catch {
        // already exited
    }
}

function runOnce(options: JujuOptions, args: readonly string[]): Promise<JujuOutput> {
    const command = args[0];
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    return new Promise((resolve, reject) => {
        // Its own process group, so a timeout reaches every process juju started.
        const child = spawn(options.jujuPath, args, { detached: true, stdio: ["ignore", "pipe", "pipe"], env: process.env });
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let bytes = 0;
        let failure: JujuError | undefined;
        let killTimer: NodeJS.Timeout | undefined;
        const stop = (error: JujuError) => {
            if (failure) return;
            failure = error;
            signalGroup(child.pid, "SIGTERM");
            killTimer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
        };
        const collect = (into: Buffer[]) => (chunk: Buffer) => {
            bytes += chunk.length;
            if (bytes > maxBytes) {
                stop(new JujuError("flood", command, `printed more than ${maxBytes} bytes; stopped it (output not quoted)`));
                return;
            }
            into.push(chunk);
        };
        child.stdout.on("data", collect(stdout));
        child.stderr.on("data", collect(stderr));
        const timer = setTimeout(
            () => stop(new JujuError("timeout", command, `no answer within ${Math.round(timeoutMs / 1000)}s; stopped it`)),
            timeoutMs,
        );
        child.on("error", (error: NodeJS.ErrnoException) => {
            clearTimeout(timer);
            if (error.code === "ENOENT") {
                reject(
                    new JujuError(
                        "missing",
                        command,
                        `no Juju CLI at "${options.jujuPath}"; install the juju snap (3.6) or set ck-dualstack:jujuPath`,
                    ),
                );
            } else reject(new JujuError("other", command, cap(error.message)));
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            if (killTimer) clearTimeout(killTimer);
            if (failure) return reject(failure);
            const out = { stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") };
            if (code === 0) return resolve(out);
            const detail = summarize(out.stdout, out.stderr, options.sensitive);
            const kind = options.sensitive && !out.stderr.includes("ERROR") ? "other" : classifyFailure(out.stderr || out.stdout);
            reject(new JujuError(kind, command, signal ? `${detail} (killed by ${signal})` : detail));
        });
    });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Failures worth another try: the controller did not answer, or the call hung. */
export function isTransient(error: unknown): boolean {
    return error instanceof JujuError && (error.kind === "unreachable" || error.kind === "timeout");
}

/** Juju commands that only read (`config` and `model-config` too when they set nothing). */
const READ_ONLY = new Set(["status", "show-model", "models", "controllers", "version", "ssh-keys", "export-bundle"]);

/** Whether a call may change a model or controller: anything not known to only read. */
export function mayChange(args: readonly string[]): boolean {
    const [command, ...rest] = args;
    if (READ_ONLY.has(command)) return false;
    if (command === "config" || command === "model-config")
        return rest.some((arg) => arg.includes("=") || arg.startsWith("--reset") || arg === "--file");
    return true;
}

let changingCalls = 0;

/** How many calls that may change a model this process has started: what was read before one is stale after it. */
export function changingCallsStarted(): number {
    return changingCalls;
}

/**
 * Runs juju without a shell. Retries only when the controller was unreachable, with exponential
 * backoff; every other failure is final.
 */
export async function runJuju(options: JujuOptions, args: readonly string[]): Promise<JujuOutput> {
    const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
    let delay = options.backoffMs ?? DEFAULT_BACKOFF_MS;
    if (mayChange(args)) changingCalls++;
    for (let attempt = 1; ; attempt++) {
        const start = Date.now();
        try {
            return await runOnce(options, args);
        } catch (error) {
            if (!(error instanceof JujuError) || error.kind !== "unreachable" || attempt >= attempts) throw error;
            console.log(`juju ${args[0]}: controller unreachable (${error.detail}); retry ${attempt}/${attempts - 1} in ${delay} ms`);
            await sleep(delay);
            delay *= 2;
        } finally {
            // Off unless the bench asks (trace.ts): the command word and how long this attempt took.
            traceJujuCall(args[0], Date.now() - start);
        }
    }
}

/** A check of parsed JSON: returns what is wrong with its shape, or undefined when it fits. */
export type ShapeCheck = (value: unknown) => string | undefined;

/** A JSON object (not null, not an array) whose listed keys, when present, are objects too. */
export function objectWith(...objectKeys: string[]): ShapeCheck {
    return (value) => {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            return `expected a JSON object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`;
        }
        for (const key of objectKeys) {
            const field = (value as Record<string, unknown>)[key];
            if (field !== undefined && (typeof field !== "object" || field === null || Array.isArray(field))) {
                return `expected "${key}" to be an object`;
            }
        }
        return undefined;
    };
}

/** Runs juju and parses its JSON output, checking its shape before anyone reads it. */
export async function runJujuJson<T>(options: JujuOptions, args: readonly string[], shape: ShapeCheck = objectWith()): Promise<T> {
    // A flag after `--` would be an argument (gnuflag ends flags there): the format goes before it.
    const end = args.indexOf("--");
    const withFormat = end < 0 ? [...args, "--format=json"] : [...args.slice(0, end), "--format=json", ...args.slice(end)];
    const text = (await runJuju(options, withFormat)).stdout;
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        const quoted = options.sensitive ? "" : `: ${cap(text.slice(0, 200))}`;
        throw new JujuError("malformed", args[0], `output was not JSON${quoted}`);
    }
    const problem = shape(parsed);
    if (problem) throw new JujuError("malformed", args[0], `unexpected output shape: ${problem}`);
    return parsed as T;
}

/** Juju 3.x is supported; 2.9 and 4.x are refused with the reason. */
export function checkJujuVersion(versionText: string): void {
    const match = /^(\d+)\.(\d+)/.exec(versionText.trim());
    if (!match) throw new JujuError("other", "version", `cannot read the Juju version from "${cap(versionText.trim())}"`);
    const major = Number(match[1]);
    if (major === 3) return;
    const why =
        major >= 4
            ? "Juju 4 cannot deploy bundles, and ck-dualstack deploys the charmed-kubernetes bundle; use the 3.6 LTS client (snap install juju --channel 3.6/stable)"
            : "Juju 2.9 lacks the `juju run` action syntax and the 3.x status fields ck-dualstack relies on; use the 3.6 LTS client";
    throw new JujuError("other", "version", `Juju ${versionText.trim()} is not supported: ${why}`);
}

/** Checks `juju version` once per process. */
const checked = new Map<string, Promise<void>>();
export function ensureSupportedJuju(options: JujuOptions): Promise<void> {
    let check = checked.get(options.jujuPath);
    if (!check) {
        check = runJuju(options, ["version"]).then((out) => checkJujuVersion(out.stdout));
        check.catch(() => checked.delete(options.jujuPath));
        checked.set(options.jujuPath, check);
    }
    return check;
}
