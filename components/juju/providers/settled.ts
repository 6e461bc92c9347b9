import type * as pulumi from "@pulumi/pulumi";
import { SETTLE_POLICY_KEYS, SettlePolicy, waitUnderPolicy } from "../settle";
import { JujuTarget, jujuStatus, progress, readWhileModelExists } from "./common";

export interface SettledInputs extends JujuTarget, SettlePolicy {
    /** Applications the bundle deploys, subordinates included. */
    readonly expectedApplications: string[];
    /** The Deployment's generation: when it changes, the model is waited on again. */
    readonly generation: string;
}

export interface SettledOutputs extends SettledInputs {
    /** Units, subordinates included, when the model last settled. */
    readonly unitCount: number;
}

async function settle(inputs: SettledInputs): Promise<SettledOutputs> {
    const { view } = await waitUnderPolicy(inputs, {
        poll: () => jujuStatus(inputs, 1),
        expectedApplications: inputs.expectedApplications,
        log: (line) => progress(`deployment ${inputs.modelRef}`, line),
    });
    return { ...inputs, unitCount: view.units.length };
}

/** Waits for the model after every change the Deployment made; nothing to remove. */
export class SettledProvider implements pulumi.dynamic.ResourceProvider {
    async create(inputs: SettledInputs): Promise<pulumi.dynamic.CreateResult> {
        return { id: `${inputs.modelRef}/settled`, outs: await settle(inputs) };
    }

    read(id: string, props: SettledOutputs): Promise<pulumi.dynamic.ReadResult> {
        return readWhileModelExists(id, props);
    }

    async diff(_id: string, olds: SettledOutputs, news: SettledInputs): Promise<pulumi.dynamic.DiffResult> {
        const keys = ["jujuPath", "modelRef", "modelUuid", "generation", ...SETTLE_POLICY_KEYS] as const;
        const changes =
            keys.some((key) => olds[key] !== news[key]) || olds.expectedApplications.join() !== news.expectedApplications.join();
        return { changes };
    }

    /** Waits again when the Deployment changed the model; other changes are only recorded. */
    async update(_id: string, olds: SettledOutputs, news: SettledInputs): Promise<pulumi.dynamic.UpdateResult> {
        if (olds.generation === news.generation) return { outs: { ...olds, ...news } };
        return { outs: await settle(news) };
    }

    /** Nothing in Juju belongs to it. */
    async delete(): Promise<void> {}
}
