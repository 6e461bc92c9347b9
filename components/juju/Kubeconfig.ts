import * as pulumi from "@pulumi/pulumi";
import { JujuTargetArgs } from "./JujuTargetArgs";
import { lazyProvider, providerModule } from "./lazyProvider";

export interface KubeconfigArgs extends JujuTargetArgs {
    /** Changes whenever the deployment does, so the kubeconfig is fetched again. */
    readonly deploymentId: pulumi.Input<string>;
    /** kubeapi-load-balancer's IPv6 address when the API is reached over IPv6; empty otherwise. */
    readonly apiAddress: pulumi.Input<string>;
    /** The control-plane application the deployment found. */
    readonly controlPlaneApp: pulumi.Input<string>;
}

/** The kubeconfig from the control-plane leader's get-kubeconfig action, kept as a secret. */
export class Kubeconfig extends pulumi.dynamic.Resource {
    public readonly kubeconfig!: pulumi.Output<string>;
    public readonly server!: pulumi.Output<string>;

    constructor(name: string, args: KubeconfigArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            lazyProvider(providerModule("kubeconfig"), "KubeconfigProvider"),
            name,
            { ...args, kubeconfig: undefined, server: undefined },
            { ...opts, additionalSecretOutputs: ["kubeconfig"] },
            "juju",
            "Kubeconfig",
        );
    }
}
