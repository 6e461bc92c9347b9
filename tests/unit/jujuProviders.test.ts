import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import { JujuError, checkJujuVersion, classifyFailure, runJuju } from "../../components/juju/cli";
import { DeploymentInputs, DeploymentOutputs, DeploymentProvider } from "../../components/juju/providers/deployment";
import { KubeconfigProvider } from "../../components/juju/providers/kubeconfig";
import { MachineProvider } from "../../components/juju/providers/machine";
import { ModelProvider, OWNER_KEY } from "../../components/juju/providers/model";
import { FakeJuju, statusDoc } from "../support/fakeJuju";

const VERSION = { version: [{ stdout: "3.6.4-genericlinux-amd64\n" }] };
const UNREACHABLE = { stderr: "ERROR cannot connect to API: dial tcp 10.0.0.2:17070: connect: connection refused\n", code: 1 };
const fakes: FakeJuju[] = [];
function fake(script: ConstructorParameters<typeof FakeJuju>[0]): FakeJuju {
    const f = new FakeJuju(script);
    fakes.push(f);
    return f;
}
const mutations = (f: FakeJuju) =>
    f
        .calls()
        .filter(
            (c) =>
                !["status", "version", "show-model", "model-config", "config"].includes(c[0]) ||
                (c[0] === "config" && c.some((a) => a.includes("="))),
        );

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
    it("classifies failures", () => {
        assert.equal(classifyFailure('ERROR model "admin/x" not found'), "not-found");
        assert.equal(classifyFailure('ERROR failed to create new model: model "x" for admin already exists'), "already-exists");
        assert.equal(classifyFailure(UNREACHABLE.stderr), "unreachable");
        assert.equal(classifyFailure("ERROR permission denied"), "other");
    });

    it("retries transient failures with backoff, then succeeds", async () => {
        const f = fake({ status: [UNREACHABLE, UNREACHABLE, { stdout: "{}" }] });
        const out = await runJuju({ jujuPath: f.path, backoffMs: 1 }, ["status"]);
        assert.equal(out.stdout, "{}");
        assert.equal(f.calls().length, 3);
    });

    it("does not retry other failures and says which command failed and why", async () => {
        const f = fake({ deploy: [{ stderr: "ERROR cannot deploy bundle: charm not found\n", code: 1 }] });
        await assert.rejects(runJuju({ jujuPath: f.path, backoffMs: 1 }, ["deploy", "charmed-kubernetes"]), (e: Error) => {
            assert.ok(e instanceof JujuError);
            assert.equal(e.message, "juju deploy charmed-kubernetes failed (not-found): ERROR cannot deploy bundle: charm not found");
            return true;
        });
        assert.equal(f.calls().length, 1);
    });

    it("gives up on a controller that stays unreachable", async () => {
        const f = fake({ status: [UNREACHABLE] });
        await assert.rejects(runJuju({ jujuPath: f.path, backoffMs: 1, attempts: 3 }, ["status"]), /unreachable/);
        assert.equal(f.calls().length, 3);
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

describe("Model provider", () => {
    const inputs = (jujuPath: string) => ({ jujuPath, controller: "lxd", model: "ck", owner: "ck-dualstack/dev" });
    const SHOW = { stdout: JSON.stringify({ ck: { "model-uuid": "uuid-1" } }) };

    it("creates the model, recording the owning stack", async () => {
        const f = fake({ ...VERSION, "add-model": [{ stderr: "Added 'ck' model\n" }], "show-model": [SHOW] });
        const result = await new ModelProvider().create(inputs(f.path));
        assert.equal(result.id, "lxd:ck");
        assert.equal(result.outs.uuid, "uuid-1");
        assert.deepEqual(f.calls()[1], ["add-model", "ck", "--no-switch", "-c", "lxd", "--config", `${OWNER_KEY}=ck-dualstack/dev`]);
    });

    it("adopts a model this stack made in an interrupted run", async () => {
        const f = fake({
            ...VERSION,
            "add-model": [{ stderr: 'ERROR failed to create new model: model "ck" for admin already exists\n', code: 1 }],
            "model-config": [{ stdout: JSON.stringify({ [OWNER_KEY]: { Value: "ck-dualstack/dev", Source: "model" } }) }],
            "show-model": [SHOW],
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

    it("treats a model that is already gone as destroyed", async () => {
        const f = fake({ "destroy-model": [{ stderr: "ERROR model lxd:admin/ck not found\n", code: 1 }] });
        await new ModelProvider().delete("lxd:ck", { ...inputs(f.path), modelRef: "lxd:ck", uuid: "u" });
        assert.equal(f.calls().length, 1);
    });

    it("forces the destroy when the normal one fails", async () => {
        const f = fake({ "destroy-model": [{ stderr: "ERROR timeout waiting for model\n", code: 1 }, { stderr: "Model destroyed.\n" }] });
        await new ModelProvider().delete("lxd:ck", { ...inputs(f.path), modelRef: "lxd:ck", uuid: "u" });
        assert.deepEqual(f.calls()[1].slice(-2), ["--force", "--no-wait"]);
    });

    it("reports a vanished model as gone on refresh", async () => {
        const f = fake({ "show-model": [{ stderr: "ERROR model lxd:admin/ck not found\n", code: 1 }] });
        assert.deepEqual(await new ModelProvider().read("lxd:ck", { ...inputs(f.path), modelRef: "lxd:ck", uuid: "u" }), {});
    });
});

describe("Machine provider", () => {
    const inputs = (jujuPath: string) => ({
        jujuPath,
        modelRef: "ck",
        name: "worker-0",
        address: "10.0.0.20",
        sshUser: "ubuntu",
        roles: ["worker"],
    });

    it("enlists a host with add-machine ssh:", async () => {
        const f = fake({ ...VERSION, "add-machine": [{ stderr: "created machine 4\n" }] });
        const result = await new MachineProvider().create(inputs(f.path));
        assert.equal(result.outs.machineId, "4");
        assert.ok(f.calls().some((c) => c.join(" ") === "add-machine -m ck ssh:ubuntu@10.0.0.20"));
    });

    it("adopts a machine already enlisted from the same address", async () => {
        const f = fake({
            ...VERSION,
            "add-machine": [{ stderr: "ERROR machine is already provisioned\n", code: 1 }],
            status: [{ stdout: statusDoc({}, { "2": "10.0.0.20" }) }],
        });
        assert.equal((await new MachineProvider().create(inputs(f.path))).outs.machineId, "2");
    });

    it("treats an already removed machine as deleted", async () => {
        const f = fake({ "remove-machine": [{ stderr: "ERROR machine 4 not found\n", code: 1 }] });
        await new MachineProvider().delete("ck/4", { ...inputs(f.path), machineId: "4" });
    });
});

const deploymentInputs = (jujuPath: string): DeploymentInputs => ({
    jujuPath,
    modelRef: "ck",
    bundle: "charmed-kubernetes",
    channel: "1.35/stable",
    podCidr: "192.168.0.0/16,fd00:c00b:1::/112",
    serviceCidr: "10.152.183.0/24,fd00:c00b:2::/112",
    loadbalancerIps: "",
    machines: [
        { id: "0", roles: ["control-plane"] },
        { id: "1", roles: ["worker"] },
    ],
    expectedApplications: ["kubernetes-control-plane", "kubernetes-worker", "calico", "containerd"],
    pollSeconds: 0.01,
    settledPolls: 3,
    timeoutMinutes: 0.05,
    blockedGraceMinutes: 0.005,
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
        unitCount: 6,
    });

    it("deploys with both overlays onto existing machines and waits until settled", async () => {
        const pendingDoc = statusDoc({ "kubernetes-control-plane/0": { workload: "maintenance", agent: "executing" } });
        const f = fake({ ...VERSION, status: [{ stdout: statusDoc({}) }, { stdout: pendingDoc }, { stdout: settledDoc }], deploy: [{}] });
        const result = await new DeploymentProvider().create(inputs(f.path));
        assert.equal(result.outs.controlPlaneApp, "kubernetes-control-plane");
        const deploy = f.calls().find((c) => c[0] === "deploy")!;
        assert.deepEqual(
            deploy.filter((a) => !a.startsWith("/")),
            ["deploy", "charmed-kubernetes", "--channel", "1.35/stable", "--overlay", "--overlay", "--map-machines=existing", "-m", "ck"],
        );
        const overlay = yaml.load(fs.readFileSync(deploy[5], "utf8")) as {
            applications: Record<string, { options: Record<string, string> }>;
        };
        assert.equal(overlay.applications.calico.options.cidr, "192.168.0.0/16,fd00:c00b:1::/112");
        assert.equal(overlay.applications["kubernetes-control-plane"].options["service-cidr"], "10.152.183.0/24,fd00:c00b:2::/112");
        const placement = yaml.load(fs.readFileSync(deploy[7], "utf8")) as { applications: Record<string, { to: string[] }> };
        assert.deepEqual(placement.applications["kubernetes-worker"].to, ["1"]);
    });

    it("fails at once naming a subordinate unit in error", async () => {
        const broken = statusDoc({
            "kubernetes-worker/0": {
                workload: "active",
                subordinates: { "calico/1": { workload: "error", message: 'hook failed: "cni-relation-changed"' } },
            },
        });
        const f = fake({ ...VERSION, status: [{ stdout: statusDoc({}) }, { stdout: broken }], deploy: [{}] });
        await assert.rejects(
            new DeploymentProvider().create(inputs(f.path)),
            /calico\/1 \(error\/idle: hook failed: "cni-relation-changed"\)/,
        );
    });

    it("fails when a unit stays blocked past the grace period", async () => {
        const blocked = statusDoc({ "kubernetes-worker/0": { workload: "blocked", message: "image pull failed" } });
        const f = fake({ ...VERSION, status: [{ stdout: statusDoc({}) }, { stdout: blocked }], deploy: [{}] });
        await assert.rejects(new DeploymentProvider().create(inputs(f.path)), /kubernetes-worker\/0 has been blocked .*image pull failed/);
    });

    it("times out naming what was pending", async () => {
        const slow = statusDoc({ "etcd/0": { workload: "waiting", message: "Waiting for peers" } });
        const f = fake({ ...VERSION, status: [{ stdout: statusDoc({}) }, { stdout: slow }], deploy: [{}] });
        await assert.rejects(
            new DeploymentProvider().create(inputs(f.path)),
            /timed out .*still pending: .*etcd\/0 \(waiting\/idle: Waiting for peers\)/,
        );
    });

    it("survives a transient controller failure while waiting", async () => {
        const f = fake({ ...VERSION, status: [{ stdout: statusDoc({}) }, UNREACHABLE, { stdout: settledDoc }], deploy: [{}] });
        assert.equal((await new DeploymentProvider().create(inputs(f.path))).outs.unitCount, 6);
    });

    it("does not deploy again when an interrupted run already deployed the bundle", async () => {
        const f = fake({ ...VERSION, status: [{ stdout: settledDoc }] });
        await new DeploymentProvider().create(inputs(f.path));
        assert.ok(!f.calls().some((c) => c[0] === "deploy"));
    });

    it("replaces on a pod range change and updates the service range in place", async () => {
        const provider = new DeploymentProvider();
        const olds = outputs("juju");
        const podChange = await provider.diff("id", olds, { ...inputs("juju"), podCidr: "10.1.0.0/16,fd00:c00b:1::/112" });
        assert.deepEqual(podChange.replaces, ["podCidr"]);
        const grow = await provider.diff("id", olds, { ...inputs("juju"), serviceCidr: "10.152.0.0/16,fd00:c00b:2::/108" });
        assert.deepEqual([grow.changes, grow.replaces], [true, []]);
        const same = await provider.diff("id", olds, inputs("juju"));
        assert.equal(same.changes, false);
    });

    it("refuses shrinking or changing the families of the service range", async () => {
        const provider = new DeploymentProvider();
        const shrink = await provider.check(outputs("juju"), { ...inputs("juju"), serviceCidr: "10.152.183.0/25,fd00:c00b:2::/112" });
        assert.match(shrink.failures?.[0].reason ?? "", /can only grow/);
        const swap = await provider.check(outputs("juju"), { ...inputs("juju"), serviceCidr: "fd00:c00b:2::/112,10.152.183.0/24" });
        assert.match(swap.failures?.[0].reason ?? "", /families cannot change/);
        assert.equal((await provider.check({}, inputs("juju"))).failures, undefined);
    });

    it("grows the service range with juju config, without redeploying", async () => {
        const f = fake({ status: [{ stdout: settledDoc }], config: [{}] });
        const grown = { ...inputs(f.path), serviceCidr: "10.152.0.0/16,fd00:c00b:2::/108" };
        await new DeploymentProvider().update("id", outputs(f.path), grown);
        assert.deepEqual(mutations(f), [
            ["config", "-m", "ck", "kubernetes-control-plane", "service-cidr=10.152.0.0/16,fd00:c00b:2::/108"],
        ]);
    });

    it("reads the live options so refresh shows drift", async () => {
        const f = fake({
            "config -m ck calico cidr": [{ stdout: "10.9.0.0/16,fd00:c00b:1::/112\n" }],
            "config -m ck kubernetes-control-plane service-cidr": [{ stdout: "10.152.183.0/24,fd00:c00b:2::/112\n" }],
            "config -m ck kubernetes-control-plane loadbalancer-ips": [{ stdout: "\n" }],
        });
        const read = await new DeploymentProvider().read("id", outputs(f.path));
        assert.equal((read.props as DeploymentOutputs).podCidr, "10.9.0.0/16,fd00:c00b:1::/112");
    });

    it("removes the applications on delete and succeeds when the model is gone", async () => {
        const f = fake({ status: [{ stdout: settledDoc }], "remove-application": [{}] });
        await new DeploymentProvider().delete("id", outputs(f.path));
        assert.ok(f.calls().some((c) => c[0] === "remove-application" && c.includes("kubernetes-worker") && c.includes("calico")));
        const gone = fake({ status: [{ stderr: "ERROR model sim:admin/ck not found\n", code: 1 }] });
        await new DeploymentProvider().delete("id", outputs(gone.path));
    });
});

describe("Kubeconfig provider", () => {
    const kubeconfig = "apiVersion: v1\nclusters:\n- name: k\n  cluster:\n    server: https://10.0.0.10:6443\n";
    const action = (app: string) => ({
        stdout: JSON.stringify({
            [`${app}/0`]: { id: "1", results: { kubeconfig, "return-code": 0 }, status: "completed", unit: `${app}/0` },
        }),
    });

    it("runs get-kubeconfig on the control-plane leader", async () => {
        const f = fake({ run: [action("kubernetes-control-plane")] });
        const inputs = { jujuPath: f.path, modelRef: "ck", deploymentId: "d", apiAddress: "", controlPlaneApp: "kubernetes-control-plane" };
        const result = await new KubeconfigProvider().create(inputs);
        assert.equal(result.outs.server, "https://10.0.0.10:6443");
        assert.deepEqual(f.calls()[0], ["run", "-m", "ck", "kubernetes-control-plane/leader", "get-kubeconfig", "--format=json"]);
    });

    it("works with the legacy kubernetes-master name and points the server at IPv6 in brackets", async () => {
        const f = fake({ run: [action("kubernetes-master")] });
        const inputs = {
            jujuPath: f.path,
            modelRef: "ck",
            deploymentId: "d",
            apiAddress: "2001:db8::10",
            controlPlaneApp: "kubernetes-master",
        };
        const result = await new KubeconfigProvider().create(inputs);
        assert.equal(result.outs.server, "https://[2001:db8::10]:6443");
        assert.ok(f.calls().some((c) => c.includes("kubernetes-master/leader")));
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
