// End to end on the real Pulumi engine, the real Kubernetes provider and a real kube-apiserver,
// with the Juju simulator standing in for Juju. The engine is the Pulumi CLI running in the
// project folder, as users run it. Tests run in order and share one sandbox stack of their own
// (tests/e2e/harness.ts), so concurrent runs do not collide.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Stack, UpResult } from "@pulumi/pulumi/automation";
import { ROOT, encryptedOutputs, exportEncrypted } from "../../scripts/lib/sandbox";
import { readCalls as calls, readState as simState } from "../../simulator/state";
import * as yaml from "js-yaml";
import { loadConfig } from "../../components/config/load";
import { readStackFile } from "../../components/config/stackFile";
import { renderPlan } from "../../scripts/lib/renderPlan";
import { kubeGet, kubeRequest } from "../support/kube";
import { e2eSandbox, quiet } from "./harness";
import { assertLivingWorkload, within } from "./livingWorkload";

// a unit in error fails the deployment at once (the grace Juju gets to retry hooks is minutes)
const sandbox = e2eSandbox("main", { "ck-dualstack:errorGraceMinutes": "0" });
const { env: ENV, simHome: SIM_HOME, work: WORK } = sandbox;
const JUJU = path.join(ROOT, "simulator", "juju");
const FAULTS = ["CK_JUJU_SIM_TRANSIENT_FAILURES", "CK_JUJU_SIM_UNIT_ERROR", "CK_JUJU_SIM_MODEL_GONE"];

let stack: Stack;
let lastUp: UpResult;

function setFaults(faults: Record<string, string>): void {
    for (const key of FAULTS) {
        delete process.env[key];
        delete stack.workspace.envVars[key];
    }
    fs.rmSync(path.join(SIM_HOME, "transient.count"), { force: true });
    for (const [key, value] of Object.entries(faults)) {
        process.env[key] = value;
        stack.workspace.envVars[key] = value;
    }
}
const kubeconfig = () => lastUp.outputs.kubeconfig.value as string;
type ServiceDoc = { spec: { clusterIP: string; clusterIPs: string[]; ipFamilies: string[] } };

before(async () => {
    stack = await sandbox.open();
});

after(async () => {
    setFaults({});
    await sandbox.cleanUp(stack);
});

describe("sandbox end to end", () => {
    it("refuses bad config at preview, naming the key, and creates nothing", () => {
        // As an operator meets it: the preview command in its own process.
        const badStack = `e2e-bad-${process.pid}`;
        const stackFile = path.join(ROOT, `Pulumi.${badStack}.yaml`);
        fs.writeFileSync(
            stackFile,
            "config:\n  ck-dualstack:cloud: sandbox\n  ck-dualstack:serviceCidr: 10.152.183.0/24,fd00:c00b:2::/64\n",
        );
        try {
            const result = spawnSync(
                "node",
                ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "stack.ts"), "preview", badStack],
                {
                    cwd: ROOT,
                    env: { ...process.env, ...ENV },
                    encoding: "utf8",
                },
            );
            assert.notEqual(result.status, 0);
            assert.match(
                `${result.stdout}${result.stderr}`,
                /ck-dualstack:serviceCidr = "10\.152\.183\.0\/24,fd00:c00b:2::\/64": .*\/108 at most/,
            );
            assert.deepEqual(calls(), [], "no juju call was made");
        } finally {
            spawnSync("pulumi", ["stack", "rm", "--yes", "--force", "--stack", badStack], { cwd: ROOT, env: { ...process.env, ...ENV } });
            fs.rmSync(stackFile, { force: true });
        }
    });

    it("brings the sandbox up: nginx rolls out on the workers with dual-stack pods, and its Services have endpoints per family", async () => {
        lastUp = await stack.up(quiet);
        assert.equal(lastUp.summary.result, "succeeded");
        // kubeapi-load-balancer alone on its machine, every unit active (issue 18): on a worker's machine
        // the two charms' claims on 443 would keep one of them waiting forever.
        const status = JSON.parse(
            spawnSync(JUJU, ["status", "-m", "sim:ck-dualstack", "--format=json"], { env: { ...process.env, ...ENV }, encoding: "utf8" })
                .stdout,
        ) as { applications: Record<string, { units?: Record<string, { machine: string; "workload-status": { current: string } }> }> };
        const units = Object.entries(status.applications).flatMap(([app, doc]) =>
            Object.entries(doc.units ?? {}).map(([name, u]) => ({ app, name, ...u })),
        );
        const balancerMachines = units.filter((u) => u.app === "kubeapi-load-balancer").map((u) => u.machine);
        assert.equal(balancerMachines.length, 1);
        assert.deepEqual(
            units.filter((u) => u.machine === balancerMachines[0]).map((u) => u.app),
            ["kubeapi-load-balancer"],
            "no other principal unit shares the balancer's machine",
        );
        assert.deepEqual(
            units.filter((u) => u["workload-status"].current !== "active").map((u) => u.name),
            [],
            "every unit is active",
        );
        const deployment = await kubeGet<{ spec: { replicas: number } }>(
            kubeconfig(),
            "/apis/apps/v1/namespaces/default/deployments/nginxdualstack",
        );
        assert.equal(deployment.status, 200);
        assert.equal(deployment.body.spec.replicas, 2);
        const nginx6 = await kubeGet<ServiceDoc>(kubeconfig(), "/api/v1/namespaces/default/services/nginx6");
        assert.deepEqual(nginx6.body.spec.ipFamilies, ["IPv6"]);
        assert.ok(within("fd00:c00b:2::/112", nginx6.body.spec.clusterIP), nginx6.body.spec.clusterIP);
        const dual = await kubeGet<ServiceDoc>(kubeconfig(), "/api/v1/namespaces/default/services/nginx-dualstack");
        assert.deepEqual(dual.body.spec.ipFamilies, ["IPv4", "IPv6"]);
        assert.ok(within("10.152.183.0/24", dual.body.spec.clusterIPs[0]), dual.body.spec.clusterIPs[0]);
        assert.ok(within("fd00:c00b:2::/112", dual.body.spec.clusterIPs[1]), dual.body.spec.clusterIPs[1]);
        assert.deepEqual(lastUp.outputs.nginx6.value.clusterIps, { IPv6: nginx6.body.spec.clusterIP });
        assert.deepEqual(lastUp.outputs.nginxUrls.value, [`http://[::1]:${lastUp.outputs.nginx6.value.nodePort}`]);
        await assertLivingWorkload({
            kubeconfig: kubeconfig(),
            podCidrs: ["192.168.0.0/16", "fd00:c00b:1::/112"],
            replicas: 2,
            outputs: { nginxPods: lastUp.outputs.nginxPods.value, nginxEndpoints: lastUp.outputs.nginxEndpoints.value },
        });
    });

    it("accepts the workload `npm run plan` renders for the dev and openstack stacks (server-side dry run)", async () => {
        for (const stackName of ["dev", "openstack"]) {
            // what the README has operators set before `npm run plan -- <stack>`
            const operator = {
                adminCidrs: '["203.0.113.7/32","2001:db8:42::/48"]',
                sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e e2e",
            };
            const files = renderPlan(loadConfig({ ...readStackFile(ROOT, stackName), ...operator }), stackName);
            for (const manifest of yaml.loadAll(files["workload.yaml"]) as { kind: string; metadata: { name: string } }[]) {
                const collection =
                    manifest.kind === "Deployment" ? "/apis/apps/v1/namespaces/default/deployments" : "/api/v1/namespaces/default/services";
                const renamed = { ...manifest, metadata: { ...manifest.metadata, name: `plan-${stackName}-${manifest.metadata.name}` } };
                const result = await kubeRequest<{ message?: string }>(
                    kubeconfig(),
                    "POST",
                    `${collection}?dryRun=All&fieldValidation=Strict`,
                    renamed,
                );
                assert.equal(result.status, 201, `${stackName} ${manifest.kind}/${manifest.metadata.name}: ${result.body.message ?? ""}`);
            }
        }
    });

    it("keeps secrets encrypted in the exported stack, the state and the outputs file", async () => {
        const token = /token: (\S+)/.exec(kubeconfig())![1];
        const stateFile = path.join(WORK, "state", ".pulumi", "stacks", "ck-dualstack", `${sandbox.name}.json`);
        const outputsFile = path.join(WORK, "outputs.json");
        fs.writeFileSync(outputsFile, JSON.stringify(encryptedOutputs(stack)));
        for (const [what, text] of [
            ["stack export", JSON.stringify(exportEncrypted(stack))],
            ["state file", fs.readFileSync(stateFile, "utf8")],
            ["outputs file", fs.readFileSync(outputsFile, "utf8")],
        ]) {
            assert.ok(text.length > 1000, `${what} is not empty`);
            assert.ok(!text.includes(token), `the API token appears in plain text in the ${what}`);
            assert.ok(!text.includes("certificate-authority-data"), `the kubeconfig appears in plain text in the ${what}`);
        }
    });

    it("previews no change, and a second up changes nothing in Juju", async () => {
        const preview = await stack.preview(quiet);
        assert.deepEqual(Object.keys(preview.changeSummary), ["same"], JSON.stringify(preview.changeSummary));
        const before = calls().length;
        const again = await stack.up(quiet);
        assert.deepEqual(Object.keys(again.summary.resourceChanges ?? {}), ["same"]);
        const mutations = calls()
            .slice(before)
            .filter((c) => c.mutating);
        assert.deepEqual(mutations, [], "a no-op up made a juju call that changes something");
    });

    it("refresh finds no drift, then finds a change made behind Pulumi's back, and up repairs it", async () => {
        const clean = await stack.refresh(quiet);
        assert.equal(clean.summary.resourceChanges?.update, undefined);
        spawnSync(JUJU, ["config", "-m", "ck-dualstack", "kubeapi-load-balancer", "loadbalancer-ips=192.0.2.1"], {
            env: { ...process.env, ...ENV },
        });
        const drifted = await stack.refresh(quiet);
        assert.equal(drifted.summary.resourceChanges?.update, 1);
        const repaired = await stack.up(quiet);
        assert.ok((repaired.summary.resourceChanges?.update ?? 0) >= 1);
        const live = spawnSync(JUJU, ["config", "-m", "ck-dualstack", "kubeapi-load-balancer", "loadbalancer-ips"], {
            env: { ...process.env, ...ENV },
            encoding: "utf8",
        });
        assert.equal(live.stdout.trim(), "");
    });

    it("survives transient controller errors", async () => {
        setFaults({ CK_JUJU_SIM_TRANSIENT_FAILURES: "2" });
        const refreshed = await stack.refresh(quiet);
        assert.equal(refreshed.summary.result, "succeeded");
        assert.ok(Number(fs.readFileSync(path.join(SIM_HOME, "transient.count"), "utf8")) > 2, "the failing calls were retried");
        setFaults({});
    });

    it("grows the service range in place and refuses to shrink it", async () => {
        const deploysBefore = calls().filter((c) => c.args[0] === "deploy").length;
        await stack.setConfig("ck-dualstack:serviceCidr", { value: "10.152.0.0/16,fd00:c00b:2::/108" });
        const grown = await stack.up(quiet);
        // Only the ServiceCIDR object is replaced (its cidrs are immutable); nothing of Juju's.
        assert.equal(grown.summary.resourceChanges?.replace, 1);
        assert.match(grown.stdout, /\+-\s+kubernetes:networking\.k8s\.io\/v1:ServiceCIDR/);
        assert.ok((grown.summary.resourceChanges?.update ?? 0) >= 1);
        // The charm's service-cidr stays: the ServiceCIDR object adds the range (docs/day-two.md, "Growing the service range").
        assert.ok(!calls().some((c) => c.args.includes("service-cidr=10.152.0.0/16,fd00:c00b:2::/108")));
        assert.equal(calls().filter((c) => c.args[0] === "deploy").length, deploysBefore, "no redeploy");
        await stack.setConfig("ck-dualstack:serviceCidr", { value: "10.152.183.0/25,fd00:c00b:2::/112" });
        await assert.rejects(stack.preview(quiet), /can only grow on a deployed cluster/);
        await stack.setConfig("ck-dualstack:serviceCidr", { value: "10.152.0.0/16,fd00:c00b:2::/108" });
    });

    it("destroys cleanly even when the model is already gone", async () => {
        // someone else destroys the model behind Pulumi's back
        spawnSync(JUJU, ["destroy-model", "ck-dualstack", "--no-prompt"], { env: { ...process.env, ...ENV } });
        const mark = calls().length;
        const destroyed = await stack.destroy(quiet);
        assert.equal(destroyed.summary.result, "succeeded");
        assert.ok((destroyed.summary.resourceChanges?.delete ?? 0) >= 6, JSON.stringify(destroyed.summary.resourceChanges));
        // the providers did ask Juju, and took its "not found" as done
        const tried = calls().slice(mark);
        assert.ok(tried.length > 0, "destroy never asked Juju about the model");
        assert.deepEqual(exportEncrypted(stack).resources ?? [], [], "resources are left in the stack's state");
    });

    it("fails up naming a unit in error, and a later up converges", async () => {
        const mark = calls().length;
        setFaults({ CK_JUJU_SIM_UNIT_ERROR: "calico/1" });
        await assert.rejects(stack.up(quiet), /calico\/1 \(error\/idle: hook failed: "install"\)/);
        setFaults({});
        const converged = await stack.up(quiet);
        assert.equal(converged.summary.result, "succeeded");
        const since = calls().slice(mark);
        assert.equal(since.filter((c) => c.args[0] === "add-model").length, 1, "the later up made a second model");
        assert.deepEqual(Object.keys(simState().models), ["sim:ck-dualstack"]);
    });

    it("converges after an up killed mid-deployment", async () => {
        await stack.destroy(quiet);
        const mark = calls().length;
        // the operator's `npm run sandbox`, killed with everything in its process group
        const log = path.join(WORK, "killed-up.log");
        const child = spawn("node", ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "stack.ts"), "up", sandbox.name], {
            cwd: ROOT,
            env: { ...process.env, ...ENV, CK_JUJU_SIM_SETTLE_SECONDS: "30" },
            detached: true,
            stdio: ["ignore", fs.openSync(log, "w"), fs.openSync(log, "a")],
        });
        let exited = false;
        const exit = new Promise((resolve) => child.once("exit", resolve)).then(() => (exited = true));
        const deployed = () =>
            calls()
                .slice(mark)
                .some((c) => c.args[0] === "deploy");
        for (let i = 0; i < 1200 && !exited && !deployed(); i++) await new Promise((r) => setTimeout(r, 100));
        await new Promise((r) => setTimeout(r, 1500));
        assert.ok(!exited && deployed(), `the up did not reach the deploy, or ended on its own:\n${fs.readFileSync(log, "utf8")}`);
        process.kill(-child.pid!, "SIGKILL");
        await exit;
        // every process of the group (the CLI too) is gone before the operator tries again
        const groupAlive = () => {
            try {
                return process.kill(-child.pid!, 0);
            } catch {
                return false;
            }
        };
        for (let i = 0; i < 100 && groupAlive(); i++) await new Promise((r) => setTimeout(r, 100));
        // the operator runs the sandbox again: opening the stack clears the dead engine's lock
        const resumed = await (await sandbox.open()).up(quiet);
        assert.equal(resumed.summary.result, "succeeded");
        const since = calls().slice(mark);
        assert.deepEqual(Object.keys(simState().models), ["sim:ck-dualstack"], "one model, adopted or kept, never a second");
        assert.equal(Object.keys(simState().models["sim:ck-dualstack"].machines).length, 4, "each node (lb-0 included) was enlisted once");
        assert.equal(since.filter((c) => c.args[0] === "deploy").length, 1, "the bundle was not deployed twice");
    });
});
