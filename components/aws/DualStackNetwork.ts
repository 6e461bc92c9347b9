import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { IngressRule } from "../net/firewall";
import { awsSubnetLayout, ipv6SubnetOf } from "../plan/network";

export interface DualStackNetworkArgs {
    /** IPv4 block of the VPC. */
    readonly nodeCidr: string;
    /** Availability zones to spread subnets over. */
    readonly availabilityZones: number;
    /** Also create private subnets, with an egress-only gateway for IPv6. */
    readonly privateSubnets: boolean;
    /** Ingress from outside the cluster (admin and NodePort ranges). */
    readonly ingress: readonly IngressRule[];
}

function ruleArgs(rule: IngressRule) {
    return {
        description: rule.description,
        protocol: rule.protocol,
        fromPort: rule.fromPort,
        toPort: rule.toPort,
        ...(rule.family === "IPv6" ? { ipv6CidrBlocks: [rule.cidr] } : { cidrBlocks: [rule.cidr] }),
    };
}

/**
 * A dual-stack VPC: an IPv4 block plus an Amazon-provided IPv6 /56, one /64 per subnet carved
 * once the /56 is known, IPv6 addresses and AAAA records on launch, `::/0` routes, and the
 * security groups the cluster needs (nothing open to the world unless configured).
 */
export class DualStackNetwork extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly ipv6CidrBlock: pulumi.Output<string>;
    public readonly publicSubnetIds: pulumi.Output<string>[];
    public readonly privateSubnetIds: pulumi.Output<string>[];
    /** All traffic between cluster nodes, both families; SSH from admin ranges. */
    public readonly clusterSecurityGroupId: pulumi.Output<string>;
    /** The Kubernetes API from admin ranges. */
    public readonly controlPlaneSecurityGroupId: pulumi.Output<string>;
    /** NodePorts 30000-32767 from the configured ranges, IPv4 and IPv6. */
    public readonly workerSecurityGroupId: pulumi.Output<string>;

    constructor(name: string, args: DualStackNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:aws:DualStackNetwork", name, {}, opts);
        const vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: args.nodeCidr,
                assignGeneratedIpv6CidrBlock: true,
                enableDnsHostnames: true,
                enableDnsSupport: true,
                tags: { Name: `${name}-vpc` },
            },
            { parent: this },
        );
        const zones = aws.getAvailabilityZonesOutput({ state: "available" }, { parent: this });
        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: `${name}-igw` } }, { parent: this });
        const publicRoutes = new aws.ec2.RouteTable(
            `${name}-public`,
            {
                vpcId: vpc.id,
                routes: [
                    { cidrBlock: "0.0.0.0/0", gatewayId: igw.id },
                    { ipv6CidrBlock: "::/0", gatewayId: igw.id },
                ],
                tags: { Name: `${name}-public` },
            },
            { parent: this },
        );
        let privateRoutes: aws.ec2.RouteTable | undefined;
        if (args.privateSubnets) {
            const eigw = new aws.ec2.EgressOnlyInternetGateway(
                `${name}-eigw`,
                { vpcId: vpc.id, tags: { Name: `${name}-eigw` } },
                { parent: this },
            );
            privateRoutes = new aws.ec2.RouteTable(
                `${name}-private`,
                { vpcId: vpc.id, routes: [{ ipv6CidrBlock: "::/0", egressOnlyGatewayId: eigw.id }], tags: { Name: `${name}-private` } },
                { parent: this },
            );
        }
        this.publicSubnetIds = [];
        this.privateSubnetIds = [];
        for (const layout of awsSubnetLayout(args.nodeCidr, args.availabilityZones, args.privateSubnets)) {
            const subnet = new aws.ec2.Subnet(
                `${name}-${layout.name}`,
                {
                    vpcId: vpc.id,
                    availabilityZone: zones.names[layout.zoneIndex],
                    cidrBlock: layout.ipv4Cidr,
                    ipv6CidrBlock: vpc.ipv6CidrBlock.apply((block) => ipv6SubnetOf(block, layout.ipv6Index)),
                    assignIpv6AddressOnCreation: true,
                    enableResourceNameDnsAaaaRecordOnLaunch: true,
                    mapPublicIpOnLaunch: layout.public,
                    tags: { Name: `${name}-${layout.name}` },
                },
                { parent: this },
            );
            const table = layout.public ? publicRoutes : privateRoutes;
            if (table)
                new aws.ec2.RouteTableAssociation(
                    `${name}-${layout.name}`,
                    { subnetId: subnet.id, routeTableId: table.id },
                    { parent: this },
                );
            (layout.public ? this.publicSubnetIds : this.privateSubnetIds).push(subnet.id);
        }
        const egress = [
            { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"], description: "all egress" },
        ];
        const group = (suffix: string, description: string, nodes: IngressRule["nodes"], self: boolean) =>
            new aws.ec2.SecurityGroup(
                `${name}-${suffix}`,
                {
                    vpcId: vpc.id,
                    description,
                    ingress: [
                        ...(self
                            ? [
                                  {
                                      protocol: "-1",
                                      fromPort: 0,
                                      toPort: 0,
                                      self: true,
                                      description: "all traffic between cluster nodes, both families",
                                  },
                              ]
                            : []),
                        ...args.ingress.filter((rule) => rule.nodes === nodes).map(ruleArgs),
                    ],
                    egress,
                    tags: { Name: `${name}-${suffix}` },
                },
                { parent: this },
            );
        this.clusterSecurityGroupId = group("cluster", "ck-dualstack cluster nodes", "all", true).id;
        this.controlPlaneSecurityGroupId = group("control-plane", "ck-dualstack Kubernetes API", "control-plane", false).id;
        this.workerSecurityGroupId = group("workers", "ck-dualstack worker NodePorts (IPv4 and IPv6)", "worker", false).id;
        this.vpcId = vpc.id;
        this.ipv6CidrBlock = vpc.ipv6CidrBlock;
        this.registerOutputs({ vpcId: this.vpcId, ipv6CidrBlock: this.ipv6CidrBlock, publicSubnetIds: this.publicSubnetIds });
    }
}
