// Issue 21: the operations a preview lists are the calls up makes. Against the Juju simulator (a
// seeded, settled cluster; a fake Kubernetes API for the Node steps), each case runs the Deployment
// provider's check (what the preview shows), then its update (what up runs), and compares check's
// list with the mutating juju calls the simulator logged and with the list the outputs record.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { beforeEach, describe, it } from "node:test";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { CheckedDeployment, DeploymentInputs, DeploymentOutputs, DeploymentProvider } from "../../components/juju/providers/deployment";
import { MachineProvider } from "../../components/juju/providers/machine";
import { planFamilies } from "../../components/net/families";
import { readCalls, withState } from "../../simulator/state";
import { jujuLines, renderedCall } from "../support/jujuCalls";
import { machineInputs } from "../support/machineInputs";
import { Operation, describeOperation } from "../../components/juju/operations";
import { LiveModel, planDeploymentChange } from "../../components/juju/planDeployment";
import { SIM_JUJU, SIM_MODEL, printedBy, simDeploymentInputs, simDeploymentOutputs, simulatorHarness } from "../support/simDeployment";
import { seedModel } from "../support/simSeed";

const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "ck-operations-"));
const SIM_HOME = path.join(WORK, "sim");
const SIM_ENV = {
    CK_JUJU_SIM_HOME: SIM_HOME,
    CK_JUJU_SIM_SETTLE_SECONDS: "0.5",
    CK_JUJU_SIM_CONFIG_SECONDS: "3",
    CK_JUJU_SIM_UPGRADE_SECONDS: "0.3",
    CK_JUJU_SIM_REMOVE_SECONDS: "0.3",
    CK_DUALSTACK_SNAPSHOT_DIR: path.join(WORK, "operator"),
    CK_JUJU_BACKOFF_MS: "1",
};

/** check (the preview) then update (up) of one change; what each listed and what the simulator logged. */
async function previewThenUp(olds: DeploymentInputs, news: DeploymentInputs) {
    const provider = new DeploymentProvider();
    const mark = readCalls().length;
    const { result, said } = await printedBy(async () => {
        const checked = await provider.check(olds, news);
        assert.equal(checked.failures, undefined);
        const previewCalls = readCalls().slice(mark);
        const listed = (checked.inputs as CheckedDeployment).jujuOperations ?? [];
        assert.equal((await provider.diff("id", simDeploymentOutputs(olds), checked.inputs as CheckedDeployment)).changes, true);
        const updated = await provider.update("id", simDeploymentOutputs(olds), checked.inputs as CheckedDeployment);
        const ran = (updated.outs as DeploymentOutputs).jujuOperations;
        const made = readCalls()
            .slice(mark + previewCalls.length)
            .filter((call) => call.mutating)
            .map((call) => renderedCall(call.args));
        return { listed, ran, made, previewCalls };
    });
    return { ...result, said };
}

const sim = simulatorHarness(WORK, SIM_ENV, ["sim-0", "sim-2", "sim-3", "sim-4"]);
beforeEach(() => fs.rmSync(SIM_HOME, { recursive: true, force: true }));

describe("preview lists the operations up runs", () => {
    it("adding a worker: add-machine (Machine) and add-unit onto it, its machine named after the node while unknown", async () => {
        seedModel(SIM_HOME, SIM_MODEL, { channel: "1.35/stable", api: sim.api, pid: sim.pid });
        // The new worker's machine, as its Machine resource enlisted it.
        await withState((state) => {
            const model = state.models[SIM_MODEL];
            model.machines["4"] = { ...model.machines["3"], address: "127.0.2.12", ipAddresses: ["127.0.2.12", "::1"] };
            model.nextMachine = 5;
        });
        const olds = simDeploymentInputs("1.35/stable");
        const news = simDeploymentInputs("1.35/stable", { workers: 3 });

        // At preview the new machine is not enlisted yet: its Machine lists add-machine, and the
        // Deployment's machines are unknown, so the unit goes onto "the machine of worker-2".
        const machine = await new MachineProvider().check(
            {},
            { ...machineInputs(SIM_JUJU), modelRef: SIM_MODEL, name: "worker-2", address: "127.0.2.12" },
        );
        assert.deepEqual((machine.inputs as { jujuOperations: string[] }).jujuOperations, ["juju add-machine ssh:ubuntu@127.0.2.12"]);
        const preview = await new DeploymentProvider().check(olds, {
            ...news,
            machines: unknownValue as unknown as DeploymentInputs["machines"],
        });
        assert.deepEqual((preview.inputs as CheckedDeployment).jujuOperations, [
            "juju add-unit kubernetes-worker --to <machine of worker-2>",
        ]);

        const { listed, ran, made } = await previewThenUp(olds, news);
        assert.deepEqual(listed, ["juju add-unit kubernetes-worker --to 4"]);
        assert.deepEqual(jujuLines(listed), made);
        assert.deepEqual(ran, listed);
    });

    it("resumes an upgrade interrupted after a refresh once pulumi refresh read the model: no refusal, the refreshed charm skipped", async () => {
        seedModel(SIM_HOME, SIM_MODEL, { channel: "1.35/stable", api: sim.api, pid: sim.pid });
        const refreshed = spawnSync(SIM_JUJU, ["refresh", "-m", SIM_MODEL, "containerd", "--channel", "1.36/stable"], { env: process.env });
        assert.equal(refreshed.status, 0);
        const provider = new DeploymentProvider();
        const log = console.log;
        console.log = () => undefined;
        try {
            const read = await provider.read("id", simDeploymentOutputs(simDeploymentInputs("1.35/stable")));
            const checked = await provider.check(read.inputs as CheckedDeployment, simDeploymentInputs("1.36/stable"));
            assert.equal(checked.failures, undefined);
            const listed = (checked.inputs as CheckedDeployment).jujuOperations ?? [];
            assert.ok(listed.includes("juju refresh etcd --channel 1.36/stable"));
            assert.ok(!listed.includes("juju refresh containerd --channel 1.36/stable"));
        } finally {
            console.log = log;
        }
    });

    it("a channel upgrade (1.35 to 1.36): the snapshot, the refreshes in Canonical's order, each unit's action, each worker's Node steps", async () => {
        seedModel(SIM_HOME, SIM_MODEL, { channel: "1.35/stable", etcdChannel: "3.4/stable", api: sim.api, pid: sim.pid });
        const { listed, ran, made, previewCalls, said } = await previewThenUp(
            simDeploymentInputs("1.35/stable"),
            simDeploymentInputs("1.36/stable"),
        );
        assert.deepEqual(listed, [
            "juju run etcd/leader snapshot (etcd snapshot, copied to this machine)",
            "juju refresh containerd --channel 1.36/stable",
            "juju refresh etcd --channel 1.36/stable",
            "juju refresh easyrsa --channel 1.36/stable",
            "juju refresh calico --channel 1.36/stable",
            "juju refresh kubeapi-load-balancer --channel 1.36/stable",
            "juju refresh kubernetes-control-plane --channel 1.36/stable",
            "juju config kubernetes-control-plane channel=1.36/stable",
            "juju run kubernetes-control-plane/0 upgrade",
            "juju refresh kubernetes-worker --channel 1.36/stable",
            "juju config kubernetes-worker channel=1.36/stable",
            "kubectl cordon sim-2",
            "kubectl drain sim-2 --ignore-daemonsets --delete-emptydir-data",
            "juju run kubernetes-worker/0 upgrade",
            "kubectl uncordon sim-2",
            "kubectl cordon sim-3",
            "kubectl drain sim-3 --ignore-daemonsets --delete-emptydir-data",
            "juju run kubernetes-worker/1 upgrade",
            "kubectl uncordon sim-3",
        ]);
        // The preview read the model (status, the channel options), and changed nothing.
        assert.deepEqual(
            previewCalls.filter((call) => call.mutating),
            [],
        );
        assert.deepEqual(jujuLines(listed), made);
        assert.deepEqual(ran, listed);
        // The preview's lines, printed once by check.
        assert.ok(said.includes(`deployment ${SIM_MODEL}:   8. juju config kubernetes-control-plane channel=1.36/stable`), said.join("\n"));
    });

    it("scaling in: the worker's Node drained, its unit removed gracefully, its Node deleted", async () => {
        seedModel(SIM_HOME, SIM_MODEL, { channel: "1.35/stable", api: sim.api, pid: sim.pid, workers: 3 });
        const { listed, ran, made } = await previewThenUp(
            simDeploymentInputs("1.35/stable", { workers: 3 }),
            simDeploymentInputs("1.35/stable", { workers: 2 }),
        );
        assert.deepEqual(listed, [
            "kubectl drain sim-4 --ignore-daemonsets --delete-emptydir-data",
            "juju remove-unit kubernetes-worker/2",
            "kubectl delete node sim-4",
        ]);
        assert.deepEqual(jujuLines(listed), made);
        assert.deepEqual(ran, listed);
    });

    it("growing the service range: no Juju operation, and neither preview nor up asks Juju anything", async () => {
        seedModel(SIM_HOME, SIM_MODEL, { channel: "1.35/stable", api: sim.api, pid: sim.pid });
        const olds = simDeploymentInputs("1.35/stable");
        const grown = { ...olds, families: planFamilies("192.168.0.0/16,fd00:c00b:1::/112", "10.152.0.0/16,fd00:c00b:2::/108") };
        const { listed, ran, made, previewCalls, said } = await previewThenUp(olds, grown);
        assert.deepEqual([listed, ran, made, previewCalls], [[], [], [], []]);
        assert.deepEqual(readCalls(), [], "no juju call at all");
        assert.deepEqual(said, [], "nothing to list");
    });
});

describe("putting back a hand edit (restore operations from a refresh)", () => {
    const state = simDeploymentInputs("1.35/stable");
    const live: LiveModel = {
        channelOptions: {},
        status: {
            machines: { "0": { hostname: "sim-0" }, "2": { hostname: "sim-2" }, "5": { hostname: "sim-5" } },
            applications: {
                "kubernetes-control-plane": { units: { "kubernetes-control-plane/0": { machine: "0" } } },
                "kubernetes-worker": {
                    units: {
                        "kubernetes-worker/0": { machine: "2" },
                        "kubernetes-worker/3": { machine: "0" },
                        "kubernetes-worker/4": { machine: "5" },
                    },
                },
            },
        },
    };
    const removal = (unit: string) =>
        planDeploymentChange(state, state, live, [{ kind: "juju", command: "remove-unit", positional: [unit] }]).steps.map((step) =>
            describeOperation(step.operation),
        );

    it("drains and deletes the Node of a worker unit added by hand on a machine of its own", () => {
        assert.deepEqual(removal("kubernetes-worker/4"), [
            "kubectl drain sim-5 --ignore-daemonsets --delete-emptydir-data",
            "juju remove-unit kubernetes-worker/4",
            "kubectl delete node sim-5",
        ]);
    });

    it("leaves the Node alone when the unit was added on the control plane's machine: the Node is the control plane's", () => {
        assert.deepEqual(removal("kubernetes-worker/3"), ["juju remove-unit kubernetes-worker/3"]);
    });

    it("waits for the model to settle after the restore's additions, before its removals, and after the restore", () => {
        const restore: Operation[] = [
            { kind: "juju", command: "config", positional: ["calico", "cidr=192.168.0.0/16"] },
            { kind: "juju", command: "remove-unit", positional: ["kubernetes-worker/3"] },
        ];
        const waits = planDeploymentChange(state, state, live, restore).steps.map((step) => step.then?.map((wait) => wait.kind));
        assert.deepEqual(waits, [["settled"], ["settled"]]);
    });

    it("adds no second worker unit onto an added machine that has one already (an interrupted run), and says so", () => {
        const news = {
            ...state,
            machines: [...state.machines, { id: "5", roles: ["worker"] }],
            nodes: [...state.nodes, { name: "worker-9", roles: ["worker"] }],
        };
        const plan = planDeploymentChange(state, news, live, []);
        assert.deepEqual(
            plan.steps.map((step) => describeOperation(step.operation)),
            [],
        );
        assert.deepEqual(plan.notes, ["machine 5 already has kubernetes-worker/4 (earlier, interrupted run): no add-unit"]);
    });

    it("moving an older stack's balancer: the old unit goes only once the new one an interrupted run added is active", () => {
        // An earlier version placed the balancer on the first worker (machine 2); the move's first run
        // added kubeapi-load-balancer/1 on the new machine 6 and was interrupted.
        const older = { ...state, machines: state.machines.filter((m) => !m.roles.includes("load-balancer")) };
        const moved = { ...state, machines: [...older.machines, { id: "6", roles: ["load-balancer"] }] };
        const balancers = { "kubeapi-load-balancer/0": { machine: "2" }, "kubeapi-load-balancer/1": { machine: "6" } };
        const interrupted: LiveModel = {
            ...live,
            status: { ...live.status, applications: { ...live.status.applications, "kubeapi-load-balancer": { units: balancers } } },
        };
        const plan = planDeploymentChange(older, moved, interrupted, []);
        assert.deepEqual(
            plan.steps.map((step) => [describeOperation(step.operation), step.requires?.map((wait) => JSON.stringify(wait))]),
            [["juju remove-unit kubeapi-load-balancer/0", ['{"kind":"unit-active","app":"kubeapi-load-balancer","machine":"6"}']]],
        );
        assert.deepEqual(plan.notes, [
            "machine 6 already has kubeapi-load-balancer/1 (earlier, interrupted run): up waits for it to be active",
        ]);
    });

    it("puts a worker removed by hand (its machine went with it) onto its node's new machine, named after the node at preview", () => {
        // worker-1 was on machine 3, which Juju removed with the unit (live has no machine 3); its
        // node is enlisted again, and restoreOperations adds nothing onto the gone machine.
        const listed = (news: DeploymentInputs) =>
            planDeploymentChange(state, news, live, []).steps.map((step) => describeOperation(step.operation));
        const unknown = { ...state, machines: unknownValue as unknown as DeploymentInputs["machines"] };
        assert.deepEqual(listed(unknown), ["juju add-unit kubernetes-worker --to <machine of worker-1>"]);
        const reenlisted = { ...state, machines: state.machines.map((m) => (m.id === "3" ? { ...m, id: "6" } : m)) };
        assert.deepEqual(listed(reenlisted), ["juju add-unit kubernetes-worker --to 6"]);
    });
});
