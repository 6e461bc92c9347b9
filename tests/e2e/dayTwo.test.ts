// Day-2 operations on the sandbox, as an operator makes them: change the stack's config, run
// `pulumi up`. Each step asserts which juju commands ran (never a bundle redeploy, a
// remove-application or a destroy-model) and that the workload's Services keep their ClusterIPs.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Stack, UpResult } from "@pulumi/pulumi/automation";
import { UPGRADE_ORDER } from "../../components/juju/dayTwo";
import { exportEncrypted } from "../../scripts/lib/sandbox";
import { hostFile, readCalls as calls, readState as simState } from "../../simulator/state";
import { jujuLines, renderedCall } from "../support/jujuCalls";
import { kubeGet, kubeRequest } from "../support/kube";
import { e2eSandbox, quiet } from "./harness";

// Where the upgrade's etcd snapshot lands on "the operator's machine".
const SNAPSHOTS = fs.mkdtempSync(path.join(os.tmpdir(), "ck-daytwo-snapshots-"));
// A unit's config-changed hook comes 4 s after `juju config` and ends 4 s later (simulator QueuedHook),
// longer than the sandbox's idle period: an upgrade that only waits for an idle model misses the gate.
const sandbox = e2eSandbox("daytwo", {}, { CK_JUJU_SIM_CONFIG_SECONDS: "8", CK_DUALSTACK_SNAPSHOT_DIR: SNAPSHOTS });
let stack: Stack;
let lastUp: UpResult;
/** What the last `pulumi up` printed (the providers' progress lines among it). */
let lastOutput = "";
let mark = 0;

/** The operations the last preview listed: the Deployment's numbered lines (`deployment <model>:   1. juju ...`). */
let listed: string[] = [];

/**
 * Sets config keys as `pulumi config set` does, runs `pulumi preview` (keeping the operations it
 * listed), then `pulumi up`; returns the juju calls up made.
 */
async function upWith(config: Record<string, string>): Promise<string[][]> {
    for (const [key, value] of Object.entries(config)) await stack.setConfig(`ck-dualstack:${key}`, { value });
    let previewed = "";
    await stack.preview({ ...quiet, onOutput: (text: string) => void (previewed += text) });
    // The engine prints provider output as it comes and again in its closing Diagnostics: the first list.
    const numbered = [...previewed.matchAll(/deployment \S+: {3}(\d+)\. (.+)$/gm)];
    const again = numbered.findIndex((match, i) => i > 0 && match[1] === "1");
    listed = numbered.slice(0, again < 0 ? undefined : again).map((match) => match[2].trim());
    mark = calls().length;
    lastOutput = "";
    lastUp = await stack.up({ ...quiet, onOutput: (text: string) => void (lastOutput += text) });
    return calls()
        .slice(mark)
        .map((call) => call.args);
}

/** The operations the last up recorded it ran (the Deployment's `jujuOperations` output). */
const ranOperations = () =>
    exportEncrypted(stack).resources?.find((r) => r.type === "pulumi-nodejs:dynamic/juju:Deployment")?.outputs?.jujuOperations as
        | string[]
        | undefined;

/** The mutating calls the last up made, rendered as the operations preview lists them. */
const madeOperations = () =>
    calls()
        .slice(mark)
        .filter((call) => call.mutating)
        .map((call) => renderedCall(call.args));

/** Where `needle` first appears in the last up's output at or after `from` (-1: nowhere). */
const said = (needle: string, from = 0) => lastOutput.indexOf(needle, from);
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
after(async () => {
    await sandbox.cleanUp(stack);
    fs.rmSync(SNAPSHOTS, { recursive: true, force: true });
});

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
        // Preview listed the add-unit onto the new node's machine, unknown until it was enlisted.
        assert.deepEqual(listed, ["juju add-unit kubernetes-worker --to <machine of worker-2>"]);
        assert.deepEqual(ranOperations(), [`juju add-unit kubernetes-worker --to ${machine}`]);
        assert.deepEqual(
            madeOperations().filter((line) => !line.startsWith("juju add-machine")),
            ranOperations(),
        );
    });

    it("upgrades 1.35 to 1.36 as Canonical documents it: etcd snapshot, refreshes in order, each unit's gate then its action, workers drained one at a time", async () => {
        const before = clusterIps();
        const changed = mutations(await upWith({ channel: "1.36/stable" }));
        assert.ok(!changed.some((args) => TEARDOWN.includes(args[0])), JSON.stringify(changed));

        // The etcd snapshot before anything else, copied to this machine, its path in the Deployment's outputs.
        assert.deepEqual(changed[0].slice(-2), ["etcd/leader", "snapshot"], JSON.stringify(changed));
        assert.equal(changed[1][0], "scp");
        const deployment = exportEncrypted(stack).resources?.find((r) => typeof r.outputs?.etcdSnapshot === "string");
        const local = deployment?.outputs?.etcdSnapshot as string;
        assert.ok(local?.startsWith(SNAPSHOTS) && fs.existsSync(local), `etcdSnapshot output: ${local}`);
        const remote = changed[1][changed[1].length - 2].replace(/^etcd\/0:/, "");
        const etcdHost = model().machines[model().applications.etcd.units["etcd/0"].machine].address;
        const digest = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
        assert.equal(digest(local), digest(hostFile(etcdHost, remote)), "the local copy is the unit's snapshot");
        assert.ok(said(`etcd snapshot saved: ${local}`) >= 0);

        // The refreshes in Canonical's order; 1.36's etcd channel is not known, so etcd's option stays.
        const refreshed = changed.filter((args) => args[0] === "refresh").map((args) => args[args.length - 1]);
        assert.deepEqual(refreshed, [...UPGRADE_ORDER]);
        assert.ok(!changed.some((args) => args[0] === "config" && args.includes("etcd")));
        assert.ok(said("etcd's channel option stays 3.4/stable") >= 0);
        const cp = changed.findIndex(
            (args) => args[0] === "config" && args.includes("kubernetes-control-plane") && args.includes("channel=1.36/stable"),
        );
        const worker = changed.findIndex(
            (args) => args[0] === "config" && args.includes("kubernetes-worker") && args.includes("channel=1.36/stable"),
        );
        const upgrades = changed.filter((args) => args[0] === "run" && args.includes("upgrade")).map((args) => args[args.length - 2]);
        assert.ok(
            cp > changed.findIndex((args) => args[0] === "refresh" && args.includes("kubeapi-load-balancer")),
            "control plane after the balancer",
        );
        assert.ok(
            worker > changed.findIndex((args) => args[0] === "run" && args.includes("kubernetes-control-plane/0")),
            "workers after the control plane",
        );
        assert.deepEqual(upgrades, ["kubernetes-control-plane/0", "kubernetes-worker/0", "kubernetes-worker/1", "kubernetes-worker/2"]);

        // Each unit's gate, then its action; each worker cordoned and drained before it, Ready and
        // uncordoned after it, before the next worker is touched.
        let previous = 0;
        for (const unit of upgrades) {
            const gate = said(`${unit} shows the upgrade gate`);
            // The step as it runs ("step 9/19: juju run ..."), not its line in the list check printed first.
            const action = said(`: juju run ${unit} upgrade`);
            assert.ok(gate >= 0 && gate < action, `${unit}: its gate, then its action`);
            if (unit.startsWith("kubernetes-worker")) {
                const node = `sim-${model().applications["kubernetes-worker"].units[unit].machine}`;
                const cordoned = said(`cordon: node ${node} cordoned`, previous);
                const drained = said(`drain: node ${node} drained`, previous);
                const ready = said(`node ${node} is Ready`, action);
                const uncordoned = said(`uncordon: node ${node} uncordoned`, action);
                assert.ok(
                    previous <= cordoned && cordoned < drained && drained < action,
                    `${unit}: cordoned and drained before its action`,
                );
                assert.ok(action < ready && ready < uncordoned, `${unit}: Ready, then uncordoned, after its action`);
                previous = uncordoned;
            }
        }
        const kubeconfig = lastUp.outputs.kubeconfig.value as string;
        const nodes = await kubeGet<{ items: { metadata: { name: string }; spec: { unschedulable?: boolean } }[] }>(
            kubeconfig,
            "/api/v1/nodes",
        );
        assert.deepEqual(
            nodes.body.items.filter((node) => node.spec.unschedulable).map((node) => node.metadata.name),
            [],
            "every node schedulable again",
        );
        // What preview listed is what up ran: its Juju calls, and its Node steps as recorded.
        assert.ok(listed.length > 0, "preview listed the upgrade's operations");
        assert.deepEqual(ranOperations(), listed);
        assert.deepEqual(madeOperations(), jujuLines(listed));
        for (const app of Object.values(model().applications)) assert.equal(app.channel, "1.36/stable");
        for (const unit of Object.values(model().applications["kubernetes-worker"].units)) assert.equal(unit.snapChannel, "1.36/stable");
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
        assert.deepEqual(listed, [
            `kubectl drain ${nodeName} --ignore-daemonsets --delete-emptydir-data`,
            "juju remove-unit kubernetes-worker/2",
            `kubectl delete node ${nodeName}`,
        ]);
        assert.deepEqual(ranOperations(), listed);
        // The Machine's own removal follows once its unit is gone (Juju already removed the machine).
        assert.deepEqual(
            madeOperations().filter((line) => !line.startsWith("juju remove-machine")),
            jujuLines(listed),
        );
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
        assert.deepEqual([listed, ranOperations()], [[], []], "preview listed no operation, up ran none");
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
