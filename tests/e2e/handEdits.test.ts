// Hand edits behind Pulumi's back (issue 21 point 5), on the sandbox with the real engine: an
// operator changes the model with the simulator's `juju`; `pulumi refresh` reports it, the next
// preview names each change, `up` puts back what can be put back in place (juju config, add-unit,
// remove-unit; never a redeploy) and refuses the rest naming it, and the up after changes nothing.
// One stack, several edits at once: each up costs minutes on a small machine.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Stack, UpResult } from "@pulumi/pulumi/automation";
import { readCalls as calls, readState as simState } from "../../simulator/state";
import { kubeGet } from "../support/kube";
import { e2eSandbox, quiet } from "./harness";

const sandbox = e2eSandbox("handedits");
const JUJU = path.resolve(__dirname, "..", "..", "simulator", "juju");
const SSH = path.resolve(__dirname, "..", "..", "simulator", "ssh");
const POD_CIDR = "192.168.0.0/16,fd00:c00b:1::/112";
const SERVICE_CIDR = "10.152.183.0/24,fd00:c00b:2::/112";
let stack: Stack;
let deployed: UpResult;
let modelRef = "";

/** The operator's `juju`, against the sandbox's model. */
function juju(...args: string[]): string {
    const [command, ...rest] = args;
    const run = spawnSync(JUJU, [command, "-m", modelRef, ...rest], { encoding: "utf8", env: process.env });
    assert.equal(run.status, 0, `juju ${args.join(" ")}: ${run.stderr}`);
    return run.stdout;
}

const model = () => simState().models[modelRef];
const workerMachines = () =>
    Object.values(model().applications["kubernetes-worker"].units)
        .map((unit) => model().machines[unit.machine]?.address ?? `machine ${unit.machine}`)
        .sort();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done` holds, reading the simulator's state (removals take REMOVE_SECONDS). */
async function until(what: string, done: () => boolean): Promise<void> {
    for (let waited = 0; !done(); waited += 250) {
        if (waited > 60_000) assert.fail(`still waiting for ${what}`);
        juju("status", "--format=json"); // status ends finished removals, as Juju's cleanup does
        await sleep(250);
    }
}

/** Juju calls since `from` that change the model. */
const mutationsSince = (from: number) =>
    calls()
        .slice(from)
        .filter((call) => call.mutating)
        .map((call) => call.args.join(" "));

/** Runs `action` with its printed output collected. */
async function printed<T>(action: (opts: { color: "never"; onOutput: (text: string) => void }) => Promise<T>): Promise<[T, string]> {
    let output = "";
    const result = await action({ color: "never", onOutput: (text: string) => void (output += text) });
    return [result, output];
}

before(async () => {
    stack = await sandbox.open();
    deployed = await stack.up(quiet);
    const [controller, name] = Object.keys(simState().models)[0].split(":");
    modelRef = `${controller}:${name}`;
});
after(async () => {
    await sandbox.cleanUp(stack);
});

describe("hand edits behind Pulumi's back", () => {
    it("refresh reports options and units changed by hand, preview names each, up restores them in place, the next up changes nothing", async () => {
        const workersBefore = workerMachines();
        const kubeconfig = deployed.outputs.kubeconfig.value as string;
        // The operator's edits: two options, a worker unit added on the control-plane machine, one removed.
        juju("config", "calico", "cidr=10.9.0.0/16,fd00:c00b:9::/112");
        juju("config", "kubernetes-control-plane", "service-cidr=10.152.0.0/16,fd00:c00b:2::/112");
        const workerUnits = () => Object.keys(model().applications["kubernetes-worker"].units);
        const controlPlaneMachine = Object.values(model().applications["kubernetes-control-plane"].units)[0].machine;
        const unitsBefore = workerUnits();
        juju("add-unit", "kubernetes-worker", "--to", controlPlaneMachine);
        const added = workerUnits().find((unit) => !unitsBefore.includes(unit))!;
        const [removed] = unitsBefore.sort();
        const removedHost = model().machines[model().applications["kubernetes-worker"].units[removed].machine].address;
        juju("remove-unit", "--no-prompt", removed);
        await until(`${removed} to go`, () => !model().applications["kubernetes-worker"].units[removed]);

        const [refreshed, refreshOutput] = await printed((opts) => stack.refresh(opts));
        assert.ok((refreshed.summary.resourceChanges?.update ?? 0) >= 1, refreshOutput);
        for (const live of ["10.9.0.0/16", "10.152.0.0/16"])
            assert.ok(refreshOutput.includes(live), `refresh shows ${live}:\n${refreshOutput}`);

        // Preview names every operation up will run to put the model back.
        const [, preview] = await printed((opts) => stack.preview(opts));
        for (const line of [
            `juju config calico cidr=${POD_CIDR}`,
            `juju config kubernetes-control-plane service-cidr=${SERVICE_CIDR}`,
            `juju remove-unit ${added}`,
            // The removed worker's machine went with it: it is enlisted again, and its unit put on it.
            "juju add-unit kubernetes-worker --to <machine of worker-",
        ]) {
            assert.ok(preview.includes(line), `preview names "${line}":\n${preview}`);
        }
        assert.match(preview, /\+ +pulumi-nodejs:dynamic\/juju:Machine ck-machine-worker-\d create/);

        // Juju removed the worker's machine with its last unit (state/unit.go destroyHostOps) and left its
        // agent on the host, as on any removed manual machine: up refuses to enlist it again, saying how
        // to clean it, before it changes anything; the operator does so.
        const refused = calls().length;
        const host = removedHost.replace(/\./g, "\\.");
        await assert.rejects(
            stack.up(quiet),
            new RegExp(`${host} still runs the Juju agent.*ssh ubuntu@${host} sudo /sbin/remove-juju-services`, "s"),
        );
        // Juju itself refused the add-machine ("machine is already provisioned"): nothing else was tried.
        assert.deepEqual(mutationsSince(refused), [`add-machine -m ${modelRef} -- ssh:ubuntu@${removedHost}`]);
        const ssh = spawnSync(SSH, ["-o", "BatchMode=yes", "--", `ubuntu@${removedHost}`, "sudo /sbin/remove-juju-services"], {
            encoding: "utf8",
            env: process.env,
        });
        assert.equal(ssh.status, 0, ssh.stderr);

        const from = calls().length;
        const [, restored] = await printed((opts) => stack.up(opts));
        const made = mutationsSince(from);
        // The unit added by hand shares the control plane's machine: its removal leaves the control plane's Node alone.
        assert.doesNotMatch(restored, new RegExp(`(drain|cordon|delete)[^\n]*node sim-${controlPlaneMachine}\b`), restored);
        assert.ok(!made.some((call) => /^(deploy|remove-application|destroy-model|refresh) /.test(call)), made.join("\n"));
        assert.equal(model().applications.calico.options.cidr, POD_CIDR);
        assert.equal(model().applications["kubernetes-control-plane"].options["service-cidr"], SERVICE_CIDR);
        assert.deepEqual(workerMachines(), workersBefore, "one worker unit on each declared worker host, none on the control plane's");
        const controlPlaneNode = await kubeGet<{ spec: { unschedulable?: boolean } }>(
            kubeconfig,
            `/api/v1/nodes/sim-${controlPlaneMachine}`,
        );
        assert.equal(controlPlaneNode.status, 200, "the control plane's Node stays");
        assert.ok(!controlPlaneNode.body.spec.unschedulable, "the control plane's Node is not left cordoned");

        const again = calls().length;
        const next = await stack.up(quiet);
        assert.deepEqual(mutationsSince(again), [], "the next up asks Juju nothing");
        assert.deepEqual(
            Object.keys(next.summary.resourceChanges ?? {}).filter((kind) => kind !== "same"),
            [],
            JSON.stringify(next.summary.resourceChanges),
        );
    });

    it("refuses at preview, naming them with the steps, an application removed by hand and a charm refreshed to another channel; Juju untouched", async () => {
        juju("remove-application", "--no-prompt", "easyrsa");
        juju("refresh", "containerd", "--channel", "1.36/stable");
        await until("easyrsa to go", () => !model().applications.easyrsa);
        await stack.refresh(quiet);
        const from = calls().length;
        await assert.rejects(stack.preview(quiet), (error: Error) => {
            assert.match(error.message, /easyrsa held the cluster's CA/);
            assert.match(
                error.message,
                /containerd runs charm channel 1\.36\/stable.*ck-dualstack:channel.*juju refresh containerd --channel 1\.35\/stable/s,
            );
            return true;
        });
        assert.deepEqual(mutationsSince(from), [], "a refused preview changes nothing");
        assert.equal(model().applications.easyrsa, undefined, "nothing redeployed");
    });
});
