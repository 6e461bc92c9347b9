// What a preview announces when a worker is added on a running sandbox (issue 22, point 7): the
// worker's machine is created and the Juju resources updated, and nothing is replaced, the workload
// and the Kubernetes provider included. The kubeconfig is read again after the Deployment changes, so
// it is unknown at preview; pulumi-kubernetes plans the provider's replacement, and with it every
// Kubernetes object's, for an unknown kubeconfig unless its clusterIdentifier stays the same
// (provider/pkg/provider/provider.go DiffConfig).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { e2eSandbox, quiet } from "./harness";

const sandbox = e2eSandbox("previewworker");
let stack: Stack;

before(async () => {
    stack = await sandbox.open();
    await stack.up(quiet);
});
after(async () => {
    await sandbox.cleanUp(stack);
});

describe("a worker added on a running cluster", () => {
    it("previews creating its machine and replacing nothing", async () => {
        await stack.setConfig("ck-dualstack:workerCount", { value: "3" });
        let output = "";
        const preview = await stack.preview({ ...quiet, onOutput: (text: string) => void (output += text) });
        const summary = preview.changeSummary;
        assert.equal(summary.replace ?? 0, 0, `${JSON.stringify(summary)}\n${output}`);
        assert.equal(summary.delete ?? 0, 0, JSON.stringify(summary));
        assert.ok((summary.create ?? 0) >= 1, JSON.stringify(summary));
        const up = await stack.up(quiet);
        assert.equal(up.summary.resourceChanges?.replace ?? 0, 0, JSON.stringify(up.summary.resourceChanges));
    });
});
