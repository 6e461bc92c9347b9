import * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "./DynamicResource";
import { ResourceArgs } from "./lazyProvider";

/** The Settled resource's arguments: the provider's inputs (providers/settled.ts SettledInputs), each may be an Output. */
export type SettledArgs = ResourceArgs<"settled">;

/**
 * The deployed model settled: every unit active and idle for the idle period. Its own resource, so
 * a wait that fails leaves the Deployment in the stack (a destroy removes what was deployed, a
 * re-run waits again instead of deploying again).
 */
export class Settled extends DynamicResource {
    public readonly unitCount!: pulumi.Output<number>;
    public readonly generation!: pulumi.Output<string>;

    constructor(name: string, args: SettledArgs, opts?: pulumi.CustomResourceOptions) {
        super("settled", "juju", "Settled", name, { ...args, unitCount: undefined }, opts);
    }
}
