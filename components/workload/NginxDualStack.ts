import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    APP_LABELS,
    DUAL_STACK_SERVICE_NAME,
    IPV6_SERVICE_NAME,
    WorkloadOptions,
    dualStackServiceSpec,
    ipv6ServiceSpec,
    nginxDeploymentSpec,
} from "./specs";
import { FamilyEndpoints, PodAddresses } from "./addresses";
import { clusterIpsByFamily } from "./urls";
import { WorkloadAddresses } from "./WorkloadAddresses";

export interface NginxDualStackArgs {
    /** Replicas, image, resources and the cluster's service families. */
    readonly options: WorkloadOptions;
    /** The cluster's kubeconfig (secret), for reading the pods' and Services' addresses back. */
    readonly kubeconfig: pulumi.Input<string>;
}

/** A Service's addresses and NodePort, as stack outputs show them. */
export interface ServiceEndpoints {
    readonly clusterIps: Record<string, string>;
    readonly nodePort: number;
}

function endpointsOf(service: k8s.core.v1.Service): pulumi.Output<ServiceEndpoints> {
    return service.spec.apply((spec) => ({
        clusterIps: clusterIpsByFamily(spec.ipFamilies, spec.clusterIPs),
        nodePort: spec.ports?.[0]?.nodePort ?? 0,
    }));
}

/**
 * The seed's dual-stack nginx as typed resources: the Deployment, the IPv6-only NodePort
 * Service `nginx6`, and a RequireDualStack Service on clusters with both families.
 */
export class NginxDualStack extends pulumi.ComponentResource {
    public readonly deploymentName: pulumi.Output<string>;
    public readonly ipv6Service: pulumi.Output<ServiceEndpoints>;
    public readonly dualStackService: pulumi.Output<ServiceEndpoints | undefined>;
    /** Each nginx pod's node, phase, readiness and addresses by family, read after the rollout. */
    public readonly pods: pulumi.Output<Record<string, PodAddresses>>;
    /** Each Service's ready endpoint addresses by family. */
    public readonly serviceEndpoints: pulumi.Output<Record<string, FamilyEndpoints>>;

    constructor(name: string, args: NginxDualStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:workload:NginxDualStack", name, {}, opts);
        // A component's `deletedWith` is not inherited: each child carries it, so that on destroy these go
        // with the cluster (its Juju model) instead of through an API that may already be gone.
        const deletedWith = opts?.deletedWith;
        const deploymentSpec = nginxDeploymentSpec(args.options);
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            { metadata: deploymentSpec.metadata, spec: deploymentSpec.spec },
            { parent: this, deletedWith },
        );
        const ipv6Spec = ipv6ServiceSpec();
        const ipv6Service = new k8s.core.v1.Service(
            `${name}-ipv6`,
            { metadata: ipv6Spec.metadata, spec: ipv6Spec.spec },
            { parent: this, dependsOn: deployment, deletedWith },
        );
        const dualSpec = dualStackServiceSpec(args.options);
        const dualService =
            dualSpec &&
            new k8s.core.v1.Service(
                `${name}-dualstack`,
                { metadata: dualSpec.metadata, spec: dualSpec.spec },
                { parent: this, dependsOn: deployment, deletedWith },
            );
        const services = dualService ? [ipv6Service, dualService] : [ipv6Service];
        const addresses = new WorkloadAddresses(
            `${name}-addresses`,
            {
                kubeconfig: args.kubeconfig,
                namespace: "default",
                podLabels: { ...APP_LABELS },
                services: dualService ? [IPV6_SERVICE_NAME, DUAL_STACK_SERVICE_NAME] : [IPV6_SERVICE_NAME],
                // A new UID (replaced) or generation (spec changed) is a new rollout.
                revision: pulumi
                    .all([deployment.metadata.uid, deployment.metadata.generation])
                    .apply(([uid, generation]) => `${uid ?? ""}/${generation ?? 0}`),
            },
            { parent: this, dependsOn: [deployment, ...services], deletedWith },
        );
        this.deploymentName = deployment.metadata.name;
        this.ipv6Service = endpointsOf(ipv6Service);
        this.dualStackService = dualService ? endpointsOf(dualService) : pulumi.output(undefined);
        this.pods = addresses.pods;
        this.serviceEndpoints = addresses.serviceEndpoints;
        this.registerOutputs({
            deploymentName: this.deploymentName,
            ipv6Service: this.ipv6Service,
            dualStackService: this.dualStackService,
            pods: this.pods,
            serviceEndpoints: this.serviceEndpoints,
        });
    }
}
