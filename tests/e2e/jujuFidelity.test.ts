// The Juju layer against the Juju simulator as separate processes (the real CLI path, no fakes):
// what real Juju 3.6 and the 1.35 charms do, as the simulator cites them, drives the providers.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { DeploymentInputs, DeploymentProvider } from "../../components/juju/providers/deployment";
import { KubeconfigProvider } from "../../components/juju/providers/kubeconfig";
import { ModelOutputs, ModelProvider } from "../../components/juju/providers/model";
import { MachineProvider } from "../../components/juju/providers/machine";
import { BUNDLE_APPLICATIONS } from "../../components/juju/JujuCluster";
import { readState as simState } from "../../simulator/state";
import { TWO_NODE_DEPLOYMENT } from "../support/deployment";

const ROOT = path.resolve(__dirname, "..", "..");
const JUJU = path.join(ROOT, "simulator", "juju");
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "ck-juju-fidelity-"));
const SIM_ENV = {
    CK_JUJU_SIM_HOME: path.join(WORK, "sim"),
    CK_JUJU_SIM_CONTROLLERS: "sim,other",
    CK_JUJU_SIM_MACHINE_SECONDS: "0",
    CK_JUJU_SIM_DEPLOY_SECONDS: "0.2",
    CK_JUJU_SIM_SETTLE_SECONDS: "1",
    CK_JUJU_SIM_REMOVE_SECONDS: "1",
    CK_JUJU_SIM_DESTROY_SECONDS: "0",
    CK_DUALSTACK_OVERLAY_DIR: path.join(WORK, "overlays"),
};
const FAULTS = ["CK_JUJU_SIM_UNIT_ERROR", "CK_JUJU_SIM_UNIT_ERROR_SECONDS", "CK_JUJU_SIM_MACHINE_DOWN"];

function juju(...args: string[]): { code: number; stdout: string; stderr: string } {
    const run = spawnSync(JUJU, args, { encoding: "utf8", env: process.env });
    return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

function overlayFile(name: string, doc: object): string {
    const file = path.join(WORK, name);
    fs.writeFileSync(file, JSON.stringify(doc)); // JSON is YAML
    return file;
}

/** A model on the sim controller with a control-plane machine and a worker machine. */
function modelWithMachines(name: string): void {
    assert.equal(juju("add-model", "--no-switch", "-c", "sim", "--", name).code, 0);
    assert.equal(juju("add-machine", "-m", `sim:${name}`, "--", "ssh:ubuntu@127.0.1.10").code, 0);
    assert.equal(juju("add-machine", "-m", `sim:${name}`, "--", "ssh:ubuntu@127.0.2.10").code, 0);
}

const PLACEMENT = {
    machines: { "0": {}, "1": {} },
    applications: {
        "kubernetes-control-plane": { num_units: 1, to: ["0"] },
        etcd: { num_units: 1, to: ["0"] },
        easyrsa: { num_units: 1, to: ["0"] },
        "kubeapi-load-balancer": { num_units: 1, to: ["1"] },
        "kubernetes-worker": { num_units: 1, to: ["1"] },
    },
};

before(() => Object.assign(process.env, SIM_ENV));
beforeEach(() => {
    for (const key of FAULTS) delete process.env[key];
    juju("switch", "sim");
});
after(() => {
    for (const model of Object.keys(simState().models)) juju("destroy-model", "--no-prompt", "--", model);
    fs.rmSync(WORK, { recursive: true, force: true });
});

describe("the Juju layer against the simulator", () => {
    it("a deploy whose overlay sets an option the charm lacks fails naming the application and the option", () => {
        modelWithMachines("bad-option");
        const bad = overlayFile("bad.yaml", {
            applications: { "kubernetes-worker": { options: { "image-registry": "ghcr.io/canonical/cdk" } } },
        });
        const run = juju(
            "deploy",
            "-m",
            "sim:bad-option",
            "--overlay",
            bad,
            "--overlay",
            overlayFile("p.yaml", PLACEMENT),
            "--map-machines=existing",
            "--",
            "charmed-kubernetes",
        );
        assert.equal(run.code, 1);
        assert.match(
            run.stderr,
            /^ERROR cannot deploy bundle: cannot deploy application "kubernetes-worker": unknown option "image-registry"$/m,
        );
        const typed = overlayFile("typed.yaml", { applications: { "kubeapi-load-balancer": { options: { proxy_read_timeout: "soon" } } } });
        const wrongType = juju("deploy", "-m", "sim:bad-option", "--overlay", typed, "--map-machines=existing", "--", "charmed-kubernetes");
        assert.match(
            wrongType.stderr,
            /cannot update options for application "kubeapi-load-balancer"|cannot deploy application "kubeapi-load-balancer": option "proxy_read_timeout" expected int, got "soon"/,
        );
        assert.equal(juju("config", "-m", "sim:bad-option", "--", "calico", "nosuch=1").code, 1);
    });

    it("destroy after the current controller changed destroys this stack's model only, and refuses what it cannot tell apart", async () => {
        const provider = new ModelProvider();
        const created = await provider.create({ jujuPath: JUJU, controller: "", model: "ck-e2e", owner: "ck-dualstack/e2e" });
        assert.equal(created.outs.modelRef, "sim:ck-e2e");
        // Someone switches the client to another controller holding a model of the same name.
        assert.equal(juju("switch", "other").code, 0);
        assert.equal(juju("add-model", "--", "ck-e2e").code, 0);
        // A state from before identities were recorded names no controller: refused, naming both.
        const legacy = { ...(created.outs as ModelOutputs), controllerName: undefined, modelRef: "ck-e2e" };
        await assert.rejects(
            provider.delete("ck-e2e", legacy),
            /this stack created model .* but ck-e2e now resolves to model .* on controller other/,
        );
        assert.ok(simState().models["other:ck-e2e"] && simState().models["sim:ck-e2e"], "nothing was destroyed");
        // The recorded identity destroys this stack's model, on its own controller, and nothing else.
        await provider.delete(created.id, created.outs as ModelOutputs);
        assert.equal(simState().models["sim:ck-e2e"], undefined);
        assert.ok(simState().models["other:ck-e2e"], "the other controller's model is untouched");
    });

    it("a machine whose agent is down fails the deployment fast, naming it", async () => {
        modelWithMachines("down");
        const uuid = JSON.parse(juju("show-model", "sim:down", "--format=json").stdout).down["model-uuid"] as string;
        process.env.CK_JUJU_SIM_MACHINE_DOWN = "1";
        const started = Date.now();
        await assert.rejects(
            new DeploymentProvider().create(deployment("sim:down", uuid)),
            /machine 1 \(127\.0\.2\.10\) is down: agent is not communicating with the server/,
        );
        assert.ok(Date.now() - started < 30_000, "failed long before the 2-minute timeout");
    });

    it("a unit in error that recovers within the error grace (Juju retries hooks) still deploys", async () => {
        modelWithMachines("recovers");
        const uuid = JSON.parse(juju("show-model", "sim:recovers", "--format=json").stdout).recovers["model-uuid"] as string;
        process.env.CK_JUJU_SIM_UNIT_ERROR = 'etcd/0=hook failed: "install"';
        process.env.CK_JUJU_SIM_UNIT_ERROR_SECONDS = "6";
        const result = await new DeploymentProvider().create(deployment("sim:recovers", uuid));
        assert.equal(result.outs.unitCount, 9, "5 principals and 4 subordinates");
    });

    it("fetches the kubeconfig from the control-plane leader with the runner's argument order", async () => {
        const uuid = JSON.parse(juju("show-model", "sim:recovers", "--format=json").stdout).recovers["model-uuid"] as string;
        const inputs = {
            jujuPath: JUJU,
            modelRef: "sim:recovers",
            modelUuid: uuid,
            deploymentId: "d",
            apiAddress: "",
            controlPlaneApp: "kubernetes-control-plane",
        };
        const result = await new KubeconfigProvider().create(inputs);
        assert.match(result.outs.server, /^https:\/\/127\.0\.0\.1:\d+$/);
        assert.match(result.outs.kubeconfig, /token: /);
    });

    it("redeploying the bundle resets options changed with juju config, and refuses to switch channels without --force", () => {
        modelWithMachines("redeploy");
        const placement = overlayFile("p2.yaml", PLACEMENT);
        const deploy = (...extra: string[]) =>
            juju(
                "deploy",
                "-m",
                "sim:redeploy",
                "--channel",
                "1.35/stable",
                "--overlay",
                placement,
                "--map-machines=existing",
                ...extra,
                "--",
                "charmed-kubernetes",
            );
        assert.equal(deploy().code, 0);
        assert.equal(juju("config", "-m", "sim:redeploy", "--", "calico", "vxlan=Never").code, 0);
        const again = deploy();
        assert.match(again.stderr, /set application options for calico: vxlan=Always/);
        assert.equal(juju("config", "-m", "sim:redeploy", "--", "calico", "vxlan").stdout.trim(), "Always");
        const across = juju(
            "deploy",
            "-m",
            "sim:redeploy",
            "--channel",
            "1.36/stable",
            "--overlay",
            placement,
            "--map-machines=existing",
            "--",
            "charmed-kubernetes",
        );
        assert.match(
            across.stderr,
            /upgrades not supported across channels \(existing: "1\.35\/stable", requested: "1\.36\/stable"\); use --force to override/,
        );
    });

    it("remove-application takes time, shows the applications dying, then takes their machines, manual ones included", async () => {
        const state = () => simState().models["sim:redeploy"];
        const removed = juju("remove-application", "-m", "sim:redeploy", "--no-prompt", "--", ...Object.keys(state().applications));
        assert.equal(removed.code, 0, removed.stderr);
        assert.match(removed.stdout, /will remove application kubernetes-worker\n- will remove unit kubernetes-worker\/0/);
        const dying = JSON.parse(juju("status", "-m", "sim:redeploy", "--format=json").stdout);
        assert.equal(dying.applications.etcd.life, "dying");
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const after = JSON.parse(juju("status", "-m", "sim:redeploy", "--format=json").stdout);
        assert.deepEqual([Object.keys(after.applications), Object.keys(after.machines)], [[], []]);
        assert.match(juju("remove-machine", "-m", "sim:redeploy", "--", "0").stderr, /ERROR machine removal: aborted/);
    });

    it("enlisting the same host twice adopts the machine instead of adding another", async () => {
        assert.equal(juju("add-model", "--no-switch", "-c", "sim", "--", "adopt").code, 0);
        const uuid = JSON.parse(juju("show-model", "sim:adopt", "--format=json").stdout).adopt["model-uuid"] as string;
        const inputs = {
            jujuPath: JUJU,
            modelRef: "sim:adopt",
            modelUuid: uuid,
            name: "w0",
            address: "127.0.2.20",
            sshUser: "ubuntu",
            roles: ["worker"],
        };
        const first = await new MachineProvider().create(inputs);
        const second = await new MachineProvider().create(inputs);
        assert.equal(second.outs.machineId, first.outs.machineId);
        assert.equal(Object.keys(simState().models["sim:adopt"].machines).length, 1);
    });
});

function deployment(modelRef: string, modelUuid: string): DeploymentInputs {
    return {
        jujuPath: JUJU,
        modelRef,
        modelUuid,
        ...TWO_NODE_DEPLOYMENT,
        expectedApplications: BUNDLE_APPLICATIONS,
        pollSeconds: 0.5,
        idleSeconds: 1,
        timeoutMinutes: 2,
        blockedGraceMinutes: 1,
        errorGraceMinutes: 1,
        outageMinutes: 1,
        downGraceMinutes: 0,
    };
}
