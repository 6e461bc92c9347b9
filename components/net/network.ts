import { Cidr, formatCidr, parseCidr, subnetAt } from "./cidr";
import { FamilyPlan } from "./families";

/** IPv4 subnets take 4 more prefix bits than the host block: 16 slots, public first, private from 8. */
const SUBNET_BITS = 4;
const PRIVATE_OFFSET = 8;

/** One subnet of the AWS layout; its IPv6 /64 is the `ipv6Index`-th of the VPC's /56. */
export interface SubnetLayout {
    readonly name: string;
    readonly zoneIndex: number;
    readonly public: boolean;
    readonly ipv4Cidr: string;
    readonly ipv6Index: number;
}

/** Public (and optionally private) subnets across availability zones, IPv4 carved from nodeCidr. */
export function awsSubnetLayout(nodeCidr: string, zones: number, privateSubnets: boolean): SubnetLayout[] {
    const parent = parseCidr(nodeCidr) as Cidr;
    const layout: SubnetLayout[] = [];
    for (let zone = 0; zone < zones; zone++) {
        layout.push({
            name: `public-${zone}`,
            zoneIndex: zone,
            public: true,
            ipv4Cidr: formatCidr(subnetAt(parent, parent.prefix + SUBNET_BITS, zone)),
            ipv6Index: zone,
        });
        if (privateSubnets) {
            layout.push({
                name: `private-${zone}`,
                zoneIndex: zone,
                public: false,
                ipv4Cidr: formatCidr(subnetAt(parent, parent.prefix + SUBNET_BITS, PRIVATE_OFFSET + zone)),
                ipv6Index: PRIVATE_OFFSET + zone,
            });
        }
    }
    return layout;
}

/** The `index`-th /64 of an Amazon-provided /56, once the VPC's block is known. */
export function ipv6SubnetOf(vpcIpv6Cidr: string, index: number): string {
    const parent = parseCidr(vpcIpv6Cidr);
    if ("error" in parent) throw new Error(`VPC IPv6 block ${vpcIpv6Cidr}: ${parent.error}`);
    return formatCidr(subnetAt(parent, 64, index));
}

/** The validated settings the network plan shows (a StackConfig has them: net/ does not depend on config/). */
export interface NetworkSettings {
    readonly cloud: string;
    readonly nodeCidr: string;
    readonly availabilityZones: number;
    readonly privateSubnets: boolean;
    readonly nodeIpv6Cidr: string;
    readonly ipv6SubnetPool: string;
    readonly ipv6Mode: string;
    /** `hosts` entries of cloud=existing, addresses in canonical form. */
    readonly hosts: readonly string[];
}

/** What `out/<stack>/network.json` holds: the families and the subnet layout to review. */
export function networkPlan(config: NetworkSettings, families: FamilyPlan): object {
    const base = { cloud: config.cloud, ...families };
    switch (config.cloud) {
        case "aws":
            return {
                ...base,
                vpc: { ipv4Cidr: config.nodeCidr, ipv6Cidr: "Amazon-provided /56, known after the VPC exists" },
                subnets: awsSubnetLayout(config.nodeCidr, config.availabilityZones, config.privateSubnets).map((s) => ({
                    ...s,
                    ipv6Cidr: `/64 number ${s.ipv6Index} of the VPC's /56`,
                })),
            };
        case "openstack":
            return {
                ...base,
                subnets: [
                    { name: "ipv4", cidr: config.nodeCidr },
                    {
                        name: "ipv6",
                        cidr: config.ipv6SubnetPool ? `a /64 from subnet pool ${config.ipv6SubnetPool}` : config.nodeIpv6Cidr,
                        ipv6AddressMode: config.ipv6Mode,
                        ipv6RaMode: config.ipv6Mode,
                    },
                ],
            };
        case "existing":
            return { ...base, hosts: config.hosts };
        default:
            return { ...base, nodes: "local sandbox nodes; nothing is created in a cloud" };
    }
}
