import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface ServiceRangeArgs {
    /** The service ranges in effect (kubernetes-control-plane `service-cidr`), one per family. */
    readonly cidrs: readonly string[];
}

/**
 * The cluster's service ranges as a `networking.k8s.io/v1` ServiceCIDR. From Kubernetes 1.33 on,
 * changing `--service-cluster-ip-range` does not enlarge the allocatable range: the default
 * ServiceCIDR stays as it was ("Inconsistent ServiceCIDR"); an extra ServiceCIDR is the upstream way
 * to extend it ("Extend Service IP Ranges", kubernetes.io docs). Overlapping ServiceCIDRs are
 * allowed, so this one always covers the configured ranges; its cidrs are immutable, so a growth
 * replaces it, the new one created before the old is deleted (IPs stay covered throughout).
 */
export class ServiceRange extends pulumi.ComponentResource {
    /** The ServiceCIDR object's name. */
    public readonly serviceCidrName: pulumi.Output<string>;

    constructor(name: string, args: ServiceRangeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:cluster:ServiceRange", name, {}, opts);
        const serviceCidr = new k8s.networking.v1.ServiceCIDR(
            `${name}-service-cidr`,
            {
                metadata: {
                    labels: { "app.kubernetes.io/managed-by": "ck-dualstack" },
                    // Nothing is owned by a ServiceCIDR, so there is nothing for a foreground deletion to
                    // wait for; the API server's own finalizer still holds it while its IPs are in use.
                    annotations: { "pulumi.com/deletionPropagationPolicy": "background" },
                },
                spec: { cidrs: [...args.cidrs] },
            },
            // Its finalizer holds it while Services use addresses only it covers (kube-controller-manager's
            // service-cidr controller): on destroy those may be the operator's own Services, so it is left to
            // go with the cluster (`deletedWith`, e.g. the Juju model). A replaced (grown) range is covered by
            // its successor and is deleted at once.
            { parent: this, replaceOnChanges: ["spec.cidrs"], deletedWith: opts?.deletedWith },
        );
        this.serviceCidrName = serviceCidr.metadata.name;
        this.registerOutputs({ serviceCidrName: this.serviceCidrName });
    }
}
