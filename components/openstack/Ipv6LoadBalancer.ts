import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import { OctaviaProvider } from "../config/cloudRules";
import { familyOf } from "../net/cidr";
import { LOAD_BALANCER_PORT } from "../net/firewall";

/**
 * What each provider accepts of what we send, and so how clients are filtered:
 * - amphora balances ROUND_ROBIN and filters clients on the listener (`allowed_cidrs`); it has no
 *   SOURCE_IP_PORT (octavia api/drivers/amphora_driver/v2/driver.py, AMPHORA_SUPPORTED_LB_ALGORITHMS
 *   = ROUND_ROBIN, SOURCE_IP, LEAST_CONNECTIONS);
 * - ovn balances only SOURCE_IP_PORT up to ovn-octavia-provider 10.0.0 (2026.1; driver.py
 *   `_check_for_supported_algorithms`, common/constants.py OVN_NATIVE_LB_ALGORITHMS; master added
 *   SOURCE_IP in commit 7fd3646, merged 2026-08-04) and refuses `allowed_cidrs` (`_check_for_allowed_cidrs`). Its load
 *   balancer is a NAT rule in OVN: members see the client's own address, so the workers' security
 *   group, which admits only nodePortCidrs on the NodePorts, filters the clients instead.
 */
const OCTAVIA_PROVIDER_RULES: Record<OctaviaProvider, { lbMethod: string; listenerFilters: boolean }> = {
    amphora: { lbMethod: "ROUND_ROBIN", listenerFilters: true },
    ovn: { lbMethod: "SOURCE_IP_PORT", listenerFilters: false },
};

/**
 * Names a load balancer's provider reads back as, for the driver behind it: `octavia` and
 * `amphorav2` are other names of the amphora driver (octavia setup.cfg, `octavia.api.drivers` entry
 * points, all three AmphoraProviderDriver), which a load balancer created before octaviaProvider
 * was pinned may carry as the cloud's default.
 */
const OCTAVIA_DRIVER_OF: Record<string, OctaviaProvider> = { amphora: "amphora", amphorav2: "amphora", octavia: "amphora", ovn: "ovn" };

/** The driver a load balancer runs, from the provider it reads back as; refuses one ck-dualstack does not know what to send to. */
export function octaviaDriverOf(provider: string): OctaviaProvider {
    const driver = OCTAVIA_DRIVER_OF[provider];
    if (driver === undefined) {
        throw new Error(
            `the Octavia load balancer runs provider ${provider}; ck-dualstack knows what amphora and ovn accept only ` +
                "(a provider is chosen when the load balancer is created: see docs/clouds.md, OpenStack)",
        );
    }
    return driver;
}

export interface Ipv6LoadBalancerArgs {
    /** The Octavia provider a new load balancer gets (a cloud's default provider may be either); a deployed one keeps its own. */
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
        if (args.clientCidrs.length === 0 || args.clientCidrs.some((cidr) => familyOf(cidr) !== "IPv6")) {
            throw new Error(`the Octavia load balancer needs IPv6 client ranges only, got [${args.clientCidrs.join(", ")}]`);
        }
        // loadbalancer_provider is Optional, Computed and ForceNew, and Read sets it from the load
        // balancer's provider (terraform-provider-openstack v1.54.1, lb_loadbalancer_v2): it applies when
        // the load balancer is created, and is never compared afterwards, so neither a changed
        // octaviaProvider, nor a provider that reads back under another name (`octavia`, `amphorav2`),
        // nor a stack created before the pin (whose old inputs lack it) replaces the VIP.
        const lb = new openstack.loadbalancer.LoadBalancer(
            `${name}-lb`,
            { vipSubnetId: args.ipv6SubnetId, loadbalancerProvider: args.provider },
            { parent: this, ignoreChanges: ["loadbalancerProvider"] },
        );
        // What the listener and pool send follows the driver the load balancer really runs (the
        // pool's lb_algorithm and the listener's allowed_cidrs are updated in place).
        const rules = lb.loadbalancerProvider.apply((provider) => {
            const driver = octaviaDriverOf(provider);
            if (driver !== args.provider) {
                pulumi.log.warn(
                    `octaviaProvider is ${args.provider}, but the deployed load balancer runs ${provider}: it keeps it ` +
                        "(the provider applies when the load balancer is created; see docs/clouds.md, OpenStack)",
                    this,
                );
            }
            return OCTAVIA_PROVIDER_RULES[driver];
        });
        const listener = new openstack.loadbalancer.Listener(
            `${name}-http`,
            {
                loadbalancerId: lb.id,
                protocol: "TCP",
                protocolPort: LOAD_BALANCER_PORT,
                // ovn refuses a non-empty list only (ovn-octavia-provider driver.py `_check_for_allowed_cidrs`).
                allowedCidrs: rules.apply((r) => (r.listenerFilters ? [...args.clientCidrs] : [])),
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
