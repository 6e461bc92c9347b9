// Actions: `juju run <unit|app/leader> <action> [key=value ...]` (Juju 3 syntax), as Juju 3.6's client
// reports them (cmd/juju/action/common.go processOperationResults and waitForTasks; research-juju §2):
// - progress on stderr: "Running operation N with 1 task", "  - task M on unit-app-0", a blank line,
//   "Waiting for task M..." (operation and task ids come from one sequence);
// - a task that cannot be scheduled (an action the charm does not define, a unit that does not
//   exist, no leader) is reported on stderr as "Operation N failed to schedule any tasks:" and its
//   reason; nothing on stdout, exit 0;
// - a finished task's JSON on stdout ({unit: {id, log?, message?, results, status, timing, unit}},
//   keys sorted as json.Marshal sorts map keys); a charm's `event.fail` (action-fail) gives status
//   "failed" with its message and `return-code` 0, and juju exits 0; only a return code of 1 or more
//   (the action's process failed) makes juju print "ERROR the following task failed: ..." after the
//   JSON and exit 1.
// Only actions the charm defines are accepted (reference/charms/actions.yaml); of those, the simulator
// carries out the ones ck-dualstack uses: upgrade, get-kubeconfig and etcd's snapshot.
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { charmOf, optionValue } from "../charms";
import { apiServerReady, kubeconfigFor } from "../cluster";
import { Command, JujuExit, err, faultUnits, flag, getModel, modelKey, out, readStateModel, seconds } from "../context";
import { SimModel, clusterDir, hostFile, readState, withState } from "../state";
import { balancerIps, snapChannelOf } from "./applications";

/** What a finished task reports: the charm's results (return-code added by Juju), its status and message. */
interface TaskOutcome {
    status: "completed" | "failed";
    message?: string;
    results: Record<string, unknown>;
    /** Messages the action logged (action-log / event.log). */
    log?: string[];
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/**
 * Go's time.Time.String() in local time, as the client prints task timings without --utc
 * (common.go formatTimestamp): "2006-01-02 15:04:05.999999999 -0700 MST"; a zone without a name
 * prints its offset ("+12"), UTC prints "UTC".
 */
export function goTime(ms: number): string {
    const d = new Date(ms);
    const offset = -d.getTimezoneOffset();
    const sign = offset < 0 ? "-" : "+";
    const hours = pad(Math.floor(Math.abs(offset) / 60));
    const minutes = pad(Math.abs(offset) % 60);
    const fraction = d.getMilliseconds() ? `.${pad(d.getMilliseconds(), 3).replace(/0+$/, "")}` : "";
    const zone = offset === 0 ? "UTC" : `${sign}${hours}${minutes === "00" ? "" : minutes}`;
    return (
        `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
        `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${fraction} ${sign}${hours}${minutes} ${zone}`
    );
}

/** The clock the client prints action log lines with while it waits ("15:04:05", common.go watchTimestampFormat). */
const clock = (ms: number) => {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};

/** JSON with every object's keys sorted, as encoding/json writes maps (juju/cmd FormatJson). */
function sortedJson(value: unknown): string {
    const sort = (v: unknown): unknown =>
        Array.isArray(v)
            ? v.map(sort)
            : typeof v === "object" && v !== null
              ? Object.fromEntries(
                    Object.keys(v)
                        .sort()
                        .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
                )
              : v;
    return JSON.stringify(sort(value));
}

/** `key=value` parameters as action-get reads them (dotted keys are nested: run.go addValueToMap). */
function actionParams(params: string[]): Record<string, string> {
    return Object.fromEntries(params.map((param) => [param.slice(0, param.indexOf("=")), param.slice(param.indexOf("=") + 1)]));
}

/**
 * The control plane's and workers' `upgrade` action (src/actions/upgrade.py of both charms, via
 * charm-lib-kubernetes-snaps upgrade_snaps): logs "Starting the upgrade of Kubernetes snaps to
 * <channel>.", refreshes the Kubernetes snaps to the `channel` option (which clears the "Needs manual
 * upgrade" block) and sets `result`; the unit then reconciles (UPGRADE_SECONDS). A failed refresh is
 * `event.fail("Upgrade failed with ...")` and the unit stays blocked (SNAPS:824-848).
 */
async function upgrade(ref: string | undefined, appName: string, unitName: string, failure: string | undefined): Promise<TaskOutcome> {
    const channel = await withState((state) => {
        const app = getModel(state, ref).applications[appName];
        const unit = app.units[unitName];
        const wanted = snapChannelOf(app) ?? "";
        if (failure !== undefined) return wanted;
        unit.snapChannel = wanted;
        unit.settleAt = Math.max(unit.settleAt, Date.now() + seconds("UPGRADE_SECONDS", 1));
        delete unit.hook;
        return wanted;
    });
    const log = [`Starting the upgrade of Kubernetes snaps to ${channel}.`];
    if (failure !== undefined)
        return { status: "failed", message: failure || "Upgrade failed with a detectable error: snap refresh", results: {}, log };
    return { status: "completed", results: { result: `Successfully upgraded Kubernetes snaps to the ${channel}.` }, log };
}

/**
 * The control plane's `get-kubeconfig` (src/actions/general.py): `kubectl config view -o json --raw`
 * on the unit's external kubeconfig, retried for 60 s (src/kubectl.py, tenacity), whose failure is
 * `event.fail("Failed to retrieve kubeconfig: <error>")`. The simulated control plane has that
 * kubeconfig once its kube-apiserver answers.
 */
async function getKubeconfig(model: SimModel, modelName: string): Promise<TaskOutcome> {
    const ready = model.apiserver ? await apiServerReady(model.apiserver) : false;
    if (!ready || !model.apiserver) {
        return {
            status: "failed",
            message: "Failed to retrieve kubeconfig: RetryError[<Future at 0x7f2c3a1b9e50 state=finished raised CalledProcessError>]",
            results: {},
        };
    }
    return { status: "completed", results: { kubeconfig: kubeconfigFor(model.apiserver, modelName, balancerIps(model)) } };
}

/** `du -h` of a small file: its 4 KiB blocks, in K. */
const duSize = (bytes: number) => `${Math.max(4, Math.ceil(bytes / 4096) * 4)}K`;

/**
 * etcd's `snapshot` action (layer-etcd src/actions/snapshot @233f62a8, = release_1.33 84033234; params
 * from src/actions.yaml): `target` (default /home/ubuntu/etcd-snapshots) and `keys-version` (v3 or v2,
 * else `action-fail "keys-version must be either v2 or v3"`, which exits 0). For v3 it copies the
 * member's `member/snap/db` and archives it with `tar cvfz ../etcd-snapshot-<date +%Y-%m-%d-%H.%M.%S>.tar.gz .`
 * in the target folder (tar's listing is the task's stdout), then `action-set`s snapshot.path,
 * snapshot.size (`du -h`), snapshot.sha256, copy.cmd ("juju scp <unit>:<path> .") and
 * snapshot.version (`etcdctl version`); dotted keys come back nested. Here the archive holds the
 * simulated cluster's real etcd db when there is one, and lands in the unit's host's files
 * (state.ts hostFile), where `juju scp` finds it.
 */
async function snapshot(model: SimModel, unitName: string, params: Record<string, string>): Promise<TaskOutcome> {
    const target = params.target ?? "/home/ubuntu/etcd-snapshots";
    const keysVersion = params["keys-version"] ?? "v3";
    if (keysVersion !== "v3" && keysVersion !== "v2")
        return { status: "failed", message: "keys-version must be either v2 or v3", results: {} };
    const unit = model.applications.etcd?.units[unitName];
    const address = unit ? model.machines[unit.machine]?.address : undefined;
    if (!address) return { status: "failed", message: `no machine for ${unitName}`, results: {} };
    const d = new Date();
    const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}-${pad(d.getHours())}.${pad(d.getMinutes())}.${pad(d.getSeconds())}`;
    const archive = `etcd-snapshot-${stamp}.tar.gz`;
    const remote = `${target}/${archive}`;
    const local = hostFile(address, remote);
    fs.mkdirSync(path.dirname(local), { recursive: true });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "sim-etcd-snapshot-"));
    try {
        const db = model.apiserver ? path.join(clusterDir(model.apiserver), "etcd", "member", "snap", "db") : "";
        if (db && fs.existsSync(db)) fs.copyFileSync(db, path.join(work, "db"));
        else fs.writeFileSync(path.join(work, "db"), `simulated etcd db of ${unitName}, ${d.toISOString()}\n`);
        execFileSync("tar", ["czf", local, "-C", work, "."], { stdio: ["ignore", "ignore", "pipe"] });
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
    const bytes = fs.readFileSync(local);
    const channel = optionValue("etcd", model.applications.etcd.options, "channel");
    return {
        status: "completed",
        results: {
            copy: { cmd: `juju scp ${unitName}:${remote} .` },
            snapshot: {
                path: remote,
                sha256: createHash("sha256").update(bytes).digest("hex"),
                size: duSize(bytes.length),
                // The snap's etcdctl; the simulator knows its channel, not its patch release.
                version: `etcdctl version: ${/^\d+\.\d+/.exec(channel)?.[0] ?? "3.4"}.0\nAPI version: ${/^\d+\.\d+/.exec(channel)?.[0] ?? "3.4"}`,
            },
            stdout: "./\n./db\n",
        },
    };
}

/** Hands out the next id of the model's operation/task sequence. */
function nextId(ref: string | undefined): Promise<number> {
    return withState((state) => {
        const model = getModel(state, ref);
        model.lastTaskId = (model.lastTaskId ?? 0) + 1;
        return model.lastTaskId;
    });
}

export const actionCommands: Record<string, Command> = {
    run: {
        mutating: (args) => !args.positional.includes("get-kubeconfig"),
        run: async (args) => {
            const ref = flag(args, "-m", "--model");
            const [target, action, ...params] = args.positional;
            if (!target || !action) throw new JujuExit("ERROR no unit or action specified");
            // cmd/juju/action/run.go: what follows the action name are key[.key...]=value parameters whose
            // keys are lower-case names (a flag after `--` is taken for one, and is not a valid key).
            const malformed = params.find(
                (param) => !/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*=/.test(param),
            );
            if (malformed)
                throw new JujuExit(
                    `ERROR key "${malformed.split("=")[0]}" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens`,
                    2,
                );
            const appName = target.split("/")[0];
            const model = readStateModel(ref);
            const { name } = modelKey(readState(), ref);
            const app = model.applications[appName];
            const leader = target.endsWith("/leader");
            const unit = !app ? undefined : leader ? Object.entries(app.units).find(([, u]) => u.leader)?.[0] : target;
            // What the controller refuses per task (apiserver/facades/client/action run.go and
            // operation.go: "could not determine leader for %q"; state/unit.go PrepareActionPayload:
            // "action %q not defined on unit %q"; a unit that does not exist is not found): the operation
            // schedules no task, and the client says so on stderr and exits 0 (common.go: `return nil`).
            const refused = !unit
                ? leader
                    ? `could not determine leader for "${appName}"`
                    : `unit "${target}" not found`
                : !app.units[unit]
                  ? `unit "${unit}" not found`
                  : !charmOf(app.charm).actions.includes(action)
                    ? `action "${action}" not defined on unit "${unit}"`
                    : undefined;
            if (refused || !unit) {
                const operation = await nextId(ref);
                err(`\nOperation ${operation} failed to schedule any tasks:\n${refused}`);
                return;
            }
            if (!["upgrade", "get-kubeconfig", "snapshot"].includes(action)) {
                throw new JujuExit(`ERROR the simulator does not carry out action "${action}" (ck-dualstack does not use it)`);
            }
            const operation = await nextId(ref);
            const task = await nextId(ref);
            err(
                `Running operation ${operation} with 1 task\n  - task ${task} on unit-${unit.replace("/", "-")}\n\nWaiting for task ${task}...\n\n`,
            );
            const enqueued = Date.now();
            // Faults: the charm fails the action (event.fail / action-fail with that message), or the
            // action's process itself fails (an uncaught exception: exit status 1).
            const failure = faultUnits("ACTION_FAIL").get(`${unit}:${action}`);
            const crashed = faultUnits("ACTION_CRASH").has(`${unit}:${action}`);
            let outcome: TaskOutcome;
            if (crashed) {
                outcome = {
                    status: "failed",
                    message: "exit status 1",
                    results: {
                        stderr: `Traceback (most recent call last):\n  ...\nRuntimeError: simulated crash of the ${action} action\n`,
                    },
                };
            } else if (action === "upgrade") outcome = await upgrade(ref, appName, unit, failure);
            else if (failure !== undefined)
                outcome = { status: "failed", message: failure || `simulated failure of ${action}`, results: {} };
            else if (action === "get-kubeconfig") outcome = await getKubeconfig(model, name);
            else outcome = await snapshot(model, unit, actionParams(params));
            const completed = Date.now();
            for (const line of outcome.log ?? []) err(`${clock(completed)} ${line}`);
            // runner.go updateActionResults: Juju adds the process's return code to the results.
            const code = crashed ? 1 : 0;
            const results = { ...outcome.results, "return-code": code };
            const timing = { completed: goTime(completed), enqueued: goTime(enqueued), started: goTime(enqueued) };
            out(
                sortedJson({
                    [unit]: {
                        id: String(task),
                        ...(outcome.log ? { log: outcome.log.map((line) => `${goTime(completed)} ${line}`) } : {}),
                        ...(outcome.message ? { message: outcome.message } : {}),
                        results,
                        status: outcome.status,
                        timing,
                        unit,
                    },
                }),
            );
            if (code >= 1) {
                throw new JujuExit(
                    `ERROR the following task failed:\n - id "${task}" with return code ${code}\n\nuse 'juju show-task' to inspect the failure`,
                );
            }
        },
    },
};
