import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface Ipv6LoadBalancerArgs {
    /** Public subnets (dual-stack) to place the load balancer in. */
    readonly subnetIds: pulumi.Input<string>[];
    /** The VPC of the target group. */
    readonly vpcId: pulumi.Input<string>;
    /** Worker instances to forward to. */
    readonly workerInstanceIds: pulumi.Input<string>[];
    /** The NodePort on the workers. */
    readonly nodePort: pulumi.Input<number>;
}

/**
 * A dual-stack Network Load Balancer on port 80 in front of the workers' NodePort: the classic
 * ELB Kubernetes would create for `type: LoadBalancer` has no IPv6.
 */
export class Ipv6LoadBalancer extends pulumi.ComponentResource {
    public readonly dnsName: pulumi.Output<string>;

    constructor(name: string, args: Ipv6LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:aws:Ipv6LoadBalancer", name, {}, opts);
        const nlb = new aws.lb.LoadBalancer(
            `${name}-nlb`,
            { loadBalancerType: "network", ipAddressType: "dualstack", subnets: args.subnetIds, internal: false },
            { parent: this },
        );
        const targets = new aws.lb.TargetGroup(
            `${name}-targets`,
            { port: args.nodePort, protocol: "TCP", targetType: "instance", vpcId: args.vpcId, healthCheck: { protocol: "TCP" } },
            { parent: this },
        );
        args.workerInstanceIds.forEach((instanceId, i) => {
            new aws.lb.TargetGroupAttachment(
                `${name}-worker-${i}`,
                { targetGroupArn: targets.arn, targetId: instanceId, port: args.nodePort },
                { parent: this },
            );
        });
        new aws.lb.Listener(
            `${name}-http`,
            { loadBalancerArn: nlb.arn, port: 80, protocol: "TCP", defaultActions: [{ type: "forward", targetGroupArn: targets.arn }] },
            { parent: this },
        );
        this.dnsName = nlb.dnsName;
        this.registerOutputs({ dnsName: this.dnsName });
    }
}
