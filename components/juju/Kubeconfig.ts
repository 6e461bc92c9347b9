import * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "./DynamicResource";
import { ResourceArgs } from "./lazyProvider";

/** The Kubeconfig's arguments: the provider's inputs (providers/kubeconfig.ts KubeconfigInputs), each may be an Output. */
export type KubeconfigArgs = ResourceArgs<"kubeconfig">;

/** The kubeconfig from the control-plane leader's get-kubeconfig action, kept as a secret. */
export class Kubeconfig extends DynamicResource {
    public readonly kubeconfig!: pulumi.Output<string>;
    public readonly server!: pulumi.Output<string>;

    constructor(name: string, args: KubeconfigArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "kubeconfig",
            "juju",
            "Kubeconfig",
            name,
            { ...args, kubeconfig: undefined, server: undefined },
            { ...opts, additionalSecretOutputs: ["kubeconfig"] },
        );
    }
}
