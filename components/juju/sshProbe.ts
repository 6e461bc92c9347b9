import * as net from "net";

/** What to wait for, and how long. */
export interface SshProbeOptions {
    /** Address to probe (IPv4, IPv6 without brackets, or a name). */
    readonly host: string;
    /** SSH port. */
    readonly port?: number;
    /** Give up after this long (milliseconds). */
    readonly timeoutMs: number;
    /** Pause between attempts (milliseconds). */
    readonly intervalMs?: number;
    /** Longest a single attempt may take, connect plus banner (milliseconds). */
    readonly attemptMs?: number;
    /** Progress lines, e.g. console.log (a dynamic provider's pulumi.log is not shown). */
    readonly log?: (line: string) => void;
}

/** How one attempt ended. */
export type ProbeResult = { ok: true; banner: string } | { ok: false; reason: string };

/**
 * One attempt: connect and read the server's identification line. sshd sends
 * `SSH-2.0-<software>` first (RFC 4253 section 4.2), possibly after other lines, so a port that
 * accepts connections but is not (yet) sshd does not count.
 */
export function probeSshOnce(host: string, port: number, attemptMs: number): Promise<ProbeResult> {
    return new Promise((resolve) => {
        let received = "";
        let done = false;
        const socket = net.connect({ host, port });
        const finish = (result: ProbeResult) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            socket.destroy();
            resolve(result);
        };
        const timer = setTimeout(
            () => finish({ ok: false, reason: received ? "no SSH banner" : `no answer within ${attemptMs} ms` }),
            attemptMs,
        );
        socket.setEncoding("latin1");
        socket.on("data", (chunk: string) => {
            received += chunk;
            const complete = received
                .split("\n")
                .slice(0, -1)
                .map((line) => line.replace(/\r$/, ""));
            const banner = complete.find((line) => line.startsWith("SSH-"));
            if (banner !== undefined) {
                finish(banner.startsWith("SSH-2.0-") ? { ok: true, banner } : { ok: false, reason: `unsupported banner "${banner}"` });
            } else if (received.length > 8192) finish({ ok: false, reason: "no SSH banner in the first 8 KiB" });
        });
        socket.on("error", (error: NodeJS.ErrnoException) => finish({ ok: false, reason: error.code ?? error.message }));
        socket.on("close", () => finish({ ok: false, reason: received ? "closed before an SSH banner" : "closed" }));
    });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until sshd answers on the host, so `juju add-machine ssh:` is not tried against a node that
 * is still booting (an address exists well before sshd does). Bounded by timeoutMs; says what it
 * waits for, and when the last reason changes; throws naming the host and how long it waited.
 * Returns the server's banner.
 */
export async function waitForSsh(options: SshProbeOptions): Promise<string> {
    const port = options.port ?? 22;
    const interval = options.intervalMs ?? 5000;
    const log = options.log ?? (() => undefined);
    const target = options.host.includes(":") ? `[${options.host}]:${port}` : `${options.host}:${port}`;
    const started = Date.now();
    const elapsed = () => ((Date.now() - started) / 1000).toFixed(1);
    let lastReason = "";
    let attempts = 0;
    log(`waiting for SSH on ${target} (up to ${(options.timeoutMs / 1000).toFixed(1)} s)`);
    for (;;) {
        attempts++;
        const left = options.timeoutMs - (Date.now() - started);
        const result = await probeSshOnce(options.host, port, Math.max(1, Math.min(options.attemptMs ?? 10000, left)));
        if (result.ok) {
            log(`SSH answers on ${target} after ${elapsed()} s: ${result.banner}`);
            return result.banner;
        }
        if (result.reason !== lastReason) {
            log(`SSH on ${target} not ready after ${elapsed()} s (attempt ${attempts}): ${result.reason}`);
            lastReason = result.reason;
        }
        if (Date.now() - started + interval >= options.timeoutMs) {
            // Enlisting SSH comes from the Juju client (this machine), not the controller: `juju
            // add-machine ssh:` connects from where it runs (Juju's manual-cloud docs).
            throw new Error(
                `SSH on ${target} did not answer within ${elapsed()} s ` +
                    `(${attempts} attempts, last: ${result.reason}); is the node up, and does its firewall admit this machine (adminCidrs)?`,
            );
        }
        await sleep(interval);
    }
}
