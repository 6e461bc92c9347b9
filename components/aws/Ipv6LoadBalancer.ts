import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LOAD_BALANCER_PORT } from "../net/firewall";

export interface Ipv6LoadBalancerArgs {
    /** Public subnets (dual-stack) to place the load balancer in. */
    readonly subnetIds: pulumi.Input<string>[];
    /** The VPC of the target group. */
    readonly vpcId: pulumi.Input<string>;
    /** The load balancer's own security group (DualStackNetwork with loadBalancer), admitted on the workers. */
    readonly securityGroupId: pulumi.Input<string>;
    /** Each worker's IPv6 addresses; the first of each is registered as a target. */
    readonly workerIpv6Addresses: pulumi.Input<string[]>[];
    /** The NodePort of the IPv6 Service on the workers. */
    readonly nodePort: pulumi.Input<number>;
}

/**
 * A dual-stack Network Load Balancer on port 80 in front of the workers' NodePort: the classic
 * ELB Kubernetes would create for `type: LoadBalancer` has no IPv6.
 *
 * The Service behind it is SingleStack IPv6, and kube-proxy programs a NodePort only in the
 * Service's families, so the NLB must reach the workers over IPv6: an `ipv6` target group, which
 * takes only `ip` targets (the API's defaults are `ipv4` and `instance`). IPv4 clients are
 * translated by the NLB. Client IP preservation is off, so every packet the workers see (health
 * checks and forwarded clients alike) comes from the NLB, which the workers admit by its group.
 */
export class Ipv6LoadBalancer extends pulumi.ComponentResource {
    public readonly dnsName: pulumi.Output<string>;
    public readonly targetGroupArn: pulumi.Output<string>;

    constructor(name: string, args: Ipv6LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:aws:Ipv6LoadBalancer", name, {}, opts);
        const nlb = new aws.lb.LoadBalancer(
            `${name}-nlb`,
            {
                loadBalancerType: "network",
                ipAddressType: "dualstack",
                subnets: args.subnetIds,
                internal: false,
                // An NLB created without a security group can never get one.
                securityGroups: [args.securityGroupId],
                // "For `network` ... load balancers, this feature is disabled by default" (aws.lb.LoadBalancer
                // docs): each NLB node would then serve only its own zone's targets, and the workers
                // need not be in every zone the NLB is in.
                enableCrossZoneLoadBalancing: true,
            },
            { parent: this },
        );
        const targets = new aws.lb.TargetGroup(
            `${name}-targets`,
            {
                port: args.nodePort,
                protocol: "TCP",
                targetType: "ip",
                ipAddressType: "ipv6",
                preserveClientIp: "false",
                vpcId: args.vpcId,
                healthCheck: { protocol: "TCP" },
            },
            { parent: this },
        );
        args.workerIpv6Addresses.forEach((addresses, i) => {
            new aws.lb.TargetGroupAttachment(
                `${name}-worker-${i}`,
                {
                    targetGroupArn: targets.arn,
                    targetId: pulumi.output(addresses).apply((list) => {
                        if (list.length === 0) throw new Error(`worker ${i} has no IPv6 address to register with the NLB`);
                        return list[0];
                    }),
                    port: args.nodePort,
                },
                { parent: this },
            );
        });
        new aws.lb.Listener(
            `${name}-http`,
            {
                loadBalancerArn: nlb.arn,
                port: LOAD_BALANCER_PORT,
                protocol: "TCP",
                defaultActions: [{ type: "forward", targetGroupArn: targets.arn }],
            },
            { parent: this },
        );
        this.dnsName = nlb.dnsName;
        this.targetGroupArn = targets.arn;
        this.registerOutputs({ dnsName: this.dnsName, targetGroupArn: this.targetGroupArn });
    }
}
