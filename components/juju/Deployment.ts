import * as pulumi from "@pulumi/pulumi";
import { PlacedMachine } from "../plan/overlay";
import { NodeRole } from "./dayTwo";
import { JujuTargetArgs } from "./JujuTargetArgs";
import { SettlePolicyArgs } from "./settle";
import { lazyProvider, providerModule } from "./lazyProvider";

export interface DeploymentArgs extends JujuTargetArgs, SettlePolicyArgs {
    /** Bundle name. */
    readonly bundle: pulumi.Input<string>;
    /** Channel of the bundle and its charms. */
    readonly channel: pulumi.Input<string>;
    /** Calico `cidr` (a change is refused: pools are not re-addressed in place). */
    readonly podCidr: pulumi.Input<string>;
    /** Control-plane `service-cidr` (may only grow in place). */
    readonly serviceCidr: pulumi.Input<string>;
    /** kubeapi-load-balancer's space-separated `loadbalancer-ips`, empty when the API is reached on IPv4. */
    readonly loadbalancerIps: pulumi.Input<string>;
    /** Enlisted machines and their roles, for the placement overlay. */
    readonly machines: pulumi.Input<PlacedMachine[]>;
    /** The nodes by name and role (known at preview): what may change in place is decided on them. */
    readonly nodes: pulumi.Input<NodeRole[]>;
    /** Applications the bundle deploys, subordinates included. */
    readonly expectedApplications: pulumi.Input<string[]>;
    /** kubernetes-worker `ingress`: "true", "false", or "" for the charm's default. */
    readonly workerIngress: pulumi.Input<string>;
    /** Minutes a graceful removal may take before it is forced. */
    readonly removeGraceMinutes: pulumi.Input<number>;
    /** Drain each worker's Node before its upgrade action. */
    readonly upgradeDrain: pulumi.Input<boolean>;
}

/** The bundle deployed with the dual-stack and placement overlays, changed in place on day 2 (the Settled resource waits). */
export class Deployment extends pulumi.dynamic.Resource {
    public readonly overlay!: pulumi.Output<object>;
    public readonly controlPlaneApp!: pulumi.Output<string>;
    /** What Juju was last asked to make of the model: Settled waits again when it changes. */
    public readonly generation!: pulumi.Output<string>;
    public readonly serviceCidr!: pulumi.Output<string>;
    public readonly loadbalancerIps!: pulumi.Output<string>;
    /** The etcd snapshot the last channel upgrade took first, on the operator's machine. */
    public readonly etcdSnapshot!: pulumi.Output<string | undefined>;

    constructor(name: string, args: DeploymentArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            lazyProvider(providerModule("deployment"), "DeploymentProvider"),
            name,
            { ...args, overlay: undefined, controlPlaneApp: undefined, generation: undefined, etcdSnapshot: undefined },
            opts,
            "juju",
            "Deployment",
        );
    }
}
