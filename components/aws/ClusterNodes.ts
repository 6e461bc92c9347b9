import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ClusterNode, nodeNames, zoneSlot } from "../nodes";

/** Canonical's AWS account, owner of the official Ubuntu images. */
const CANONICAL_OWNER = "099720109477";

export interface ClusterNodesArgs {
    /** Control-plane instances. */
    readonly controlPlaneCount: number;
    /** Worker instances. */
    readonly workerCount: number;
    /** Instance type of control-plane and worker nodes. */
    readonly instanceType: string;
    /** Instance type of the load-balancer node (kubeapi-load-balancer alone). */
    readonly balancerInstanceType: string;
    /** AMI; empty for the newest Ubuntu 24.04 LTS (amd64) from Canonical. Applies to nodes created from then on. */
    readonly imageId: string;
    /** Public key for the image's default user, ubuntu (validation requires one on aws). Applies to nodes created from then on. */
    readonly sshPublicKey: string;
    /** Login user Juju enlists with: the image's default user, which gets the key (validation keeps it `ubuntu`). */
    readonly sshUser: string;
    /** Subnets, one per zone: cp-i and worker-i go in subnet i mod their number (zoneSlot), whatever the counts. */
    readonly subnetIds: pulumi.Input<string>[];
    /** Group every node gets. */
    readonly clusterSecurityGroupId: pulumi.Input<string>;
    /** Extra group for the API node: the load-balancer node, which carries kubeapi-load-balancer. */
    readonly apiSecurityGroupId: pulumi.Input<string>;
    /** Extra group for workers. */
    readonly workerSecurityGroupId: pulumi.Input<string>;
}

/**
 * Instances for the control-plane, worker and load-balancer roles, each with an IPv6 address at creation
 * (no `assign-ipv6-addresses` loop afterwards). The source/destination check stays on: calico runs
 * `vxlan: Always` with `natOutgoing`, so a node only ever sends from its own addresses.
 *
 * A node's identity is stable over day-2 changes:
 * - its subnet (so its zone) follows from its name (zoneSlot), so changing either count never moves,
 *   so never replaces (`subnet_id` is ForceNew in aws_instance), a node that stays;
 * - it is enlisted with Juju on an Elastic IP, not on the public IPv4 EC2 gives at launch: that one is
 *   released when the instance stops and a new one given when it starts ("Public IPv4 addresses",
 *   EC2 user guide), and a changed `address` replaces the Juju machine. An EIP stays through stop and
 *   start. It is tied to its instance's lifetime (replaced with it, see below), so a new instance is
 *   always a new address, and so a new Juju machine;
 * - its image and key are those it was created with: `ami` and `key_name` are ForceNew (aws_instance),
 *   so a newer Ubuntu image, a new imageId or a rotated sshPublicKey apply to nodes created from then
 *   on and never replace a running one (and its Juju machine, with every unit). The key pair itself
 *   is replaced (public_key is ForceNew in aws_key_pair; a deleted key pair does not affect the
 *   instances launched with it, EC2 user guide "Delete your key pair"); running nodes get a new key
 *   through Juju, in place (juju/AuthorizedKey.ts; docs/clouds.md, "Zones, images and keys on AWS").
 */
export class ClusterNodes extends pulumi.ComponentResource {
    public readonly nodes: ClusterNode[];
    public readonly instanceIds: pulumi.Output<string>[];

    constructor(name: string, args: ClusterNodesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:aws:ClusterNodes", name, {}, opts);
        const ami =
            args.imageId ||
            aws.ec2.getAmiOutput(
                {
                    owners: [CANONICAL_OWNER],
                    mostRecent: true,
                    filters: [
                        { name: "name", values: ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"] },
                        { name: "virtualization-type", values: ["hvm"] },
                    ],
                },
                { parent: this },
            ).id;
        const keyPair = new aws.ec2.KeyPair(`${name}-key`, { publicKey: args.sshPublicKey }, { parent: this });
        const instances = nodeNames(args.controlPlaneCount, args.workerCount).map((node) => {
            const { name: nodeName, roles } = node;
            const balancer = roles.includes("load-balancer");
            const instance = new aws.ec2.Instance(
                `${name}-${nodeName}`,
                {
                    ami,
                    instanceType: balancer ? args.balancerInstanceType : args.instanceType,
                    subnetId: args.subnetIds[zoneSlot(node, args.subnetIds.length)],
                    vpcSecurityGroupIds: [
                        args.clusterSecurityGroupId,
                        ...(balancer ? [args.apiSecurityGroupId] : []),
                        ...(roles.includes("worker") ? [args.workerSecurityGroupId] : []),
                    ],
                    ipv6AddressCount: 1,
                    keyName: keyPair.keyName,
                    rootBlockDevice: { volumeSize: 32, volumeType: "gp3" },
                    metadataOptions: { httpTokens: "required", httpProtocolIpv6: "enabled" },
                    tags: { Name: `${name}-${nodeName}`, "ck-dualstack:role": roles.join("+") },
                },
                // The newest Ubuntu image is looked up at every run and the key pair is replaced with the
                // key: neither may replace a running node (see the class comment).
                { parent: this, ignoreChanges: ["ami", "keyName"] },
            );
            // Allocated and associated in one resource: with `instance` set, the provider's create
            // allocates, associates, waits for the association and then reads `public_ip`
            // (terraform-provider-aws internal/service/ec2/ec2_eip.go, resourceEIPCreate), so whatever
            // takes `publicIp` (the Juju machine) waits for the association. `instance` alone would be
            // re-associated in place (resourceEIPUpdate) when the instance is replaced, keeping the
            // address: the Juju machine (replaced only when its address changes) would then outlive
            // its host. replaceOnChanges gives a new instance a new EIP, so a new Juju machine.
            // The VPC's internet gateway is attached first: the subnet ids carry it (DualStackNetwork).
            const eip = new aws.ec2.Eip(
                `${name}-${nodeName}-eip`,
                { domain: "vpc", instance: instance.id, tags: { Name: `${name}-${nodeName}`, "ck-dualstack:role": roles.join("+") } },
                { parent: this, replaceOnChanges: ["instance"] },
            );
            return { nodeName, roles, instance, eip };
        });
        this.nodes = instances.map(({ nodeName, roles, instance, eip }) => ({
            name: nodeName,
            roles,
            ipv4: eip.publicIp,
            ipv6: instance.ipv6Addresses,
            sshUser: args.sshUser,
        }));
        this.instanceIds = instances.map(({ instance }) => instance.id);
        this.registerOutputs({ instanceIds: this.instanceIds });
    }
}
