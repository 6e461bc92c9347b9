import * as fs from "fs";
import * as path from "path";

/** A unit in the simulated model. */
export interface SimUnit {
    machine: string;
    /** When its hooks finish (ms since epoch). */
    settleAt: number;
    leader: boolean;
    /** Channel of the Kubernetes snaps the unit runs (control plane and workers), set at install and by the upgrade action. */
    snapChannel?: string;
    /** Set by remove-unit: the unit shows as dying until `removeAt`. */
    life?: "dying";
    removeAt?: number;
}

export interface SimApplication {
    charm: string;
    channel: string;
    /** Charm revision deployed (CK_JUJU_SIM_CHARM_REVISION at deploy or refresh time). */
    revision?: number;
    /** Option values set by the bundle or `juju config`; the rest are the charm's defaults. */
    options: Record<string, string>;
    /** Principal units; subordinates are derived from `subordinateTo`. */
    units: Record<string, SimUnit>;
    subordinateTo?: string[];
    exposed: boolean;
    /** Set by remove-application: the application shows as dying until `removeAt`. */
    life?: "dying";
    removeAt?: number;
}

export interface SimMachine {
    address: string;
    user: string;
    ipAddresses: string[];
    readyAt: number;
}

/** The real processes behind a deployed control plane. */
export interface SimApiServer {
    etcdPid: number;
    apiserverPid: number;
    apiserverArgs: string[];
    host: string;
    port: number;
    token: string;
    dir: string;
    serviceCidr: string;
    startedAt: number;
    /** kube-controller-manager, kube-scheduler and kwok, once started against the ready API (kubelets.ts). */
    controllers?: { clusterCidr: string; controllerManagerPid: number; schedulerPid: number; kwokPid: number };
}

export interface SimModel {
    uuid: string;
    config: Record<string, string>;
    machines: Record<string, SimMachine>;
    nextMachine: number;
    applications: Record<string, SimApplication>;
    apiserver?: SimApiServer;
    /** Machines whose kubelet registered a Node (kubelets.ts). */
    kubeNodes?: string[];
}

/** Every process behind a deployed control plane: etcd, kube-apiserver and the controllers. */
export function serverPids(server: SimApiServer): number[] {
    const c = server.controllers;
    return [server.apiserverPid, server.etcdPid, ...(c ? [c.controllerManagerPid, c.schedulerPid, c.kwokPid] : [])];
}

/** A machine's host name, as status shows it and its kubelet registers its Node. */
export const hostnameOf = (machine: string) => `sim-${machine}`;

export interface SimState {
    /** Keyed by `controller:model`. */
    models: Record<string, SimModel>;
    /** Set by `juju switch`; the first of CK_JUJU_SIM_CONTROLLERS until then. */
    currentController?: string;
}

/** Where the simulator keeps its state: CK_JUJU_SIM_HOME, default <repo>/.sandbox/juju-sim. */
export function simHome(): string {
    return process.env.CK_JUJU_SIM_HOME ?? path.resolve(__dirname, "..", "..", "..", "juju-sim");
}

function stateFile(): string {
    return path.join(simHome(), "state.json");
}

export function readState(): SimState {
    try {
        return JSON.parse(fs.readFileSync(stateFile(), "utf8")) as SimState;
    } catch {
        return { models: {} };
    }
}

function writeState(state: SimState): void {
    const tmp = `${stateFile()}.${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(state, null, 2));
    fs.renameSync(tmp, stateFile());
}

/** The pid holding the lock; 0 when it was released meanwhile or is still being written. */
function lockHolder(lock: string): number {
    try {
        return Number(fs.readFileSync(lock, "utf8")) || 0;
    } catch {
        return 0;
    }
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Runs `change` on the state under an exclusive lock (juju calls run in parallel). */
export async function withState<T>(change: (state: SimState) => Promise<T> | T): Promise<T> {
    fs.mkdirSync(simHome(), { recursive: true });
    const lock = path.join(simHome(), "state.lock");
    for (let waited = 0; ; waited += 20) {
        try {
            fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
            break;
        } catch {
            const holder = lockHolder(lock);
            if (holder && !alive(holder)) fs.rmSync(lock, { force: true });
            if (waited > 120_000) throw new Error("simulator state lock held for 2 minutes");
            sleepSync(20);
        }
    }
    try {
        const state = readState();
        const result = await change(state);
        writeState(state);
        return result;
    } finally {
        fs.rmSync(lock, { force: true });
    }
}

/** A process that exists and is not a zombie (a killed process may linger as one until reaped). */
export function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch {
        return false;
    }
    try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
        return true;
    }
}

/** Appends one line per call to calls.log: the tests and the benchmark count mutations from it. */
export function logCall(args: string[], mutating: boolean): void {
    fs.mkdirSync(simHome(), { recursive: true });
    fs.appendFileSync(path.join(simHome(), "calls.log"), `${JSON.stringify({ at: Date.now(), mutating, args })}\n`);
}

/** One line of calls.log. */
export interface SimCall {
    at: number;
    mutating: boolean;
    args: string[];
}

/** Every call logged so far, oldest first. */
export function readCalls(): SimCall[] {
    const file = path.join(simHome(), "calls.log");
    if (!fs.existsSync(file)) return [];
    return fs
        .readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as SimCall);
}

/** A counter kept across processes (transient fault injection). */
export function bumpCounter(name: string): number {
    fs.mkdirSync(simHome(), { recursive: true });
    const file = path.join(simHome(), `${name}.count`);
    const next = Number(fs.existsSync(file) ? fs.readFileSync(file, "utf8") : 0) + 1;
    fs.writeFileSync(file, String(next));
    return next;
}
