import * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "../juju/DynamicResource";
import { ResourceArgs } from "../juju/lazyProvider";
import { FamilyEndpoints, PodAddresses } from "./addresses";

/** The arguments: the provider's inputs (providers/addresses.ts WorkloadAddressesInputs), each may be an Output. */
export type WorkloadAddressesArgs = ResourceArgs<"workloadAddresses">;

/**
 * The pods' addresses by family and the Services' ready endpoints by family, read from the cluster
 * over the Kubernetes API after the rollout (and again on refresh). Addresses only: the outputs are
 * not secret, the kubeconfig input is.
 */
export class WorkloadAddresses extends DynamicResource {
    public readonly pods!: pulumi.Output<Record<string, PodAddresses>>;
    public readonly serviceEndpoints!: pulumi.Output<Record<string, FamilyEndpoints>>;

    constructor(name: string, args: WorkloadAddressesArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "workloadAddresses",
            "workload",
            "WorkloadAddresses",
            name,
            { ...args, kubeconfig: pulumi.secret(args.kubeconfig), pods: undefined, serviceEndpoints: undefined },
            { ...opts, additionalSecretOutputs: ["kubeconfig"] },
        );
    }
}
