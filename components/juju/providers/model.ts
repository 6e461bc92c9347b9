import type * as pulumi from "@pulumi/pulumi";
import { JujuError, ensureSupportedJuju, runJuju, runJujuJson } from "../cli";
import { ignoringGone, isGone, jujuOptions, progress } from "./common";

/** Model config key that records which stack made a model, so a re-run can adopt it. */
export const OWNER_KEY = "ck-dualstack-owner";

export interface ModelInputs {
    readonly jujuPath: string;
    /** Controller name; empty for the client's current controller. */
    readonly controller: string;
    readonly model: string;
    /** `<project>/<stack>`: recorded in the model so only this stack adopts it. */
    readonly owner: string;
}

export interface ModelOutputs extends ModelInputs {
    readonly modelRef: string;
    readonly uuid: string;
}

export function modelRef(inputs: Pick<ModelInputs, "controller" | "model">): string {
    return inputs.controller ? `${inputs.controller}:${inputs.model}` : inputs.model;
}

type ShowModel = Record<string, { "model-uuid"?: string }>;
type ModelConfig = Record<string, { Value?: unknown }>;

async function uuidOf(inputs: ModelInputs): Promise<string> {
    const shown = await runJujuJson<ShowModel>(jujuOptions(inputs), ["show-model", modelRef(inputs)]);
    return Object.values(shown)[0]?.["model-uuid"] ?? "";
}

/** add-model, adopting a model this stack made in an interrupted run; refusing anyone else's. */
export class ModelProvider implements pulumi.dynamic.ResourceProvider {
    async create(inputs: ModelInputs): Promise<pulumi.dynamic.CreateResult> {
        const juju = jujuOptions(inputs);
        await ensureSupportedJuju(juju);
        const ref = modelRef(inputs);
        const controllerArgs = inputs.controller ? ["-c", inputs.controller] : [];
        try {
            await runJuju(juju, ["add-model", inputs.model, "--no-switch", ...controllerArgs, "--config", `${OWNER_KEY}=${inputs.owner}`]);
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
        const outs: ModelOutputs = { ...inputs, modelRef: ref, uuid: await uuidOf(inputs) };
        return { id: ref, outs };
    }

    async read(id: string, props: ModelOutputs): Promise<pulumi.dynamic.ReadResult> {
        try {
            return { id, props: { ...props, uuid: await uuidOf(props) } };
        } catch (error) {
            if (isGone(error)) return {};
            throw error;
        }
    }

    async diff(_id: string, olds: ModelOutputs, news: ModelInputs): Promise<pulumi.dynamic.DiffResult> {
        const replaces = (["controller", "model"] as const).filter((key) => olds[key] !== news[key]);
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
    }

    /** destroy-model with storage, bounded; forced if that fails; a model already gone is done. */
    async delete(id: string, props: ModelOutputs): Promise<void> {
        const juju = { jujuPath: props.jujuPath, timeoutMs: 20 * 60_000, attempts: 3 };
        const base = ["destroy-model", id, "--no-prompt", "--destroy-storage"];
        await ignoringGone(async () => {
            try {
                await runJuju(juju, base);
            } catch (error) {
                if (isGone(error)) throw error;
                progress(`model ${id}`, `destroy-model did not finish (${(error as Error).message}); forcing`);
                await runJuju(juju, [...base, "--force", "--no-wait"]);
            }
        });
        progress(`model ${id}`, "destroyed");
    }
}
