// Issue 23: a refresh asks `juju status` once per model, not once per resource that reads it; a
// waiter and anything after a call that may change the model ask again.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { mayChange, runJuju } from "../../components/juju/cli";
import { jujuStatus, readStatus, verifyModel } from "../../components/juju/providers/common";
import { KubeconfigProvider, KubeconfigOutputs } from "../../components/juju/providers/kubeconfig";
import { MachineOutputs, MachineProvider } from "../../components/juju/providers/machine";
import { SettledOutputs, SettledProvider } from "../../components/juju/providers/settled";
import { FakeJuju, statusDoc } from "../support/fakeJuju";
import { machineInputs } from "../support/machineInputs";

const fakes: FakeJuju[] = [];
after(() => fakes.forEach((f) => f.remove()));

/** A model with three machines; a status answer each time it is asked. */
function threeMachines(): FakeJuju {
    const f = new FakeJuju({
        status: [{ stdout: statusDoc({}, { "0": "10.0.0.10", "1": "10.0.0.20", "2": "10.0.0.21" }) }],
        "add-unit": [{}],
    });
    fakes.push(f);
    return f;
}

const statusCalls = (f: FakeJuju) => f.calls().filter((args) => args[0] === "status").length;
const machine = (jujuPath: string, machineId: string): MachineOutputs => ({ ...machineInputs(jujuPath), machineId });

describe("one juju status per model on a refresh", () => {
    it("every Machine, Settled and Kubeconfig read of one refresh shares one status call", async () => {
        const f = threeMachines();
        const reads = await Promise.all([
            ...["0", "1", "2", "7"].map((id) => new MachineProvider().read(`lxd:ck/${id}`, machine(f.path, id))),
            new SettledProvider().read("lxd:ck/settled", { jujuPath: f.path, modelRef: "lxd:ck" } as SettledOutputs),
            new KubeconfigProvider().read("lxd:ck/kubeconfig", { jujuPath: f.path, modelRef: "lxd:ck" } as KubeconfigOutputs),
        ]);
        // Machine 7 is not in the model: its read says gone, the others are kept.
        assert.deepEqual(
            reads.map((r) => r.id),
            ["lxd:ck/0", "lxd:ck/1", "lxd:ck/2", undefined, "lxd:ck/settled", "lxd:ck/kubeconfig"],
        );
        assert.equal(statusCalls(f), 1);
        // Later reads of the same run still share it.
        await new MachineProvider().read("lxd:ck/1", machine(f.path, "1"));
        assert.equal(statusCalls(f), 1);
    });

    it("a call that may change the model makes the next read ask again", async () => {
        const f = threeMachines();
        await readStatus({ jujuPath: f.path, modelRef: "lxd:ck" });
        await runJuju({ jujuPath: f.path }, ["add-unit", "-m", "lxd:ck", "--", "kubernetes-worker"]);
        await readStatus({ jujuPath: f.path, modelRef: "lxd:ck" });
        assert.equal(statusCalls(f), 2);
    });

    it("a waiter's status is always asked anew", async () => {
        const f = threeMachines();
        await readStatus({ jujuPath: f.path, modelRef: "lxd:ck" });
        await jujuStatus({ jujuPath: f.path, modelRef: "lxd:ck" }, 1);
        await jujuStatus({ jujuPath: f.path, modelRef: "lxd:ck" }, 1);
        assert.equal(statusCalls(f), 3);
    });

    it("tells reads from calls that may change a model", () => {
        for (const args of [
            ["status", "-m", "c:m"],
            ["models", "-c", "c"],
            ["show-model", "c:m"],
            ["config", "-m", "c:m", "--", "calico", "cidr"],
            ["model-config", "-m", "c:m"],
        ])
            assert.equal(mayChange(args), false, args.join(" "));
        for (const args of [
            ["add-machine", "-m", "c:m", "--", "ssh:ubuntu@10.0.0.20"],
            ["config", "-m", "c:m", "--", "calico", "cidr=192.168.0.0/16"],
            ["config", "-m", "c:m", "--reset", "x", "--", "calico"],
            ["run", "-m", "c:m", "--", "kubernetes-control-plane/leader", "get-kubeconfig"],
            ["deploy", "-m", "c:m", "--", "charmed-kubernetes"],
        ])
            assert.equal(mayChange(args), true, args.join(" "));
    });
});

describe("the model-identity check before each mutating call", () => {
    const listed = (uuid: string) => ({ stdout: JSON.stringify({ models: [{ "short-name": "ck", "model-uuid": uuid }] }) });

    it("checks asked for at the same moment share one question; each later check asks again", async () => {
        const f = new FakeJuju({ models: [listed("uuid-1")] });
        fakes.push(f);
        const target = { jujuPath: f.path, modelRef: "lxd:ck", modelUuid: "uuid-1" };
        // An up enlisting eight nodes at once: each Machine's create checks the model first.
        await Promise.all(Array.from({ length: 8 }, () => verifyModel(target)));
        assert.equal(f.calls().filter((args) => args[0] === "models").length, 1);
        await verifyModel(target);
        await verifyModel(target);
        assert.equal(f.calls().filter((args) => args[0] === "models").length, 3);
    });

    it("a refresh's reads take a model re-created under the same name for gone, asking its identity once", async () => {
        const f = new FakeJuju({ models: [listed("uuid-2")], status: [{ stdout: statusDoc({}, { "0": "10.0.0.10" }) }] });
        fakes.push(f);
        const reads = await Promise.all(
            ["0", "0"].map((id) => new MachineProvider().read(`lxd:ck/${id}`, { ...machineInputs(f.path, "uuid-1"), machineId: id })),
        );
        assert.deepEqual(reads, [{}, {}]);
        assert.equal(f.calls().filter((args) => args[0] === "models").length, 1);
    });

    it("still refuses a model re-created under the same name, for every check that shared the question", async () => {
        const f = new FakeJuju({ models: [listed("uuid-2")] });
        fakes.push(f);
        const target = { jujuPath: f.path, modelRef: "lxd:ck", modelUuid: "uuid-1" };
        const results = await Promise.allSettled(Array.from({ length: 3 }, () => verifyModel(target)));
        assert.deepEqual(
            results.map((r) => r.status),
            ["rejected", "rejected", "rejected"],
        );
    });
});
