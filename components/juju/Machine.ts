import * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "./DynamicResource";
import { ResourceArgs } from "./lazyProvider";

/** The Machine's arguments: the provider's inputs (providers/machine.ts MachineInputs), each may be an Output. */
export type MachineArgs = ResourceArgs<"machine">;

/** One host enlisted with `add-machine ssh:` (manual provisioning); removed on delete, and the host cleaned for the next enlisting. */
export class Machine extends DynamicResource {
    public readonly machineId!: pulumi.Output<string>;
    public readonly roles!: pulumi.Output<string[]>;

    constructor(name: string, args: MachineArgs, opts?: pulumi.CustomResourceOptions) {
        super("machine", "juju", "Machine", name, { ...args, machineId: undefined }, opts);
    }
}
