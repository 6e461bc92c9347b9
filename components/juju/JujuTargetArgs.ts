import * as pulumi from "@pulumi/pulumi";

/** What every Juju resource needs: the CLI and the model it acts on. */
export interface JujuTargetArgs {
    /** The Juju CLI to run. */
    readonly jujuPath: pulumi.Input<string>;
    /** `controller:model`. */
    readonly modelRef: pulumi.Input<string>;
    /** The model's UUID at creation: mutating calls check they still talk to that model. */
    readonly modelUuid: pulumi.Input<string>;
}
