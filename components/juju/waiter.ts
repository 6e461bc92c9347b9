import { isTransient } from "./cli";
import { JujuStatus, StatusView, describeUnit, interpretStatus, lastChangeAt, quietForMs } from "./status";

/** How to wait for a model to settle. */
export interface WaitOptions {
    /** Fetches `juju status`. */
    readonly poll: () => Promise<JujuStatus>;
    /** Applications the bundle deploys (a missing one is still pending). */
    readonly expectedApplications: readonly string[];
    /** Time between polls while units are still working. */
    readonly pollMs: number;
    /**
     * How long every unit must stay active and idle, poll after poll, before the model counts as
     * settled (python-libjuju's wait_for_idle `idle_period`: hooks go briefly idle between runs).
     */
    readonly idleMs: number;
    /** Give up after this long, naming what was still pending. */
    readonly timeoutMs: number;
    /** How long a unit may stay blocked before the wait fails. */
    readonly blockedGraceMs: number;
    /** How long a unit may stay in error (Juju retries failed hooks) before the wait fails. */
    readonly errorGraceMs: number;
    /** How long `juju status` may keep failing transiently (controller unreachable) before the wait gives up. */
    readonly outageMs: number;
    /**
     * How long a machine may stay `down` or a unit agent `lost` before the wait fails (agents
     * reconnect after a controller restart); 0: fail on the second poll in a row that sees it.
     */
    readonly downGraceMs: number;
    /**
     * Blocked messages that are expected while the caller works through units one by one (the
     * upgrade gate): such units count as settled and do not count against the blocked grace.
     */
    readonly acceptBlocked?: (message: string) => boolean;
    /** Progress lines (printed only when the picture changes). */
    readonly log: (line: string) => void;
    readonly now?: () => number;
    readonly sleep?: (ms: number) => Promise<void>;
}

/** The wait failed: a unit in error or blocked past its grace, a host down, an outage, or the timeout. */
export class DeploymentFailed extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DeploymentFailed";
    }
}

const duration = (ms: number) => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)}s`);

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The longest pause between Juju's retries of a failed hook (apiserver/facades/agent/retrystrategy:
 * MaxRetryTime 5 min). Each retry shows the unit `executing` rather than `error`, so a unit stays
 * "in error" for the grace until it settles or has been out of error for longer than this.
 */
export const HOOK_RETRY_MAX_MS = 5 * 60_000;

/**
 * Since when a model seen settled in an answer that came at `answeredAt` has been settled: when its
 * units' statuses last changed by the controller's clock (quietForMs; Juju stamps the answer's
 * `controller.timestamp` after reading the statuses, apiserver/facades/client/client/status.go
 * FullStatus), so the idle period runs from the units' last hook and not from the poll that first
 * saw them idle; never before `unsettledAt`, the last time it was seen unsettled (which also bounds
 * a skew between HA controllers to one poll). Undefined when the answer carries no readable times.
 * The agent's `since` moves with each hook it runs, except update-status
 * (worker/uniter/operation/runhook.go).
 */
function settledFrom(status: JujuStatus, answeredAt: number, unsettledAt: number): number | undefined {
    const quiet = quietForMs(status);
    // Both times are printed in whole seconds, cut short: the quiet may really be up to 1 s shorter.
    return quiet === undefined ? undefined : Math.min(answeredAt, Math.max(unsettledAt, answeredAt - (quiet - 1000)));
}

/** Since when the units have been settled at the latest, and what that rests on. */
export interface SettledBound {
    /** The local time by which the units' last status change had happened. */
    readonly since: number;
    /** That change by the controller's clock (lastChangeAt), when the answers carried it. */
    readonly changedAt?: number;
    /** Whether `since` comes from the controller's times (settledFrom), not from a poll's time. */
    readonly timed: boolean;
    /** The longest `juju status` call among the answers it comes from. */
    readonly callMs: number;
    /** When the latest of those answers was asked for. */
    readonly polledAt: number;
}

/**
 * The bound after one more answer that saw the units settled. A later last change than the bound's
 * is a hook that ran between two polls: the idle period starts again from it. Answers about the same
 * change each bound it from above, apart by less than the seconds their times cut short and their
 * calls' time; the tightest of those holds. Bounds further apart come from two controllers whose
 * clocks disagree (HA: the controller that answers stamps the answer, the one an agent talks to
 * stamps its status), and the later holds. A bound never falls before the last poll that saw the
 * model unsettled (settledFrom) nor, for a new change, before the poll that still saw the earlier
 * one; so a clock ahead shortens the idle period by at most one poll interval, and a hook that
 * starts and ends within the second of the last change by at most that second and a call.
 */
export function nextSettledBound(
    previous: SettledBound | undefined,
    answer: { quietSince?: number; changedAt?: number; polledAt: number; answeredAt: number },
): SettledBound {
    const callMs = answer.answeredAt - answer.polledAt;
    const timed = answer.quietSince !== undefined;
    const own: SettledBound = {
        since: answer.quietSince ?? answer.polledAt,
        changedAt: answer.changedAt,
        timed,
        callMs,
        polledAt: answer.polledAt,
    };
    if (!previous) return own;
    const hookRan = answer.changedAt !== undefined && previous.changedAt !== undefined && answer.changedAt !== previous.changedAt;
    // The previous answer still showed the earlier change: this one came after that poll started.
    if (hookRan) return { ...own, since: Math.max(previous.since, own.since, previous.polledAt) };
    // Nothing new is known without the controller's times.
    if (!timed) return { ...previous, changedAt: previous.changedAt ?? answer.changedAt, polledAt: answer.polledAt };
    // The controller's times bound the change better than the poll that first saw it settled.
    if (!previous.timed) return own;
    const longestCallMs = Math.max(previous.callMs, callMs);
    const agree = Math.abs(own.since - previous.since) <= 1000 + longestCallMs;
    return { ...own, since: (agree ? Math.min : Math.max)(previous.since, own.since), callMs: longestCallMs };
}

/** Remembers since when each key has been seen, forgetting keys that are no longer seen. */
class FirstSeen {
    private readonly since = new Map<string, number>();
    update(keys: Iterable<string>, now: number): void {
        const current = new Set(keys);
        for (const key of current) if (!this.since.has(key)) this.since.set(key, now);
        for (const key of [...this.since.keys()]) if (!current.has(key)) this.since.delete(key);
    }
    age(key: string, now: number): number {
        return now - (this.since.get(key) ?? now);
    }
}

/**
 * Polls status until every unit (subordinates included) has stayed active and idle for the idle
 * period. Fails naming the unit: in error past the error grace, blocked past the blocked grace,
 * a machine down or an agent lost on two polls in a row, a machine in error at once, an outage of
 * `juju status` past its limit, or the timeout.
 */
export async function waitForSettled(options: WaitOptions): Promise<{ view: StatusView; status: JujuStatus }> {
    const now = options.now ?? Date.now;
    const sleep = options.sleep ?? realSleep;
    const start = now();
    const errorSince = new Map<string, { first: number; last: number }>();
    const blockedSince = new FirstSeen();
    const unreachableSince = new FirstSeen();
    let unreachablePolls = new Map<string, number>();
    // Since when the units have been settled, at the latest, from the answers that saw them settled.
    let settled: SettledBound | undefined;
    // The last poll that saw the model unsettled (or the wait's start: a change made just before it
    // may not have started its hooks yet).
    let unsettledAt = start;
    let outageSince: number | undefined;
    let lastSummary = "";
    let last: { view: StatusView; status: JujuStatus } | undefined;
    for (;;) {
        const polledAt = now();
        let status: JujuStatus | undefined;
        let answeredAt = polledAt;
        try {
            status = await options.poll();
            answeredAt = now();
            if (outageSince !== undefined) {
                options.log(`juju status answers again after ${duration(polledAt - outageSince)}`);
                // Agents reconnect after the controller comes back: down and lost start over.
                unreachableSince.update([], polledAt);
                unreachablePolls = new Map();
            }
            outageSince = undefined;
        } catch (error) {
            if (!isTransient(error)) throw error;
            outageSince ??= polledAt;
            const outage = now() - outageSince;
            if (outage >= options.outageMs) {
                throw new DeploymentFailed(
                    `deployment gave up: juju status kept failing for ${duration(outage)} (limit ${duration(options.outageMs)}): ${(error as Error).message}`,
                );
            }
            options.log(`juju status failed (${(error as Error).message}); still waiting, outage so far ${duration(outage)}`);
            settled = undefined;
        }
        const elapsed = now() - start;
        if (status) {
            const view = interpretStatus(status, options.expectedApplications);
            last = { view, status };
            if (view.summary !== lastSummary) {
                options.log(`[${Math.round(elapsed / 1000)}s] ${view.summary}`);
                lastSummary = view.summary;
            }
            if (view.machineErrors.length > 0) throw new DeploymentFailed(`deployment failed: ${view.machineErrors.join("; ")}`);
            const t = now();
            // A host that stays down will not come back by waiting: fail fast, naming it.
            unreachableSince.update(view.unreachable.keys(), t);
            unreachablePolls = new Map([...view.unreachable.keys()].map((key) => [key, (unreachablePolls.get(key) ?? 0) + 1]));
            const stillUnreachable = [...view.unreachable.keys()].filter(
                (key) => (unreachablePolls.get(key) ?? 0) >= 2 && unreachableSince.age(key, t) >= options.downGraceMs,
            );
            if (stillUnreachable.length > 0) {
                throw new DeploymentFailed(`deployment failed: ${stillUnreachable.map((key) => view.unreachable.get(key)).join("; ")}`);
            }
            for (const unit of view.unitErrors) {
                const seen = errorSince.get(unit.name);
                errorSince.set(unit.name, { first: seen?.first ?? t, last: t });
            }
            for (const [name, seen] of [...errorSince]) {
                const unit = view.units.find((u) => u.name === name);
                const settled = unit?.workload === "active" && unit.agent === "idle";
                if (!unit || settled || t - seen.last > HOOK_RETRY_MAX_MS) errorSince.delete(name);
            }
            for (const unit of view.unitErrors) {
                const age = t - errorSince.get(unit.name)!.first;
                if (age >= options.errorGraceMs) {
                    throw new DeploymentFailed(
                        `deployment failed: unit ${describeUnit(unit)} is still in error after ${duration(age)} (grace ${duration(options.errorGraceMs)}; Juju retries failed hooks meanwhile)`,
                    );
                }
            }
            const blocked = view.blocked.filter((unit) => !options.acceptBlocked?.(unit.message));
            blockedSince.update(
                blocked.map((unit) => unit.name),
                t,
            );
            for (const unit of blocked) {
                if (blockedSince.age(unit.name, t) >= options.blockedGraceMs) {
                    throw new DeploymentFailed(
                        `deployment failed: ${unit.name} has been blocked for ${duration(blockedSince.age(unit.name, t))} (grace ${duration(options.blockedGraceMs)}): ${unit.message || "no message"}`,
                    );
                }
            }
            const accepted = (unit: (typeof view.units)[number]) =>
                unit.workload === "blocked" && unit.agent === "idle" && (options.acceptBlocked?.(unit.message) ?? false);
            const settledNow =
                view.settled ||
                (view.units.length > 0 &&
                    view.missingApplications.length === 0 &&
                    view.machineErrors.length === 0 &&
                    view.unreachable.size === 0 &&
                    view.units.every((unit) => (unit.workload === "active" && unit.agent === "idle") || accepted(unit)));
            if (!settledNow) {
                unsettledAt = answeredAt;
                settled = undefined;
            } else {
                const quietSince = settledFrom(status, answeredAt, unsettledAt);
                settled = nextSettledBound(settled, { quietSince, changedAt: lastChangeAt(status), polledAt, answeredAt });
            }
            if (settled !== undefined && polledAt - settled.since >= options.idleMs) return last;
        }
        if (now() - start >= options.timeoutMs) {
            const pending = last?.view.pending.join(", ");
            throw new DeploymentFailed(
                `deployment timed out after ${duration(options.timeoutMs)}; still pending: ${pending || (settled !== undefined ? `units to stay settled for ${duration(options.idleMs)}` : "a first answer from juju status")}`,
            );
        }
        // Polls start every interval (call time included); once settled, the confirming poll
        // comes when the idle period ends, so readiness is seen within about one poll.
        const nextAt =
            settled !== undefined ? Math.min(polledAt + options.pollMs, settled.since + options.idleMs) : polledAt + options.pollMs;
        await sleep(Math.max(1, nextAt - now()));
    }
}
