import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import { LOAD_BALANCER_PORT } from "../net/firewall";

export interface Ipv6LoadBalancerArgs {
    /** IPv6 subnet for the VIP and the members (the workers' security group admits it on the NodePorts). */
    readonly ipv6SubnetId: pulumi.Input<string>;
    /** Workers' IPv6 addresses, without brackets. */
    readonly workerAddresses: pulumi.Input<string[]>;
    /** The NodePort on the workers. */
    readonly nodePort: pulumi.Input<number>;
    /** IPv6 sources the listener admits; Octavia admits everyone when the list is empty and refuses IPv4 ones on an IPv6 VIP. */
    readonly allowedCidrs: readonly string[];
}

/** An Octavia load balancer with an IPv6 VIP on port 80, forwarding to the workers' NodePort over IPv6. */
export class Ipv6LoadBalancer extends pulumi.ComponentResource {
    public readonly vipAddress: pulumi.Output<string>;

    constructor(name: string, args: Ipv6LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:openstack:Ipv6LoadBalancer", name, {}, opts);
        if (args.allowedCidrs.length === 0 || args.allowedCidrs.some((cidr) => !cidr.includes(":"))) {
            throw new Error(`the Octavia listener needs IPv6 sources only, got [${args.allowedCidrs.join(", ")}]`);
        }
        const lb = new openstack.loadbalancer.LoadBalancer(`${name}-lb`, { vipSubnetId: args.ipv6SubnetId }, { parent: this });
        const listener = new openstack.loadbalancer.Listener(
            `${name}-http`,
            { loadbalancerId: lb.id, protocol: "TCP", protocolPort: LOAD_BALANCER_PORT, allowedCidrs: [...args.allowedCidrs] },
            { parent: this },
        );
        const pool = new openstack.loadbalancer.Pool(
            `${name}-pool`,
            { listenerId: listener.id, protocol: "TCP", lbMethod: "ROUND_ROBIN" },
            { parent: this },
        );
        new openstack.loadbalancer.Monitor(
            `${name}-monitor`,
            { poolId: pool.id, type: "TCP", delay: 10, timeout: 5, maxRetries: 3 },
            { parent: this },
        );
        new openstack.loadbalancer.Members(
            `${name}-members`,
            {
                poolId: pool.id,
                members: pulumi
                    .all([args.workerAddresses, args.nodePort, args.ipv6SubnetId])
                    .apply(([addresses, port, subnetId]) => addresses.map((address) => ({ address, protocolPort: port, subnetId }))),
            },
            { parent: this },
        );
        this.vipAddress = lb.vipAddress;
        this.registerOutputs({ vipAddress: this.vipAddress });
    }
}
