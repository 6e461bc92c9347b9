// The Juju layer against the Juju simulator as separate processes (the real CLI path, no fakes):
// what real Juju 3.6 and the 1.35 charms do, as the simulator cites them, drives the providers.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { DeploymentInputs, DeploymentProvider } from "../../components/juju/providers/deployment";
import { getKubeconfig } from "../../components/juju/providers/common";
import { KubeconfigProvider } from "../../components/juju/providers/kubeconfig";
import { ModelOutputs, ModelProvider } from "../../components/juju/providers/model";
import { MachineProvider } from "../../components/juju/providers/machine";
import { SettledProvider } from "../../components/juju/providers/settled";
import { BUNDLE_APPLICATIONS } from "../../components/juju/JujuCluster";
import { readCalls as simCalls, readState as simState } from "../../simulator/state";
import { dualStackOverlay } from "../../components/juju/overlay";
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

let hostBlock = 0;

/**
 * A model on the sim controller with a control-plane machine (0), a worker machine (1) and the
 * load-balancer machine (2), on hosts of their own: a host enlisted once is refused by every model
 * until Juju's clean-up ran on it.
 */
function modelWithMachines(name: string): void {
    hostBlock++;
    assert.equal(juju("add-model", "--no-switch", "-c", "sim", "--", name).code, 0);
    for (const host of [10, 20, 30]) {
        const added = juju("add-machine", "-m", `sim:${name}`, "--", `ssh:ubuntu@127.1.${hostBlock}.${host}`);
        assert.equal(added.code, 0, added.stderr);
    }
}

/** The program's placement (components/juju/overlay.ts): kubeapi-load-balancer alone on machine 2. */
const PLACEMENT = {
    machines: { "0": {}, "1": {}, "2": {} },
    applications: {
        "kubernetes-control-plane": { num_units: 1, to: ["0"] },
        etcd: { num_units: 1, to: ["0"] },
        easyrsa: { num_units: 1, to: ["0"] },
        "kubeapi-load-balancer": { num_units: 1, to: ["2"] },
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
        const inputs = deployment("sim:down", uuid);
        await new DeploymentProvider().create(inputs);
        await assert.rejects(
            new SettledProvider().create({ ...inputs, generation: "g" }),
            /machine 1 \(127\.1\.\d+\.20\) is down: agent is not communicating with the server/,
        );
        assert.ok(Date.now() - started < 30_000, "failed long before the 2-minute timeout");
    });

    it("a unit in error that recovers within the error grace (Juju retries hooks) still deploys", async () => {
        modelWithMachines("recovers");
        const uuid = JSON.parse(juju("show-model", "sim:recovers", "--format=json").stdout).recovers["model-uuid"] as string;
        process.env.CK_JUJU_SIM_UNIT_ERROR = 'etcd/0=hook failed: "install"';
        process.env.CK_JUJU_SIM_UNIT_ERROR_SECONDS = "6";
        const inputs = deployment("sim:recovers", uuid);
        await new DeploymentProvider().create(inputs);
        const settled = await new SettledProvider().create({ ...inputs, generation: "g" });
        assert.equal(settled.outs.unitCount, 9, "5 principals and 4 subordinates");
    });

    it("fetches the kubeconfig from the control-plane leader with the runner's argument order", async () => {
        const uuid = JSON.parse(juju("show-model", "sim:recovers", "--format=json").stdout).recovers["model-uuid"] as string;
        const inputs = {
            jujuPath: JUJU,
            modelRef: "sim:recovers",
            modelUuid: uuid,
            fetchKey: "d",
            apiAddress: "",
            controlPlaneApp: "kubernetes-control-plane",
        };
        const result = await new KubeconfigProvider().create(inputs);
        assert.match(result.outs.server, /^https:\/\/127\.0\.0\.1:\d+$/);
        assert.match(result.outs.kubeconfig, /token: /);
    });

    it("runs actions as Juju 3.6 does: one the charm lacks schedules no task (exit 0); a missing control plane is named", async () => {
        const pause = juju("run", "-m", "sim:recovers", "--format=json", "--", "kubernetes-worker/0", "pause");
        assert.deepEqual([pause.code, pause.stdout], [0, ""]);
        assert.match(
            pause.stderr,
            /^\nOperation \d+ failed to schedule any tasks:\naction "pause" not defined on unit "kubernetes-worker\/0"\n$/,
        );
        // The 1.24 rename: a cluster that has no kubernetes-master gets Juju's own reason, not a parse error.
        await assert.rejects(
            getKubeconfig({ jujuPath: JUJU, modelRef: "sim:recovers" }, "kubernetes-master"),
            /juju run kubernetes-master\/leader get-kubeconfig: operation \d+ scheduled no task: could not determine leader for "kubernetes-master"/,
        );
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

    it("kubeapi-load-balancer on a worker's machine never settles: the worker cannot close 443, which the balancer holds", async () => {
        modelWithMachines("colocated");
        const uuid = JSON.parse(juju("show-model", "sim:colocated", "--format=json").stdout).colocated["model-uuid"] as string;
        // The placement of earlier versions: the balancer on the first worker, its ingress off.
        const colocated = overlayFile("colocated.yaml", {
            ...PLACEMENT,
            applications: { ...PLACEMENT.applications, "kubeapi-load-balancer": { num_units: 1, to: ["1"] } },
        });
        const ingressOff = overlayFile("ingress-off.yaml", oldOptions());
        const run = juju(
            "deploy",
            "-m",
            "sim:colocated",
            "--overlay",
            ingressOff,
            "--overlay",
            colocated,
            "--map-machines=existing",
            "--",
            "charmed-kubernetes",
        );
        assert.equal(run.code, 0, run.stderr);
        const inputs = { ...deployment("sim:colocated", uuid), timeoutMinutes: 0.25, generation: "g" };
        await assert.rejects(
            new SettledProvider().create(inputs),
            /timed out .*still pending: .*kubernetes-worker\/0 \(waiting\/idle: Waiting to configure ingress controller\)/,
        );
        const status = JSON.parse(juju("status", "-m", "sim:colocated", "--format=json").stdout);
        assert.deepEqual(status.applications["kubeapi-load-balancer"].units["kubeapi-load-balancer/0"]["open-ports"], [
            "443/tcp",
            "6443/tcp",
        ]);
        assert.equal(status.applications["kubernetes-worker"].units["kubernetes-worker/0"]["open-ports"], undefined);
        // With ingress on, the worker's open of 443 is refused instead, and it still never settles.
        assert.equal(juju("config", "-m", "sim:colocated", "--", "kubernetes-worker", "ingress=true").code, 0);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const on = JSON.parse(juju("status", "-m", "sim:colocated", "--format=json").stdout);
        assert.equal(
            on.applications["kubernetes-worker"].units["kubernetes-worker/0"]["workload-status"].message,
            "Waiting to configure ingress controller",
        );
    });

    it("moves the balancer of a stack an earlier version placed on the first worker onto its own machine, in place", async () => {
        modelWithMachines("move");
        const uuid = JSON.parse(juju("show-model", "sim:move", "--format=json").stdout).move["model-uuid"] as string;
        // What an earlier version deployed: the balancer on worker machine 1, the worker's ingress off.
        const old = overlayFile("old.yaml", {
            machines: { "0": {}, "1": {} },
            applications: { ...PLACEMENT.applications, "kubeapi-load-balancer": { num_units: 1, to: ["1"] } },
        });
        const ingressOff = overlayFile("old-options.yaml", oldOptions());
        const run = juju(
            "deploy",
            "-m",
            "sim:move",
            "--overlay",
            ingressOff,
            "--overlay",
            old,
            "--map-machines=existing",
            "--",
            "charmed-kubernetes",
        );
        assert.equal(run.code, 0, run.stderr);
        const news = deployment("sim:move", uuid);
        const olds = {
            ...news,
            machines: news.machines.filter((m) => !m.roles.includes("load-balancer")),
            nodes: [
                { name: "cp-0", roles: ["control-plane"] },
                { name: "worker-0", roles: ["worker"] },
            ],
            workerIngress: undefined,
            overlay: {},
            controlPlaneApp: "kubernetes-control-plane",
            generation: "old",
        };
        const withNodes = {
            ...news,
            workerIngress: "",
            nodes: [...olds.nodes, { name: "lb-0", roles: ["load-balancer"] }],
        };
        const before = simCalls().length;
        const provider = new DeploymentProvider();
        assert.equal((await provider.diff("id", olds, withNodes)).changes, true);
        await provider.update("id", olds, withNodes);
        const mutations = simCalls()
            .slice(before)
            .filter((c) => c.mutating)
            .map((c) => c.args);
        assert.deepEqual(
            mutations.map((args) => `${args[0]} ${args[args.length - 1]}`),
            ["add-unit kubeapi-load-balancer", "config kubernetes-worker", "remove-unit kubeapi-load-balancer/0"],
            "a unit added on the new machine, the old one removed, the worker's ingress back to the charm's default: nothing redeployed",
        );
        assert.deepEqual(mutations[1].slice(3, 5), ["--reset", "ingress"]);
        assert.ok(!mutations[2].includes("--force"), "the old unit is removed gracefully");
        const settled = await new SettledProvider().create({ ...withNodes, generation: "g" });
        assert.equal(settled.outs.unitCount, 9);
        const status = JSON.parse(juju("status", "-m", "sim:move", "--format=json").stdout);
        const balancers = status.applications["kubeapi-load-balancer"].units as Record<string, { machine: string }>;
        assert.deepEqual(
            Object.values(balancers).map((u) => u.machine),
            ["2"],
            "alone on its own machine",
        );
        assert.ok(status.applications.etcd.units["etcd/0"], "etcd stayed where it was, with its data");
    });

    it("a removed machine's host is refused until Juju's clean-up ran on it; the Machine provider runs it over SSH", async () => {
        assert.equal(juju("add-model", "--no-switch", "-c", "sim", "--", "reenlist").code, 0);
        const host = "127.1.200.10";
        assert.equal(juju("add-machine", "-m", "sim:reenlist", "--", `ssh:ubuntu@${host}`).code, 0);
        assert.equal(juju("remove-machine", "-m", "sim:reenlist", "--no-prompt", "--", "0").code, 0);
        await new Promise((resolve) => setTimeout(resolve, 1200));
        const again = juju("add-machine", "-m", "sim:reenlist", "--", `ssh:ubuntu@${host}`);
        assert.deepEqual([again.code, again.stderr.trim()], [1, "ERROR machine is already provisioned"]);
        // So does another model (the agent is on the host, whichever model enlisted it).
        assert.equal(juju("add-model", "--no-switch", "-c", "sim", "--", "reenlist-2").code, 0);
        assert.equal(juju("add-machine", "-m", "sim:reenlist-2", "--", `ssh:ubuntu@${host}`).code, 1);
        const ssh = spawnSync(
            path.join(ROOT, "simulator", "ssh"),
            ["-o", "BatchMode=yes", "--", `ubuntu@${host}`, "sudo /sbin/remove-juju-services"],
            {
                encoding: "utf8",
            },
        );
        assert.equal(ssh.status, 0, ssh.stderr);
        assert.equal(juju("add-machine", "-m", "sim:reenlist", "--", `ssh:ubuntu@${host}`).code, 0);

        // The provider: delete cleans the host, so the same host enlists again.
        const inputs = {
            jujuPath: JUJU,
            modelRef: "sim:reenlist-2",
            modelUuid: JSON.parse(juju("show-model", "sim:reenlist-2", "--format=json").stdout)["reenlist-2"]["model-uuid"] as string,
            name: "w9",
            address: "127.1.200.20",
            sshUser: "ubuntu",
            roles: ["worker"],
            sshPath: "simulator/ssh",
            pollSeconds: 0.2,
            removeGraceMinutes: 1,
        };
        const first = await new MachineProvider().create(inputs);
        await new MachineProvider().delete(first.id, { ...inputs, machineId: first.outs.machineId });
        const second = await new MachineProvider().create(inputs);
        assert.notEqual(second.outs.machineId, first.outs.machineId, "a new machine on the cleaned host");
        const noCleanup = { ...inputs, address: "127.1.200.30", sshPath: "" };
        const enlisted = await new MachineProvider().create(noCleanup);
        await new MachineProvider().delete(enlisted.id, { ...noCleanup, machineId: enlisted.outs.machineId });
        await assert.rejects(
            new MachineProvider().create(noCleanup),
            /127\.1\.200\.30 still runs the Juju agent of an earlier enlistment.*ssh ubuntu@127\.1\.200\.30 sudo \/sbin\/remove-juju-services/,
        );
    });
});

/** The dual-stack overlay of earlier versions: the program's, with the worker's ingress off. */
function oldOptions(): object {
    const families = TWO_NODE_DEPLOYMENT.families;
    return dualStackOverlay({ families, channel: TWO_NODE_DEPLOYMENT.channel, workerIngress: false });
}

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
