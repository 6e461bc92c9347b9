import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { JujuStatus } from "../../components/juju/status";
import { JujuError } from "../../components/juju/cli";
import { DeploymentFailed, nextSettledBound, waitForSettled } from "../../components/juju/waiter";
import { statusDoc } from "../support/fakeJuju";

/** A status document, a failure, or a document the controller answers at the fake clock's time (ms). */
type Poll = string | Error | ((clockMs: number) => string);

/** Runs the waiter on a fake clock against a sequence of status documents or failures (the last repeats). */
async function wait(
    docs: Poll[],
    overrides: {
        timeoutMs?: number;
        blockedGraceMs?: number;
        errorGraceMs?: number;
        outageMs?: number;
        idleMs?: number;
        downGraceMs?: number;
        /** How long each `juju status` call takes. */
        callMs?: number;
    } = {},
) {
    let clock = 0;
    let polls = 0;
    const lines: string[] = [];
    const result = waitForSettled({
        poll: async () => {
            const doc = docs[Math.min(polls++, docs.length - 1)];
            clock += overrides.callMs ?? 0;
            if (doc instanceof Error) throw doc;
            return JSON.parse(typeof doc === "function" ? doc(clock) : doc) as JujuStatus;
        },
        expectedApplications: ["etcd"],
        pollMs: 10_000,
        idleMs: overrides.idleMs ?? 15_000,
        timeoutMs: overrides.timeoutMs ?? 600_000,
        blockedGraceMs: overrides.blockedGraceMs ?? 60_000,
        errorGraceMs: overrides.errorGraceMs ?? 60_000,
        outageMs: overrides.outageMs ?? 120_000,
        downGraceMs: overrides.downGraceMs ?? 0,
        log: (line) => lines.push(line),
        now: () => clock,
        sleep: async (ms) => {
            clock += ms;
        },
    });
    return { result, lines, polls: () => polls, clock: () => clock };
}

const pending = statusDoc({ "etcd/0": { workload: "maintenance", agent: "executing", message: "installing" } });
const settled = statusDoc({ "etcd/0": { workload: "active", message: "Healthy" } });

/** `doc` as the controller answered it at `timestamp`, every unit's statuses changed last at `since`. */
function controllerTimes(doc: string, since: string, timestamp: string): string {
    const status = JSON.parse(doc.replace(/"since":"[^"]*"/g, `"since":${JSON.stringify(since)}`)) as object;
    return JSON.stringify({ ...status, controller: { timestamp } });
}

/**
 * The settled model as the controller answers it, the fake clock's 0 being 12:00:00 on its clock
 * (`controllerAheadMs` later), every unit's statuses changed last at `changedAt` ("hh:mm:ss", the same day).
 */
const quietSince =
    (changedAt: string, controllerAheadMs = 0) =>
    (clockMs: number): string => {
        const answered = new Date(Date.parse("2026-11-25T12:00:00Z") + clockMs + controllerAheadMs).toISOString().slice(11, 19);
        return controllerTimes(settled, `25 Nov 2026 ${changedAt}Z`, `${answered}Z`);
    };

const unreachable = () => new JujuError("unreachable", "status", "ERROR cannot connect to API: connection refused");
const erroring = statusDoc({ "etcd/0": { workload: "error", message: 'hook failed: "install"' } });

describe("waiting for the model to settle", () => {
    it("returns once every unit has stayed active and idle for the idle period, seen within one poll", async () => {
        const run = await wait([pending, pending, settled]);
        const { view } = await run.result;
        assert.equal(view.settled, true);
        // settled first seen at 20 s; the confirming poll comes when the 15 s idle period ends
        assert.equal(run.clock(), 35_000);
        assert.equal(run.polls(), 5);
    });

    it("starts the idle period again when a unit goes back to executing", async () => {
        const run = await wait([settled, pending, settled]);
        await run.result;
        assert.equal(run.clock(), 20_000 + 15_000);
    });

    it("does not call a model settled on polls a few seconds apart within the idle period", async () => {
        const run = await wait([pending, settled, settled, pending, settled], { idleMs: 30_000 });
        await run.result;
        assert.ok(run.clock() >= 40_000 + 30_000, `returned at ${run.clock()} ms, before units stayed settled for 30 s`);
    });

    it("runs the idle period from the units' last status change by the controller's clock, never before the last unsettled poll", async () => {
        // Polls at 0 s (pending) and 10 s: the controller answers at 12:00:10 that etcd/0 changed
        // last at 12:00:02, so it has been settled since 2 s, 3 s counting the seconds cut short,
        // and the 15 s idle period ends at 18 s.
        const fromSince = await wait([pending, quietSince("12:00:02")]);
        await fromSince.result;
        assert.equal(fromSince.clock(), 18_000);
        // A `since` older than the poll that saw the unit pending counts from that poll (0 s).
        const older = await wait([pending, quietSince("11:00:00")]);
        await older.result;
        assert.equal(older.clock(), 15_000);
        // Settled on the first poll, though long ago: the full idle period from the wait's start,
        // since a change made just before it may not have started its hooks yet.
        const first = await wait([quietSince("11:00:00")]);
        await first.result;
        assert.equal(first.clock(), 15_000);
    });

    it("starts the idle period again from a hook that ran between two polls, as the later answer's since says", async () => {
        // Settled at 10 s since 12:00:02; the next answer (18 s) says etcd/0 changed at 12:00:14:
        // a hook ran in between, so the 15 s count from 15 s (14 s and the second cut short).
        const run = await wait([pending, quietSince("12:00:02"), quietSince("12:00:14")]);
        await run.result;
        assert.equal(run.clock(), 30_000);
    });

    it("counts the quiet from the answer's time, not from when a slow juju status call started", async () => {
        // Each call takes 4 s; etcd/0 settled at 6 s. The poll that decides must start at 21 s or later
        // (15 s after 6 s), so the wait ends 4 s after that at the earliest.
        const run = await wait([pending, quietSince("12:00:06")], { callMs: 4000 });
        await run.result;
        assert.ok(run.clock() >= 25_000, `returned at ${run.clock()} ms, before etcd/0 stayed settled for 15 s`);
    });

    it("takes the tightest of the answers' bounds on one last change, so the poll at the idle period's end decides", async () => {
        // Calls take 0.3 s; the controller's clock runs 0.75 s ahead. The answer at 10.3 s says etcd/0
        // changed at 12:00:10 and it is 12:00:11: settled since 10.3 s at the latest, so the idle
        // period (5 s) has passed for any poll from 15.3 s. The answer to that poll (15.6 s, 12:00:16)
        // bounds the same change more loosely (since 10.6 s), as its seconds are cut at another point.
        const run = await wait([pending, quietSince("12:00:10", 750)], { idleMs: 5000, callMs: 300 });
        await run.result;
        assert.equal(run.clock(), 15_600);
        assert.equal(run.polls(), 3);
    });

    it("never decides before the idle period has passed, whatever the calls' time and the controller's second boundaries", async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.integer({ min: 0, max: 1500 }),
                fc.integer({ min: 0, max: 999 }),
                fc.integer({ min: 0, max: 8500 }),
                async (callMs, aheadMs, afterFirstAnswerMs) => {
                    // etcd/0 settles after the first answer saw it pending, stamped by the controller's clock.
                    const changedAtMs = callMs + afterFirstAnswerMs;
                    const changedAt = new Date(Date.parse("2026-11-25T12:00:00Z") + changedAtMs + aheadMs).toISOString().slice(11, 19);
                    const run = await wait([pending, quietSince(changedAt, aheadMs)], { callMs });
                    await run.result;
                    // The poll that decided started a call's time before the wait returned.
                    assert.ok(run.clock() - callMs - changedAtMs >= 15_000, `returned at ${run.clock()} ms`);
                    // ... and within the seconds cut short and two calls of the idle period's end.
                    assert.ok(run.clock() - changedAtMs <= 15_000 + 2000 + 2 * callMs, `returned at ${run.clock()} ms`);
                },
            ),
        );
    });

    it("does not shorten the idle period on the word of an HA controller whose clock runs ahead", async () => {
        // etcd/0 changed last at 4 s by the clock of the controller it reports to (the fake clock's).
        // The answer at 10 s comes from a controller 20 s ahead (quiet 26 s by its clock); the later
        // ones from the unit's. The 15 s idle period ends at 19 s: no poll before it may decide.
        const run = await wait([pending, quietSince("12:00:04", 20_000), quietSince("12:00:04")], { callMs: 300 });
        await run.result;
        assert.ok(run.clock() >= 19_300, `returned at ${run.clock()} ms, before etcd/0 stayed settled for 15 s`);
    });

    it("counts a new change from no earlier than the poll that still saw the one before, whatever the answering controller's clock", async () => {
        // Every answer comes from a controller 30 s ahead of the one etcd/0 reports to. Settled at
        // 10 s (since 2 s, bounded by the pending poll); a hook then runs until 13 s. Its clock says
        // the change is long past, but the poll at 10 s still saw the earlier one: the idle period
        // runs from then at the earliest, one poll interval (10 s) at most before the hook's end.
        const run = await wait([pending, quietSince("12:00:02", 30_000), quietSince("12:00:13", 30_000)], { callMs: 300 });
        await run.result;
        assert.ok(run.clock() >= 13_000 + 15_000 - 10_000, `returned at ${run.clock()} ms`);
    });

    it("starts the idle period again from a change named by an answer without the controller's time", async () => {
        // Settled since 2 s at 10 s; a hook then runs until 14 s. The answer at 18.3 s names that
        // change but carries no controller timestamp: the 15 s start again from that poll at the latest.
        const untimed = (changedAt: string) => () => {
            const doc = JSON.parse(controllerTimes(settled, `25 Nov 2026 ${changedAt}Z`, "")) as Record<string, unknown>;
            delete doc.controller;
            return JSON.stringify(doc);
        };
        const run = await wait([pending, quietSince("12:00:02"), untimed("12:00:14"), quietSince("12:00:14")], { callMs: 300 });
        await run.result;
        assert.ok(run.clock() >= 29_300, `returned at ${run.clock()} ms, before etcd/0 stayed settled for 15 s after its hook`);
    });

    it("combines the answers' bounds: the tightest of one change when they agree, the latest otherwise, a new change after its poll", () => {
        const first = nextSettledBound(undefined, { quietSince: 10_000, changedAt: 1, polledAt: 12_000, answeredAt: 12_300 });
        // The same change, 0.6 s apart (within a cut second and a call): the tightest.
        assert.equal(nextSettledBound(first, { quietSince: 10_600, changedAt: 1, polledAt: 17_000, answeredAt: 17_300 }).since, 10_000);
        assert.equal(nextSettledBound(first, { quietSince: 9_400, changedAt: 1, polledAt: 17_000, answeredAt: 17_300 }).since, 9_400);
        // 3 s apart: two clocks disagree, the latest holds.
        assert.equal(nextSettledBound(first, { quietSince: 7_000, changedAt: 1, polledAt: 17_000, answeredAt: 17_300 }).since, 10_000);
        assert.equal(nextSettledBound(first, { quietSince: 13_000, changedAt: 1, polledAt: 17_000, answeredAt: 17_300 }).since, 13_000);
        // A later change: from its own bound, never before the poll that saw the earlier one.
        assert.equal(nextSettledBound(first, { quietSince: 5_000, changedAt: 2, polledAt: 17_000, answeredAt: 17_300 }).since, 12_000);
        assert.equal(nextSettledBound(first, { quietSince: 15_000, changedAt: 2, polledAt: 17_000, answeredAt: 17_300 }).since, 15_000);
        // Without the controller's times nothing new is known; with them again, they replace the poll's time.
        const untimed = nextSettledBound(undefined, { changedAt: 1, polledAt: 12_000, answeredAt: 12_300 });
        assert.equal(nextSettledBound(untimed, { changedAt: 1, polledAt: 17_000, answeredAt: 17_300 }).since, 12_000);
        assert.equal(nextSettledBound(untimed, { quietSince: 14_000, changedAt: 1, polledAt: 17_000, answeredAt: 17_300 }).since, 14_000);
    });

    it("prints a progress line only when the picture changes", async () => {
        const run = await wait([pending, pending, pending, settled]);
        await run.result;
        assert.deepEqual(run.lines, [
            "[0s] 0/1 units settled; waiting on etcd/0 (maintenance/executing: installing)",
            "[30s] 1/1 units active and idle",
        ]);
    });

    it("waits out a unit in error that recovers within the error grace (Juju retries failed hooks)", async () => {
        const run = await wait([pending, erroring, erroring, settled], { errorGraceMs: 60_000 });
        assert.equal((await run.result).view.settled, true);
    });

    it("fails naming the unit and its message when it is still in error after the grace", async () => {
        const run = await wait([pending, erroring], { errorGraceMs: 60_000 });
        await assert.rejects(
            run.result,
            (e: Error) =>
                e instanceof DeploymentFailed &&
                /unit etcd\/0 \(error\/idle: hook failed: "install"\) is still in error after 1 min/.test(e.message),
        );
        assert.equal(run.clock(), 70_000);
    });

    it("does not let Juju's hook retries (executing between errors) reset the error grace", async () => {
        const retrying = statusDoc({ "etcd/0": { workload: "maintenance", agent: "executing", message: "retrying install" } });
        const run = await wait([pending, erroring, retrying, erroring, retrying, erroring, retrying, erroring, retrying], {
            errorGraceMs: 60_000,
        });
        await assert.rejects(run.result, /unit etcd\/0 .* is still in error after 1 min/);
    });

    it("gives a machine down its grace (agents reconnect after a controller restart), then fails naming it", async () => {
        const down = JSON.parse(statusDoc({ "etcd/0": { workload: "active" } }, { "0": "10.0.0.5" }));
        down.machines["0"]["juju-status"] = { current: "down", message: "agent is not communicating with the server" };
        const back = await wait([pending, JSON.stringify(down), JSON.stringify(down), settled], { downGraceMs: 60_000 });
        assert.equal((await back.result).view.settled, true);
        const stays = await wait([pending, JSON.stringify(down)], { downGraceMs: 60_000 });
        await assert.rejects(stays.result, /machine 0 \(10\.0\.0\.5\) is down/);
        assert.equal(stays.clock(), 70_000);
    });

    it("fails fast, naming it, on a machine that stays down", async () => {
        const down = JSON.parse(statusDoc({ "etcd/0": { workload: "active" } }, { "0": "10.0.0.5" }));
        down.machines["0"]["juju-status"] = { current: "down", message: "agent is not communicating with the server" };
        const run = await wait([pending, JSON.stringify(down)], { timeoutMs: 3_600_000 });
        await assert.rejects(run.result, /machine 0 \(10\.0\.0\.5\) is down: agent is not communicating with the server/);
        assert.equal(run.clock(), 20_000, "failed on the second poll that saw it down, not at the timeout");
    });

    it("fails fast on a unit agent that stays lost", async () => {
        const lost = statusDoc({
            "etcd/0": { workload: "unknown", agent: "lost", message: "agent lost, see 'juju show-status-log etcd/0'" },
        });
        const run = await wait([lost], { timeoutMs: 3_600_000 });
        await assert.rejects(run.result, /unit etcd\/0 agent lost/);
        assert.equal(run.polls(), 2);
    });

    it("rides out a juju status outage shorter than the limit", async () => {
        const run = await wait([pending, unreachable(), unreachable(), unreachable(), settled], { outageMs: 60_000 });
        assert.equal((await run.result).view.settled, true);
        assert.ok(run.lines.some((line) => /juju status answers again after 30s/.test(line)));
    });

    it("gives up, saying so, when the outage outlasts its limit", async () => {
        const run = await wait([pending, unreachable()], { outageMs: 60_000 });
        await assert.rejects(run.result, /gave up: juju status kept failing for 1 min \(limit 1 min\)/);
    });

    it("fails at once on a failure that is not transient", async () => {
        const run = await wait([pending, new JujuError("not-found", "status", "ERROR model sim:admin/x not found")]);
        await assert.rejects(run.result, /not found/);
        assert.equal(run.polls(), 2);
    });

    it("allows blocked for the grace period, then fails naming the unit", async () => {
        const blocked = statusDoc({ "etcd/0": { workload: "blocked", message: "Missing relation: certificates" } });
        const run = await wait([blocked], { blockedGraceMs: 30_000 });
        await assert.rejects(run.result, /etcd\/0 has been blocked for 30s \(grace 30s\): Missing relation: certificates/);
        const recovers = await wait([blocked, blocked, settled], { blockedGraceMs: 30_000 });
        assert.equal((await recovers.result).view.settled, true);
    });

    it("times out saying what was still pending", async () => {
        const run = await wait([pending], { timeoutMs: 60_000 });
        await assert.rejects(run.result, /timed out after 1 min; still pending: etcd\/0 \(maintenance\/executing: installing\)/);
    });
});
