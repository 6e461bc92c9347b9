import * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "./DynamicResource";
import { ResourceArgs } from "./lazyProvider";

/** The Deployment's arguments: the provider's inputs (providers/deployment.ts DeploymentInputs), each may be an Output. */
export type DeploymentArgs = ResourceArgs<"deployment">;

/** The bundle deployed with the dual-stack and placement overlays, changed in place on day 2 (the Settled resource waits). */
export class Deployment extends DynamicResource {
    public readonly overlay!: pulumi.Output<object>;
    public readonly controlPlaneApp!: pulumi.Output<string>;
    /** What Juju was last asked to make of the model: Settled waits again when it changes. */
    public readonly generation!: pulumi.Output<string>;
    public readonly loadbalancerIps!: pulumi.Output<string>;
    /** The etcd snapshot the last channel upgrade took first, on the operator's machine. */
    public readonly etcdSnapshot!: pulumi.Output<string | undefined>;
    /** The operations the last create or update ran, as preview listed them (issue 21). */
    public readonly jujuOperations!: pulumi.Output<string[] | undefined>;

    constructor(name: string, args: DeploymentArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "deployment",
            "juju",
            "Deployment",
            name,
            {
                ...args,
                overlay: undefined,
                controlPlaneApp: undefined,
                generation: undefined,
                etcdSnapshot: undefined,
                jujuOperations: undefined,
            },
            opts,
        );
    }
}
