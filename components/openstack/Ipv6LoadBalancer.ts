import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import { OctaviaProvider } from "../config/cloudRules";
import { LOAD_BALANCER_PORT } from "../net/firewall";

/**
 * What each provider accepts of what we send, and so how clients are filtered:
 * - amphora balances ROUND_ROBIN and filters clients on the listener (`allowed_cidrs`); it has no
 *   SOURCE_IP_PORT ("the reference driver does not support SOURCE-IP-PORT", octavia-tempest-plugin
 *   api/v2 test_pool.py, which skips that case on amphora);
 * - ovn balances only SOURCE_IP_PORT (ovn-octavia-provider driver.py `_check_for_supported_algorithms`,
 *   OVN_NATIVE_LB_ALGORITHMS) and refuses `allowed_cidrs` (`_check_for_allowed_cidrs`). Its load
 *   balancer is a NAT rule in OVN: members see the client's own address, so the workers' security
 *   group, which admits only nodePortCidrs on the NodePorts, filters the clients instead.
 */
const OCTAVIA_PROVIDER_RULES: Record<OctaviaProvider, { lbMethod: string; listenerFilters: boolean }> = {
    amphora: { lbMethod: "ROUND_ROBIN", listenerFilters: true },
    ovn: { lbMethod: "SOURCE_IP_PORT", listenerFilters: false },
};

export interface Ipv6LoadBalancerArgs {
    /** The Octavia provider, pinned: a cloud's default provider may be either. */
    readonly provider: OctaviaProvider;
    /** IPv6 subnet for the VIP and the members (the workers' security group admits it on the NodePorts). */
    readonly ipv6SubnetId: pulumi.Input<string>;
    /** Workers' IPv6 addresses, without brackets. */
    readonly workerAddresses: pulumi.Input<string[]>;
    /** The NodePort on the workers. */
    readonly nodePort: pulumi.Input<number>;
    /**
     * The IPv6 client ranges (nodePortCidrs): the amphora listener admits only these (Octavia admits
     * everyone on an empty list and refuses IPv4 sources on an IPv6 VIP); with ovn the workers' group does.
     */
    readonly clientCidrs: readonly string[];
}

/** An Octavia load balancer with an IPv6 VIP on port 80, forwarding to the workers' NodePort over IPv6. */
export class Ipv6LoadBalancer extends pulumi.ComponentResource {
    public readonly vipAddress: pulumi.Output<string>;

    constructor(name: string, args: Ipv6LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:openstack:Ipv6LoadBalancer", name, {}, opts);
        if (args.clientCidrs.length === 0 || args.clientCidrs.some((cidr) => !cidr.includes(":"))) {
            throw new Error(`the Octavia load balancer needs IPv6 client ranges only, got [${args.clientCidrs.join(", ")}]`);
        }
        const rules = OCTAVIA_PROVIDER_RULES[args.provider];
        // loadbalancer_provider is ForceNew (terraform-provider-openstack v1.54.1, lb_loadbalancer_v2):
        // pinned, so a cloud whose default provider changes does not move the VIP.
        const lb = new openstack.loadbalancer.LoadBalancer(
            `${name}-lb`,
            { vipSubnetId: args.ipv6SubnetId, loadbalancerProvider: args.provider },
            { parent: this },
        );
        const listener = new openstack.loadbalancer.Listener(
            `${name}-http`,
            {
                loadbalancerId: lb.id,
                protocol: "TCP",
                protocolPort: LOAD_BALANCER_PORT,
                ...(rules.listenerFilters ? { allowedCidrs: [...args.clientCidrs] } : {}),
            },
            { parent: this },
        );
        const pool = new openstack.loadbalancer.Pool(
            `${name}-pool`,
            { listenerId: listener.id, protocol: "TCP", lbMethod: rules.lbMethod },
            { parent: this },
        );
        // TCP health monitors: both providers have them (ovn-octavia-provider SUPPORTED_HEALTH_MONITOR_TYPES).
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
