import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ClusterNode, nodeNames } from "../nodes";

/** Canonical's AWS account, owner of the official Ubuntu images. */
const CANONICAL_OWNER = "099720109477";

export interface ClusterNodesArgs {
    /** Control-plane instances. */
    readonly controlPlaneCount: number;
    /** Worker instances. */
    readonly workerCount: number;
    /** Instance type. */
    readonly instanceType: string;
    /** AMI; empty for the newest Ubuntu 24.04 LTS from Canonical. */
    readonly imageId: string;
    /** Public key for the login user (validation requires one on aws). */
    readonly sshPublicKey: string;
    /** Login user Juju enlists with. */
    readonly sshUser: string;
    /** Subnets to spread instances over (round robin). */
    readonly subnetIds: pulumi.Input<string>[];
    /** Group every node gets. */
    readonly clusterSecurityGroupId: pulumi.Input<string>;
    /** Extra group for the API node: the first worker, which carries kubeapi-load-balancer. */
    readonly apiSecurityGroupId: pulumi.Input<string>;
    /** Extra group for workers. */
    readonly workerSecurityGroupId: pulumi.Input<string>;
}

/**
 * Instances for the control-plane and worker roles, each with an IPv6 address at creation
 * (no `assign-ipv6-addresses` loop afterwards) and source/dest check off (Calico routes pods).
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
        const instances = nodeNames(args.controlPlaneCount, args.workerCount).map(({ name: nodeName, roles, api }, i) => {
            const instance = new aws.ec2.Instance(
                `${name}-${nodeName}`,
                {
                    ami,
                    instanceType: args.instanceType,
                    subnetId: args.subnetIds[i % args.subnetIds.length],
                    vpcSecurityGroupIds: [
                        args.clusterSecurityGroupId,
                        ...(api ? [args.apiSecurityGroupId] : []),
                        ...(roles.includes("worker") ? [args.workerSecurityGroupId] : []),
                    ],
                    ipv6AddressCount: 1,
                    sourceDestCheck: false,
                    keyName: keyPair.keyName,
                    rootBlockDevice: { volumeSize: 32, volumeType: "gp3" },
                    metadataOptions: { httpTokens: "required", httpProtocolIpv6: "enabled" },
                    tags: { Name: `${name}-${nodeName}`, "ck-dualstack:role": roles.join("+") },
                },
                { parent: this },
            );
            return { nodeName, roles, instance };
        });
        this.nodes = instances.map(({ nodeName, roles, instance }) => ({
            name: nodeName,
            roles,
            ipv4: instance.publicIp,
            ipv6: instance.ipv6Addresses,
            sshUser: args.sshUser,
        }));
        this.instanceIds = instances.map(({ instance }) => instance.id);
        this.registerOutputs({ instanceIds: this.instanceIds });
    }
}
