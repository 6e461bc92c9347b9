import type * as pulumi from "@pulumi/pulumi";
import { JujuError, ensureSupportedJuju, runJuju, runJujuJson } from "../cli";
import {
    ModelIdentity,
    askedTogether,
    currentController,
    findModel,
    ignoringGone,
    isGone,
    jujuOptions,
    modelNow,
    progress,
} from "./common";

/** Model config key that records which stack made a model, so a re-run can adopt it. */
export const OWNER_KEY = "ck-dualstack-owner";

export interface ModelInputs {
    readonly jujuPath: string;
    /** Controller name; empty for the client's current controller (resolved once, at create). */
    readonly controller: string;
    readonly model: string;
    /** `<project>/<stack>`: recorded in the model so only this stack adopts it. */
    readonly owner: string;
}

export interface ModelOutputs extends ModelInputs {
    /** The controller the model was created on, recorded at create whatever `controller` says. */
    readonly controllerName?: string;
    /** Always `controllerName:model`. */
    readonly modelRef: string;
    readonly uuid: string;
}

type ModelConfig = Record<string, { Value?: unknown }>;

/** Why a change of inputs cannot be made to a live model, or undefined when it can. */
export function modelChangeProblem(olds: Partial<ModelOutputs>, news: ModelInputs): { property: string; reason: string } | undefined {
    if (olds.model !== undefined && olds.model !== news.model) {
        return {
            property: "model",
            reason: `the cluster lives in Juju model "${olds.model}"; Juju cannot rename a model, and a new one would mean destroying this cluster. Set ck-dualstack:model back to "${olds.model}"`,
        };
    }
    const recorded = olds.controllerName ?? (olds.controller || undefined);
    if (recorded !== undefined && news.controller !== "" && news.controller !== recorded) {
        return {
            property: "controller",
            reason: `the model lives on controller "${recorded}"; moving it to "${news.controller}" would destroy this cluster. Set ck-dualstack:controller to "${recorded}" or leave it empty`,
        };
    }
    return undefined;
}

/** add-model, adopting a model this stack made in an interrupted run; refusing anyone else's. */
export class ModelProvider implements pulumi.dynamic.ResourceProvider {
    async check(olds: Partial<ModelOutputs>, news: ModelInputs): Promise<pulumi.dynamic.CheckResult> {
        const problem = modelChangeProblem(olds, news);
        return problem ? { inputs: news, failures: [problem] } : { inputs: news };
    }

    async create(inputs: ModelInputs): Promise<pulumi.dynamic.CreateResult> {
        const juju = jujuOptions(inputs);
        // Resolved once and recorded: later calls never depend on the client's current controller.
        // Asked together with the client's version: neither needs the other.
        const [, controllerName] = await askedTogether(
            ensureSupportedJuju(juju),
            inputs.controller ? Promise.resolve(inputs.controller) : currentController(inputs.jujuPath),
        );
        const ref = `${controllerName}:${inputs.model}`;
        try {
            await runJuju(juju, [
                "add-model",
                "--no-switch",
                "-c",
                controllerName,
                "--config",
                `${OWNER_KEY}=${inputs.owner}`,
                "--",
                inputs.model,
            ]);
            progress(`model ${ref}`, "created");
        } catch (error) {
            if (!(error instanceof JujuError && error.kind === "already-exists")) throw error;
            const config = await runJujuJson<ModelConfig>(juju, ["model-config", "-m", ref]);
            const owner = config[OWNER_KEY]?.Value;
            if (owner !== inputs.owner) {
                throw new Error(
                    `Juju model ${ref} already exists and was not created by stack ${inputs.owner} (its ${OWNER_KEY} is ${owner ? `"${String(owner)}"` : "unset"}); ` +
                        "set ck-dualstack:model to another name, or remove that model yourself if it is unused",
                );
            }
            progress(`model ${ref}`, "adopted (left by an earlier, interrupted run of this stack)");
        }
        const found = await findModel(inputs.jujuPath, controllerName, inputs.model);
        if (!found) throw new Error(`Juju model ${ref} was created but the controller does not list it`);
        const outs: ModelOutputs = { ...inputs, controllerName, modelRef: ref, uuid: found.uuid };
        return { id: ref, outs };
    }

    /**
     * The model as it is now. A recorded identity whose UUID now belongs to another model means
     * ours is gone. A state from before identities were recorded names no controller: it is
     * checked against the current one and refused, naming both, when that holds another model.
     */
    async read(id: string, props: ModelOutputs): Promise<pulumi.dynamic.ReadResult> {
        const found = await modelNow(props.jujuPath, props.modelRef);
        if (!found) return {};
        if (props.uuid && found.uuid !== props.uuid) {
            if (props.controllerName) return {};
            throw new Error(legacyMismatch(props, found));
        }
        return {
            id,
            props: { ...props, controllerName: found.controller, modelRef: `${found.controller}:${props.model}`, uuid: found.uuid },
        };
    }

    async diff(_id: string, olds: ModelOutputs, news: ModelInputs): Promise<pulumi.dynamic.DiffResult> {
        // check sees only the old inputs; the controller the model was created on is an output.
        const problem = modelChangeProblem(olds, news);
        if (problem) throw new Error(`ck-dualstack:${problem.property}: ${problem.reason}`);
        // Renames and moves are refused in check; what is left is recording the identity of a
        // model created before identities were kept, and the CLI path.
        const changes =
            !olds.controllerName || olds.jujuPath !== news.jujuPath || olds.controller !== news.controller || olds.owner !== news.owner;
        return { changes, replaces: [], deleteBeforeReplace: true };
    }

    /** Records the identity (read-only calls); nothing in Juju changes. */
    async update(_id: string, olds: ModelOutputs, news: ModelInputs): Promise<pulumi.dynamic.UpdateResult> {
        const controllerName = olds.controllerName ?? (news.controller || olds.controller || (await currentController(news.jujuPath)));
        const ref = `${controllerName}:${olds.model}`;
        const found = await findModel(news.jujuPath, controllerName, olds.model);
        if (!found) throw new Error(`Juju model ${ref} no longer exists; run pulumi refresh to drop it from the stack, then pulumi up`);
        if (olds.uuid && found.uuid !== olds.uuid) throw new Error(legacyMismatch({ ...olds, modelRef: ref }, found));
        return { outs: { ...news, controllerName, modelRef: ref, uuid: found.uuid } };
    }

    /**
     * destroy-model with storage, bounded; forced if that fails; a model already gone is done.
     * Only the model this stack created (same UUID) is destroyed: a same-named model elsewhere is refused.
     */
    async delete(_id: string, props: ModelOutputs): Promise<void> {
        const juju = { ...jujuOptions(props), timeoutMs: 20 * 60_000, attempts: 3 };
        const ref = props.modelRef;
        const found = await modelNow(props.jujuPath, ref);
        if (!found) {
            progress(`model ${ref}`, "already gone");
            return;
        }
        if (props.uuid && found.uuid !== props.uuid) {
            if (!props.controllerName) throw new Error(legacyMismatch(props, found));
            progress(`model ${ref}`, `already gone (model ${found.uuid} now has that name; it is not this stack's and is left alone)`);
            return;
        }
        const base = ["destroy-model", "--no-prompt", "--destroy-storage"];
        await ignoringGone(async () => {
            try {
                await runJuju(juju, [...base, "--", ref]);
            } catch (error) {
                if (isGone(error)) throw error;
                progress(`model ${ref}`, `destroy-model did not finish (${(error as Error).message}); forcing`);
                await runJuju(juju, [...base, "--force", "--no-wait", "--", ref]);
            }
        });
        progress(`model ${ref}`, "destroyed");
    }
}

function legacyMismatch(props: Pick<ModelOutputs, "modelRef" | "uuid">, found: ModelIdentity): string {
    return (
        `refusing to touch Juju model ${props.modelRef}: this stack created model ${props.uuid}, but ${props.modelRef} now resolves to ` +
        `model ${found.uuid} on controller ${found.controller} (the current controller changed?). Set ck-dualstack:controller to the controller that holds this stack's model and run pulumi up`
    );
}
