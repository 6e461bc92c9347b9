// What a forced removal says of the unit that held it (components/juju/removal.ts). A unit whose
// install hook keeps failing alternates between error and a retry of the hook (Juju's uniter retries
// failed hooks, worker/uniter/resolver.go); the line must name its error even when the last poll
// of the grace caught it retrying.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as common from "../../components/juju/providers/common";
import { removeGracefully } from "../../components/juju/removal";
import { JujuStatus } from "../../components/juju/status";
import { FakeJuju, statusDoc } from "../support/fakeJuju";

let fake: FakeJuju | undefined;
before(() => {
    process.env.CK_JUJU_BACKOFF_MS = "1";
});
after(() => fake?.remove());

describe("forcing a removal after its grace", () => {
    it("names the unit by the error it showed during the grace, though it was retrying the hook when the grace ended", async () => {
        const failed = statusDoc({ "kubernetes-worker/0": { workload: "error", agent: "idle", message: 'hook failed: "install"' } });
        const retrying = statusDoc({
            "kubernetes-worker/0": { workload: "maintenance", agent: "executing", message: "retrying install" },
        });
        const juju = (fake = new FakeJuju({ "remove-application": [{}] }));
        // The first poll finds the unit in error, every later one retrying, until --force removed it.
        // Read in process, so where the grace ends does not depend on how fast a process starts.
        let polls = 0;
        const statusOf = (): JujuStatus =>
            JSON.parse(juju.calls().some((call) => call.includes("--force")) ? statusDoc({}) : polls++ === 0 ? failed : retrying);
        const mutable = common as { jujuStatus: typeof common.jujuStatus };
        const real = mutable.jujuStatus;
        mutable.jujuStatus = () => Promise.resolve(statusOf());
        const lines: string[] = [];
        let forced: string[];
        try {
            forced = await removeGracefully(
                { jujuPath: juju.path, modelRef: "lxd:ck" },
                { kind: "application", names: ["kubernetes-worker"], graceMs: 200, pollMs: 10, say: (line) => lines.push(line) },
            );
        } finally {
            mutable.jujuStatus = real;
        }
        assert.ok(polls > 1, "the grace ended on a later poll");
        assert.deepEqual(forced, ["kubernetes-worker"]);
        const forcing = lines.find((line) => line.startsWith("forcing the removal of application kubernetes-worker"));
        assert.match(
            forcing ?? lines.join("\n"),
            /kubernetes-worker\/0 \(error\/idle: hook failed: "install"\), now maintenance\/executing: retrying install/,
        );
    });
});
