// What a preview announces when a worker is added on a running sandbox (issue 22, point 7): the
// worker's machine is created and the Juju resources updated, and nothing is replaced, the workload
// and the Kubernetes provider included. The kubeconfig does not depend on workers, so it is neither
// fetched again nor unknown at preview (issue 23): the Kubernetes provider stays as it is, rather than
// being set up again after the model settles. (Were it unknown, pulumi-kubernetes would plan the
// provider's replacement, and every Kubernetes object's, unless its clusterIdentifier stayed the same:
// provider/pkg/provider/provider.go DiffConfig.)
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
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
        const steps: { op: string; urn: string }[] = [];
        const onEvent = (event: EngineEvent) => {
            const step = event.resourcePreEvent?.metadata;
            if (step) steps.push({ op: step.op, urn: step.urn });
        };
        const preview = await stack.preview({ ...quiet, onOutput: (text: string) => void (output += text), onEvent });
        const summary = preview.changeSummary;
        const kubeconfigSteps = steps.filter((step) => /juju:Kubeconfig::|pulumi:providers:kubernetes::/.test(step.urn));
        assert.equal(kubeconfigSteps.length, 2, JSON.stringify(steps));
        assert.deepEqual(
            kubeconfigSteps.filter((step) => step.op !== "same"),
            [],
            "the kubeconfig and the Kubernetes provider are not changed by adding a worker",
        );
        assert.equal(summary.replace ?? 0, 0, `${JSON.stringify(summary)}\n${output}`);
        assert.equal(summary.delete ?? 0, 0, JSON.stringify(summary));
        assert.ok((summary.create ?? 0) >= 1, JSON.stringify(summary));
        const up = await stack.up(quiet);
        assert.equal(up.summary.resourceChanges?.replace ?? 0, 0, JSON.stringify(up.summary.resourceChanges));
    });
});
