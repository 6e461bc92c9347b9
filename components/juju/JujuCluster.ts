import * as pulumi from "@pulumi/pulumi";
import { FamilyPlan } from "../net/families";
import { ClusterNode } from "../nodes";
import { AuthorizedKey } from "./AuthorizedKey";
import { Deployment } from "./Deployment";
import { Kubeconfig } from "./Kubeconfig";
import { Machine } from "./Machine";
import { Model } from "./Model";
import { Settled } from "./Settled";
import { SettlePolicy } from "./settle";

/** Every application of the charmed-kubernetes bundle, subordinates (calico, containerd) included. */
export const BUNDLE_APPLICATIONS = [
    "calico",
    "containerd",
    "easyrsa",
    "etcd",
    "kubeapi-load-balancer",
    "kubernetes-control-plane",
    "kubernetes-worker",
];

export interface JujuClusterArgs {
    /** The Juju CLI to run. */
    readonly jujuPath: string;
    /** Controller name; empty for the current controller. */
    readonly controller: string;
    /** Model name. */
    readonly model: string;
    /** Bundle name. */
    readonly bundle: string;
    /** Channel of the bundle and its charms. */
    readonly channel: string;
    /** The pod and service ranges as validation planned them (calico `cidr`, control-plane `service-cidr`). */
    readonly families: FamilyPlan;
    /** Reach the API over IPv6 (kubeapi-load-balancer's `loadbalancer-ips` on its IPv6 address). */
    readonly apiOverIpv6: boolean;
    /** The hosts to enlist. */
    readonly nodes: ClusterNode[];
    /** The operator's SSH public key, kept in the model's authorized keys (rotated in place); empty: none (clouds without sshPublicKey). */
    readonly authorizedKey: string;
    /** How long enlisting waits for sshd on each node (0: do not wait). */
    readonly sshWaitSeconds: number;
    /** The SSH client that cleans a host whose machine was removed; empty when hosts go with their machines. */
    readonly sshPath: string;
    /** kubernetes-worker `ingress`: "true", "false", or "" for the charm's default. */
    readonly workerIngress: string;
    /** Minutes a graceful removal may take before it is forced. */
    readonly removeGraceMinutes: number;
    /** Drain each worker's Node before its upgrade action. */
    readonly upgradeDrain: boolean;
    /** At most this many nodes enlist at once. */
    readonly enlistConcurrency: number;
    /** How waits for the model decide that it settled or failed (settlePolicyOf the stack config). */
    readonly settle: SettlePolicy;
}

/**
 * Charmed Kubernetes on the given nodes: a model, one machine per node (enlisted in parallel),
 * the bundle with the dual-stack overlay, and the kubeconfig (secret).
 */
export class JujuCluster extends pulumi.ComponentResource {
    public readonly modelRef: pulumi.Output<string>;
    /** The Juju model: destroying it takes the whole cluster with it. */
    public readonly model: Model;
    public readonly machineIds: pulumi.Output<Record<string, string>>;
    public readonly overlay: pulumi.Output<object>;
    public readonly loadbalancerIps: pulumi.Output<string>;
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly apiServer: pulumi.Output<string>;

    constructor(name: string, args: JujuClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:juju:JujuCluster", name, {}, opts);
        const model = new Model(
            `${name}-model`,
            {
                jujuPath: args.jujuPath,
                controller: args.controller,
                model: args.model,
                owner: `${pulumi.getProject()}/${pulumi.getStack()}`,
            },
            { parent: this },
        );
        const machines = args.nodes.map(
            (node) =>
                new Machine(
                    `${name}-machine-${node.name}`,
                    {
                        jujuPath: args.jujuPath,
                        modelRef: model.modelRef,
                        modelUuid: model.uuid,
                        name: node.name,
                        address: node.ipv4,
                        sshUser: node.sshUser,
                        sshWaitSeconds: args.sshWaitSeconds,
                        roles: node.roles,
                        enlistConcurrency: args.enlistConcurrency,
                        sshPath: args.sshPath,
                        removeGraceMinutes: args.removeGraceMinutes,
                        pollSeconds: args.settle.pollSeconds,
                    },
                    { parent: this },
                ),
        );
        // kubeapi-load-balancer runs alone on the load-balancer node (placementOverlay); over IPv6, its
        // IPv6 address is what clients and workers reach the API on, through it to every control plane.
        const balancerNode = args.nodes.find((node) => node.roles.includes("load-balancer"));
        const apiAddress =
            args.apiOverIpv6 && balancerNode ? pulumi.output(balancerNode.ipv6).apply((ips) => ips[0] ?? "") : pulumi.output("");
        const target = { jujuPath: args.jujuPath, modelRef: model.modelRef, modelUuid: model.uuid };
        // Instances read their key pair only at first boot: a new key reaches running nodes through Juju.
        // Destroying the model takes its keys along: no remove-ssh-key then.
        if (args.authorizedKey)
            new AuthorizedKey(
                `${name}-authorized-key`,
                { ...target, key: args.authorizedKey },
                { parent: this, dependsOn: [model], deletedWith: model },
            );
        const deployment = new Deployment(
            `${name}-deployment`,
            {
                ...target,
                ...args.settle,
                bundle: args.bundle,
                channel: args.channel,
                families: args.families,
                loadbalancerIps: apiAddress,
                nodes: args.nodes.map((node) => ({ name: node.name, roles: [...node.roles] })),
                machines: pulumi.all(
                    machines.map((machine, i) =>
                        pulumi.all([machine.machineId, args.nodes[i].roles]).apply(([id, roles]) => ({ id, roles })),
                    ),
                ),
                expectedApplications: BUNDLE_APPLICATIONS,
                workerIngress: args.workerIngress,
                removeGraceMinutes: args.removeGraceMinutes,
                upgradeDrain: args.upgradeDrain,
            },
            { parent: this, dependsOn: machines },
        );
        const settled = new Settled(
            `${name}-settled`,
            { ...target, ...args.settle, expectedApplications: BUNDLE_APPLICATIONS, generation: deployment.generation },
            { parent: this, dependsOn: [deployment] },
        );
        // The kubeconfig names the balancer's address and carries the control plane's CA and admin
        // credentials (charm-kubernetes-control-plane get-kubeconfig): workers play no part, so adding one
        // neither fetches it again nor leaves it unknown at preview (the Kubernetes provider would be set
        // up again). No output of Settled and, of the Deployment's, only controlPlaneApp, which the diff
        // leaves aside: an update leaves them unknown at preview. The dependency on Settled stays, so a first
        // fetch still waits for the model to settle.
        const fetchKey = pulumi
            .all(machines.filter((_, i) => args.nodes[i].roles.some((role) => role !== "worker")).map((machine) => machine.machineId))
            .apply((ids) => [args.bundle, args.channel, ...ids].join("|"));
        const kubeconfig = new Kubeconfig(
            `${name}-kubeconfig`,
            { ...target, fetchKey, apiAddress, controlPlaneApp: deployment.controlPlaneApp },
            { parent: this, dependsOn: [settled] },
        );
        this.model = model;
        this.modelRef = model.modelRef;
        this.machineIds = pulumi
            .all(machines.map((m) => m.machineId))
            .apply((ids) => Object.fromEntries(args.nodes.map((node, i) => [node.name, ids[i]])));
        this.overlay = deployment.overlay;
        this.loadbalancerIps = deployment.loadbalancerIps;
        this.kubeconfig = pulumi.secret(kubeconfig.kubeconfig);
        this.apiServer = kubeconfig.server;
        this.registerOutputs({
            modelRef: this.modelRef,
            machineIds: this.machineIds,
            overlay: this.overlay,
            kubeconfig: this.kubeconfig,
            apiServer: this.apiServer,
        });
    }
}
