import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { IngressRule, NODE_PORT_RANGE, PATH_MTU_RULES, RuleTarget, clusterInternalRules } from "../net/firewall";
import { awsSubnetLayout, ipv6SubnetOf } from "../net/network";

export interface DualStackNetworkArgs {
    /** IPv4 block of the VPC. */
    readonly nodeCidr: string;
    /** Availability zones to spread subnets over. */
    readonly availabilityZones: number;
    /** Ingress from outside the cluster (admin, NodePort and load balancer ranges). */
    readonly ingress: readonly IngressRule[];
    /** Make the security group of a Network Load Balancer in front of the workers, and admit it on them. */
    readonly loadBalancer: boolean;
}

/**
 * The path MTU ICMP rules (net/firewall.ts), as AWS takes them: it asks for them on an NLB's group
 * "to support MTU or Path MTU Discovery" (ELB docs, "Update the security groups for your Network
 * Load Balancer") and on instances ("Path MTU Discovery", EC2 user guide). For `icmp`/`icmpv6`,
 * fromPort is the type and toPort the code (aws.ec2.SecurityGroup ingress docs).
 */
const PATH_MTU_INGRESS = PATH_MTU_RULES.map((rule) => ({
    description: rule.description,
    protocol: rule.family === "IPv6" ? "icmpv6" : "icmp",
    fromPort: rule.type,
    toPort: rule.code,
    ...(rule.family === "IPv6" ? { ipv6CidrBlocks: [rule.cidr] } : { cidrBlocks: [rule.cidr] }),
}));

/**
 * The zones a subnet may go in: Availability Zones that need no opt-in. `state: available` alone
 * also lists the Local and Wavelength Zones the account opted into, sorted by name among the others
 * (`us-east-1-bos-1a` before `us-east-1a`), where NLBs and most instance types are not offered
 * (DescribeAvailabilityZones filters `opt-in-status` and `zone-type`, EC2 API reference).
 */
const USABLE_ZONES = {
    state: "available",
    filters: [
        { name: "opt-in-status", values: ["opt-in-not-required"] },
        { name: "zone-type", values: ["availability-zone"] },
    ],
};

/**
 * The zone of the next subnet: the first listed zone that no earlier subnet uses. Subnets are only
 * ever added after the existing ones (public-0, public-1, ...), and an existing subnet keeps the zone
 * it was created in, which may no longer be where today's list puts it; an ELB refuses two subnets in
 * one zone ("You can specify only one subnet per Availability Zone", CreateLoadBalancer). Refuses
 * when no listed zone is free.
 */
export function nextSubnetZone(listed: readonly string[], used: readonly string[], availabilityZones: number): string {
    const free = listed.find((zone) => !used.includes(zone));
    if (free === undefined) {
        throw new Error(
            `ck-dualstack:availabilityZones = ${availabilityZones}: the region has ${listed.length} available zones that ` +
                `need no opt-in (${listed.join(", ")}), and the subnets already use ${used.join(", ") || "none"}: ` +
                "set availabilityZones to at most the number of those zones",
        );
    }
    return free;
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
 * A dual-stack VPC: an IPv4 block plus an Amazon-provided IPv6 /56, one public subnet per zone
 * with a /64 carved once the /56 is known, IPv6 addresses and AAAA records on launch, `::/0`
 * routes, and the security groups the cluster needs (nothing open to the world unless configured).
 * Nodes are in public subnets: the Juju client (this machine) enlists them over SSH on their public
 * IPv4, an Elastic IP each (ClusterNodes).
 */
export class DualStackNetwork extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly ipv6CidrBlock: pulumi.Output<string>;
    public readonly publicSubnetIds: pulumi.Output<string>[];
    /** All traffic between cluster nodes, both families (Calico VXLAN included); SSH from admin ranges; path MTU ICMP from anywhere. */
    public readonly clusterSecurityGroupId: pulumi.Output<string>;
    /** The API port the kubeconfig uses, from admin ranges: the load-balancer node (kubeapi-load-balancer) only. */
    public readonly apiSecurityGroupId: pulumi.Output<string>;
    /** NodePorts 30000-32767 from the configured ranges and from the load balancer. */
    public readonly workerSecurityGroupId: pulumi.Output<string>;
    /** The Network Load Balancer's own group (port 80 from the NodePort ranges, path MTU ICMP from anywhere); only with loadBalancer. */
    public readonly loadBalancerSecurityGroupId?: pulumi.Output<string>;

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
        const zones = aws.getAvailabilityZonesOutput(USABLE_ZONES, { parent: this });
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
        this.publicSubnetIds = [];
        // The zones the subnets really are in, in order: an existing subnet's from its state.
        const subnetZones: pulumi.Output<string>[] = [];
        for (const layout of awsSubnetLayout(args.nodeCidr, args.availabilityZones, false)) {
            const zone = pulumi
                .all([zones.names, pulumi.all(subnetZones)])
                .apply(([listed, used]) => nextSubnetZone(listed, used, args.availabilityZones));
            const subnet = new aws.ec2.Subnet(
                `${name}-${layout.name}`,
                {
                    vpcId: vpc.id,
                    availabilityZone: zone,
                    cidrBlock: layout.ipv4Cidr,
                    ipv6CidrBlock: vpc.ipv6CidrBlock.apply((block) => ipv6SubnetOf(block, layout.ipv6Index)),
                    assignIpv6AddressOnCreation: true,
                    enableResourceNameDnsAaaaRecordOnLaunch: true,
                    mapPublicIpOnLaunch: true,
                    tags: { Name: `${name}-${layout.name}` },
                },
                // A subnet's zone is ForceNew (terraform-provider-aws aws_subnet availability_zone), and
                // the zone list shifts when a zone is impaired or added: a subnet keeps the zone it was
                // created in, with everything in it.
                { parent: this, ignoreChanges: ["availabilityZone"] },
            );
            subnetZones.push(subnet.availabilityZone);
            new aws.ec2.RouteTableAssociation(
                `${name}-${layout.name}`,
                { subnetId: subnet.id, routeTableId: publicRoutes.id },
                { parent: this },
            );
            // The id carries the internet gateway as a dependency: what is placed in a public subnet
            // needs the VPC attached to one first. An EIP's association may fail without it (aws.ec2.Eip
            // docs: "EIP may require IGW to exist prior to association. Use `dependsOn`"), and so does
            // an internet-facing load balancer. Same value; the gateway is replaced only with the VPC.
            this.publicSubnetIds.push(pulumi.all([subnet.id, igw.id]).apply(([id]) => id));
        }
        // The provider removes the default allow-all egress of a new group: state it again.
        const egress = [
            { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"], description: "all egress" },
        ];
        const fromOutside = (nodes: RuleTarget) => args.ingress.filter((rule) => rule.nodes === nodes).map(ruleArgs);
        // `description` is ForceNew (terraform-provider-aws aws_security_group): a reworded one must not
        // replace a live group, so it stays as the group was created.
        const group = (suffix: string, description: string, ingress: pulumi.Input<aws.types.input.ec2.SecurityGroupIngress>[]) =>
            new aws.ec2.SecurityGroup(
                `${name}-${suffix}`,
                { vpcId: vpc.id, description, ingress, egress, tags: { Name: `${name}-${suffix}` } },
                { parent: this, ignoreChanges: ["description"] },
            );
        // A group referencing itself admits every address of its members' interfaces, IPv4 and IPv6.
        const internal = clusterInternalRules();
        const cluster = group("cluster", "ck-dualstack cluster nodes", [
            { protocol: "-1", fromPort: 0, toPort: 0, self: true, description: internal.map((r) => r.description).join("; ") },
            ...PATH_MTU_INGRESS,
            ...fromOutside("all"),
        ]);
        const api = group("api", "ck-dualstack Kubernetes API (kubeapi-load-balancer node)", fromOutside("api"));
        let nlb: aws.ec2.SecurityGroup | undefined;
        if (args.loadBalancer) {
            nlb = new aws.ec2.SecurityGroup(
                `${name}-nlb`,
                {
                    vpcId: vpc.id,
                    description: "ck-dualstack Network Load Balancer in front of the workers",
                    ingress: [...fromOutside("load-balancer"), ...PATH_MTU_INGRESS],
                    // Only towards the workers' NodePorts (listener traffic and health checks).
                    egress: [
                        {
                            protocol: "tcp",
                            fromPort: NODE_PORT_RANGE.from,
                            toPort: NODE_PORT_RANGE.to,
                            cidrBlocks: [vpc.cidrBlock],
                            ipv6CidrBlocks: [vpc.ipv6CidrBlock],
                            // No apostrophe: rule descriptions allow only `A-Za-z0-9 ._-:/()#,@[]+=&;{}!$*`
                            // (terraform-provider-aws internal/service/ec2/validate.go validSecurityGroupRuleDescription).
                            description: "to the worker NodePorts",
                        },
                    ],
                    tags: { Name: `${name}-nlb` },
                },
                { parent: this },
            );
        }
        const workers = group("workers", "ck-dualstack worker NodePorts (IPv4 and IPv6)", [
            ...fromOutside("worker"),
            ...(nlb
                ? [
                      {
                          protocol: "tcp",
                          fromPort: NODE_PORT_RANGE.from,
                          toPort: NODE_PORT_RANGE.to,
                          securityGroups: [nlb.id],
                          description: "nodeports from the NLB: health checks and forwarded clients",
                      },
                  ]
                : []),
        ]);
        this.clusterSecurityGroupId = cluster.id;
        this.apiSecurityGroupId = api.id;
        this.workerSecurityGroupId = workers.id;
        this.loadBalancerSecurityGroupId = nlb?.id;
        this.vpcId = vpc.id;
        this.ipv6CidrBlock = vpc.ipv6CidrBlock;
        this.registerOutputs({ vpcId: this.vpcId, ipv6CidrBlock: this.ipv6CidrBlock, publicSubnetIds: this.publicSubnetIds });
    }
}
