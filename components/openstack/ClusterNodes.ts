import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import { familyOf } from "../net/cidr";
import { ClusterNode, nodeNames } from "../nodes";

export interface ClusterNodesArgs {
    /** Control-plane instances. */
    readonly controlPlaneCount: number;
    /** Worker instances. */
    readonly workerCount: number;
    /** Flavor of control-plane and worker nodes. */
    readonly flavor: string;
    /** Flavor of the load-balancer node (kubeapi-load-balancer alone). */
    readonly balancerFlavor: string;
    /** Image name; its newest image at creation is a node's for good. */
    readonly image: string;
    /** Public key for the image's default user, ubuntu (validation requires one on openstack). Applies to nodes created from then on. */
    readonly sshPublicKey: string;
    /** Login user Juju enlists with: the image's default user, which gets the key (validation keeps it `ubuntu`). */
    readonly sshUser: string;
    /** The dual-stack network. */
    readonly networkId: pulumi.Input<string>;
    /** Its IPv4 subnet: every port gets an address there. */
    readonly ipv4SubnetId: pulumi.Input<string>;
    /** Its IPv6 subnet: every port gets an address there. */
    readonly ipv6SubnetId: pulumi.Input<string>;
    /** External network whose pool gives floating IPv4 addresses. */
    readonly externalNetwork: string;
    /** The router's interfaces, which must exist before an instance boots (metadata) and a floating IP is associated. */
    readonly routerInterfaces: pulumi.Resource[];
    /** Security group IDs per role, placed on the ports (not the instances) as the provider asks. */
    readonly securityGroupIds: { cluster: pulumi.Input<string>; api: pulumi.Input<string>; worker: pulumi.Input<string> };
}

/** The IPv6 addresses among a port's fixed IPs (Neutron's own notation, no brackets). */
export function ipv6Of(fixedIps: readonly string[]): string[] {
    return fixedIps.filter((address) => familyOf(address) === "IPv6");
}

/**
 * One port per node with an address in each subnet (security groups on the port), an instance
 * booted on that port once the router reaches the subnets (the metadata service at first boot),
 * and a floating IPv4 address associated with the port, so the Juju client (this machine) can
 * reach the node over SSH. Addresses are read
 * from the port: the instance's `networks[].port` is only what was configured and its
 * `fixedIpV6` is in brackets in the provider version used (terraform-provider-openstack v1.54.1).
 *
 * A node keeps the image and key it was created with. The image is resolved to an id once: with
 * `image_name`, a rotated or deleted image reads back as "Image not found" and the provider's Update
 * rebuilds the server in place (compute_instance_v2.go, setImageInformation and servers.Rebuild),
 * wiping the node under its Juju machine. `key_pair` is ForceNew: a rotated sshPublicKey replaces the
 * key pair (its public_key is ForceNew too) and applies to nodes created from then on; running nodes
 * get a new key through Juju, in place (juju/AuthorizedKey.ts; docs/clouds.md, OpenStack).
 */
export class ClusterNodes extends pulumi.ComponentResource {
    public readonly nodes: ClusterNode[];

    constructor(name: string, args: ClusterNodesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:openstack:ClusterNodes", name, {}, opts);
        const keypair = new openstack.compute.Keypair(`${name}-key`, { publicKey: args.sshPublicKey }, { parent: this });
        // The newest image of that name (Glance keeps the rotated ones until they are deleted).
        const imageId = openstack.images.getImageOutput({ name: args.image, mostRecent: true }, { parent: this }).id;
        this.nodes = nodeNames(args.controlPlaneCount, args.workerCount).map(({ name: nodeName, roles }) => {
            const balancer = roles.includes("load-balancer");
            const port = new openstack.networking.Port(
                `${name}-${nodeName}`,
                {
                    networkId: args.networkId,
                    adminStateUp: true,
                    fixedIps: [{ subnetId: args.ipv4SubnetId }, { subnetId: args.ipv6SubnetId }],
                    securityGroupIds: [
                        args.securityGroupIds.cluster,
                        ...(balancer ? [args.securityGroupIds.api] : []),
                        ...(roles.includes("worker") ? [args.securityGroupIds.worker] : []),
                    ],
                },
                { parent: this },
            );
            const instance = new openstack.compute.Instance(
                `${name}-${nodeName}`,
                {
                    flavorName: balancer ? args.balancerFlavor : args.flavor,
                    imageId,
                    keyPair: keypair.name,
                    networks: [{ port: port.id }],
                    metadata: { "ck-dualstack-role": roles.join("+") },
                },
                // cloud-init reads the metadata service (169.254.169.254) at first boot; with Neutron's
                // L3 agent it is proxied by the subnet's router, so without the interface the node
                // gets no SSH key (OVN serves it per network, where waiting costs nothing).
                // The image and key a node was created with stay its own (see the class comment).
                { parent: this, dependsOn: args.routerInterfaces, ignoreChanges: ["imageId", "keyPair"] },
            );
            const floating = new openstack.networking.FloatingIp(
                `${name}-${nodeName}-fip`,
                { pool: args.externalNetwork },
                { parent: this },
            );
            // Neutron refuses the association until the subnet has a router to the external network.
            const association = new openstack.networking.FloatingIpAssociate(
                `${name}-${nodeName}-fip`,
                { floatingIp: floating.address, portId: port.id },
                { parent: this, dependsOn: args.routerInterfaces },
            );
            return {
                name: nodeName,
                roles,
                // Enlisting waits for the association and the instance, not just the address.
                ipv4: pulumi.all([association.floatingIp, instance.id]).apply(([address]) => address),
                ipv6: port.allFixedIps.apply(ipv6Of),
                sshUser: args.sshUser,
            };
        });
        this.registerOutputs({ nodes: this.nodes.map((node) => node.name) });
    }
}
