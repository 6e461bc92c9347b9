// The simulator's `juju run`, `juju scp` and the units' config-changed hooks, as Juju 3.6 and the 1.35
// charms behave (research-juju §2 and §3, research-charms §4 and §5): what the program's upgrade and
// kubeconfig code is tested against.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { FakeKubeApi, fakeKubeApi, seedModel, standInProcess } from "../support/simSeed";

const ROOT = path.resolve(__dirname, "..", "..");
const JUJU = path.join(ROOT, "simulator", "juju");
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "ck-sim-actions-"));
const SIM_HOME = path.join(WORK, "sim");
const MODEL = "sim:acts";
// Only this test's simulator settings: none of the caller's CK_JUJU_SIM_* (faults) leak in.
const BASE_ENV: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CK_JUJU_SIM_"))),
    CK_JUJU_SIM_HOME: SIM_HOME,
};

function juju(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(JUJU, args, { env: { ...BASE_ENV, ...env } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => (stdout += chunk));
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}

type Task = { id: string; status: string; message?: string; results: Record<string, unknown>; unit: string; log?: string[] };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let api: FakeKubeApi;
let standIn: ReturnType<typeof standInProcess>;
before(async () => {
    api = await fakeKubeApi(["sim-0", "sim-2", "sim-3"]);
    standIn = standInProcess();
});
beforeEach(() => {
    fs.rmSync(SIM_HOME, { recursive: true, force: true });
    seedModel(SIM_HOME, MODEL, { channel: "1.35/stable", etcdChannel: "3.4/stable", api, pid: standIn.pid! });
});
after(async () => {
    standIn.kill();
    await api.close();
    fs.rmSync(WORK, { recursive: true, force: true });
});

describe("juju run as Juju 3.6 runs actions", () => {
    it("an action the charm does not define schedules no task: said on stderr, nothing on stdout, exit 0", async () => {
        const run = await juju(["run", "-m", MODEL, "--format=json", "--", "kubernetes-worker/0", "pause"]);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stdout, "");
        // common.go: progressf("") then "Operation %s failed to schedule any tasks:\n%s" (state/unit.go's reason).
        assert.equal(run.stderr, '\nOperation 1 failed to schedule any tasks:\naction "pause" not defined on unit "kubernetes-worker/0"\n');
        const noLeader = await juju(["run", "-m", MODEL, "--format=json", "--", "nosuch/leader", "health"]);
        assert.deepEqual([noLeader.code, noLeader.stdout], [0, ""]);
        assert.match(noLeader.stderr, /^\nOperation 2 failed to schedule any tasks:\ncould not determine leader for "nosuch"\n$/);
    });

    it("says its progress on stderr and numbers operations and tasks from one sequence", async () => {
        await juju(["run", "-m", MODEL, "--format=json", "--", "kubernetes-worker/0", "pause"]);
        const run = await juju(["run", "-m", MODEL, "--wait=5m", "--format=json", "--", "kubernetes-worker/1", "upgrade"]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(
            run.stderr,
            /^Running operation 2 with 1 task\n {2}- task 3 on unit-kubernetes-worker-1\n\nWaiting for task 3\.\.\.\n/,
        );
        const task = (JSON.parse(run.stdout) as Record<string, Task>)["kubernetes-worker/1"];
        assert.equal(task.id, "3");
        assert.equal(task.status, "completed");
        assert.deepEqual(task.results, { result: "Successfully upgraded Kubernetes snaps to the 1.35/stable.", "return-code": 0 });
        assert.match(task.log?.[0] ?? "", / Starting the upgrade of Kubernetes snaps to 1\.35\/stable\.$/);
        // json.Marshal sorts map keys.
        assert.deepEqual(Object.keys(task), ["id", "log", "results", "status", "timing", "unit"]);
    });

    it("a charm's event.fail is status failed with return code 0: the JSON on stdout and exit 0", async () => {
        const failing = await juju(["run", "-m", MODEL, "--format=json", "--", "kubernetes-worker/0", "upgrade"], {
            CK_JUJU_SIM_ACTION_FAIL: "kubernetes-worker/0:upgrade=Upgrade failed with a detectable error: snap refresh",
        });
        assert.equal(failing.code, 0, failing.stderr);
        const task = (JSON.parse(failing.stdout) as Record<string, Task>)["kubernetes-worker/0"];
        assert.deepEqual(
            [task.status, task.message, task.results],
            ["failed", "Upgrade failed with a detectable error: snap refresh", { "return-code": 0 }],
        );
        assert.doesNotMatch(failing.stderr, /ERROR/);
    });

    it("get-kubeconfig before the control plane wrote its kubeconfig fails as the charm fails it, exit 0", async () => {
        // kube-apiserver is not running: the charm has not written the kubeconfig get-kubeconfig reads.
        const state = JSON.parse(fs.readFileSync(path.join(SIM_HOME, "state.json"), "utf8"));
        state.models[MODEL].apiserver.apiserverPid = 999_999_999;
        fs.writeFileSync(path.join(SIM_HOME, "state.json"), JSON.stringify(state));
        const run = await juju(["run", "-m", MODEL, "--format=json", "--", "kubernetes-control-plane/leader", "get-kubeconfig"]);
        assert.equal(run.code, 0, run.stderr);
        const task = (JSON.parse(run.stdout) as Record<string, Task>)["kubernetes-control-plane/0"];
        assert.equal(task.status, "failed");
        assert.match(task.message ?? "", /^Failed to retrieve kubeconfig: /);
        assert.deepEqual(task.results, { "return-code": 0 });
    });

    it("a failed action process (return code 1) prints the JSON, then juju's task failure, exit 1", async () => {
        const run = await juju(["run", "-m", MODEL, "--format=json", "--", "etcd/0", "snapshot"], {
            CK_JUJU_SIM_ACTION_CRASH: "etcd/0:snapshot",
        });
        assert.equal(run.code, 1);
        const task = (JSON.parse(run.stdout) as Record<string, Task>)["etcd/0"];
        assert.deepEqual([task.status, task.message, task.results["return-code"]], ["failed", "exit status 1", 1]);
        assert.match(
            run.stderr,
            /\nERROR the following task failed:\n - id "2" with return code 1\n\nuse 'juju show-task' to inspect the failure\n$/,
        );
    });
});

describe("etcd's snapshot action and juju scp", () => {
    it("archives the member's db on the unit and returns the charm's nested results; juju scp copies it silently", async () => {
        const run = await juju(["run", "-m", MODEL, "--format=json", "--", "etcd/leader", "snapshot"]);
        assert.equal(run.code, 0, run.stderr);
        const task = (JSON.parse(run.stdout) as Record<string, Task>)["etcd/0"];
        const snapshot = task.results.snapshot as { path: string; sha256: string; size: string; version: string };
        assert.match(snapshot.path, /^\/home\/ubuntu\/etcd-snapshots\/etcd-snapshot-\d{4}-\d\d-\d\d-\d\d\.\d\d\.\d\d\.tar\.gz$/);
        assert.match(snapshot.size, /^\d+K$/);
        assert.equal((task.results.copy as { cmd: string }).cmd, `juju scp etcd/0:${snapshot.path} .`);
        const into = fs.mkdtempSync(path.join(WORK, "copy-"));
        const copied = await juju(["scp", "-m", MODEL, "--", `etcd/0:${snapshot.path}`, into]);
        assert.deepEqual([copied.code, copied.stdout, copied.stderr], [0, "", ""]);
        const local = path.join(into, path.basename(snapshot.path));
        assert.equal(createHash("sha256").update(fs.readFileSync(local)).digest("hex"), snapshot.sha256);
        // It is a tar.gz holding ./db, as `tar cvfz ../<archive> .` makes it.
        assert.equal(fs.readFileSync(local).subarray(0, 2).toString("hex"), "1f8b");
        const v2 = await juju(["run", "-m", MODEL, "--format=json", "--", "etcd/0", "snapshot", "keys-version=v1"]);
        const refused = (JSON.parse(v2.stdout) as Record<string, Task>)["etcd/0"];
        assert.deepEqual([v2.code, refused.status, refused.message], [0, "failed", "keys-version must be either v2 or v3"]);
    });

    it("fails as juju scp does: too few arguments, an unknown unit, a file that is not there", async () => {
        assert.deepEqual(await juju(["scp", "-m", MODEL, "--", "etcd/0:/x"]), {
            code: 2,
            stdout: "",
            stderr: "ERROR at least two arguments required\n",
        });
        const unknown = await juju(["scp", "-m", MODEL, "--", "etcd/7:/x", WORK]);
        assert.deepEqual([unknown.code, unknown.stderr], [1, 'ERROR unit "etcd/7" not found\n']);
        const missing = await juju(["scp", "-m", MODEL, "--", "etcd/0:/home/ubuntu/nothing.tar.gz", WORK]);
        assert.deepEqual(
            [missing.code, missing.stderr],
            [1, "ERROR exit status 1 (scp: /home/ubuntu/nothing.tar.gz: No such file or directory)\n"],
        );
    });
});

describe("config-changed after juju config channel=", () => {
    it("units show their old status until their own hook ends, then the upgrade gate, each on its own", async () => {
        // Wide windows (queued for 5 s, running for 5 s): each status call is a process start, slow on a busy machine.
        const env = { CK_JUJU_SIM_CONFIG_SECONDS: "10" };
        const unitsNow = async () => {
            const status = JSON.parse((await juju(["status", "-m", MODEL, "--format=json"], env)).stdout) as {
                applications: Record<
                    string,
                    {
                        units: Record<
                            string,
                            {
                                "workload-status": { current: string; message?: string };
                                "juju-status": { current: string; since: string };
                                subordinates?: Record<string, { "juju-status": { current: string } }>;
                            }
                        >;
                    }
                >;
            };
            return status.applications["kubernetes-worker"].units;
        };
        const before = await unitsNow();
        const set = await juju(["config", "-m", MODEL, "--", "kubernetes-worker", "channel=1.36/stable"], env);
        // The hooks were queued while the call ran: unit i runs from 5 s + i/4 s after that to 10 s + i/4 s.
        const setAt = Date.now();
        assert.equal(set.code, 0, set.stderr);
        // juju config returned: the hooks are only queued, nothing shows yet.
        const queued = await unitsNow();
        for (const [name, unit] of Object.entries(queued)) {
            assert.deepEqual(
                [unit["workload-status"].current, unit["workload-status"].message, unit["juju-status"].current],
                ["active", "Ready", "idle"],
                name,
            );
            assert.equal(unit["juju-status"].since, before[name]["juju-status"].since, `${name}'s agent has not run a hook yet`);
            for (const sub of Object.values(unit.subordinates ?? {})) assert.equal(sub["juju-status"].current, "idle");
        }
        await sleep(Math.max(0, setAt + 5500 - Date.now()));
        const running = await unitsNow();
        assert.deepEqual(
            [running["kubernetes-worker/0"]["workload-status"].current, running["kubernetes-worker/0"]["juju-status"].current],
            ["active", "executing"],
            "the hook runs; the charm shows nothing before it ends",
        );
        await sleep(Math.max(0, setAt + 11_000 - Date.now()));
        for (const [name, unit] of Object.entries(await unitsNow())) {
            assert.deepEqual(
                [unit["workload-status"].current, unit["workload-status"].message, unit["juju-status"].current],
                ["blocked", "Needs manual upgrade, run the upgrade action.", "idle"],
                name,
            );
            assert.notEqual(unit["juju-status"].since, before[name]["juju-status"].since);
        }
    });
});
