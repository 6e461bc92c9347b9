import { execFile } from "child_process";

/** Why a Juju call failed, as far as the caller needs to act on it. */
export type JujuFailure = "missing" | "not-found" | "already-exists" | "unreachable" | "timeout" | "other";

/** A failed Juju call: which command, the kind of failure, and what juju said. */
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
    /** Attempts for transient failures (controller unreachable), including the first. */
    readonly attempts?: number;
    /** First backoff delay in milliseconds; doubles each retry. */
    readonly backoffMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_ATTEMPTS = 5;
const DEFAULT_BACKOFF_MS = Number(process.env.CK_JUJU_BACKOFF_MS ?? 1000);

/** Sorts juju's error text into the failures callers handle differently. */
export function classifyFailure(stderr: string): JujuFailure {
    if (/already exists|already provisioned/i.test(stderr)) return "already-exists";
    if (/not found|does not exist|no such (model|machine|application|unit)/i.test(stderr)) return "not-found";
    if (
        /cannot connect|connection refused|unable to connect|i\/o timeout|no route to host|connection reset|try again|controller .* unavailable|EOF$/im.test(
            stderr,
        )
    ) {
        return "unreachable";
    }
    return "other";
}

/** What juju said: its ERROR lines, or else the first line and the last two (a crash's message and where). */
function summarize(text: string): string {
    const lines = text
        .trim()
        .split("\n")
        .filter((line) => line.trim() !== "");
    const errors = lines.filter((line) => line.startsWith("ERROR"));
    const picked = errors.length > 0 ? errors : lines.length > 3 ? [lines[0], ...lines.slice(-2)] : lines;
    return picked.join(" | ") || "(no output)";
}

/** What a successful call printed. */
export interface JujuOutput {
    readonly stdout: string;
    readonly stderr: string;
}

function runOnce(options: JujuOptions, args: readonly string[]): Promise<JujuOutput> {
    const command = args.slice(0, 2).join(" ");
    return new Promise((resolve, reject) => {
        execFile(
            options.jujuPath,
            args,
            { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, env: process.env },
            (error, stdout, stderr) => {
                if (!error) return resolve({ stdout, stderr });
                const code = (error as NodeJS.ErrnoException).code;
                if (code === "ENOENT") {
                    return reject(
                        new JujuError(
                            "missing",
                            command,
                            `no Juju CLI at "${options.jujuPath}"; install the juju snap (3.6) or set ck-dualstack:jujuPath`,
                        ),
                    );
                }
                if (error.killed || (error as { signal?: string }).signal === "SIGTERM") {
                    return reject(
                        new JujuError(
                            "timeout",
                            command,
                            `no answer within ${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)}s`,
                        ),
                    );
                }
                reject(new JujuError(classifyFailure(stderr), command, summarize(stderr || stdout)));
            },
        );
    });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs juju with execFile (no shell). Retries only when the controller was unreachable,
 * with exponential backoff; every other failure is final.
 */
export async function runJuju(options: JujuOptions, args: readonly string[]): Promise<JujuOutput> {
    const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
    let delay = options.backoffMs ?? DEFAULT_BACKOFF_MS;
    for (let attempt = 1; ; attempt++) {
        try {
            return await runOnce(options, args);
        } catch (error) {
            if (!(error instanceof JujuError) || error.kind !== "unreachable" || attempt >= attempts) throw error;
            console.log(`juju ${args[0]}: controller unreachable (${error.detail}); retry ${attempt}/${attempts - 1} in ${delay} ms`);
            await sleep(delay);
            delay *= 2;
        }
    }
}

/** Runs juju and parses its JSON output. */
export async function runJujuJson<T>(options: JujuOptions, args: readonly string[]): Promise<T> {
    const text = (await runJuju(options, [...args, "--format=json"])).stdout;
    try {
        return JSON.parse(text) as T;
    } catch {
        throw new JujuError("other", args[0], `output was not JSON: ${text.slice(0, 200)}`);
    }
}

/** Juju 3.x is supported; 2.9 and 4.x are refused with the reason. */
export function checkJujuVersion(versionText: string): void {
    const match = /^(\d+)\.(\d+)/.exec(versionText.trim());
    if (!match) throw new JujuError("other", "version", `cannot read the Juju version from "${versionText.trim()}"`);
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
