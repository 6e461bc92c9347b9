import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import { ClusterNode, nodeNames } from "../nodes";

export interface ClusterNodesArgs {
    /** Control-plane instances. */
    readonly controlPlaneCount: number;
    /** Worker instances. */
    readonly workerCount: number;
    /** Flavor name. */
    readonly flavor: string;
    /** Image name. */
    readonly image: string;
    /** Public key for the login user; empty to rely on the image's own access. */
    readonly sshPublicKey: string;
    /** Login user Juju enlists with. */
    readonly sshUser: string;
    /** The dual-stack network. */
    readonly networkId: pulumi.Input<string>;
    /** External network whose pool gives floating IPv4 addresses. */
    readonly externalNetwork: string;
    /** Security group names per role. */
    readonly securityGroups: { cluster: pulumi.Input<string>; controlPlane: pulumi.Input<string>; worker: pulumi.Input<string> };
}

/**
 * Instances with addresses in both families on the dual-stack network, each with a floating
 * IPv4 address so the Juju controller can reach it over SSH.
 */
export class ClusterNodes extends pulumi.ComponentResource {
    public readonly nodes: ClusterNode[];

    constructor(name: string, args: ClusterNodesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:openstack:ClusterNodes", name, {}, opts);
        const keypair = args.sshPublicKey
            ? new openstack.compute.Keypair(`${name}-key`, { publicKey: args.sshPublicKey }, { parent: this })
            : undefined;
        this.nodes = nodeNames(args.controlPlaneCount, args.workerCount).map(({ name: nodeName, roles }) => {
            const instance = new openstack.compute.Instance(
                `${name}-${nodeName}`,
                {
                    flavorName: args.flavor,
                    imageName: args.image,
                    keyPair: keypair?.name,
                    networks: [{ uuid: args.networkId }],
                    securityGroups: [
                        args.securityGroups.cluster,
                        roles.includes("worker") ? args.securityGroups.worker : args.securityGroups.controlPlane,
                    ],
                    metadata: { "ck-dualstack-role": roles.join("+") },
                },
                { parent: this },
            );
            const floating = new openstack.networking.FloatingIp(
                `${name}-${nodeName}-fip`,
                { pool: args.externalNetwork },
                { parent: this },
            );
            const port = instance.networks.apply((networks) => networks[0].port ?? "");
            new openstack.networking.FloatingIpAssociate(
                `${name}-${nodeName}-fip`,
                { floatingIp: floating.address, portId: port },
                { parent: this },
            );
            return {
                name: nodeName,
                roles,
                ipv4: floating.address,
                ipv6: instance.networks.apply((networks) => networks.map((n) => n.fixedIpV6 ?? "").filter((a) => a !== "")),
                sshUser: args.sshUser,
            };
        });
        this.registerOutputs({ nodes: this.nodes.map((node) => node.name) });
    }
}
