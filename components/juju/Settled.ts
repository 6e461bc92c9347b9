import * as pulumi from "@pulumi/pulumi";
import { JujuTargetArgs } from "./JujuTargetArgs";
import { lazyProvider, providerModule } from "./lazyProvider";

export interface SettledArgs extends JujuTargetArgs {
    /** Applications the bundle deploys, subordinates included. */
    readonly expectedApplications: pulumi.Input<string[]>;
    /** The Deployment's generation: when it changes, the model is waited on again. */
    readonly generation: pulumi.Input<string>;
    /** Seconds between status polls. */
    readonly pollSeconds: pulumi.Input<number>;
    /** Seconds every unit must stay active and idle to count as settled. */
    readonly idleSeconds: pulumi.Input<number>;
    /** Minutes to wait for the model to settle. */
    readonly timeoutMinutes: pulumi.Input<number>;
    /** Minutes a unit may stay blocked. */
    readonly blockedGraceMinutes: pulumi.Input<number>;
    /** Minutes a unit may stay in error while Juju retries its hooks. */
    readonly errorGraceMinutes: pulumi.Input<number>;
    /** Minutes `juju status` may keep failing transiently during a wait. */
    readonly outageMinutes: pulumi.Input<number>;
    /** Minutes a machine may stay down or an agent lost during a wait. */
    readonly downGraceMinutes: pulumi.Input<number>;
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
