// A channel upgrade through DeploymentProvider.update against the Juju simulator (seeded settled
// cluster, a fake Kubernetes API): refused over broken units, an etcd snapshot first, Canonical's
// order, each unit's gate before its action even when its config-changed hook comes late, workers
// cordoned, drained, upgraded, Ready and uncordoned one at a time.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeEach, describe, it } from "node:test";
import { UPGRADE_ORDER } from "../../components/juju/dayTwo";
import { DeploymentOutputs, DeploymentProvider } from "../../components/juju/providers/deployment";
import { UPGRADE_CORDON_ANNOTATION, cordonNode, uncordonNode, waitNodeReady } from "../../components/kube/drain";
import { etcdChannelFor } from "../../components/juju/upgrade";
import { SimCall, hostFile, readCalls, readState } from "../../simulator/state";
import { KubeRequest, seedModel } from "../support/simSeed";
import { SIM_MODEL, printedBy, simDeploymentInputs, simDeploymentOutputs, simulatorHarness } from "../support/simDeployment";

const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "ck-upgrade-"));
const SIM_HOME = path.join(WORK, "sim");
const MODEL = SIM_MODEL;
const GATE = "Needs manual upgrade, run the upgrade action.";
// The simulator's timings: a unit's config-changed hook starts 1.5 s after `juju config` and ends
// 1.5 s later, longer than the waits' idle period: a wait for an idle model alone would miss the gate.
const SIM_ENV = {
    CK_JUJU_SIM_HOME: SIM_HOME,
    CK_JUJU_SIM_SETTLE_SECONDS: "0.5",
    CK_JUJU_SIM_CONFIG_SECONDS: "3",
    CK_JUJU_SIM_UPGRADE_SECONDS: "0.3",
    CK_DUALSTACK_SNAPSHOT_DIR: path.join(WORK, "operator"),
    CK_JUJU_BACKOFF_MS: "1",
};

const inputs = (channel: string, upgradeDrain = true) => simDeploymentInputs(channel, { upgradeDrain });
const outputs = (channel: string) => simDeploymentOutputs(simDeploymentInputs(channel));

/** Runs the provider's update, collecting what it printed. */
async function upgrade(from: string, to: string, upgradeDrain = true): Promise<{ outs: DeploymentOutputs; said: string[] }> {
    const { result, said } = await printedBy(() => new DeploymentProvider().update("id", outputs(from), inputs(to, upgradeDrain)));
    return { outs: result.outs as DeploymentOutputs, said };
}

/** The juju calls that change something, as argument lists with the time each was made. */
const changes = (calls: SimCall[]) =>
    calls.filter((call) => call.mutating || call.args[0] === "scp" || (call.args[0] === "run" && !call.args.includes("get-kubeconfig")));
const index = (calls: SimCall[], match: (args: string[]) => boolean) => calls.findIndex((call) => match(call.args));
const units = (app: string) => readState().models[MODEL].applications[app].units;

const sim = simulatorHarness(WORK, SIM_ENV, ["sim-0", "sim-2", "sim-3"]);
beforeEach(() => {
    fs.rmSync(SIM_HOME, { recursive: true, force: true });
    sim.api.requests.length = 0;
    for (const key of ["CK_JUJU_SIM_BLOCKED", "CK_JUJU_SIM_UNIT_ERROR"]) delete process.env[key];
});

describe("a guarded channel upgrade (1.34 to 1.35)", () => {
    it("refuses to start while units are in error or blocked, naming each, and changes nothing", async () => {
        seedModel(SIM_HOME, MODEL, { channel: "1.34/stable", api: sim.api, pid: sim.pid });
        process.env.CK_JUJU_SIM_BLOCKED = "kubernetes-worker/1=Missing CNI Integration";
        process.env.CK_JUJU_SIM_UNIT_ERROR = 'etcd/0=hook failed: "update-status"';
        await assert.rejects(upgrade("1.34/stable", "1.35/stable"), (error: Error) => {
            assert.match(error.message, /refusing to start the upgrade to 1\.35\/stable/);
            assert.match(error.message, /etcd\/0 \(error\/idle: hook failed: "update-status"\)/);
            assert.match(error.message, /kubernetes-worker\/1 \(blocked\/idle: Missing CNI Integration\)/);
            return true;
        });
        assert.deepEqual(changes(readCalls()), []);
    });

    it("snapshots etcd first, refreshes in Canonical's order, and runs each unit's action only after its gate, workers drained one at a time", async () => {
        seedModel(SIM_HOME, MODEL, { channel: "1.34/stable", api: sim.api, pid: sim.pid });
        const { outs, said } = await upgrade("1.34/stable", "1.35/stable");
        const calls = changes(readCalls());
        const args = calls.map((call) => call.args);

        // b. the snapshot before anything else, copied off the unit, its path in the outputs.
        assert.deepEqual(args[0].slice(-2), ["etcd/leader", "snapshot"]);
        assert.equal(args[1][0], "scp");
        const local = outs.etcdSnapshot!;
        assert.ok(local.startsWith(path.join(WORK, "operator", "ck-dualstack", "etcd-snapshots", "sim_up")), local);
        assert.equal(fs.statSync(path.dirname(local)).mode & 0o777, 0o700);
        const remote = args[1][args[1].length - 2].replace(/^etcd\/0:/, "");
        const digest = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
        assert.equal(digest(local), digest(hostFile("127.0.1.10", remote)));
        assert.ok(said.some((line) => line.includes(`etcd snapshot saved: ${local}`)));

        // f. the refreshes in Canonical's order; etcd's channel option after etcd's refresh, before easyrsa's.
        assert.deepEqual(
            args.filter((a) => a[0] === "refresh").map((a) => a[a.length - 1]),
            [...UPGRADE_ORDER],
        );
        const etcdConfig = index(
            calls,
            (a) => a[0] === "config" && a.includes("etcd") && a.includes(`channel=${etcdChannelFor("1.35/stable")}`),
        );
        assert.ok(etcdConfig > index(calls, (a) => a[0] === "refresh" && a.includes("etcd")), "etcd's channel after its refresh");
        assert.ok(etcdConfig < index(calls, (a) => a[0] === "refresh" && a.includes("easyrsa")), "etcd's channel before easyrsa");
        const cpConfig = index(calls, (a) => a[0] === "config" && a.includes("kubernetes-control-plane"));
        const workerConfig = index(calls, (a) => a[0] === "config" && a.includes("kubernetes-worker"));
        const actions = args.filter((a) => a[0] === "run" && a.includes("upgrade")).map((a) => a[a.length - 2]);
        assert.deepEqual(actions, ["kubernetes-control-plane/0", "kubernetes-worker/0", "kubernetes-worker/1"]);
        assert.ok(cpConfig > index(calls, (a) => a[0] === "refresh" && a.includes("kubernetes-control-plane")));
        assert.ok(
            workerConfig > index(calls, (a) => a[0] === "run" && a.includes("kubernetes-control-plane/0")),
            "workers after the control plane",
        );

        // d. each unit's gate was shown (its config-changed hook had ended) before its action.
        for (const unit of actions) {
            const gateSaid = said.findIndex((line) => line.includes(`${unit} shows the upgrade gate`));
            const runSaid = said.findIndex((line) => line.includes(`juju run ${unit} upgrade`));
            assert.ok(gateSaid >= 0 && gateSaid < runSaid, `${unit}: gate before action`);
        }
        for (const app of ["kubernetes-control-plane", "kubernetes-worker"]) {
            for (const [name, unit] of Object.entries(units(app))) assert.equal(unit.snapChannel, "1.35/stable", name);
        }

        // e. workers one at a time: cordon, drain (evictions), action, Ready, uncordon; then the next.
        const run = (unit: string) => calls.find((call) => call.args[0] === "run" && call.args.includes(unit))!.at;
        const steps = (node: string) => {
            const mine = (r: KubeRequest) => r.path.startsWith(`/api/v1/nodes/${node}`) || r.path.includes(`web-${node}`);
            const of = (match: (r: KubeRequest) => boolean) => sim.api.requests.filter((r) => mine(r) && match(r)).map((r) => r.at);
            const patches = sim.api.requests.filter((r) => mine(r) && r.method === "PATCH");
            return {
                cordon: patches.find((r) => (r.body?.spec as { unschedulable?: boolean }).unschedulable === true)!.at,
                evict: of((r) => r.path.endsWith("/eviction"))[0],
                uncordon: patches.find((r) => (r.body?.spec as { unschedulable?: boolean }).unschedulable === false)!.at,
                reads: of((r) => r.method === "GET" && r.path === `/api/v1/nodes/${node}`),
            };
        };
        const [first, second] = [steps("sim-2"), steps("sim-3")];
        for (const [unit, s] of [
            ["kubernetes-worker/0", first],
            ["kubernetes-worker/1", second],
        ] as const) {
            assert.ok(s.cordon <= s.evict && s.evict <= run(unit), `${unit}: cordoned and drained before its action`);
            assert.ok(
                s.reads.some((at) => at >= run(unit) && at <= s.uncordon),
                `${unit}: its Node read Ready after the action, before the uncordon`,
            );
        }
        assert.ok(first.uncordon <= second.cordon, "the second worker is cordoned only after the first is back");
        for (const node of ["sim-2", "sim-3"]) {
            assert.equal(sim.api.nodes.get(node)!.spec.unschedulable, false, node);
            assert.equal(sim.api.nodes.get(node)!.metadata.annotations[UPGRADE_CORDON_ANNOTATION], undefined, node);
        }
        // The control plane is upgraded without a drain.
        assert.ok(!sim.api.requests.some((r) => r.method === "PATCH" && r.path.endsWith("/sim-0")));

        // A re-run converges: nothing is refreshed, configured or upgraded again.
        const mark = readCalls().length;
        await upgrade("1.34/stable", "1.35/stable");
        const again = changes(readCalls().slice(mark)).map((call) => call.args);
        assert.deepEqual(
            again.filter((a) => a[0] !== "scp" && !a.includes("snapshot")),
            [],
            JSON.stringify(again),
        );
    });
});

describe("a channel upgrade whose etcd channel is unknown (1.35 to 1.36), in place", () => {
    it("leaves etcd's channel and says so; upgradeDrain false neither cordons nor drains", async () => {
        seedModel(SIM_HOME, MODEL, { channel: "1.35/stable", etcdChannel: "3.4/stable", api: sim.api, pid: sim.pid });
        const { said } = await upgrade("1.35/stable", "1.36/stable", false);
        const args = changes(readCalls()).map((call) => call.args);
        assert.ok(!args.some((a) => a[0] === "config" && a.includes("etcd")), JSON.stringify(args));
        assert.ok(
            said.some((line) => /etcd channel of 1\.36\/stable's bundle is not known .* stays 3\.4\/stable/.test(line)),
            said.join("\n"),
        );
        assert.deepEqual(
            args.filter((a) => a[0] === "run" && a.includes("upgrade")).map((a) => a[a.length - 2]),
            ["kubernetes-control-plane/0", "kubernetes-worker/0", "kubernetes-worker/1"],
        );
        assert.ok(!sim.api.requests.some((r) => r.method === "PATCH" || r.path.endsWith("/eviction")), "no cordon, no drain");
        assert.ok(
            sim.api.requests.some((r) => r.method === "GET" && r.path === "/api/v1/nodes/sim-3"),
            "the Node is still waited on",
        );
        for (const [name, unit] of Object.entries(units("kubernetes-worker"))) {
            assert.equal(unit.snapChannel, "1.36/stable", name);
        }
        const status = readState().models[MODEL].applications["kubernetes-worker"];
        assert.ok(!JSON.stringify(status).includes(GATE));
    });
});

describe("the node steps of a worker's upgrade (drain.ts)", () => {
    const kubeconfig = () =>
        [
            "apiVersion: v1",
            "clusters:",
            "- name: c",
            "  cluster:",
            `    server: https://127.0.0.1:${sim.api.port}`,
            `    certificate-authority-data: ${fs.readFileSync(path.join(sim.api.dir, "ca.crt")).toString("base64")}`,
            "users:",
            "- name: u",
            "  user:",
            `    token: ${sim.api.token}`,
            "contexts:",
            "- name: x",
            "  context: {cluster: c, user: u}",
            "current-context: x",
        ].join("\n");
    const log = () => undefined;

    it("waits for the Node's Ready condition, and fails naming the node and its condition when it stays not Ready", async () => {
        const node = sim.api.nodes.get("sim-2")!;
        node.status.conditions = [{ type: "Ready", status: "False" }];
        setTimeout(() => (node.status.conditions = [{ type: "Ready", status: "True" }]), 400);
        await waitNodeReady({ kubeconfig: kubeconfig(), node: "sim-2", timeoutMs: 10_000, intervalMs: 100, log });
        node.status.conditions = [{ type: "Ready", status: "Unknown" }];
        await assert.rejects(
            waitNodeReady({ kubeconfig: kubeconfig(), node: "sim-2", timeoutMs: 300, intervalMs: 100, log }),
            /node sim-2 did not become Ready within 0s: Ready=Unknown/,
        );
        node.status.conditions = [{ type: "Ready", status: "True" }];
    });

    it("uncordons only what it cordoned: a node someone else cordoned stays cordoned", async () => {
        const node = sim.api.nodes.get("sim-3")!;
        node.spec.unschedulable = true;
        await cordonNode({ kubeconfig: kubeconfig(), node: "sim-3", why: "upgrade to 1.35/stable", log });
        await uncordonNode({ kubeconfig: kubeconfig(), node: "sim-3", log });
        assert.equal(node.spec.unschedulable, true);
        node.spec.unschedulable = false;
        await cordonNode({ kubeconfig: kubeconfig(), node: "sim-3", why: "upgrade to 1.35/stable", log });
        assert.deepEqual([node.spec.unschedulable, node.metadata.annotations[UPGRADE_CORDON_ANNOTATION]], [true, "upgrade to 1.35/stable"]);
        await uncordonNode({ kubeconfig: kubeconfig(), node: "sim-3", log });
        assert.deepEqual([node.spec.unschedulable, node.metadata.annotations[UPGRADE_CORDON_ANNOTATION]], [false, undefined]);
    });
});
