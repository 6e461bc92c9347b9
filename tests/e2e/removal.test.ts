// Removal as Juju does it (issue 18), on the real engine with the Juju simulator: a removed machine's
// host is cleaned with Juju's own script so it can be enlisted again, removals are graceful and
// forced only after their grace, naming what is forced, and a deploy whose wait failed is still
// owned by the stack (destroy removes it; a re-run waits instead of deploying again).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { readCalls as calls, readState as simState } from "../../simulator/state";
import { e2eSandbox, quiet } from "./harness";

const sandbox = e2eSandbox("removal", {
    "ck-dualstack:removeGraceMinutes": "1",
    "ck-dualstack:errorGraceMinutes": "0",
});
let stack: Stack;

/** The simulated hosts that still run a Juju machine agent. */
const provisionedHosts = () =>
    Object.entries(simState().hosts ?? {})
        .filter(([, host]) => host.agentService)
        .map(([address]) => address)
        .sort();

const forcedCalls = () => calls().filter((c) => c.args.includes("--force"));

function setFault(name: string, value: string | undefined): void {
    for (const env of [process.env, stack.workspace.envVars]) {
        if (value === undefined) delete env[name];
        else env[name] = value;
    }
}

before(async () => {
    stack = await sandbox.open();
});

after(async () => {
    setFault("CK_JUJU_SIM_UNIT_ERROR", undefined);
    await sandbox.cleanUp(stack);
});

describe("removal, as Juju does it", () => {
    it("destroys without --force and cleans every host, so up enlists the same hosts again", async () => {
        await stack.up(quiet);
        assert.deepEqual(provisionedHosts(), ["127.0.1.10", "127.0.2.10", "127.0.2.11", "127.0.3.10"]);
        let output = "";
        await stack.destroy({ ...quiet, onOutput: (text: string) => void (output += text) });
        assert.deepEqual(forcedCalls(), [], "a normal destroy forces nothing");
        assert.deepEqual(provisionedHosts(), [], "Juju's clean-up ran on every host");
        assert.match(output, /removed Juju.s agent from 127\.0\.2\.10 .*the charms. snaps and data stay on it/);
        await stack.up(quiet);
        assert.deepEqual(provisionedHosts(), ["127.0.1.10", "127.0.2.10", "127.0.2.11", "127.0.3.10"]);
    });

    it("scales in, then out onto the same host", async () => {
        await stack.setConfig("ck-dualstack:workerCount", { value: "1" });
        await stack.up(quiet);
        assert.ok(!provisionedHosts().includes("127.0.2.11"), "the scaled-in worker's host was cleaned");
        await stack.setConfig("ck-dualstack:workerCount", { value: "2" });
        await stack.up(quiet);
        assert.ok(provisionedHosts().includes("127.0.2.11"), "enlisted again");
        const model = Object.values(simState().models)[0];
        const workers = Object.values(model.applications["kubernetes-worker"].units).map((u) => model.machines[u.machine].address);
        assert.deepEqual(workers.sort(), ["127.0.2.10", "127.0.2.11"]);
        assert.deepEqual(forcedCalls(), []);
    });

    it("owns a deploy whose wait failed: a re-run waits without deploying again, and destroy forces only the stuck unit, naming it", async () => {
        await stack.destroy(quiet);
        setFault("CK_JUJU_SIM_UNIT_ERROR", 'kubernetes-worker/0=hook failed: "install"');
        await assert.rejects(stack.up(quiet), /kubernetes-worker\/0 \(error\/idle: hook failed: "install"\) is still in error/);
        const deploys = () => calls().filter((c) => c.args[0] === "deploy").length;
        const deployed = deploys();
        await assert.rejects(stack.up(quiet), /kubernetes-worker\/0 .* is still in error/);
        assert.equal(deploys(), deployed, "the re-run waited again instead of deploying again");
        const started = Date.now();
        let output = "";
        await stack.destroy({ ...quiet, onOutput: (text: string) => void (output += text) });
        assert.ok(Date.now() - started < 180_000, `destroy took ${Math.round((Date.now() - started) / 1000)} s`);
        assert.match(output, /forcing the removal of application kubernetes-worker after 1 min .*kubernetes-worker\/0 \(error/);
        const forcedApps = forcedCalls()
            .filter((c) => c.args[0] === "remove-application")
            .flatMap((c) => c.args.slice(c.args.indexOf("--") + 1));
        assert.deepEqual(forcedApps, ["kubernetes-worker"], "only what was stuck is forced");
        assert.deepEqual(Object.keys(Object.values(simState().models)[0]?.applications ?? {}), []);
    });
});
