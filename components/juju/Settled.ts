import * as pulumi from "@pulumi/pulumi";
import { JujuTargetArgs } from "./JujuTargetArgs";
import { SettlePolicyArgs } from "./settle";
import { lazyProvider, providerModule } from "./lazyProvider";

export interface SettledArgs extends JujuTargetArgs, SettlePolicyArgs {
    /** Applications the bundle deploys, subordinates included. */
    readonly expectedApplications: pulumi.Input<string[]>;
    /** The Deployment's generation: when it changes, the model is waited on again. */
    readonly generation: pulumi.Input<string>;
}

/**
 * The deployed model settled: every unit active and idle for the idle period. Its own resource, so
 * a wait that fails leaves the Deployment in the stack (a destroy removes what was deployed, a
 * re-run waits again instead of deploying again).
 */
export class Settled extends pulumi.dynamic.Resource {
    public readonly unitCount!: pulumi.Output<number>;
    public readonly generation!: pulumi.Output<string>;

    constructor(name: string, args: SettledArgs, opts?: pulumi.CustomResourceOptions) {
        super(lazyProvider(providerModule("settled"), "SettledProvider"), name, { ...args, unitCount: undefined }, opts, "juju", "Settled");
    }
}
