import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JujuStatus } from "../../components/juju/status";
import { DeploymentFailed, waitForSettled } from "../../components/juju/waiter";
import { statusDoc } from "../support/fakeJuju";

/** Runs the waiter on a fake clock against a sequence of status documents (the last repeats). */
async function wait(docs: string[], overrides: { timeoutMs?: number; blockedGraceMs?: number } = {}) {
    let clock = 0;
    let polls = 0;
    const lines: string[] = [];
    const result = waitForSettled({
        poll: async () => JSON.parse(docs[Math.min(polls++, docs.length - 1)]) as JujuStatus,
        expectedApplications: ["etcd"],
        pollMs: 10_000,
        settledPolls: 3,
        timeoutMs: overrides.timeoutMs ?? 600_000,
        blockedGraceMs: overrides.blockedGraceMs ?? 60_000,
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

describe("waiting for the model to settle", () => {
    it("returns after three consecutive settled polls, confirming within a quarter poll interval", async () => {
        const run = await wait([pending, pending, settled]);
        const { view } = await run.result;
        assert.equal(view.settled, true);
        assert.equal(run.polls(), 5);
        // two pending intervals, then two confirmation gaps of 10 s / 8
        assert.equal(run.clock(), 20_000 + 2 * 1_250);
    });

    it("starts counting again when a unit goes back to executing", async () => {
        const run = await wait([settled, pending, settled]);
        await run.result;
        assert.equal(run.polls(), 5);
    });

    it("prints a progress line only when the picture changes", async () => {
        const run = await wait([pending, pending, pending, settled]);
        await run.result;
        assert.deepEqual(run.lines, [
            "[0s] 0/1 units settled; waiting on etcd/0 (maintenance/executing: installing)",
            "[30s] 1/1 units active and idle",
        ]);
    });

    it("fails at once on a unit in error, naming it and its message", async () => {
        const run = await wait([pending, statusDoc({ "etcd/0": { workload: "error", message: 'hook failed: "install"' } })]);
        await assert.rejects(
            run.result,
            (e: Error) => e instanceof DeploymentFailed && /etcd\/0 \(error\/idle: hook failed: "install"\)/.test(e.message),
        );
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
