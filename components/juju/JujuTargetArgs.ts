import * as pulumi from "@pulumi/pulumi";

/** What every Juju resource needs: the CLI and the model it acts on. */
export interface JujuTargetArgs {
    /** The Juju CLI to run. */
    readonly jujuPath: pulumi.Input<string>;
    /** `controller:model`, or the model on the current controller. */
    readonly modelRef: pulumi.Input<string>;
}
