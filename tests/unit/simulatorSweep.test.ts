// The sweep after `npm run sandbox:destroy` (simulator/sweep.ts) touches only its own model: a pid
// in the state is signalled only when its command line names the program the simulator started and
// the model's folder; another model in the same home keeps its processes, folder, hosts and state;
// a home moved with its state (`mv` of the checkout) still finds what the old place started.
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, afterEach, describe, it } from "node:test";
import { clusterDir, SimApiServer, SimModel, SimState, alive, readState, simHome } from "../../simulator/state";
import { sweepModel } from "../../simulator/sweep";

const ROOT = path.resolve(__dirname, "..", "..");
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "ck-sweep-"));
/** Stand-ins named like the cluster's programs: a link to node, so the command line starts with that name. */
const BIN = path.join(WORK, "bin");
fs.mkdirSync(BIN);
for (const name of ["etcd", "kube-apiserver"]) fs.symlinkSync(process.execPath, path.join(BIN, name));

const started: ChildProcess[] = [];
/** A live process running `binary` (a stand-in, or `sleep` for an unrelated one) with `args` on its command line. */
function run(binary: string, ...args: string[]): number {
    const child =
        binary === "sleep"
            ? spawn("sleep", ["600"], { stdio: "ignore" })
            : spawn(path.join(BIN, binary), ["-e", "setInterval(() => undefined, 1000)", "--", ...args], { stdio: "ignore" });
    started.push(child);
    return child.pid!;
}

/** Waits until the process has exec'd (its command line is what it will be). */
function settled(pid: number, text: string): number {
    for (let i = 0; i < 100 && !fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text); i++)
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    return pid;
}

function server(dir: string, etcdPid: number, apiserverPid: number): SimApiServer {
    return {
        etcdPid,
        apiserverPid,
        apiserverArgs: [],
        host: "127.0.0.1",
        port: 1,
        token: "t",
        dir,
        serviceCidr: "10.0.0.0/24",
        startedAt: 0,
    };
}

function model(address: string, apiserver?: SimApiServer): SimModel {
    return {
        uuid: address,
        config: {},
        machines: { "0": { address, user: "ubuntu", ipAddresses: [address], readyAt: 0 } },
        nextMachine: 1,
        applications: {},
        apiserver,
    };
}

/** A simulator home holding `state`, with a folder and a host file for each model's machine. */
function home(name: string, state: SimState): string {
    const dir = path.join(WORK, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const m of Object.values(state.models)) {
        if (m.apiserver) fs.mkdirSync(clusterDir(m.apiserver, dir), { recursive: true });
        for (const machine of Object.values(m.machines)) {
            fs.mkdirSync(path.join(dir, "hosts", machine.address, "root"), { recursive: true });
        }
    }
    fs.writeFileSync(path.join(dir, "state.json"), JSON.stringify(state));
    process.env.CK_JUJU_SIM_HOME = dir;
    return dir;
}

afterEach(() => {
    for (const child of started.splice(0)) child.kill("SIGKILL");
});
after(() => {
    delete process.env.CK_JUJU_SIM_HOME;
    fs.rmSync(WORK, { recursive: true, force: true });
});

describe("the sandbox sweep", () => {
    it("never signals a pid whose command line is not the simulator's (a hand-edited state)", async () => {
        const unrelated = run("sleep");
        const dir = home("edited", {
            models: { "sim:ck-dualstack": model("127.0.1.10", server("clusters/sim-ck-dualstack", unrelated, unrelated)) },
        });
        // the right program, but another folder: not this model's either
        const elsewhere = settled(
            run("etcd", `--data-dir=${path.join(WORK, "elsewhere", "clusters", "sim-ck-dualstack", "etcd")}`),
            "elsewhere",
        );
        const state = readState();
        state.models["sim:ck-dualstack"].apiserver!.apiserverPid = elsewhere;
        fs.writeFileSync(path.join(dir, "state.json"), JSON.stringify(state));

        const report = await sweepModel("", "ck-dualstack");
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.ok(alive(unrelated), "the unrelated process was signalled");
        assert.ok(alive(elsewhere), "another folder's etcd was signalled");
        assert.deepEqual(report.stopped, []);
        assert.deepEqual(report.notOurs.map((p) => p.pid).sort(), [unrelated, elsewhere].sort());
        assert.deepEqual(readState().models, {}, "the model's entry is still in the state");
    });

    it("stops only its own model's processes and removes only its files, hosts and state", async () => {
        const mine = path.join(WORK, "common", "clusters", "sim-first");
        const theirs = path.join(WORK, "common", "clusters", "sim-second");
        const [myEtcd, myApi] = [
            settled(run("etcd", `--data-dir=${mine}/etcd`), mine),
            settled(run("kube-apiserver", `--client-ca-file=${mine}/ca.crt`), mine),
        ];
        const [theirEtcd, theirApi] = [
            settled(run("etcd", `--data-dir=${theirs}/etcd`), theirs),
            settled(run("kube-apiserver", `--client-ca-file=${theirs}/ca.crt`), theirs),
        ];
        // started by this model but no longer listed (an up killed before it wrote the state)
        const unlisted = settled(run("kube-apiserver", `--tls-cert-file=${mine}/apiserver.crt`), mine);
        const dir = home("common", {
            models: {
                "sim:first": model("127.0.1.10", server("clusters/sim-first", myEtcd, myApi)),
                "sim:second": model("127.42.1.10", server("clusters/sim-second", theirEtcd, theirApi)),
            },
            hosts: {
                "127.0.1.10": { agentService: "jujud-machine-0", model: "sim:first" },
                "127.42.1.10": { agentService: "jujud-machine-0", model: "sim:second" },
            },
        });

        const report = await sweepModel("sim", "first");
        assert.deepEqual(report.stopped.map((p) => p.pid).sort(), [myEtcd, myApi, unlisted].sort());
        for (const pid of [myEtcd, myApi, unlisted]) assert.ok(!alive(pid), `its own process ${pid} still runs`);
        assert.ok(alive(theirEtcd) && alive(theirApi), "the other model's cluster was stopped");
        assert.ok(!fs.existsSync(mine) && fs.existsSync(theirs), "folders: its own removed, the other's kept");
        assert.ok(!fs.existsSync(path.join(dir, "hosts", "127.0.1.10")) && fs.existsSync(path.join(dir, "hosts", "127.42.1.10")));
        const state = readState();
        assert.deepEqual(Object.keys(state.models), ["sim:second"]);
        assert.deepEqual(Object.keys(state.hosts ?? {}), ["127.42.1.10"]);
        assert.ok(fs.existsSync(path.join(dir, "state.json")), "the simulator home itself stays");
    });

    it("finds what a home started before it was moved, from the state moved with it", async () => {
        const before = path.join(WORK, "before-move");
        const folder = path.join(before, "clusters", "sim-ck-dualstack");
        const etcd = settled(run("etcd", `--data-dir=${folder}/etcd`), folder);
        const api = settled(run("kube-apiserver", `--client-ca-file=${folder}/ca.crt`), folder);
        home("after-move", {
            models: { "sim:ck-dualstack": model("127.0.1.10", server("clusters/sim-ck-dualstack", etcd, 0)) },
            homes: [before],
        });
        const report = await sweepModel("", "ck-dualstack");
        assert.deepEqual(report.stopped.map((p) => p.pid).sort(), [etcd, api].sort());
        assert.ok(!alive(etcd) && !alive(api));
    });

    it("reads a control plane's folder stored absolute by an older state as the folder in the current home", () => {
        const old = server("/old/place/.sandbox/juju-sim/clusters/sim-ck-dualstack", 0, 0);
        assert.equal(clusterDir(old, "/new/place/.sandbox/juju-sim"), "/new/place/.sandbox/juju-sim/clusters/sim-ck-dualstack");
        assert.equal(clusterDir(server("clusters/sim-x", 0, 0), "/h"), "/h/clusters/sim-x");
    });
});

describe("the simulator home", () => {
    it("defaults to <repo>/.sandbox/juju-sim when the simulator is loaded from its source", () => {
        const env = { ...process.env };
        delete env.CK_JUJU_SIM_HOME;
        const shown = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "-e", 'console.log(require("./simulator/state").simHome())'],
            { cwd: ROOT, env, encoding: "utf8" },
        );
        assert.equal(shown.stdout.trim(), path.join(ROOT, ".sandbox", "juju-sim"), shown.stderr);
        assert.equal(simHome(), process.env.CK_JUJU_SIM_HOME ?? path.join(ROOT, ".sandbox", "juju-sim"));
    });
});
