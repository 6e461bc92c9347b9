import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import { IngressRule } from "../net/firewall";

export interface DualStackNetworkArgs {
    /** IPv4 subnet of the hosts. */
    readonly nodeCidr: string;
    /** IPv6 /64 of the hosts (unused when a subnet pool is given). */
    readonly nodeIpv6Cidr: string;
    /** IPv6 subnet pool to allocate the /64 from; empty to use nodeIpv6Cidr. */
    readonly ipv6SubnetPool: string;
    /** `slaac` or `dhcpv6-stateless`: used for both address and RA mode so they always match. */
    readonly ipv6Mode: string;
    /** External network name for the router gateway. */
    readonly externalNetwork: string;
    /** Ingress from outside the cluster (admin and NodePort ranges). */
    readonly ingress: readonly IngressRule[];
}

/**
 * A network with an IPv4 and an IPv6 subnet, a router to the external network with an
 * interface on each, and security groups mirroring the AWS ones in both ethertypes.
 */
export class DualStackNetwork extends pulumi.ComponentResource {
    public readonly networkId: pulumi.Output<string>;
    public readonly ipv4SubnetId: pulumi.Output<string>;
    public readonly ipv6SubnetId: pulumi.Output<string>;
    public readonly externalNetworkName: string;
    /** Group names per role: every node gets `cluster`, plus its role's group. */
    public readonly securityGroups: { cluster: pulumi.Output<string>; controlPlane: pulumi.Output<string>; worker: pulumi.Output<string> };

    constructor(name: string, args: DualStackNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ck-dualstack:openstack:DualStackNetwork", name, {}, opts);
        const network = new openstack.networking.Network(`${name}-net`, { adminStateUp: true }, { parent: this });
        const ipv4 = new openstack.networking.Subnet(
            `${name}-ipv4`,
            { networkId: network.id, ipVersion: 4, cidr: args.nodeCidr },
            { parent: this },
        );
        const ipv6 = new openstack.networking.Subnet(
            `${name}-ipv6`,
            {
                networkId: network.id,
                ipVersion: 6,
                ...(args.ipv6SubnetPool ? { subnetpoolId: args.ipv6SubnetPool, prefixLength: 64 } : { cidr: args.nodeIpv6Cidr }),
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
        for (const [suffix, subnet] of [
            ["ipv4", ipv4],
            ["ipv6", ipv6],
        ] as const) {
            new openstack.networking.RouterInterface(
                `${name}-router-${suffix}`,
                { routerId: router.id, subnetId: subnet.id },
                { parent: this },
            );
        }
        const group = (suffix: string, description: string, nodes: IngressRule["nodes"], self: boolean) => {
            const secgroup = new openstack.networking.SecGroup(`${name}-${suffix}`, { description }, { parent: this });
            if (self) {
                for (const ethertype of ["IPv4", "IPv6"]) {
                    new openstack.networking.SecGroupRule(
                        `${name}-${suffix}-self-${ethertype.toLowerCase()}`,
                        {
                            direction: "ingress",
                            ethertype,
                            remoteGroupId: secgroup.id,
                            securityGroupId: secgroup.id,
                            description: "all traffic between cluster nodes",
                        },
                        { parent: this },
                    );
                }
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
            return secgroup.name;
        };
        this.securityGroups = {
            cluster: group("cluster", "ck-dualstack cluster nodes", "all", true),
            controlPlane: group("control-plane", "ck-dualstack Kubernetes API", "control-plane", false),
            worker: group("workers", "ck-dualstack worker NodePorts (IPv4 and IPv6)", "worker", false),
        };
        this.networkId = network.id;
        this.ipv4SubnetId = ipv4.id;
        this.ipv6SubnetId = ipv6.id;
        this.externalNetworkName = args.externalNetwork;
        this.registerOutputs({ networkId: this.networkId, ipv4SubnetId: this.ipv4SubnetId, ipv6SubnetId: this.ipv6SubnetId });
    }
}
