import * as pulumi from "@pulumi/pulumi";
import { JujuTargetArgs } from "./JujuTargetArgs";
import { lazyProvider, providerModule } from "./lazyProvider";

export interface MachineArgs extends JujuTargetArgs {
    /** The node's name, for messages. */
    readonly name: pulumi.Input<string>;
    /** IPv4 address Juju reaches the host on over SSH. */
    readonly address: pulumi.Input<string>;
    /** User Juju logs in as. */
    readonly sshUser: pulumi.Input<string>;
    /** How long to wait for sshd to answer before `add-machine` (0: do not wait). */
    readonly sshWaitSeconds: pulumi.Input<number>;
    /** The node's roles (control-plane, worker). */
    readonly roles: pulumi.Input<string[]>;
    /** At most this many `add-machine` calls run at once against the controller. */
    readonly enlistConcurrency: pulumi.Input<number>;
    /** The SSH client that runs Juju's clean-up on the host once its machine is removed; empty: the host goes too. */
    readonly sshPath: pulumi.Input<string>;
    /** Minutes a graceful removal may take before it is forced. */
    readonly removeGraceMinutes: pulumi.Input<number>;
    /** Seconds between status polls while it is removed. */
    readonly pollSeconds: pulumi.Input<number>;
}

/** One host enlisted with `add-machine ssh:` (manual provisioning); removed on delete, and the host cleaned for the next enlisting. */
export class Machine extends pulumi.dynamic.Resource {
    public readonly machineId!: pulumi.Output<string>;
    public readonly roles!: pulumi.Output<string[]>;

    constructor(name: string, args: MachineArgs, opts?: pulumi.CustomResourceOptions) {
        super(lazyProvider(providerModule("machine"), "MachineProvider"), name, { ...args, machineId: undefined }, opts, "juju", "Machine");
    }
}
