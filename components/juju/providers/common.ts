import * as path from "path";
import { JujuError, JujuOptions, changingCallsStarted, objectWith, runJuju, runJujuJson } from "../cli";
import { JujuStatus } from "../status";

/** Inputs every Juju resource carries. */
export interface JujuTarget {
    /** The Juju CLI to run. */
    readonly jujuPath: string;
    /** `controller:model`: always qualified, so the client's current controller never matters. */
    readonly modelRef: string;
    /** The UUID the model got at creation: every mutating call checks it is still that model. */
    readonly modelUuid?: string;
}

/** The project folder: this file is components/juju/providers/common.ts (or its .js) in it. */
const PROJECT_ROOT = path.resolve(__dirname, "..", "..", "..");

/** A tool path with a slash is relative to the project folder (absolute stays); a bare name is looked up on PATH. */
export function toolPath(configured: string): string {
    return configured.includes("/") ? path.resolve(PROJECT_ROOT, configured) : configured;
}

/** How to run the configured Juju CLI (toolPath). */
export function jujuOptions(target: { jujuPath: string }): JujuOptions {
    return { jujuPath: toolPath(target.jujuPath) };
}

/**
 * `juju status` of the target's model, its shape checked. `attempts: 1` for a waiter's polls:
 * the waiter rides out outages itself, within its own limit.
 */
export function jujuStatus(target: JujuTarget, attempts?: number): Promise<JujuStatus> {
    return runJujuJson<JujuStatus>(
        { ...jujuOptions(target), attempts },
        ["status", "-m", target.modelRef],
        objectWith("model", "machines", "applications"),
    );
}

/** How long a read may reuse another read's `juju status`: a refresh reads every resource within seconds. */
export const READ_STATUS_MAX_AGE_MS = 30_000;

const readMemo = new Map<string, { startedAt: number; changingCalls: number; status: Promise<JujuStatus> }>();

/**
 * `juju status` of the target's model for a resource's read (a refresh): one call per model, shared
 * by every resource that reads it at about the same time (a refresh read it once per Machine
 * before). Not for waiters and pollers, which need the model as it is now, nor after any call
 * that may have changed a model (cli.ts changingCallsStarted): those start a new one. The answer is
 * shared, so callers only read it. A model re-created under the same name reads as gone (ownModelOrGone).
 */
export function readStatus(target: JujuTarget): Promise<JujuStatus> {
    const key = `${toolPath(target.jujuPath)}\0${target.modelRef}`;
    const memo = readMemo.get(key);
    if (memo && memo.changingCalls === changingCallsStarted() && Date.now() - memo.startedAt < READ_STATUS_MAX_AGE_MS) return memo.status;
    // Asked together: the model's identity (a re-created model's status is not this stack's).
    const status = askedTogether(ownModelOrGone(target), jujuStatus(target)).then(([, answer]) => answer);
    readMemo.set(key, { startedAt: Date.now(), changingCalls: changingCallsStarted(), status });
    // A failure is not shared with later reads: they ask again.
    status.catch(() => {
        if (readMemo.get(key)?.status === status) readMemo.delete(key);
    });
    return status;
}

/**
 * Calls asked together, none needing another's answer, awaited in the order given: a failure is
 * that of the first failing call in that order, not the first to fail in time, so what an operator
 * reads does not depend on which answered first, and nothing after it is waited for. Callers list
 * the client's version first, then the model's identity, then what they read (a gone or re-created
 * model is said as such, not as a read's failure).
 */
export async function askedTogether<T extends readonly unknown[]>(...calls: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
    // A later call's failure is never left unhandled while an earlier one is awaited.
    for (const call of calls) call.catch(() => undefined);
    const answers: unknown[] = [];
    for (const call of calls) answers.push(await call);
    return answers as unknown as T;
}

/** True when juju said the model, machine, application or unit is gone (nothing else counts). */
export function isGone(error: unknown): error is JujuError {
    return error instanceof JujuError && error.kind === "not-found";
}

/**
 * Runs `action`, treating "not found" as success: deleting what is already gone is done. Returns
 * Juju's not-found message when that is how it ended, so a caller can say so instead of "removed".
 */
export async function ignoringGone(action: () => Promise<unknown>): Promise<string | undefined> {
    try {
        await action();
        return undefined;
    } catch (error) {
        if (!isGone(error)) throw error;
        return error.detail;
    }
}

/** Progress from a provider: console output is what the engine shows (pulumi.log is not). */
export function progress(resource: string, line: string): void {
    console.log(`${resource}: ${line}`);
}

/** What `juju show-model <ref> --format=json` says of one model (Juju 3.6 cmd/juju/model/show.go). */
export interface ModelIdentity {
    readonly controller: string;
    readonly uuid: string;
}

type ShowModel = Record<string, { "model-uuid"?: unknown; "controller-name"?: unknown }>;

/** The controller and UUID of the model `ref` names now. */
export async function showModel(jujuPath: string, ref: string): Promise<ModelIdentity> {
    const shown = await runJujuJson<ShowModel>(jujuOptions({ jujuPath }), ["show-model", ref]);
    const entry = Object.values(shown)[0];
    if (typeof entry?.["model-uuid"] !== "string") {
        throw new JujuError("malformed", "show-model", `no model-uuid for ${ref} in its output`);
    }
    const controller = typeof entry["controller-name"] === "string" ? entry["controller-name"] : ref.split(":")[0];
    return { controller, uuid: entry["model-uuid"] };
}

type ModelList = { models?: { "short-name"?: unknown; name?: unknown; "model-uuid"?: unknown }[] };

/**
 * The model of that name on that controller, or undefined when there is none. `juju models -c`
 * asks the controller (cmd/juju/controller/listmodels.go), so a model removed behind the client's
 * back is seen as gone (show-model would answer "permission denied" for it).
 */
export async function findModel(jujuPath: string, controller: string, model: string): Promise<ModelIdentity | undefined> {
    const listed = await runJujuJson<ModelList>(
        jujuOptions({ jujuPath }),
        ["models", "-c", controller],
        (value) => objectWith()(value) ?? (Array.isArray((value as ModelList).models) ? undefined : `expected "models" to be a list`),
    );
    const entry = listed.models?.find((m) => m["short-name"] === model || m.name === `admin/${model}` || m.name === model);
    return typeof entry?.["model-uuid"] === "string" ? { controller, uuid: entry["model-uuid"] } : undefined;
}

/** The model a ref names now: on its controller when qualified, else on the client's current controller. */
export async function modelNow(jujuPath: string, ref: string): Promise<ModelIdentity | undefined> {
    const colon = ref.indexOf(":");
    if (colon > 0) return findModel(jujuPath, ref.slice(0, colon), ref.slice(colon + 1));
    try {
        return await showModel(jujuPath, ref);
    } catch (error) {
        if (isGone(error)) return undefined;
        throw error;
    }
}

/** The client's current controller (`juju controllers --format=json`, key `current-controller`). */
export async function currentController(jujuPath: string): Promise<string> {
    const shown = await runJujuJson<{ "current-controller"?: unknown }>(
        jujuOptions({ jujuPath }),
        ["controllers"],
        objectWith("controllers"),
    );
    const current = shown["current-controller"];
    if (typeof current !== "string" || current === "") {
        throw new JujuError("other", "controllers", "the Juju client has no current controller; set ck-dualstack:controller");
    }
    return current;
}

const identitiesAsked = new Map<string, Promise<ModelIdentity | undefined>>();

/**
 * The model a ref names now, for calls that ask at the same moment: one question to the controller
 * while it is unanswered, a new one for anyone who asks after (nothing is kept). An `up` enlists
 * many nodes at once, each checking the model first.
 */
function modelNowShared(jujuPath: string, ref: string): Promise<ModelIdentity | undefined> {
    const key = `${toolPath(jujuPath)}\0${ref}`;
    let asked = identitiesAsked.get(key);
    if (!asked) {
        asked = modelNow(jujuPath, ref).finally(() => identitiesAsked.delete(key));
        identitiesAsked.set(key, asked);
    }
    return asked;
}

/**
 * Refuses to act unless `target.modelRef` still names the model this stack created (same UUID):
 * a model destroyed and re-created under the same name, or another controller's, is not ours.
 * Targets recorded before identities were kept (no UUID) are taken as they are. A check asked for
 * while another's question is on its way shares its answer (modelNowShared): asked moments before,
 * never kept after it came.
 */
export async function verifyModel(target: JujuTarget): Promise<void> {
    const other = await otherModel(target);
    if (other) {
        throw new Error(
            `refusing to change Juju model ${target.modelRef}: this stack created the model with UUID ${target.modelUuid}, ` +
                `but ${target.modelRef} is now model ${other.uuid} on controller ${other.controller}; it is not this stack's model`,
        );
    }
}

/**
 * For reads: Juju's not-found when `target.modelRef` no longer names this stack's model (gone, or
 * re-created under the same name), so that what a refresh finds in another model is never taken
 * for this stack's, nor reported as its drift.
 */
export async function ownModelOrGone(target: JujuTarget): Promise<void> {
    const other = await otherModel(target);
    if (other) {
        throw new JujuError(
            "not-found",
            "models",
            `model ${target.modelRef} is now model ${other.uuid}, not the model ${target.modelUuid} this stack created`,
        );
    }
}

/** The model `target.modelRef` names now when it is not the one this stack created; throws not-found when there is none. */
async function otherModel(target: JujuTarget): Promise<ModelIdentity | undefined> {
    if (!target.modelUuid) return undefined;
    const found = await modelNowShared(target.jujuPath, target.modelRef);
    if (!found) throw new JujuError("not-found", "models", `model ${target.modelRef} not found`);
    return found.uuid === target.modelUuid ? undefined : found;
}

/** One task of `juju run`, as the Juju 3.6 client prints it in JSON (cmd/juju/action/common.go formatActionResult). */
export interface ActionTask {
    /** The unit that ran it (the key of the JSON object). */
    readonly unit: string;
    readonly id?: string;
    /** "completed", or "failed" when the charm called event.fail (action-fail). */
    readonly status: string;
    /** The charm's failure message. */
    readonly message?: string;
    /** What the charm set (dotted keys nested), with Juju's `return-code`. */
    readonly results: Record<string, unknown>;
}

const capped = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * Runs one action on one unit (`<app>/leader` allowed) and returns its task as Juju 3.6 reports it
 * (cmd/juju/action/common.go processOperationResults, waitForTasks):
 * - a task that cannot be scheduled (an action the charm does not define, a unit that does not exist,
 *   no leader) is only said on stderr, "Operation N failed to schedule any tasks:" and the reason,
 *   with exit 0 and nothing on stdout: an error here, naming the unit, the action and Juju's reason;
 * - a charm's `event.fail` is status "failed" with its message and return code 0, and juju exits 0:
 *   returned as it is, for the caller to judge (`status`, `message`);
 * - a return code of 1 or more (the action's process failed) prints the JSON, then "ERROR the
 *   following task failed", exit 1: runJuju's error.
 * `sensitive`: the results hold secrets; errors quote none of them.
 */
export async function runAction(
    target: JujuTarget,
    receiver: string,
    action: string,
    options: { params?: string[]; sensitive?: boolean; waitMinutes?: number } = {},
): Promise<ActionTask> {
    const wait = options.waitMinutes ?? 5;
    const { stdout, stderr } = await runJuju({ ...jujuOptions(target), sensitive: options.sensitive, timeoutMs: (wait + 5) * 60_000 }, [
        "run",
        "-m",
        target.modelRef,
        `--wait=${wait}m`,
        "--format=json",
        "--",
        receiver,
        action,
        ...(options.params ?? []),
    ]);
    if (stdout.trim() === "") {
        const refused = /Operation (\S+) failed to schedule any tasks:\n([\s\S]*)/.exec(stderr);
        const why = refused
            ? `operation ${refused[1]} scheduled no task: ${capped(refused[2].trim().split("\n").join("; "))}`
            : "it printed no result";
        throw new JujuError("other", "run", `juju run ${receiver} ${action}: ${why}`);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(stdout);
    } catch {
        throw new JujuError(
            "malformed",
            "run",
            `juju run ${receiver} ${action}: output was not JSON${options.sensitive ? "" : `: ${capped(stdout, 200)}`}`,
        );
    }
    const entries = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? Object.entries(parsed) : [];
    const [unit, task] = (entries[0] ?? []) as [string | undefined, Record<string, unknown> | undefined];
    if (!unit || typeof task !== "object" || task === null || typeof task.status !== "string") {
        throw new JujuError("malformed", "run", `juju run ${receiver} ${action}: no task in its output`);
    }
    const results = typeof task.results === "object" && task.results !== null ? (task.results as Record<string, unknown>) : {};
    return {
        unit,
        id: typeof task.id === "string" ? task.id : undefined,
        status: task.status,
        message: typeof task.message === "string" ? task.message : undefined,
        results,
    };
}

/** A task's failure, for an error: the unit, the status and the charm's message (capped; never its results). */
export function describeTask(task: ActionTask): string {
    return `${task.unit}: ${task.status}${task.message ? `: ${capped(task.message)}` : ""}`;
}

/**
 * The cluster's kubeconfig from `juju run <app>/leader get-kubeconfig` (result key `kubeconfig`).
 * Action output holds credentials: errors quote none of it. A failed action (the charm's event.fail,
 * e.g. "Failed to retrieve kubeconfig: ..." while the unit has not written it yet) is an error naming
 * the unit and the charm's message.
 */
export async function getKubeconfig(target: JujuTarget, controlPlaneApp: string): Promise<string> {
    const task = await runAction(target, `${controlPlaneApp}/leader`, "get-kubeconfig", { sensitive: true });
    if (task.status !== "completed") {
        throw new Error(`get-kubeconfig on ${describeTask(task)} (the control plane may still be settling; try again once it is active)`);
    }
    const kubeconfig = task.results.kubeconfig;
    if (typeof kubeconfig !== "string") throw new Error(`get-kubeconfig on ${task.unit} completed but returned no kubeconfig`);
    return kubeconfig;
}

/** An application's option as it is now (`juju config <app> <key>`). */
export async function liveOption(target: JujuTarget, app: string, key: string): Promise<string> {
    return (await runJuju(jujuOptions(target), ["config", "-m", target.modelRef, "--", app, key])).stdout.trim();
}

/** A resource that only lives while its model does: kept on refresh while `juju status` answers, gone with the model. */
export async function readWhileModelExists<T extends JujuTarget>(id: string, props: T): Promise<{ id?: string; props?: T }> {
    try {
        await readStatus(props);
        return { id, props };
    } catch (error) {
        if (isGone(error)) return {};
        throw error;
    }
}
