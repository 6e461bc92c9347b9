import * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "./DynamicResource";
import { ResourceArgs } from "./lazyProvider";

/** The Model's arguments: the provider's inputs (providers/model.ts ModelInputs), each may be an Output. */
export type ModelArgs = ResourceArgs<"model">;

/** A Juju model (`add-model`; `destroy-model --destroy-storage` on delete). */
export class Model extends DynamicResource {
    /** `controller:model`, the controller resolved and recorded at creation. */
    public readonly modelRef!: pulumi.Output<string>;
    public readonly uuid!: pulumi.Output<string>;

    constructor(name: string, args: ModelArgs, opts?: pulumi.CustomResourceOptions) {
        super("model", "juju", "Model", name, { ...args, modelRef: undefined, uuid: undefined }, opts);
    }
}
