import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import { IngressRule, NODE_PORT_RANGE, PATH_MTU_RULES, RuleTarget, clusterInternalRules } from "../net/firewall";

export interface DualStackNetworkArgs {
    /** IPv4 subnet of the hosts. */
    readonly nodeCidr: string;
    /** IPv6 /64 of the hosts, used only when ipv6SubnetPool is empty (not routed from outside). */
    readonly nodeIpv6Cidr: string;
    /** IPv6 subnet pool to allocate the /64 from: `default`, a pool ID or a pool name; empty for nodeIpv6Cidr. */
    readonly ipv6SubnetPool: string;
    /** `slaac` or `dhcpv6-stateless`: used for both address and RA mode so they always match. */
    readonly ipv6Mode: string;
    /** External network name for the router gateway. */
    readonly externalNetwork: string;
    /** Ingress from outside the cluster (admin and NodePort ranges). */
    readonly ingress: readonly IngressRule[];
    /** An Octavia load balancer will forward to the workers from the IPv6 subnet: admit it there. */
    readonly loadBalancer: boolean;
}

/**
 * The path MTU ICMP rules (net/firewall.ts), as Neutron takes them: for ICMP it reads port_range_min
 * as the type and port_range_max as the code (neutron/db/securitygroups_db.py `_validate_port_range`);
 * the provider leaves a code of 0 out (gophercloud CreateOpts `port_range_max,omitempty`), which for
 * type 2, whose only code is 0, admits the same messages.
 */
const PATH_MTU_SECGROUP_RULES = PATH_MTU_RULES.map((rule) => ({
    ethertype: rule.family,
    protocol: rule.family === "IPv6" ? "ipv6-icmp" : "icmp",
    portRangeMin: rule.type,
    portRangeMax: rule.code,
    remoteIpPrefix: rule.cidr,
    description: rule.description,
}));

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** How the IPv6 subnet gets its /64: a fixed CIDR, a pool ID, or a pool to look up. */
export type Ipv6Source = { cidr: string } | { poolId: string } | { lookup: { isDefault: true } | { name: string } };

/** Reads `ipv6SubnetPool`: empty for nodeIpv6Cidr, `default` for the project's default IPv6 pool, a UUID, or a name. */
export function ipv6Source(ipv6SubnetPool: string, nodeIpv6Cidr: string): Ipv6Source {
    if (ipv6SubnetPool === "") return { cidr: nodeIpv6Cidr };
    if (ipv6SubnetPool === "default") return { lookup: { isDefault: true } };
    if (UUID.test(ipv6SubnetPool)) return { poolId: ipv6SubnetPool };
    return { lookup: { name: ipv6SubnetPool } };
}

/**
 * A network with an IPv4 and an IPv6 subnet, a router to the external network with an interface
 * on each, and security groups mirroring the AWS ones in both ethertypes. The IPv6 /64 comes from
 * a subnet pool the external network routes (Neutron routers do not NAT IPv6 and floating IPs are
 * IPv4 only), unless the operator chose a fixed, unrouted nodeIpv6Cidr.
 */
export class DualStackNetwork extends pulumi.ComponentResource {
    public readonly networkId: pulumi.Output<string>;
    public readonly ipv4SubnetId: pulumi.Output<string>;
    public readonly ipv6SubnetId: pulumi.Output<string>;
    /** The IPv6 /64 as Neutron allocated it (from the pool, known only after creation). */
    public readonly ipv6SubnetCidr: pulumi.Output<string>;
    public readonly externalNetworkName: string;
    /** The router's interfaces: floating IPs can only be associated once they exist. */
    public readonly routerInterfaces: openstack.networking.RouterInterface[];
    /** Group IDs per role, for ports: every node gets `cluster`, the API node `api`, workers `worker`. */
    public readonly securityGroupIds: { cluster: pulumi.Output<string>; api: pulumi.Output<string>; worker: pulumi.Output<string> };

    constructor(name: string, args: DualStackNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:openstack:DualStackNetwork", name, {}, opts);
        const network = new openstack.networking.Network(`${name}-net`, { adminStateUp: true }, { parent: this });
        const ipv4 = new openstack.networking.Subnet(
            `${name}-ipv4`,
            { networkId: network.id, ipVersion: 4, cidr: args.nodeCidr },
            { parent: this },
        );
        const source = ipv6Source(args.ipv6SubnetPool, args.nodeIpv6Cidr);
        const addressing =
            "cidr" in source
                ? { cidr: source.cidr }
                : {
                      subnetpoolId:
                          "poolId" in source
                              ? source.poolId
                              : openstack.networking.getSubnetPoolOutput({ ipVersion: 6, ...source.lookup }, { parent: this }).id,
                      prefixLength: 64,
                  };
        const ipv6 = new openstack.networking.Subnet(
            `${name}-ipv6`,
            {
                networkId: network.id,
                ipVersion: 6,
                ...addressing,
                ipv6AddressMode: args.ipv6Mode,
                ipv6RaMode: args.ipv6Mode,
            },
            { parent: this },
        );
        const external = openstack.networking.getNetworkOutput({ name: args.externalNetwork }, { parent: this });
        const router = new openstack.networking.Router(
            `${name}-router`,
            { externalNetworkId: external.id, adminStateUp: true },
            { parent: this },
        );
        this.routerInterfaces = (
            [
                ["ipv4", ipv4],
                ["ipv6", ipv6],
            ] as const
        ).map(
            ([suffix, subnet]) =>
                new openstack.networking.RouterInterface(
                    `${name}-router-${suffix}`,
                    { routerId: router.id, subnetId: subnet.id },
                    { parent: this },
                ),
        );
        const group = (suffix: string, description: string, nodes: RuleTarget, self: boolean) => {
            const secgroup = new openstack.networking.SecGroup(`${name}-${suffix}`, { description }, { parent: this });
            if (self) {
                for (const internal of clusterInternalRules()) {
                    new openstack.networking.SecGroupRule(
                        `${name}-${suffix}-self-${internal.family.toLowerCase()}`,
                        {
                            direction: "ingress",
                            ethertype: internal.family,
                            // No protocol: every protocol, Calico's VXLAN (UDP 4789) included.
                            remoteGroupId: secgroup.id,
                            securityGroupId: secgroup.id,
                            description: internal.description,
                        },
                        { parent: this },
                    );
                }
                PATH_MTU_SECGROUP_RULES.forEach((rule) => {
                    new openstack.networking.SecGroupRule(
                        `${name}-${suffix}-path-mtu-${rule.ethertype.toLowerCase()}`,
                        { direction: "ingress", securityGroupId: secgroup.id, ...rule },
                        { parent: this },
                    );
                });
            }
            args.ingress
                .filter((rule) => rule.nodes === nodes)
                .forEach((rule, i) => {
                    new openstack.networking.SecGroupRule(
                        `${name}-${suffix}-${i}`,
                        {
                            direction: "ingress",
                            ethertype: rule.family,
                            protocol: rule.protocol,
                            portRangeMin: rule.fromPort,
                            portRangeMax: rule.toPort,
                            remoteIpPrefix: rule.cidr,
                            securityGroupId: secgroup.id,
                            description: rule.description,
                        },
                        { parent: this },
                    );
                });
            return secgroup;
        };
        const workers = group("workers", "ck-dualstack worker NodePorts (IPv4 and IPv6)", "worker", false);
        if (args.loadBalancer) {
            // Octavia reaches members from its own port on the member subnet (the VIP's subnet
            // here), which is in none of our groups: admit that subnet on the NodePorts.
            new openstack.networking.SecGroupRule(
                `${name}-workers-octavia`,
                {
                    direction: "ingress",
                    ethertype: "IPv6",
                    protocol: "tcp",
                    portRangeMin: NODE_PORT_RANGE.from,
                    portRangeMax: NODE_PORT_RANGE.to,
                    remoteIpPrefix: ipv6.cidr,
                    securityGroupId: workers.id,
                    description: "nodeports from the Octavia load balancer on the IPv6 subnet (health checks, forwarded clients)",
                },
                { parent: this },
            );
        }
        this.securityGroupIds = {
            cluster: group("cluster", "ck-dualstack cluster nodes", "all", true).id,
            api: group("api", "ck-dualstack Kubernetes API (kubeapi-load-balancer node)", "api", false).id,
            worker: workers.id,
        };
        this.networkId = network.id;
        this.ipv4SubnetId = ipv4.id;
        this.ipv6SubnetId = ipv6.id;
        this.ipv6SubnetCidr = ipv6.cidr;
        this.externalNetworkName = args.externalNetwork;
        this.registerOutputs({
            networkId: this.networkId,
            ipv4SubnetId: this.ipv4SubnetId,
            ipv6SubnetId: this.ipv6SubnetId,
            ipv6SubnetCidr: this.ipv6SubnetCidr,
        });
    }
}
