// Day-2 operations on the sandbox, as an operator makes them: change the stack's config, run
// `pulumi up`. Each step asserts which juju commands ran (never a bundle redeploy, a
// remove-application or a destroy-model) and that the workload's Services keep their ClusterIPs.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Stack, UpResult } from "@pulumi/pulumi/automation";
import { UPGRADE_ORDER } from "../../components/juju/dayTwo";
import { readCalls as calls, readState as simState } from "../../simulator/state";
import { kubeGet, kubeRequest } from "../support/kube";
import { e2eSandbox, quiet } from "./harness";

const sandbox = e2eSandbox("daytwo");
let stack: Stack;
let lastUp: UpResult;
let mark = 0;

/** Sets config keys as `pulumi config set` does, then runs `pulumi up`; returns the juju calls it made. */
async function upWith(config: Record<string, string>): Promise<string[][]> {
    for (const [key, value] of Object.entries(config)) await stack.setConfig(`ck-dualstack:${key}`, { value });
    mark = calls().length;
    lastUp = await stack.up(quiet);
    return calls()
        .slice(mark)
        .map((call) => call.args);
}
const mutations = (made: string[][]) =>
    made.filter(
        (args) =>
            !["status", "show-model", "models", "controllers", "version", "model-config"].includes(args[0]) &&
            !(args[0] === "config" && !args.some((a) => a.includes("="))) &&
            !(args[0] === "run" && args.includes("get-kubeconfig")),
    );
const TEARDOWN = ["remove-application", "destroy-model", "deploy"];
const clusterIps = () => ({ nginx6: lastUp.outputs.nginx6.value, dual: lastUp.outputs.nginxDualStack.value });
const model = () => Object.values(simState().models)[0];

/** Sets `key` to `value`, sees preview refuse it with `refusal` and nothing change in Juju, then sets `restore`. */
async function assertRefusedAtPreview(key: string, value: string, restore: string, refusal: RegExp): Promise<void> {
    await stack.setConfig(`ck-dualstack:${key}`, { value });
    const from = calls().length;
    await assert.rejects(stack.preview(quiet), refusal);
    assert.deepEqual(
        mutations(
            calls()
                .slice(from)
                .map((c) => c.args),
        ),
        [],
    );
    await stack.setConfig(`ck-dualstack:${key}`, { value: restore });
}

before(async () => {
    stack = await sandbox.open();
    lastUp = await stack.up(quiet);
});
after(async () => sandbox.cleanUp(stack));

describe("day-2 operations in place", () => {
    it("adds a worker with add-unit on its new machine, touching nothing else", async () => {
        const before = clusterIps();
        const made = await upWith({ workerCount: "3" });
        const changed = mutations(made);
        assert.deepEqual(
            changed.map((args) => args[0]),
            ["add-machine", "add-unit"],
            JSON.stringify(changed),
        );
        const machine = Object.entries(model().machines).find(([, m]) => m.address === "127.0.2.12")![0];
        assert.deepEqual(changed[1], ["add-unit", "-m", changed[1][2], "--to", machine, "--", "kubernetes-worker"]);
        assert.deepEqual(clusterIps(), before);
        assert.equal(Object.keys(model().applications["kubernetes-worker"].units).length, 3);
    });

    it("upgrades 1.35 to 1.36 in Canonical's order: refresh each application, then the channel and the upgrade action per unit", async () => {
        const before = clusterIps();
        const changed = mutations(await upWith({ channel: "1.36/stable" }));
        assert.ok(!changed.some((args) => TEARDOWN.includes(args[0])), JSON.stringify(changed));
        const refreshed = changed.filter((args) => args[0] === "refresh").map((args) => args[args.length - 1]);
        assert.deepEqual(refreshed, [...UPGRADE_ORDER]);
        const cp = changed.findIndex(
            (args) => args[0] === "config" && args.includes("kubernetes-control-plane") && args.includes("channel=1.36/stable"),
        );
        const worker = changed.findIndex(
            (args) => args[0] === "config" && args.includes("kubernetes-worker") && args.includes("channel=1.36/stable"),
        );
        const upgrades = changed.filter((args) => args[0] === "run" && args.includes("upgrade")).map((args) => args[args.length - 2]);
        assert.ok(cp > 0 && worker > cp, "control plane before workers");
        assert.deepEqual(upgrades, ["kubernetes-control-plane/0", "kubernetes-worker/0", "kubernetes-worker/1", "kubernetes-worker/2"]);
        for (const app of Object.values(model().applications)) assert.equal(app.channel, "1.36/stable");
        assert.deepEqual(clusterIps(), before);
    });

    it("refuses a downgrade at preview, naming the key, with nothing changed in Juju", async () => {
        await assertRefusedAtPreview("channel", "1.35/stable", "1.36/stable", /channel.*cannot be downgraded in place/s);
    });

    it("removes a worker after cordoning and draining its node: remove-unit, then its machine goes without --force", async () => {
        const before = clusterIps();
        const kubeconfig = lastUp.outputs.kubeconfig.value as string;
        const [machine] = Object.entries(model().machines).find(([, m]) => m.address === "127.0.2.12")!;
        const nodeName = `sim-${machine}`;
        assert.equal((await kubeGet(kubeconfig, `/api/v1/nodes/${nodeName}`)).status, 200, "the worker's kubelet registered its node");
        const changed = mutations(await upWith({ workerCount: "2" }));
        assert.ok(!changed.some((args) => TEARDOWN.includes(args[0])), JSON.stringify(changed));
        const removal = changed.find((args) => args[0] === "remove-unit")!;
        assert.equal(removal[removal.length - 1], "kubernetes-worker/2");
        assert.ok(!changed.some((args) => args[0] === "remove-machine" && args.includes("--force")), JSON.stringify(changed));
        assert.equal(model().machines[machine], undefined, "Juju removed the machine with its last unit");
        assert.equal((await kubeGet(kubeconfig, `/api/v1/nodes/${nodeName}`)).status, 404, "the drained node was deleted");
        // nginx runs on, on the remaining workers
        const pods = await kubeGet<{ items: { spec: { nodeName?: string }; status: { phase?: string } }[] }>(
            kubeconfig,
            "/api/v1/namespaces/default/pods?labelSelector=run%3Dnginxdualstack",
        );
        assert.equal(pods.body.items.filter((pod) => pod.status.phase === "Running").length, 2, JSON.stringify(pods.body.items));
        assert.ok(!pods.body.items.some((pod) => pod.spec.nodeName === nodeName), "a pod is still bound to the removed node");
        assert.deepEqual(clusterIps(), before);
    });

    it("refuses a pod range change at preview, naming podCidr, with nothing changed in Juju", async () => {
        await assertRefusedAtPreview(
            "podCidr",
            "10.200.0.0/16,fd00:c00b:9::/112",
            "192.168.0.0/16,fd00:c00b:1::/112",
            /podCidr.*does not re-address its IP pools/s,
        );
    });

    it("grows the service range in place, and a Service can then take an address from the new range", async () => {
        const before = clusterIps();
        const changed = mutations(await upWith({ serviceCidr: "10.152.0.0/16,fd00:c00b:2::/108" }));
        assert.deepEqual(
            changed.map((args) => args.slice(0, 1).concat(args.slice(-2))),
            [],
        );
        const kubeconfig = lastUp.outputs.kubeconfig.value as string;
        const service = {
            metadata: { name: "grown-range", namespace: "default" },
            spec: { clusterIP: "10.152.7.7", ports: [{ port: 80 }], selector: { app: "none" } },
        };
        const created = await kubeRequest<{ spec?: { clusterIP?: string } }>(
            kubeconfig,
            "POST",
            "/api/v1/namespaces/default/services",
            service,
        );
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal(created.body.spec?.clusterIP, "10.152.7.7");
        assert.deepEqual(clusterIps(), before);
    });
});
