import * as path from "path";
import { JujuError, JujuOptions, objectWith, runJujuJson } from "../cli";
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

/** A jujuPath with a slash is relative to the project folder (absolute stays); a bare name is looked up on PATH. */
export function jujuOptions(target: { jujuPath: string }): JujuOptions {
    return { jujuPath: target.jujuPath.includes("/") ? path.resolve(PROJECT_ROOT, target.jujuPath) : target.jujuPath };
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

/** True when juju said the model, machine, application or unit is gone (nothing else counts). */
export function isGone(error: unknown): boolean {
    return error instanceof JujuError && error.kind === "not-found";
}

/** Runs `action`, treating "not found" as success: deleting what is already gone is done. */
export async function ignoringGone(action: () => Promise<unknown>): Promise<void> {
    try {
        await action();
    } catch (error) {
        if (!isGone(error)) throw error;
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

/**
 * Refuses to act unless `target.modelRef` still names the model this stack created (same UUID):
 * a model destroyed and re-created under the same name, or another controller's, is not ours.
 * Targets recorded before identities were kept (no UUID) are taken as they are.
 */
export async function verifyModel(target: JujuTarget): Promise<void> {
    if (!target.modelUuid) return;
    const found = await modelNow(target.jujuPath, target.modelRef);
    if (!found) throw new JujuError("not-found", "models", `model ${target.modelRef} not found`);
    if (found.uuid !== target.modelUuid) {
        throw new Error(
            `refusing to change Juju model ${target.modelRef}: this stack created the model with UUID ${target.modelUuid}, ` +
                `but ${target.modelRef} is now model ${found.uuid} on controller ${found.controller}; it is not this stack's model`,
        );
    }
}

type ActionResults = Record<string, { results?: { kubeconfig?: unknown }; status?: unknown }>;

/**
 * The cluster's kubeconfig from `juju run <app>/leader get-kubeconfig` (result key `kubeconfig`).
 * Action output holds credentials: errors quote none of it.
 */
export async function getKubeconfig(target: JujuTarget, controlPlaneApp: string): Promise<string> {
    const results = await runJujuJson<ActionResults>({ ...jujuOptions(target), sensitive: true }, [
        "run",
        "-m",
        target.modelRef,
        "--",
        `${controlPlaneApp}/leader`,
        "get-kubeconfig",
    ]);
    const kubeconfig = Object.values(results).find((entry) => typeof entry?.results?.kubeconfig === "string")?.results?.kubeconfig;
    if (typeof kubeconfig !== "string") {
        const first = Object.values(results)[0];
        throw new Error(`${controlPlaneApp}/leader get-kubeconfig returned no kubeconfig (status ${String(first?.status ?? "unknown")})`);
    }
    return kubeconfig;
}
