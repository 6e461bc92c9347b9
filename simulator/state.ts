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
    /** Removed with --force: it goes even while a hook of it fails. */
    forced?: boolean;
    /** A hook that sets no status of its own: the unit shows what it showed before until the hook ends (QueuedHook). */
    hook?: QueuedHook;
}

/**
 * A hook Juju queued on a unit whose charm sets no status before the hook ends: `juju config` returns
 * before the units' config-changed hooks run, and the 1.35 ops charms keep their previous status
 * (normally active "Ready") until the reconcile ends (charm-lib-contextual-status sets nothing on
 * entering; reference/charms research §5), etcd likewise during its snap refresh (layer-etcd
 * etcd.py snap_install logs only). Until `startAt` the hook waits (agent idle), then runs (agent
 * executing "running <name> hook"), and at `endAt` (the unit's settleAt) its outcome shows.
 */
export interface QueuedHook {
    readonly name: string;
    readonly startAt: number;
    readonly endAt: number;
    /** When the unit's previous hook ended: its status, and its subordinates', stay as of then. */
    readonly previousSettleAt: number;
}

/** The hook a unit has queued or running now, if its status still shows what it showed before. */
export function pendingHook(unit: SimUnit, now: number): QueuedHook | undefined {
    const hook = unit.hook;
    // Anything else that extended settleAt (a refresh, an action) shows as itself.
    return hook && now < hook.endAt && unit.settleAt === hook.endAt ? hook : undefined;
}

/** When the unit's hooks settled, as its status shows it now (a queued hook changes nothing yet). */
export function shownSettleAt(unit: SimUnit, now: number): number {
    return pendingHook(unit, now)?.previousSettleAt ?? unit.settleAt;
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
    /** Removed with --force: it goes even while hooks of its units fail. */
    forced?: boolean;
}

export interface SimMachine {
    address: string;
    user: string;
    ipAddresses: string[];
    readyAt: number;
    /** Set by remove-machine: the machine shows as dying until `removeAt`. */
    life?: "dying";
    removeAt?: number;
}

/**
 * A host the simulated client can reach over SSH, as Juju's manual provisioning leaves it: the
 * machine agent's systemd service outlives the machine's removal (juju/juju worker/machiner stops the
 * agent; /etc/systemd/system/jujud-machine-N.service stays) until /sbin/remove-juju-services runs.
 */
export interface SimHost {
    /** The machine agent's service on the host, e.g. jujud-machine-3; absent on a clean host. */
    agentService?: string;
    /** The model (`controller:model`) that enlisted it last: the sweep of that model's stack removes it. */
    model?: string;
}

/** The real processes behind a deployed control plane. */
export interface SimApiServer {
    etcdPid: number;
    apiserverPid: number;
    apiserverArgs: string[];
    host: string;
    port: number;
    token: string;
    /** Its files, relative to the simulator home (clusters/<controller>-<model>); older states hold it absolute (clusterDir). */
    dir: string;
    serviceCidr: string;
    startedAt: number;
    /**
     * When a status read first found kube-apiserver answering, until it stops: the control plane's
     * charm turns active then, and its `since` says so (commands/status.ts).
     */
    readySince?: number;
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
    /** Opened ports per machine: port ("443/tcp") to the unit that opened it (commands/status.ts reconcilePorts). */
    openPorts?: Record<string, Record<string, string>>;
    /** Machines whose kubelet registered a Node (kubelets.ts). */
    kubeNodes?: string[];
    /** The last operation or task id `juju run` handed out: both come from one sequence (commands/actions.ts). */
    lastTaskId?: number;
}

/** A process the simulator started: its pid and the program it runs. */
export interface SimProcess {
    readonly pid: number;
    readonly binary: string;
}

/** Every process behind a deployed control plane: kube-apiserver, etcd and the controllers. */
export function serverProcesses(server: SimApiServer): SimProcess[] {
    const c = server.controllers;
    return [
        { pid: server.apiserverPid, binary: "kube-apiserver" },
        { pid: server.etcdPid, binary: "etcd" },
        ...(c
            ? [
                  { pid: c.controllerManagerPid, binary: "kube-controller-manager" },
                  { pid: c.schedulerPid, binary: "kube-scheduler" },
                  { pid: c.kwokPid, binary: "kwok" },
              ]
            : []),
    ];
}

/** Their pids (tests check none is left running). */
export function serverPids(server: SimApiServer): number[] {
    return serverProcesses(server).map((p) => p.pid);
}

/**
 * The folders a control plane's processes may name: its folder now, and as it was in each home the
 * state was written in (a checkout moved while they ran), or as an older state stored it.
 */
export function serverFolders(server: Pick<SimApiServer, "dir">, homes: readonly string[] = readState().homes ?? []): string[] {
    const relative = path.isAbsolute(server.dir) ? [] : homes.map((home) => path.join(home, server.dir));
    return [...new Set([clusterDir(server), ...relative, ...(path.isAbsolute(server.dir) ? [server.dir] : [])])];
}

/**
 * Where a control plane's files are now. The state holds the folder relative to the simulator home,
 * so a moved checkout (home included) still finds them; a state written before held it absolute:
 * one under a `clusters` folder is read as that folder of the current home.
 */
export function clusterDir(server: Pick<SimApiServer, "dir">, home = simHome()): string {
    if (!path.isAbsolute(server.dir)) return path.join(home, server.dir);
    return path.basename(path.dirname(server.dir)) === "clusters" ? path.join(home, "clusters", path.basename(server.dir)) : server.dir;
}

/** A machine's host name, as status shows it and its kubelet registers its Node. */
export const hostnameOf = (machine: string) => `sim-${machine}`;

/**
 * Where a file of a simulated host lives: `<sim home>/hosts/<address>/<absolute path>` (what the
 * charms' actions write on a machine, what `juju scp` copies).
 */
export function hostFile(address: string, file: string): string {
    return path.join(simHome(), "hosts", address, path.resolve("/", file));
}

export interface SimState {
    /** Keyed by `controller:model`. */
    models: Record<string, SimModel>;
    /** Hosts by address: they outlive models and machines (simulated SSH reaches them). */
    hosts?: Record<string, SimHost>;
    /** Set by `juju switch`; the first of CK_JUJU_SIM_CONTROLLERS until then. */
    currentController?: string;
    /**
     * Every folder this state was written in as its home: after a move (`mv` of the checkout, home
     * included) the processes started before still name the old one on their command lines.
     */
    homes?: string[];
}

/**
 * The project folder: the nearest folder above this module with a package.json. This module runs
 * from the source (simulator/) and from run.js's transpiled copy (.sandbox/simulator-js/<hash>/simulator/).
 */
function projectRoot(): string {
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "package.json"))) return dir;
        if (dir === path.dirname(dir)) throw new Error(`simulator: no package.json above ${__dirname}; set CK_JUJU_SIM_HOME`);
    }
}

/** Where the simulator keeps its state: CK_JUJU_SIM_HOME, default <repo>/.sandbox/juju-sim. */
export function simHome(): string {
    return process.env.CK_JUJU_SIM_HOME ?? path.join(projectRoot(), ".sandbox", "juju-sim");
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
    state.homes = [...new Set([...(state.homes ?? []), simHome()])];
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
