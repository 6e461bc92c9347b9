import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import {
    JujuError,
    MAX_DETAIL_CHARS,
    checkJujuVersion,
    classifyFailure,
    objectWith,
    runJuju,
    runJujuJson,
} from "../../components/juju/cli";
import { loadConfig } from "../../components/config/load";
import { readStackFile } from "../../components/config/stackFile";
import { kubeconfigServer } from "../../components/juju/kubeconfigText";
import { PROVIDER_FILES } from "../../components/juju/lazyProvider";
import { migrateMachine } from "../../components/juju/migrations";
import {
    CheckedDeployment,
    DeploymentInputs,
    DeploymentOutputs,
    DeploymentProvider,
    generationOf,
} from "../../components/juju/providers/deployment";
import { KubeconfigProvider } from "../../components/juju/providers/kubeconfig";
import { MachineProvider } from "../../components/juju/providers/machine";
import { ModelProvider, OWNER_KEY } from "../../components/juju/providers/model";
import { SettledProvider } from "../../components/juju/providers/settled";
import { planFamilies } from "../../components/net/families";
import { settlePolicyOf } from "../../components/juju/settle";
import { alive } from "../../simulator/state";
import { SEED_FAMILIES, TWO_NODE_DEPLOYMENT } from "../support/deployment";
import { FakeJuju, statusDoc } from "../support/fakeJuju";
import { machineInputs } from "../support/machineInputs";

/** `value` without `keys`. */
const omit = <T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> =>
    Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key as K))) as Omit<T, K>;

const VERSION = { version: [{ stdout: "3.6.4-genericlinux-amd64\n" }] };
const UNREACHABLE = { stderr: "ERROR cannot connect to API: dial tcp 10.0.0.2:17070: connect: connection refused\n", code: 1 };
const fakes: FakeJuju[] = [];
function fake(script: ConstructorParameters<typeof FakeJuju>[0]): FakeJuju {
    const f = new FakeJuju(script);
    fakes.push(f);
    return f;
}
let overlayDir: string;
before(() => {
    process.env.CK_JUJU_BACKOFF_MS = "1";
    overlayDir = fs.mkdtempSync(path.join(os.tmpdir(), "ck-overlays-"));
    process.env.CK_DUALSTACK_OVERLAY_DIR = overlayDir;
});
after(() => {
    fakes.forEach((f) => f.remove());
    fs.rmSync(overlayDir, { recursive: true, force: true });
});

describe("juju CLI runner", () => {
    it("counts only Juju's model, machine, application and unit not-found errors as already gone", () => {
        // Literal texts of Juju 3.6 (cmd/modelcmd, cmd/juju/machine/remove.go, removeapplication.go, application/get.go).
        assert.equal(classifyFailure("ERROR model sim:admin/ck not found"), "not-found");
        assert.equal(classifyFailure("ERROR removing machine failed: machine 7 not found"), "not-found");
        assert.equal(classifyFailure('ERROR removing application etcd failed: application "etcd" not found'), "not-found");
        assert.equal(classifyFailure('ERROR application "etcd" not found (not found)'), "not-found");
        assert.equal(classifyFailure('ERROR removing unit etcd/9 failed: unit "etcd/9" not found'), "not-found");
        // Not "already gone": the thing we wanted still exists, or we asked the wrong place.
        assert.equal(classifyFailure("ERROR controller lxd not found"), "other");
        assert.equal(classifyFailure('ERROR cannot deploy bundle: cannot resolve charm or bundle "x": charm or bundle not found'), "other");
        assert.equal(classifyFailure('ERROR key "cidr" not found in "calico" application config or charm settings.'), "other");
        assert.equal(classifyFailure('ERROR action "pause" not found'), "other");
        assert.equal(classifyFailure('ERROR failed to create new model: model "x" for admin already exists'), "already-exists");
        assert.equal(classifyFailure(UNREACHABLE.stderr), "unreachable");
        // parallel enlistments contend for the client store's lock (juju/juju#18949): retried
        assert.equal(classifyFailure("ERROR cannot acquire lock file to read controller sim: timeout"), "unreachable");
        assert.equal(classifyFailure("ERROR permission denied"), "other");
    });

    it("retries transient failures with backoff, then succeeds", async () => {
        const f = fake({ status: [UNREACHABLE, UNREACHABLE, { stdout: "{}" }] });
        const out = await runJuju({ jujuPath: f.path, backoffMs: 1 }, ["status"]);
        assert.equal(out.stdout, "{}");
        assert.equal(f.calls().length, 3);
    });

    it("does not retry other failures and says which command failed and why", async () => {
        const f = fake({
            deploy: [{ stderr: 'ERROR cannot deploy bundle: cannot resolve charm or bundle "x": charm or bundle not found\n', code: 1 }],
        });
        await assert.rejects(runJuju({ jujuPath: f.path, backoffMs: 1 }, ["deploy", "--", "x"]), (e: Error) => {
            assert.ok(e instanceof JujuError);
            assert.equal(
                e.message,
                'juju deploy failed (other): ERROR cannot deploy bundle: cannot resolve charm or bundle "x": charm or bundle not found',
            );
            return true;
        });
        assert.equal(f.calls().length, 1);
    });

    it("gives up on a controller that stays unreachable", async () => {
        const f = fake({ status: [UNREACHABLE] });
        await assert.rejects(runJuju({ jujuPath: f.path, backoffMs: 1, attempts: 3 }, ["status"]), /unreachable/);
        assert.equal(f.calls().length, 3);
    });

    it("kills a hung juju that ignores SIGTERM, and says what timed out", { timeout: 10_000 }, async () => {
        const f = fake({ status: [{ hang: true }] });
        const started = Date.now();
        await assert.rejects(runJuju({ jujuPath: f.path, timeoutMs: 300, killGraceMs: 200, attempts: 1 }, ["status"]), (e: Error) => {
            assert.ok(e instanceof JujuError && e.kind === "timeout", e.message);
            assert.match(e.message, /juju status failed \(timeout\): no answer within 0s; stopped it/);
            return true;
        });
        assert.ok(Date.now() - started < 5_000);
        const pid = Number(fs.readFileSync(path.join(f.dir, "hung.pid"), "utf8"));
        assert.equal(alive(pid), false, "the hung juju was killed");
    });

    it("stops a juju that floods its output and quotes none of it", async () => {
        const f = fake({ status: [{ stdout: "secret-token ".repeat(10_000) }] });
        await assert.rejects(runJuju({ jujuPath: f.path, maxOutputBytes: 1024 }, ["status"]), (e: Error) => {
            assert.ok(e instanceof JujuError && e.kind === "flood", e.message);
            assert.doesNotMatch(e.message, /secret-token/);
            return true;
        });
    });

    it("caps what an error quotes", async () => {
        const f = fake({ deploy: [{ stderr: `ERROR ${"x".repeat(5000)}\n`, code: 1 }] });
        await assert.rejects(runJuju({ jujuPath: f.path }, ["deploy"]), (e: Error) => {
            assert.ok((e as JujuError).detail.length <= MAX_DETAIL_CHARS + 10);
            return true;
        });
    });

    it("checks the shape of parsed JSON instead of failing later with a TypeError", async () => {
        for (const stdout of ["null", "[]", '"x"', '{"applications": []}']) {
            const f = fake({ status: [{ stdout }] });
            await assert.rejects(runJujuJson({ jujuPath: f.path }, ["status"], objectWith("applications")), (e: Error) => {
                assert.ok(e instanceof JujuError && e.kind === "malformed", `${stdout}: ${e.message}`);
                return true;
            });
        }
    });

    it("says when juju is missing", async () => {
        await assert.rejects(
            runJuju({ jujuPath: "/nonexistent/juju" }, ["version"]),
            /no Juju CLI at "\/nonexistent\/juju"; install the juju snap \(3\.6\)/,
        );
    });

    it("supports Juju 3 and refuses 2.9 and 4 with the reason", () => {
        checkJujuVersion("3.6.4-genericlinux-amd64");
        assert.throws(() => checkJujuVersion("4.0.1-genericlinux-amd64"), /Juju 4 cannot deploy bundles/);
        assert.throws(() => checkJujuVersion("2.9.50-ubuntu-amd64"), /Juju 2\.9 .* use the 3\.6 LTS client/);
    });
});

const show = (uuid: string, controller = "lxd") => ({
    stdout: JSON.stringify({ ck: { "model-uuid": uuid, "controller-name": controller } }),
});
/** `juju models -c <controller> --format=json` listing model ck with that UUID (or none). */
const listed = (uuid?: string) => ({
    stdout: JSON.stringify({ models: uuid ? [{ name: "admin/ck", "short-name": "ck", "model-uuid": uuid }] : [] }),
});
const NOT_FOUND_MODEL = { stderr: "ERROR model lxd:admin/ck not found\n", code: 1 };

describe("Model provider", () => {
    const inputs = (jujuPath: string, controller = "lxd") => ({ jujuPath, controller, model: "ck", owner: "ck-dualstack/dev" });
    const outputs = (jujuPath: string) => ({ ...inputs(jujuPath), controllerName: "lxd", modelRef: "lxd:ck", uuid: "uuid-1" });

    it("creates the model on the named controller, recording the owning stack and the model's identity", async () => {
        const f = fake({ ...VERSION, "add-model": [{ stderr: "Added 'ck' model\n" }], models: [listed("uuid-1")] });
        const result = await new ModelProvider().create(inputs(f.path));
        assert.equal(result.id, "lxd:ck");
        assert.deepEqual([result.outs.modelRef, result.outs.uuid, result.outs.controllerName], ["lxd:ck", "uuid-1", "lxd"]);
        assert.deepEqual(f.calls()[1], ["add-model", "--no-switch", "-c", "lxd", "--config", `${OWNER_KEY}=ck-dualstack/dev`, "--", "ck"]);
    });

    it("resolves an empty controller once, at create, and records it", async () => {
        const controllers = { stdout: JSON.stringify({ controllers: { prod: {}, lab: {} }, "current-controller": "prod" }) };
        const f = fake({ ...VERSION, controllers: [controllers], "add-model": [{}], models: [listed("uuid-9")] });
        const result = await new ModelProvider().create(inputs(f.path, ""));
        assert.deepEqual([result.outs.modelRef, result.outs.controllerName], ["prod:ck", "prod"]);
        assert.ok(f.calls().some((c) => c.join(" ").startsWith("add-model --no-switch -c prod")));
    });

    it("adopts a model this stack made in an interrupted run", async () => {
        const f = fake({
            ...VERSION,
            "add-model": [{ stderr: 'ERROR failed to create new model: model "ck" for admin already exists\n', code: 1 }],
            "model-config": [{ stdout: JSON.stringify({ [OWNER_KEY]: { Value: "ck-dualstack/dev", Source: "model" } }) }],
            models: [listed("uuid-1")],
        });
        assert.equal((await new ModelProvider().create(inputs(f.path))).id, "lxd:ck");
    });

    it("refuses a model this stack did not make", async () => {
        const f = fake({
            ...VERSION,
            "add-model": [{ stderr: 'ERROR model "ck" for admin already exists\n', code: 1 }],
            "model-config": [{ stdout: JSON.stringify({ "default-base": { Value: "ubuntu@24.04" } }) }],
        });
        await assert.rejects(
            new ModelProvider().create(inputs(f.path)),
            /Juju model lxd:ck already exists and was not created by stack ck-dualstack\/dev .*set ck-dualstack:model to another name/,
        );
    });

    it("refuses unsupported Juju before changing anything", async () => {
        const f = fake({ version: [{ stdout: "4.0.0-genericlinux-amd64\n" }], "add-model": [{}] });
        await assert.rejects(new ModelProvider().create({ ...inputs(f.path), jujuPath: f.path }), /Juju 4 cannot deploy bundles/);
        assert.deepEqual(f.calls(), [["version"]]);
    });

    it("refuses at preview to rename the model or move it to another controller, naming the key", async () => {
        const provider = new ModelProvider();
        const rename = await provider.check(outputs("juju"), { ...inputs("juju"), model: "other" });
        assert.equal(rename.failures?.[0].property, "model");
        assert.match(rename.failures?.[0].reason ?? "", /Juju cannot rename a model/);
        // Created on the current controller: the old inputs name none, the outputs record it.
        const recorded = { ...outputs("juju"), controller: "" };
        await assert.rejects(
            provider.diff("lxd:ck", recorded, inputs("juju", "prod")),
            /ck-dualstack:controller: the model lives on controller "lxd"/,
        );
        assert.equal((await provider.diff("lxd:ck", recorded, inputs("juju", "lxd"))).replaces?.length, 0);
        // Naming the controller it already lives on, or leaving it empty, is no change at all.
        assert.equal((await provider.check(outputs("juju"), inputs("juju", ""))).failures, undefined);
        assert.equal((await provider.diff("lxd:ck", outputs("juju"), inputs("juju", ""))).replaces?.length, 0);
    });

    it("destroys only the model it created, on the recorded controller", async () => {
        const f = fake({ models: [listed("uuid-1")], "destroy-model": [{ stderr: "Model destroyed.\n" }] });
        await new ModelProvider().delete("lxd:ck", outputs(f.path));
        assert.deepEqual(f.calls()[1], ["destroy-model", "--no-prompt", "--destroy-storage", "--", "lxd:ck"]);
    });

    it("leaves alone a same-named model that is not the one it created", async () => {
        const f = fake({ models: [listed("someone-elses")], "destroy-model": [{}] });
        await new ModelProvider().delete("lxd:ck", outputs(f.path));
        assert.ok(!f.calls().some((c) => c[0] === "destroy-model"), "another model of that name was destroyed");
    });

    it("refuses to destroy through an unqualified name that now resolves to another controller's model", async () => {
        const f = fake({ "show-model": [show("uuid-other", "prod")], "destroy-model": [{}] });
        const legacy = { ...inputs(f.path, ""), modelRef: "ck", uuid: "uuid-1" };
        await assert.rejects(
            new ModelProvider().delete("ck", legacy),
            /refusing to touch Juju model ck: this stack created model uuid-1, but ck now resolves to model uuid-other on controller prod/,
        );
        assert.ok(!f.calls().some((c) => c[0] === "destroy-model"));
    });

    it("sees a model removed behind the client's back as gone (modelcmd: has been removed from the controller)", async () => {
        const f = fake({
            status: [
                {
                    stderr: "ERROR model \"admin/ck\" has been removed from the controller, run 'juju models' and switch to one of them.\n",
                    code: 1,
                },
            ],
            "remove-application": [{}],
        });
        await new DeploymentProvider().delete("id", {
            ...deploymentInputs(f.path),
            overlay: {},
            controlPlaneApp: "kubernetes-control-plane",
            generation: "g1",
        });
        assert.ok(!f.calls().some((c) => c[0] === "remove-application"));
    });

    it("treats a model that is already gone as destroyed, without calling destroy-model", async () => {
        const f = fake({ models: [listed()], "destroy-model": [{}] });
        await new ModelProvider().delete("lxd:ck", outputs(f.path));
        assert.deepEqual(
            f.calls().map((c) => c[0]),
            ["models"],
        );
    });

    it("does not take a missing controller for a destroyed model", async () => {
        const f = fake({ models: [{ stderr: "ERROR controller lxd not found\n", code: 2 }] });
        await assert.rejects(new ModelProvider().delete("lxd:ck", outputs(f.path)), /controller lxd not found/);
    });

    it("forces the destroy when the normal one fails", async () => {
        const f = fake({
            models: [listed("uuid-1")],
            "destroy-model": [{ stderr: "ERROR timeout waiting for model\n", code: 1 }, { stderr: "Model destroyed.\n" }],
        });
        await new ModelProvider().delete("lxd:ck", outputs(f.path));
        const destroys = f.calls().filter((c) => c[0] === "destroy-model");
        assert.deepEqual(destroys[1], ["destroy-model", "--no-prompt", "--destroy-storage", "--force", "--no-wait", "--", "lxd:ck"]);
    });

    it("reports a vanished model as gone on refresh, and a re-created one as not ours", async () => {
        const gone = fake({ models: [listed()] });
        assert.deepEqual(await new ModelProvider().read("lxd:ck", outputs(gone.path)), {});
        const recreated = fake({ models: [listed("uuid-2")] });
        assert.deepEqual(await new ModelProvider().read("lxd:ck", outputs(recreated.path)), {});
        const same = fake({ models: [listed("uuid-1")] });
        assert.equal((await new ModelProvider().read("lxd:ck", outputs(same.path))).id, "lxd:ck");
    });

    it("records the identity of a model created before identities were kept, with read-only calls", async () => {
        const f = fake({
            controllers: [{ stdout: JSON.stringify({ controllers: {}, "current-controller": "lxd" }) }],
            models: [listed("uuid-1")],
        });
        const legacy = { ...inputs(f.path, ""), modelRef: "ck", uuid: "uuid-1" };
        assert.equal((await new ModelProvider().diff("ck", legacy, inputs(f.path, ""))).changes, true);
        const updated = await new ModelProvider().update("ck", legacy, inputs(f.path, ""));
        assert.deepEqual([updated.outs.modelRef, updated.outs.controllerName], ["lxd:ck", "lxd"]);
        assert.deepEqual(
            f.calls().map((c) => c[0]),
            ["controllers", "models"],
        );
    });
});

describe("Machine provider", () => {
    const inputs = (jujuPath: string) => machineInputs(jujuPath, "uuid-1");

    it("enlists a host with add-machine ssh:, after checking it talks to this stack's model", async () => {
        const f = fake({ ...VERSION, models: [listed("uuid-1")], "add-machine": [{ stderr: "created machine 4\n" }] });
        const result = await new MachineProvider().create(inputs(f.path));
        assert.equal(result.outs.machineId, "4");
        // The client's version is asked beside the model check, in either order.
        assert.deepEqual(
            f
                .calls()
                .filter((c) => c[0] !== "version")
                .map((c) => c.join(" ")),
            ["models -c lxd --format=json", "add-machine -m lxd:ck -- ssh:ubuntu@10.0.0.20"],
        );
    });

    it("waits for sshd on the node before add-machine, and fails naming the host when it never answers", async () => {
        const f = fake({ ...VERSION, models: [listed("uuid-1")], "add-machine": [{ stderr: "created machine 4\n" }] });
        const booting = { ...inputs(f.path), address: "127.0.0.9", sshWaitSeconds: 0.3 };
        await assert.rejects(new MachineProvider().create(booting), /SSH on 127\.0\.0\.9:22 did not answer within/);
        assert.ok(!f.calls().some((c) => c[0] === "add-machine"), "add-machine ran before sshd answered");
    });

    it("refuses to enlist into a same-named model that is not this stack's, naming both", async () => {
        const f = fake({ ...VERSION, models: [listed("uuid-2")], "add-machine": [{}] });
        await assert.rejects(
            new MachineProvider().create(inputs(f.path)),
            /this stack created the model with UUID uuid-1, but lxd:ck is now model uuid-2 on controller lxd/,
        );
        assert.ok(!f.calls().some((c) => c[0] === "add-machine"));
    });

    it("adopts a machine already enlisted from the same address", async () => {
        const f = fake({
            ...VERSION,
            models: [listed("uuid-1")],
            "add-machine": [{ stderr: "ERROR machine is already provisioned\n", code: 1 }],
            status: [{ stdout: statusDoc({}, { "2": "10.0.0.20" }) }],
        });
        assert.equal((await new MachineProvider().create(inputs(f.path))).outs.machineId, "2");
    });

    it("removes a machine left without units, without --force", async () => {
        const f = fake({
            models: [listed("uuid-1")],
            status: [{ stdout: statusDoc({}, { "4": "10.0.0.20" }) }, { stdout: statusDoc({}) }],
            "remove-machine": [{}],
        });
        await new MachineProvider().delete("ck/4", { ...inputs(f.path), machineId: "4" });
        assert.deepEqual(
            f.calls().find((c) => c[0] === "remove-machine"),
            ["remove-machine", "-m", "lxd:ck", "--no-prompt", "--", "4"],
        );
    });

    it("is done when Juju already removed the machine with its last unit, or reports it not found", async () => {
        const gone = fake({ models: [listed("uuid-1")], status: [{ stdout: statusDoc({}) }], "remove-machine": [{}] });
        await new MachineProvider().delete("ck/4", { ...inputs(gone.path), machineId: "4" });
        assert.ok(!gone.calls().some((c) => c[0] === "remove-machine"));
        const raced = fake({
            models: [listed("uuid-1")],
            status: [{ stdout: statusDoc({}, { "4": "10.0.0.20" }) }, { stdout: statusDoc({}) }],
            "remove-machine": [{ stderr: "ERROR removing machine failed: machine 4 not found\n", code: 1 }],
        });
        await new MachineProvider().delete("ck/4", { ...inputs(raced.path), machineId: "4" });
        assert.ok(raced.calls().some((c) => c[0] === "remove-machine"));
    });

    it("removes a machine of an earlier version, which recorded no removal grace or poll, with the values that version used", () => {
        const earlier = omit({ ...inputs("juju"), machineId: "4" }, "removeGraceMinutes", "pollSeconds");
        const migrated = migrateMachine(earlier);
        assert.deepEqual([migrated.removeGraceMinutes, migrated.pollSeconds], [10, 2]);
        assert.deepEqual(migrateMachine({ ...earlier, removeGraceMinutes: 3, pollSeconds: 5 }), {
            ...earlier,
            removeGraceMinutes: 3,
            pollSeconds: 5,
        });
    });

    it("fails the delete when juju fails for another reason", async () => {
        const f = fake({
            models: [listed("uuid-1")],
            status: [{ stdout: statusDoc({}, { "4": "10.0.0.20" }) }],
            "remove-machine": [{ stderr: "ERROR permission denied\n", code: 1 }],
        });
        await assert.rejects(new MachineProvider().delete("ck/4", { ...inputs(f.path), machineId: "4" }), /permission denied/);
    });

    it("refuses at preview to re-enlist a node whose address changed, naming the node", async () => {
        // check gets the old inputs, not the outputs
        const moved = await new MachineProvider().check(inputs("juju"), { ...inputs("juju"), address: "10.0.0.99" });
        assert.equal(moved.failures?.[0].property, "address");
        assert.match(
            moved.failures?.[0].reason ?? "",
            /node worker-0's address would change from 10\.0\.0\.20 to 10\.0\.0\.99.*removes its Juju machine/,
        );
        assert.equal((await new MachineProvider().check({}, inputs("juju"))).failures, undefined);
    });

    it("keeps the machine when only the way the model is named changes", async () => {
        const provider = new MachineProvider();
        const olds = { ...inputs("juju"), modelRef: "ck", machineId: "4" };
        const diff = await provider.diff("ck/4", olds, inputs("juju"));
        assert.deepEqual([diff.changes, diff.replaces], [true, []]);
    });
});

const deploymentInputs = (jujuPath: string): DeploymentInputs => ({
    jujuPath,
    modelRef: "lxd:ck",
    ...TWO_NODE_DEPLOYMENT,
    expectedApplications: ["kubernetes-control-plane", "kubernetes-worker", "calico", "containerd"],
    pollSeconds: 0.01,
    idleSeconds: 0.02,
    timeoutMinutes: 0.05,
    blockedGraceMinutes: 0.005,
    errorGraceMinutes: 0,
    outageMinutes: 0.02,
    downGraceMinutes: 0,
});

describe("Deployment provider", () => {
    const inputs = deploymentInputs;
    const ALL = { "calico/0": { workload: "active" }, "containerd/0": { workload: "active" } };
    const settledDoc = statusDoc({
        "kubernetes-control-plane/0": { workload: "active", subordinates: ALL },
        "kubernetes-worker/0": {
            workload: "active",
            subordinates: { "calico/1": { workload: "active" }, "containerd/1": { workload: "active" } },
        },
    });
    const outputs = (jujuPath: string): DeploymentOutputs => ({
        ...inputs(jujuPath),
        overlay: {},
        controlPlaneApp: "kubernetes-control-plane",
        generation: generationOf(inputs(jujuPath)),
        charmServiceCidr: "10.152.183.0/24,fd00:c00b:2::/112",
    });
    /** The inputs with other ranges, planned as validation plans them. */
    const withRanges = (jujuPath: string, ranges: { podCidr?: string; serviceCidr?: string }): DeploymentInputs => ({
        ...inputs(jujuPath),
        families: planFamilies(
            ranges.podCidr ?? "192.168.0.0/16,fd00:c00b:1::/112",
            ranges.serviceCidr ?? "10.152.183.0/24,fd00:c00b:2::/112",
        ),
    });

    it("deploys with both overlays onto existing machines, the bundle after --, and leaves the wait to Settled", async () => {
        const pendingDoc = statusDoc({ "kubernetes-control-plane/0": { workload: "maintenance", agent: "executing" } });
        const f = fake({ ...VERSION, status: [{ stdout: statusDoc({}) }, { stdout: pendingDoc }, { stdout: settledDoc }], deploy: [{}] });
        const result = await new DeploymentProvider().create(inputs(f.path));
        assert.equal(result.outs.controlPlaneApp, "kubernetes-control-plane");
        assert.equal(
            f.calls().filter((c) => c[0] === "status").length,
            2,
            "one status before the deploy, one for the applications it made",
        );
        const deploy = f.calls().find((c) => c[0] === "deploy")!;
        assert.deepEqual(
            deploy.filter((a) => !a.startsWith("/")),
            [
                "deploy",
                "-m",
                "lxd:ck",
                "--channel",
                "1.35/stable",
                "--overlay",
                "--overlay",
                "--map-machines=existing",
                "--",
                "charmed-kubernetes",
            ],
        );
        const overlay = yaml.load(fs.readFileSync(deploy[6], "utf8")) as {
            applications: Record<string, { options: Record<string, string> }>;
        };
        assert.equal(overlay.applications.calico.options.cidr, "192.168.0.0/16,fd00:c00b:1::/112");
        assert.equal(overlay.applications["kubernetes-control-plane"].options["service-cidr"], "10.152.183.0/24,fd00:c00b:2::/112");
        const placement = yaml.load(fs.readFileSync(deploy[8], "utf8")) as { applications: Record<string, { to: string[] }> };
        assert.deepEqual(placement.applications["kubernetes-worker"].to, ["1"]);
    });

    it("fails naming a subordinate unit still in error after the grace", async () => {
        const broken = statusDoc({
            "kubernetes-worker/0": {
                workload: "active",
                subordinates: { "calico/1": { workload: "error", message: 'hook failed: "cni-relation-changed"' } },
            },
        });
        const f = fake({ ...VERSION, status: [{ stdout: statusDoc({}) }, { stdout: broken }], deploy: [{}] });
        await assert.rejects(
            new SettledProvider().create({ ...inputs(f.path), generation: "g1" }),
            /calico\/1 \(error\/idle: hook failed: "cni-relation-changed"\) is still in error/,
        );
    });

    it("fails when a unit stays blocked past the grace period", async () => {
        const blocked = statusDoc({ "kubernetes-worker/0": { workload: "blocked", message: "image pull failed" } });
        const f = fake({ ...VERSION, status: [{ stdout: statusDoc({}) }, { stdout: blocked }], deploy: [{}] });
        await assert.rejects(
            new SettledProvider().create({ ...inputs(f.path), generation: "g1" }),
            /kubernetes-worker\/0 has been blocked .*image pull failed/,
        );
    });

    it("times out naming what was pending", async () => {
        const slow = statusDoc({ "etcd/0": { workload: "waiting", message: "Waiting for peers" } });
        const f = fake({ ...VERSION, status: [{ stdout: statusDoc({}) }, { stdout: slow }], deploy: [{}] });
        await assert.rejects(
            new SettledProvider().create({ ...inputs(f.path), generation: "g1", timeoutMinutes: 0.01 }),
            /timed out .*still pending: .*etcd\/0 \(waiting\/idle: Waiting for peers\)/,
        );
    });

    it("survives a controller outage while waiting", async () => {
        const f = fake({
            ...VERSION,
            status: [
                { stdout: statusDoc({}) },
                UNREACHABLE,
                UNREACHABLE,
                UNREACHABLE,
                UNREACHABLE,
                UNREACHABLE,
                UNREACHABLE,
                { stdout: settledDoc },
            ],
            deploy: [{}],
        });
        assert.equal((await new SettledProvider().create({ ...inputs(f.path), generation: "g1", outageMinutes: 1 })).outs.unitCount, 6);
    });

    it("does not deploy again when an interrupted run already deployed the bundle", async () => {
        const f = fake({ ...VERSION, status: [{ stdout: settledDoc }] });
        await new DeploymentProvider().create(inputs(f.path));
        assert.ok(!f.calls().some((c) => c[0] === "deploy"));
    });

    it("refuses to deploy into a model that is not this stack's", async () => {
        const f = fake({ ...VERSION, status: [{ stdout: statusDoc({}) }], models: [listed("uuid-2")], deploy: [{}] });
        await assert.rejects(new DeploymentProvider().create({ ...inputs(f.path), modelUuid: "uuid-1" }), /not this stack's model/);
        assert.ok(!f.calls().some((c) => c[0] === "deploy"));
    });

    it("never replaces the deployment: what cannot change in place is refused at preview, naming the key", async () => {
        const provider = new DeploymentProvider();
        const olds = outputs("juju");
        for (const [key, news, reason] of [
            ["podCidr", withRanges("juju", { podCidr: "10.1.0.0/16,fd00:c00b:1::/112" }), /does not re-address its IP pools/],
            ["channel", { ...inputs("juju"), channel: "1.37/stable" }, /skips a minor version/],
            ["channel", { ...inputs("juju"), channel: "1.34/stable" }, /cannot be downgraded in place/],
            ["bundle", { ...inputs("juju"), bundle: "kubernetes-core" }, /deployed from charmed-kubernetes/],
        ] as const) {
            const checked = await provider.check(olds, news);
            assert.equal(checked.failures?.[0].property, key);
            assert.match(checked.failures?.[0].reason ?? "", reason);
            assert.deepEqual((await provider.diff("id", olds, news)).replaces, []);
        }
        const grow = await provider.diff("id", olds, withRanges("juju", { serviceCidr: "10.152.0.0/16,fd00:c00b:2::/108" }));
        assert.deepEqual([grow.changes, grow.replaces], [true, []]);
        assert.equal((await provider.diff("id", olds, inputs("juju"))).changes, false);
    });

    it("refuses shrinking or changing the families of the service range", async () => {
        const provider = new DeploymentProvider();
        const shrink = await provider.check(outputs("juju"), withRanges("juju", { serviceCidr: "10.152.183.0/25,fd00:c00b:2::/112" }));
        assert.match(shrink.failures?.[0].reason ?? "", /can only grow/);
        const swap = await provider.check(outputs("juju"), withRanges("juju", { serviceCidr: "fd00:c00b:2::/112,10.152.183.0/24" }));
        assert.match(swap.failures?.[0].reason ?? "", /families cannot change/);
        assert.equal((await provider.check({}, inputs("juju"))).failures, undefined);
    });

    it("grows the service range without touching the charm's service-cidr (its first address is in the API certificate)", async () => {
        const f = fake({ status: [{ stdout: settledDoc }], config: [{}] });
        const grown = withRanges(f.path, { serviceCidr: "10.152.0.0/16,fd00:c00b:2::/108" });
        const updated = await new DeploymentProvider().update("id", outputs(f.path), grown);
        assert.deepEqual(f.calls(), []);
        assert.deepEqual(updated.outs?.families.serviceCidrs, ["10.152.0.0/16", "fd00:c00b:2::/108"]);
        assert.equal(updated.outs?.charmServiceCidr, "10.152.183.0/24,fd00:c00b:2::/112");
    });

    it("fails naming the unit when the upgrade action does not complete (juju run exits 0 on a failed action)", async () => {
        const gated = statusDoc({
            "kubernetes-control-plane/0": { workload: "blocked", message: "Needs manual upgrade, run the upgrade action." },
        });
        const failed = {
            stdout: JSON.stringify({
                "kubernetes-control-plane/0": { status: "failed", message: "Upgrade failed with a detectable error: snap refresh" },
            }),
        };
        const live = JSON.parse(gated) as { applications: Record<string, Record<string, unknown>> };
        for (const app of Object.values(live.applications)) app["charm-channel"] = "1.36/stable";
        const f = fake({
            status: [{ stdout: JSON.stringify(live) }],
            "config -m lxd:ck -- kubernetes-control-plane channel": [{ stdout: "1.36/stable\n" }],
            run: [failed],
        });
        await assert.rejects(
            new DeploymentProvider().update("id", outputs(f.path), {
                ...inputs(f.path),
                channel: "1.36/stable",
                expectedApplications: ["kubernetes-control-plane"],
            }),
            /the upgrade action on kubernetes-control-plane\/0 did not complete \(failed: Upgrade failed with a detectable error/,
        );
    });

    /**
     * A Deployment as the version before this one stored it: the ranges as comma strings (podCidr,
     * serviceCidr), an overlay without calico's vxlan and nat-outgoing, and neither workerIngress, removeGraceMinutes
     * nor charmServiceCidr; its generation digest as that version computed it.
     */
    const earlierState = (jujuPath: string) => {
        const rest = omit(inputs(jujuPath), "families", "workerIngress", "removeGraceMinutes");
        const [podCidr, serviceCidr] = ["192.168.0.0/16,fd00:c00b:1::/112", "10.152.183.0/24,fd00:c00b:2::/112"];
        const applied = [rest.bundle, rest.channel, podCidr, serviceCidr, rest.loadbalancerIps, "false", rest.machines];
        return {
            ...rest,
            podCidr,
            serviceCidr,
            overlay: {
                applications: {
                    calico: { options: { cidr: podCidr, "image-registry": "ghcr.io/canonical/cdk" } },
                    "kubernetes-control-plane": { options: { "service-cidr": serviceCidr, "image-registry": "ghcr.io/canonical/cdk" } },
                    "kubernetes-worker": { options: { ingress: false } },
                },
            },
            controlPlaneApp: "kubernetes-control-plane",
            generation: createHash("sha256").update(JSON.stringify(applied)).digest("hex").slice(0, 16),
        };
    };

    it("previews a stack of the previous version (ranges as strings, no vxlan or nat-outgoing in its overlay) as no change, calling no juju", async () => {
        const f = fake({});
        const provider = new DeploymentProvider();
        const earlierInputs = omit(earlierState(f.path), "overlay", "controlPlaneApp", "generation");
        assert.equal((await provider.check(earlierInputs, inputs(f.path))).failures, undefined);
        const diff = await provider.diff("id", earlierState(f.path), inputs(f.path));
        assert.deepEqual([diff.changes, diff.replaces], [false, []]);
        assert.deepEqual(f.calls(), []);
        // Its pod range is still guarded: the old string is what is live.
        const moved = await provider.check(earlierInputs, withRanges(f.path, { podCidr: "10.1.0.0/16,fd00:c00b:1::/112" }));
        assert.match(moved.failures?.[0].reason ?? "", /192\.168\.0\.0\/16,fd00:c00b:1::\/112 is live/);
    });

    it("changes a stack of the previous version in place with juju config only, and stores it in this version's shape", async () => {
        const f = fake({ ...VERSION, status: [{ stdout: settledDoc }], config: [{}] });
        const news = { ...inputs(f.path), loadbalancerIps: "2001:db8::20" };
        const updated = await new DeploymentProvider().update("id", earlierState(f.path), news);
        assert.deepEqual(
            f.calls().map((c) => c[0]),
            ["status", "config"],
            "no deploy: the balancer's loadbalancer-ips set in place",
        );
        const outs = updated.outs as DeploymentOutputs & { podCidr?: string };
        assert.equal(outs.podCidr, undefined);
        assert.deepEqual(outs.families, SEED_FAMILIES);
        assert.equal(outs.charmServiceCidr, "10.152.183.0/24,fd00:c00b:2::/112");
        const calico = (outs.overlay as { applications: { calico: { options: { vxlan?: string; "nat-outgoing"?: boolean } } } })
            .applications.calico.options;
        assert.deepEqual([calico.vxlan, calico["nat-outgoing"]], ["Always", true]);
    });

    it("refuses to change a model re-created under the same name, and says a gone model is gone, whichever answers first", async () => {
        const change = (jujuPath: string) =>
            new DeploymentProvider().update(
                "id",
                { ...outputs(jujuPath), modelUuid: "uuid-1" },
                {
                    ...inputs(jujuPath),
                    modelUuid: "uuid-1",
                    loadbalancerIps: "2001:db8::20",
                },
            );
        const recreated = fake({
            ...VERSION,
            status: [{ stdout: settledDoc }],
            models: [{ ...listed("uuid-2"), delayMs: 300 }],
            config: [{}],
        });
        await assert.rejects(change(recreated.path), /lxd:ck is now model uuid-2 on controller lxd; it is not this stack's model/);
        // `juju status` of a gone model fails first; the identity check's word is the one shown.
        const gone = fake({ ...VERSION, status: [NOT_FOUND_MODEL], models: [{ ...listed(), delayMs: 300 }], config: [{}] });
        await assert.rejects(change(gone.path), /juju models failed \(not-found\): model lxd:ck not found/);
        for (const f of [recreated, gone]) assert.ok(!f.calls().some((c) => c[0] === "config"), "changed a model that is not this stack's");
    });

    it("records a model ref that gained its controller without touching juju", async () => {
        const f = fake({});
        const updated = await new DeploymentProvider().update("id", { ...outputs(f.path), modelRef: "ck" }, inputs(f.path));
        assert.equal(updated.outs?.modelRef, "lxd:ck");
        assert.deepEqual(f.calls(), []);
    });

    /** `juju export-bundle` of the deployment as declared (Juju 3.6 bundle.go key order), calico's cidr as given. */
    const exported = (calicoCidr: string) =>
        yaml.dump({
            "default-base": "ubuntu@24.04/stable",
            applications: {
                calico: {
                    charm: "calico",
                    channel: "1.35/stable",
                    options: { cidr: calicoCidr, "image-registry": "ghcr.io/canonical/cdk", "nat-outgoing": true, vxlan: "Always" },
                },
                containerd: { charm: "containerd", channel: "1.35/stable" },
                "kubernetes-control-plane": {
                    charm: "kubernetes-control-plane",
                    channel: "1.35/stable",
                    num_units: 1,
                    to: ["0"],
                    options: { "image-registry": "ghcr.io/canonical/cdk", "service-cidr": "10.152.183.0/24,fd00:c00b:2::/112" },
                },
                "kubernetes-worker": {
                    charm: "kubernetes-worker",
                    channel: "1.35/stable",
                    num_units: 1,
                    to: ["1"],
                    options: { ingress: false },
                },
            },
            machines: { "0": {}, "1": {} },
        });

    it("reads the model with one export-bundle; a hand edit is reported by name, and the next preview lists the juju config that puts it back", async () => {
        // The settled model with its machines: the control plane on 0, the worker on 1.
        const units = { "kubernetes-control-plane/0": { workload: "active" }, "kubernetes-worker/0": { workload: "active" } };
        const placed = JSON.parse(statusDoc(units, { "0": "10.0.0.10", "1": "10.0.0.20" }));
        placed.applications["kubernetes-worker"].units["kubernetes-worker/0"].machine = "1";
        const f = fake({
            // refresh's reading, check's fresh one (the restore is computed from the model as it is), then a clean model.
            "export-bundle": [
                { stdout: exported("10.9.0.0/16,fd00:c00b:1::/112") },
                { stdout: exported("10.9.0.0/16,fd00:c00b:1::/112") },
                { stdout: exported("192.168.0.0/16,fd00:c00b:1::/112") },
            ],
            status: [{ stdout: JSON.stringify(placed) }],
        });
        const provider = new DeploymentProvider();
        const declared = (await provider.check(outputs(f.path), inputs(f.path))).inputs as CheckedDeployment;
        assert.deepEqual(declared.jujuOperations, []);
        const said: string[] = [];
        const log = console.log;
        console.log = (line: string) => said.push(line);
        let read;
        try {
            read = await provider.read("id", { ...outputs(f.path), modelView: declared.modelView });
        } finally {
            console.log = log;
        }
        assert.deepEqual(f.calls(), [["export-bundle", "-m", "lxd:ck"]], "one juju call");
        assert.deepEqual(said, [
            'deployment lxd:ck: differs from the deployment: calico option cidr: declared "192.168.0.0/16,fd00:c00b:1::/112", live "10.9.0.0/16,fd00:c00b:1::/112"',
        ]);
        const live = read.props as DeploymentOutputs;
        assert.equal(live.modelView?.applications.calico.options.cidr, "10.9.0.0/16,fd00:c00b:1::/112");
        // The inputs carry the live view too: the next preview shows the difference by name.
        assert.deepEqual((read.inputs as CheckedDeployment).modelView, live.modelView);
        // refresh's diff (the refreshed state against the declared inputs) reports it.
        assert.equal((await provider.diff("id", live, declared)).changes, true);
        const next = await provider.check(read.inputs as CheckedDeployment, inputs(f.path));
        assert.equal(next.failures, undefined);
        assert.deepEqual((next.inputs as CheckedDeployment).jujuOperations, ["juju config calico cidr=192.168.0.0/16,fd00:c00b:1::/112"]);
        // Without drift the same read reports nothing, and nothing differs.
        const clean = await provider.read("id", { ...outputs(f.path), modelView: declared.modelView });
        assert.equal((await provider.diff("id", clean.props as DeploymentOutputs, declared)).changes, false);
    });

    it("reports drift at the first refresh of a state without a model view (earlier versions), whose inputs have none", async () => {
        const f = fake({ "export-bundle": [{ stdout: exported("10.9.0.0/16,fd00:c00b:1::/112") }] });
        const provider = new DeploymentProvider();
        const log = console.log;
        console.log = () => undefined;
        let read;
        try {
            read = await provider.read("id", outputs(f.path));
        } finally {
            console.log = log;
        }
        // refresh's diff: the refreshed state against the stored inputs, which have no model view.
        assert.equal((await provider.diff("id", read.props as DeploymentOutputs, inputs(f.path) as CheckedDeployment)).changes, true);
    });

    it("reads a model re-created under the same name as gone: its bundle is not this stack's drift", async () => {
        const models = (uuid: string) => [{ stdout: JSON.stringify({ models: [{ "short-name": "ck", "model-uuid": uuid }] }) }];
        const reads = async (uuid: string) => {
            const f = fake({ "export-bundle": [{ stdout: exported("10.9.0.0/16,fd00:c00b:1::/112") }], models: models(uuid) });
            const said: string[] = [];
            const log = console.log;
            console.log = (line: string) => said.push(line);
            try {
                return { read: await new DeploymentProvider().read("id", { ...outputs(f.path), modelUuid: "uuid-1" }), said };
            } finally {
                console.log = log;
            }
        };
        const recreated = await reads("uuid-2");
        assert.deepEqual(recreated.read, {});
        assert.deepEqual(recreated.said, [], "no drift reported from another model");
        // The stack's own model is read as before.
        assert.equal((await reads("uuid-1")).read.id, "id");
    });

    it("previews a state without a model view (earlier versions) as before: no Juju call, no change", async () => {
        const f = fake({});
        const provider = new DeploymentProvider();
        const checked = (await provider.check(outputs(f.path), inputs(f.path))).inputs as CheckedDeployment;
        assert.equal((await provider.diff("id", outputs(f.path), checked)).changes, false);
        assert.deepEqual(f.calls(), []);
    });

    it("removes the applications on delete gracefully, without --force, and waits until they are gone", async () => {
        const f = fake({ status: [{ stdout: settledDoc }, { stdout: settledDoc }, { stdout: statusDoc({}) }], "remove-application": [{}] });
        await new DeploymentProvider().delete("id", outputs(f.path));
        const removals = f.calls().filter((c) => c[0] === "remove-application");
        assert.equal(removals.length, 1, "one graceful removal, nothing forced");
        assert.deepEqual(removals[0].slice(0, 6), ["remove-application", "-m", "lxd:ck", "--destroy-storage", "--no-prompt", "--"]);
        assert.deepEqual(removals[0].slice(6).sort(), ["calico", "containerd", "kubernetes-control-plane", "kubernetes-worker"]);
        assert.equal(f.calls().filter((c) => c[0] === "status").length, 3, "polled until the applications were gone");
    });

    it("forces only what is still there after the grace, naming the unit that held it", async () => {
        const stuck = statusDoc({ "kubernetes-worker/0": { workload: "error", message: 'hook failed: "stop"' } });
        const f = fake({
            status: [{ stdout: settledDoc }, { stdout: stuck }, { stdout: statusDoc({}) }],
            "remove-application": [{}],
        });
        const said: string[] = [];
        const log = console.log;
        console.log = (line: string) => said.push(line);
        try {
            await new DeploymentProvider().delete("id", { ...outputs(f.path), removeGraceMinutes: 0.0005 });
        } finally {
            console.log = log;
        }
        const removals = f.calls().filter((c) => c[0] === "remove-application");
        assert.equal(removals.length, 2);
        assert.ok(!removals[0].includes("--force"), "the first removal is graceful");
        assert.deepEqual(removals[1].slice(0, 8), [
            "remove-application",
            "-m",
            "lxd:ck",
            "--destroy-storage",
            "--force",
            "--no-wait",
            "--no-prompt",
            "--",
        ]);
        assert.deepEqual(removals[1].slice(8), ["kubernetes-worker"], "only what was left is forced");
        assert.ok(
            said.some((line) =>
                /forcing the removal of application kubernetes-worker .*kubernetes-worker\/0 \(error\/idle: hook failed: "stop"\)/.test(
                    line,
                ),
            ),
            said.join("\n"),
        );
    });

    it("succeeds on delete when the model is already gone, removing nothing", async () => {
        const gone = fake({ status: [NOT_FOUND_MODEL], "remove-application": [{}] });
        await new DeploymentProvider().delete("id", outputs(gone.path));
        assert.deepEqual(
            gone.calls().map((c) => c[0]),
            ["status"],
        );
    });
});

describe("Kubeconfig provider", () => {
    const kubeconfigAt = (server: string) =>
        `apiVersion: v1\nclusters:\n- name: k\n  cluster:\n    server: ${server}\nusers:\n- name: admin\n  user:\n    token: s3cr3t-t0ken\n`;
    const action = (app: string, kubeconfig: string) => ({
        stdout: JSON.stringify({
            [`${app}/0`]: { id: "1", results: { kubeconfig, "return-code": 0 }, status: "completed", unit: `${app}/0` },
        }),
    });
    const inputs = (jujuPath: string, apiAddress = "", controlPlaneApp = "kubernetes-control-plane") => ({
        jujuPath,
        modelRef: "lxd:ck",
        fetchKey: "d",
        apiAddress,
        controlPlaneApp,
    });

    it("runs get-kubeconfig on the control-plane leader", async () => {
        const f = fake({ run: [action("kubernetes-control-plane", kubeconfigAt("https://10.0.0.10:443"))] });
        const result = await new KubeconfigProvider().create(inputs(f.path));
        assert.equal(result.outs.server, "https://10.0.0.10:443");
        // --wait and --format before `--`: after it, juju would take them for action parameters.
        assert.deepEqual(f.calls()[0], [
            "run",
            "-m",
            "lxd:ck",
            "--wait=5m",
            "--format=json",
            "--",
            "kubernetes-control-plane/leader",
            "get-kubeconfig",
        ]);
    });

    it("works with the legacy kubernetes-master name and an API on the balancer's IPv6 address", async () => {
        const f = fake({ run: [action("kubernetes-master", kubeconfigAt("https://[2001:db8::20]:443"))] });
        const result = await new KubeconfigProvider().create(inputs(f.path, "2001:db8::20", "kubernetes-master"));
        assert.equal(result.outs.server, "https://[2001:db8::20]:443");
        assert.ok(f.calls().some((c) => c.includes("kubernetes-master/leader")));
    });

    it("refuses a kubeconfig that bypasses the balancer's loadbalancer-ips", async () => {
        const f = fake({ run: [action("kubernetes-control-plane", kubeconfigAt("https://[2001:db8::10]:6443"))] });
        await assert.rejects(
            new KubeconfigProvider().create(inputs(f.path, "2001:db8::20")),
            /points at https:\/\/\[2001:db8::10\]:6443, not at kubeapi-load-balancer's loadbalancer-ips 2001:db8::20/,
        );
    });

    it("never quotes a malformed kubeconfig (its token) in an error", async () => {
        const broken = kubeconfigAt("https://10.0.0.10:443").replace("clusters:", "clusters: [oops");
        const f = fake({ run: [action("kubernetes-control-plane", broken)] });
        await assert.rejects(new KubeconfigProvider().create(inputs(f.path)), (e: Error) => {
            assert.match(e.message, /not valid YAML at line \d+/);
            assert.doesNotMatch(e.message, /s3cr3t/);
            return true;
        });
        assert.throws(
            () => kubeconfigServer(broken),
            (e: Error) => !/s3cr3t/.test(e.message),
        );
    });

    // Juju 3.6 (cmd/juju/action/common.go): a charm's event.fail is status "failed", return code 0, exit 0.
    it("fails naming the unit and the charm's message when get-kubeconfig fails (juju run exits 0), quoting no results", async () => {
        const failed = JSON.stringify({
            "kubernetes-control-plane/0": {
                id: "2",
                message: "Failed to retrieve kubeconfig: RetryError[<Future at 0x7f state=finished raised CalledProcessError>]",
                results: { kubeconfig: "token: s3cr3t-t0ken", "return-code": 0 },
                status: "failed",
                unit: "kubernetes-control-plane/0",
            },
        });
        const f = fake({
            run: [{ stdout: failed, stderr: "Running operation 1 with 1 task\n  - task 2 on unit-kubernetes-control-plane-0\n\n" }],
        });
        await assert.rejects(new KubeconfigProvider().create(inputs(f.path)), (e: Error) => {
            assert.match(e.message, /get-kubeconfig on kubernetes-control-plane\/0: failed: Failed to retrieve kubeconfig: RetryError/);
            assert.doesNotMatch(e.message, /s3cr3t/);
            return true;
        });
    });

    it("says when Juju scheduled no task (exit 0, nothing on stdout)", async () => {
        const f = fake({
            run: [{ stderr: '\nOperation 1 failed to schedule any tasks:\ncould not determine leader for "kubernetes-control-plane"\n' }],
        });
        await assert.rejects(
            new KubeconfigProvider().create(inputs(f.path)),
            /juju run kubernetes-control-plane\/leader get-kubeconfig: operation 1 scheduled no task: could not determine leader for "kubernetes-control-plane"/,
        );
    });

    it("never quotes the output of an action whose process failed (return code 1, exit 1)", async () => {
        const output = JSON.stringify({
            "kubernetes-control-plane/0": {
                id: "2",
                message: "exit status 1",
                results: { stdout: "token: s3cr3t-t0ken", "return-code": 1 },
                status: "failed",
            },
        });
        const stderr = "ERROR the following task failed:\n - id \"2\" with return code 1\n\nuse 'juju show-task' to inspect the failure\n";
        const said = fake({ run: [{ stdout: output, stderr, code: 1 }] });
        await assert.rejects(new KubeconfigProvider().create(inputs(said.path)), (e: Error) => {
            assert.doesNotMatch(e.message, /s3cr3t/);
            assert.match(e.message, /the following task failed/);
            return true;
        });
        const silent = fake({ run: [{ stdout: output, code: 1 }] });
        await assert.rejects(new KubeconfigProvider().create(inputs(silent.path)), (e: Error) => {
            assert.doesNotMatch(e.message, /s3cr3t/);
            assert.match(e.message, /output withheld/);
            return true;
        });
    });
});

describe("Deployment provider and the legacy control-plane name", () => {
    it("reports kubernetes-master for clusters upgraded in place", async () => {
        const legacy = statusDoc({ "kubernetes-master/0": { workload: "active" }, "kubernetes-worker/0": { workload: "active" } });
        const f = fake({ ...VERSION, status: [{ stdout: legacy }] });
        const result = await new DeploymentProvider().create({
            ...deploymentInputs(f.path),
            expectedApplications: ["kubernetes-master", "kubernetes-worker"],
        });
        assert.equal(result.outs.controlPlaneApp, "kubernetes-master");
    });
});

describe("dynamic resources and their providers", () => {
    const ROOT = path.resolve(__dirname, "..", "..");

    it("names each provider by a file in the project that exports its class, as the provider process loads it", () => {
        for (const [kind, { file, exportName }] of Object.entries(PROVIDER_FILES)) {
            const relative = path.relative(ROOT, file);
            assert.match(relative, /^components\/[\w/]+\/providers\/\w+\.ts$/, kind);
            const Provider = require(path.join(ROOT, relative))[exportName];
            assert.equal(typeof Provider?.prototype?.create, "function", `${kind}: ${relative} exports ${exportName}`);
            // Without its own diff, an older stack's stored provider (a changed __provider) would
            // preview as an update of every resource (the engine's own input diff).
            assert.equal(typeof Provider.prototype.diff, "function", `${kind}: ${exportName} has no diff`);
        }
    });

    it("takes the settle policy from the stack config's wait keys, each under its own key", () => {
        const raw = { ...readStackFile(ROOT, "sandbox"), deployTimeoutMinutes: "42", jujuOutageMinutes: "7", idleSeconds: "5" };
        const { config } = loadConfig(raw);
        const policy = settlePolicyOf(config);
        assert.deepEqual(policy, {
            pollSeconds: config.pollSeconds,
            idleSeconds: 5,
            timeoutMinutes: 42,
            blockedGraceMinutes: config.blockedGraceMinutes,
            errorGraceMinutes: config.errorGraceMinutes,
            outageMinutes: 7,
            downGraceMinutes: config.downGraceMinutes,
        });
    });
});
