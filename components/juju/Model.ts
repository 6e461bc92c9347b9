import * as pulumi from "@pulumi/pulumi";
import { lazyProvider, providerModule } from "./lazyProvider";

export interface ModelArgs {
    /** The Juju CLI to run. */
    readonly jujuPath: pulumi.Input<string>;
    /** Controller name; empty for the client's current controller. */
    readonly controller: pulumi.Input<string>;
    /** Model name. */
    readonly model: pulumi.Input<string>;
    /** `<project>/<stack>`, recorded in the model so a re-run adopts it and nobody else's is taken. */
    readonly owner: pulumi.Input<string>;
}

/** A Juju model (`add-model`; `destroy-model --destroy-storage` on delete). */
export class Model extends pulumi.dynamic.Resource {
    /** `controller:model`, the controller resolved and recorded at creation. */
    public readonly modelRef!: pulumi.Output<string>;
    public readonly uuid!: pulumi.Output<string>;

    constructor(name: string, args: ModelArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            lazyProvider(providerModule("model"), "ModelProvider"),
            name,
            { ...args, modelRef: undefined, uuid: undefined },
            opts,
            "juju",
            "Model",
        );
    }
}
