// Two sandbox stacks side by side, as a user keeps them: one state folder, one simulator home, each
// stack its own model. The second model's nodes get addresses of their own (the simulator, as Juju,
// refuses a host another model enlisted), and `npm run sandbox:destroy` of one stack stops and
// removes only what its model has: the other's cluster keeps running and refreshes clean.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { ROOT } from "../../scripts/lib/sandbox";
import { alive, clusterDir, readState as simState, serverPids } from "../../simulator/state";
import { e2eSandbox, quiet } from "./harness";

const first = e2eSandbox("two-first");
// the second stack shares the first's state folder and simulator home, with a model of its own
const second = e2eSandbox(
    "two-second",
    { "ck-dualstack:model": "ck-second" },
    { CK_DUALSTACK_SANDBOX_STATE: first.env.CK_DUALSTACK_SANDBOX_STATE, CK_JUJU_SIM_HOME: first.env.CK_JUJU_SIM_HOME },
);
const stacks: Stack[] = [];

after(async () => {
    await second.cleanUp(stacks[1]);
    await first.cleanUp(stacks[0]);
});

describe("two sandbox stacks", () => {
    it("destroying one leaves the other's cluster running and its refresh clean", async () => {
        stacks.push(await first.open(), await second.open());
        for (const stack of stacks) assert.equal((await stack.up(quiet)).summary.result, "succeeded");
        const models = simState().models;
        assert.deepEqual(Object.keys(models).sort(), ["sim:ck-dualstack", "sim:ck-second"]);
        const addresses = (key: string) => Object.values(models[key].machines).map((m) => m.address);
        assert.ok(
            addresses("sim:ck-dualstack").every((a) => a.startsWith("127.0.")),
            "the default model keeps its addresses",
        );
        assert.ok(!addresses("sim:ck-second").some((a) => addresses("sim:ck-dualstack").includes(a)), "the models share a host");
        const kept = models["sim:ck-second"].apiserver!;
        const gone = models["sim:ck-dualstack"].apiserver!;

        // npm run sandbox:destroy -- <first stack>, as a user runs it
        const destroyed = spawnSync("bash", [path.join(ROOT, "scripts", "sandbox.sh"), "destroy", first.name], {
            cwd: ROOT,
            env: { ...process.env, ...first.env },
            encoding: "utf8",
        });
        assert.equal(destroyed.status, 0, `${destroyed.stdout}\n${destroyed.stderr}`);
        stacks[0] = undefined as unknown as Stack;

        assert.ok(!serverPids(gone).some(alive), "the destroyed stack's cluster still runs");
        assert.ok(serverPids(kept).every(alive), "the other stack's cluster was stopped");
        const state = simState();
        assert.deepEqual(Object.keys(state.models), ["sim:ck-second"]);
        assert.ok(fs.existsSync(path.join(clusterDir(kept), "ca.crt")), "the other stack's cluster files were removed");
        assert.ok(!fs.existsSync(clusterDir(gone)));
        assert.deepEqual(Object.keys(state.hosts ?? {}).sort(), addresses("sim:ck-second").sort(), "hosts left: the other model's only");

        const refreshed = await stacks[1].refresh(quiet);
        assert.equal(refreshed.summary.result, "succeeded");
        assert.deepEqual(Object.keys(refreshed.summary.resourceChanges ?? {}), ["same"], JSON.stringify(refreshed.summary.resourceChanges));
        const preview = await stacks[1].preview(quiet);
        assert.deepEqual(Object.keys(preview.changeSummary), ["same"], JSON.stringify(preview.changeSummary));
    });
});
