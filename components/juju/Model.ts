import * as pulumi from "@pulumi/pulumi";
import { ResourceArgs, dynamicProvider } from "./lazyProvider";

/** The Model's arguments: the provider's inputs (providers/model.ts ModelInputs), each may be an Output. */
export type ModelArgs = ResourceArgs<"model">;

/** A Juju model (`add-model`; `destroy-model --destroy-storage` on delete). */
export class Model extends pulumi.dynamic.Resource {
    /** `controller:model`, the controller resolved and recorded at creation. */
    public readonly modelRef!: pulumi.Output<string>;
    public readonly uuid!: pulumi.Output<string>;

    constructor(name: string, args: ModelArgs, opts?: pulumi.CustomResourceOptions) {
        super(dynamicProvider("model"), name, { ...args, modelRef: undefined, uuid: undefined }, opts, "juju", "Model");
    }
}
