import { JujuStatus, StatusView, interpretStatus } from "./status";

/** How to wait for a model to settle. */
export interface WaitOptions {
    /** Fetches `juju status`. */
    readonly poll: () => Promise<JujuStatus>;
    /** Applications the bundle deploys (a missing one is still pending). */
    readonly expectedApplications: readonly string[];
    /** Time between polls while units are still working. */
    readonly pollMs: number;
    /** Consecutive settled polls that count as settled (hooks can briefly go idle between runs). */
    readonly settledPolls: number;
    /** Give up after this long, naming what was still pending. */
    readonly timeoutMs: number;
    /** How long a unit may stay blocked before the wait fails. */
    readonly blockedGraceMs: number;
    /** Progress lines (printed only when the picture changes). */
    readonly log: (line: string) => void;
    readonly now?: () => number;
    readonly sleep?: (ms: number) => Promise<void>;
}

/** The wait failed: a unit in error, blocked too long, or the timeout. */
export class DeploymentFailed extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DeploymentFailed";
    }
}

const duration = (ms: number) => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)}s`);

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls status until every unit (subordinates included) is active and idle over `settledPolls`
 * consecutive polls, the confirmations spread over a quarter of a poll interval. Fails at once on an error, after the grace period on blocked, and at the timeout.
 */
export async function waitForSettled(options: WaitOptions): Promise<{ view: StatusView; status: JujuStatus }> {
    const now = options.now ?? Date.now;
    const sleep = options.sleep ?? realSleep;
    const start = now();
    const blockedSince = new Map<string, number>();
    let settledStreak = 0;
    let lastSummary = "";
    for (;;) {
        const polledAt = now();
        const status = await options.poll();
        const view = interpretStatus(status, options.expectedApplications);
        const elapsed = Math.round((now() - start) / 1000);
        if (view.summary !== lastSummary) {
            options.log(`[${elapsed}s] ${view.summary}`);
            lastSummary = view.summary;
        }
        if (view.errors.length > 0) {
            throw new DeploymentFailed(`deployment failed: ${view.errors.join("; ")}`);
        }
        for (const unit of view.blocked) {
            const since = blockedSince.get(unit.name) ?? now();
            blockedSince.set(unit.name, since);
            if (now() - since >= options.blockedGraceMs) {
                throw new DeploymentFailed(
                    `deployment failed: ${unit.name} has been blocked for ${Math.round((now() - since) / 1000)}s (grace ${Math.round(options.blockedGraceMs / 1000)}s): ${unit.message || "no message"}`,
                );
            }
        }
        for (const name of [...blockedSince.keys()]) {
            if (!view.blocked.some((unit) => unit.name === name)) blockedSince.delete(name);
        }
        settledStreak = view.settled ? settledStreak + 1 : 0;
        if (settledStreak >= options.settledPolls) return { view, status };
        if (now() - start >= options.timeoutMs) {
            throw new DeploymentFailed(
                `deployment timed out after ${duration(options.timeoutMs)}; still pending: ${view.pending.join(", ") || "confirmation that units stay settled"}`,
            );
        }
        // Polls start every interval (call time included); confirmations span a quarter interval,
        // so readiness is seen within about one poll.
        const confirmGapMs = Math.floor(options.pollMs / (4 * Math.max(1, options.settledPolls - 1)));
        const gap = settledStreak > 0 ? confirmGapMs : options.pollMs;
        await sleep(Math.max(1, gap - (now() - polledAt)));
    }
}
