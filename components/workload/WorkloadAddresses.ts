import * as pulumi from "@pulumi/pulumi";
import { lazyProvider, providerModule } from "../juju/lazyProvider";
import { FamilyEndpoints, PodAddresses } from "./addresses";

export interface WorkloadAddressesArgs {
    /** Credentials for the Kubernetes API; kept secret in state. */
    readonly kubeconfig: pulumi.Input<string>;
    /** The namespace of the pods and Services. */
    readonly namespace: pulumi.Input<string>;
    /** The labels the Deployment's pods carry (APP_LABELS). */
    readonly podLabels: pulumi.Input<Record<string, string>>;
    /** The Services whose endpoints are shown. */
    readonly services: pulumi.Input<pulumi.Input<string>[]>;
    /** Changes with every rollout of the Deployment (its UID and metadata.generation), so the addresses are read again. */
    readonly revision: pulumi.Input<string>;
}

/**
 * The pods' addresses by family and the Services' ready endpoints by family, read from the cluster
 * over the Kubernetes API after the rollout (and again on refresh). Addresses only: the outputs are
 * not secret, the kubeconfig input is.
 */
export class WorkloadAddresses extends pulumi.dynamic.Resource {
    public readonly pods!: pulumi.Output<Record<string, PodAddresses>>;
    public readonly serviceEndpoints!: pulumi.Output<Record<string, FamilyEndpoints>>;

    constructor(name: string, args: WorkloadAddressesArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            lazyProvider(providerModule("../../workload/providers/addresses"), "WorkloadAddressesProvider"),
            name,
            { ...args, kubeconfig: pulumi.secret(args.kubeconfig), pods: undefined, serviceEndpoints: undefined },
            { ...opts, additionalSecretOutputs: ["kubeconfig"] },
            "workload",
            "WorkloadAddresses",
        );
    }
}
