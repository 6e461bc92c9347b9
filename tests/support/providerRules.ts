/**
 * What the AWS and OpenStack providers (and the APIs behind them) refuse of what a program sends,
 * checked on every registration under mocks (support/mocks.ts), so a mock `pulumi preview` or `up`
 * of a stack fails its test where the real one would fail halfway. Each rule cites where the real
 * refusal comes from. Values unknown at preview are not judged (the provider judges them at apply).
 *
 * These rules are written from the providers' sources, never from the program's own code: a test
 * that reused the program's rules would pass whatever they said.
 */
import * as pulumi from "@pulumi/pulumi";
import { Cidr, familyOf, formatCidr, isCidrError, parseCidr } from "../../components/net/cidr";

type State = Record<string, unknown>;

/** A registration as the mock cloud saw it: inputs, the state it answered, and which resource each input came from. */
export interface Submitted {
    readonly type: string;
    readonly name: string;
    readonly inputs: State;
    readonly state: State;
    /** Input property -> keys (`type::name`) of the resources whose outputs it holds (the engine's property dependencies). */
    readonly refs: Readonly<Record<string, readonly string[]>>;
}

/** A value the program decided: not the engine's unknown, and nothing unknown inside it. */
function decided(value: unknown): boolean {
    if (value === undefined || pulumi.isUnknown(value)) return false;
    if (Array.isArray(value)) return value.every(decided);
    if (value && typeof value === "object") return Object.values(value).every(decided);
    return true;
}

function canonical(cidr: string): string {
    const parsed = parseCidr(cidr);
    return isCidrError(parsed) ? cidr : formatCidr(parsed as Cidr);
}

// ---- AWS -------------------------------------------------------------------------------------

/**
 * terraform-provider-aws internal/service/ec2/validate.go, validSecurityGroupRuleDescription: at
 * most 255 characters of `A-Za-z0-9 ._-:/()#,@[]+=&;{}!$*` (the EC2 API's IpRange description).
 */
const AWS_RULE_DESCRIPTION = /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]{0,255}$/;
/** EC2 CreateSecurityGroup GroupDescription: "Valid characters for VPC: a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*", up to 255. */
const AWS_GROUP_DESCRIPTION = AWS_RULE_DESCRIPTION;
/** Amazon VPC quotas, "Inbound or outbound rules per security group": 60 per direction, IPv4 and IPv6 counted apart; a group reference counts in both. */
const AWS_RULES_PER_GROUP = 60;
/**
 * Names of load balancers and target groups: at most 32 characters (ELB API CreateLoadBalancer and
 * CreateTargetGroup, `Name`). The engine names them `<resource name>-<7 hex>` when no name is given
 * (Pulumi auto-naming), so the resource name has 24 characters at most.
 */
const AWS_ELB_NAME_MAX = 32;
const AUTONAME_SUFFIX = 8;
/** The processor of an instance type family (EC2 instance types guide: `g` after the generation is Graviton, arm64). */
const AWS_FAMILY_ARCHITECTURE: Record<string, string> = {
    t3: "x86_64",
    t3a: "x86_64",
    m5: "x86_64",
    m6i: "x86_64",
    m7i: "x86_64",
    c5: "x86_64",
    c6i: "x86_64",
    r6i: "x86_64",
    t4g: "arm64",
    m6g: "arm64",
    m7g: "arm64",
    c7g: "arm64",
    r8g: "arm64",
};
/** ImportKeyPair "Imports the public key from an RSA or ED25519 key pair" (EC2 API reference). */
const AWS_KEY_TYPES = /^(ssh-ed25519|ssh-rsa) /;

interface AwsRule {
    protocol?: string;
    fromPort?: number;
    toPort?: number;
    cidrBlocks?: string[];
    ipv6CidrBlocks?: string[];
    securityGroups?: string[];
    self?: boolean;
    description?: string;
}

function awsSecurityGroup(resource: Submitted): string[] {
    const refusals: string[] = [];
    const description = resource.inputs.description;
    if (typeof description === "string" && !AWS_GROUP_DESCRIPTION.test(description)) {
        refusals.push(`group description ${JSON.stringify(description)} has characters EC2 refuses (CreateSecurityGroup GroupDescription)`);
    }
    for (const direction of ["ingress", "egress"] as const) {
        const rules = (resource.inputs[direction] ?? []) as AwsRule[];
        const count = { IPv4: 0, IPv6: 0 };
        const seen = new Set<string>();
        for (const rule of rules) {
            if (typeof rule.description === "string" && !AWS_RULE_DESCRIPTION.test(rule.description)) {
                refusals.push(
                    `${direction} rule description ${JSON.stringify(rule.description)} fails validSecurityGroupRuleDescription ` +
                        "(terraform-provider-aws internal/service/ec2/validate.go)",
                );
            }
            const references = (rule.self ? 1 : 0) + (Array.isArray(rule.securityGroups) ? rule.securityGroups.length : 0);
            const v4 = Array.isArray(rule.cidrBlocks) ? rule.cidrBlocks : [];
            const v6 = Array.isArray(rule.ipv6CidrBlocks) ? rule.ipv6CidrBlocks : [];
            count.IPv4 += v4.length + references;
            count.IPv6 += v6.length + references;
            for (const cidr of [...v4, ...v6].filter(decided)) {
                const key = `${rule.protocol}|${rule.fromPort}|${rule.toPort}|${canonical(cidr)}`;
                if (seen.has(key)) refusals.push(`${direction} rule ${key} appears twice (EC2 InvalidPermission.Duplicate)`);
                seen.add(key);
            }
            if (rule.protocol === "icmpv6" && v4.length > 0)
                refusals.push(`${direction} icmpv6 rule with IPv4 ranges (EC2 InvalidParameterValue)`);
        }
        for (const family of ["IPv4", "IPv6"] as const) {
            if (count[family] > AWS_RULES_PER_GROUP) {
                refusals.push(
                    `${count[family]} ${direction} ${family} rules, over the quota of ${AWS_RULES_PER_GROUP} per group (RulesPerSecurityGroupLimitExceeded; Amazon VPC quotas)`,
                );
            }
        }
    }
    return refusals;
}

function awsElbName(resource: Submitted): string[] {
    const name = resource.inputs.name;
    if (typeof name === "string")
        return name.length > AWS_ELB_NAME_MAX ? [`name ${name} is longer than ${AWS_ELB_NAME_MAX} characters (ELB API Name)`] : [];
    return resource.name.length + AUTONAME_SUFFIX > AWS_ELB_NAME_MAX
        ? [`auto-name of ${resource.name} would exceed ${AWS_ELB_NAME_MAX} characters (ELB API Name)`]
        : [];
}

// ---- OpenStack -------------------------------------------------------------------------------

/**
 * Protocols the provider accepts: terraform-provider-openstack v1.54.1
 * resource_openstack_networking_secgroup_rule_v2.go, resourceNetworkingSecGroupRuleV2Protocol (a
 * name from this list, or a number).
 */
const NEUTRON_PROTOCOLS = [
    "ah",
    "dccp",
    "egp",
    "esp",
    "gre",
    "icmp",
    "igmp",
    "ipv6-encap",
    "ipv6-frag",
    "ipv6-icmp",
    "ipv6-nonxt",
    "ipv6-opts",
    "ipv6-route",
    "ospf",
    "pgm",
    "rsvp",
    "sctp",
    "tcp",
    "udp",
    "udplite",
    "vrrp",
];
/** neutron-lib api/definitions: descriptions are at most 255 characters (db_const.DESCRIPTION_FIELD_SIZE). */
const NEUTRON_DESCRIPTION_MAX = 255;
/** Neutron's IPv6 address modes (neutron-lib constants IPV6_MODES). */
const NEUTRON_IPV6_MODES = ["slaac", "dhcpv6-stateful", "dhcpv6-stateless"];
/** Modes in which Neutron computes the address itself (EUI-64 from the MAC) and refuses a given one. */
const NEUTRON_AUTO_ADDRESS_MODES = ["slaac", "dhcpv6-stateless"];

/**
 * Octavia providers of this fake cloud and what each accepts:
 * - ovn: ovn-octavia-provider 10.0.0 (2026.1) driver.py `_check_for_supported_protocols` (TCP, UDP, SCTP),
 *   `_check_for_supported_algorithms` (common/constants.py OVN_NATIVE_LB_ALGORITHMS = SOURCE_IP_PORT
 *   only in that release; master added SOURCE_IP in commit 7fd3646, merged 2026-08-04),
 *   `_check_for_allowed_cidrs` ("OVN provider does not support allowed_cidrs option"),
 *   SUPPORTED_HEALTH_MONITOR_TYPES (TCP, UDP-CONNECT);
 * - amphora: octavia api/drivers/amphora_driver/v2/driver.py AMPHORA_SUPPORTED_LB_ALGORITHMS =
 *   [ROUND_ROBIN, SOURCE_IP, LEAST_CONNECTIONS] (no SOURCE_IP_PORT).
 * The default provider is the cloud's setting (octavia.conf [api_settings] default_provider_driver):
 * this cloud's is ovn, as on OVN-based clouds, so a load balancer that does not pin one gets ovn.
 */
const OCTAVIA_PROVIDERS: Record<string, { algorithms: string[]; protocols: string[]; monitors: string[]; allowedCidrs: boolean }> = {
    amphora: {
        algorithms: ["ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP"],
        protocols: ["TCP", "UDP", "HTTP", "HTTPS", "TERMINATED_HTTPS", "SCTP", "PROXY"],
        monitors: ["HTTP", "HTTPS", "PING", "TCP", "TLS-HELLO", "UDP-CONNECT", "SCTP"],
        allowedCidrs: true,
    },
    ovn: { algorithms: ["SOURCE_IP_PORT"], protocols: ["TCP", "UDP", "SCTP"], monitors: ["TCP", "UDP-CONNECT"], allowedCidrs: false },
};
// `octavia` and `amphorav2` are other names of the amphora driver (octavia setup.cfg, `octavia.api.drivers`).
OCTAVIA_PROVIDERS.octavia = OCTAVIA_PROVIDERS.amphora;
OCTAVIA_PROVIDERS.amphorav2 = OCTAVIA_PROVIDERS.amphora;
const OCTAVIA_DEFAULT_PROVIDER = "ovn";

/** The checks, with what they remember across registrations (rules per Neutron group, for duplicates). */
export class ProviderRules {
    private readonly submitted = new Map<string, Submitted>();
    private readonly neutronRules = new Map<string, Set<string>>();

    /** What the provider would refuse of this registration, each with its source; empty when it accepts it. */
    check(resource: Submitted): string[] {
        this.submitted.set(`${resource.type}::${resource.name}`, resource);
        return this.refusals(resource).map((why) => `${resource.type} ${resource.name}: ${why}`);
    }

    /** The resource an input came from, as registered. */
    private ref(resource: Submitted, property: string): Submitted | undefined {
        const key = (resource.refs[property] ?? [])[0];
        return key === undefined ? undefined : this.submitted.get(key);
    }

    /** The Octavia provider of the load balancer behind a listener, pool or monitor. */
    private octaviaProviderOf(resource: Submitted | undefined): string | undefined {
        if (!resource) return undefined;
        switch (resource.type) {
            case "openstack:loadbalancer/loadBalancer:LoadBalancer":
                // What it runs: a deployed load balancer keeps the provider it was created with.
                return (
                    ((resource.state.loadbalancerProvider ?? resource.inputs.loadbalancerProvider) as string | undefined) ??
                    OCTAVIA_DEFAULT_PROVIDER
                );
            case "openstack:loadbalancer/listener:Listener":
                return this.octaviaProviderOf(this.ref(resource, "loadbalancerId"));
            case "openstack:loadbalancer/pool:Pool":
                return this.octaviaProviderOf(this.ref(resource, "listenerId") ?? this.ref(resource, "loadbalancerId"));
            case "openstack:loadbalancer/monitor:Monitor":
                return this.octaviaProviderOf(this.ref(resource, "poolId"));
            default:
                return undefined;
        }
    }

    private refusals(resource: Submitted): string[] {
        const inputs = resource.inputs;
        switch (resource.type) {
            case "aws:ec2/securityGroup:SecurityGroup":
                return awsSecurityGroup(resource);
            case "aws:lb/loadBalancer:LoadBalancer": {
                const refusals = awsElbName(resource);
                // "dualstack" needs an IPv6 block on every subnet (ELB API SetIpAddressType / CreateLoadBalancer IpAddressType).
                if (inputs.ipAddressType === "dualstack") {
                    for (const key of (resource.refs.subnets ?? []).filter((ref) => ref.startsWith("aws:ec2/subnet:Subnet::"))) {
                        const subnet = this.submitted.get(key);
                        if (subnet && subnet.inputs.ipv6CidrBlock === undefined)
                            refusals.push(`dualstack in ${subnet.name}, which has no IPv6 block`);
                    }
                }
                return refusals;
            }
            case "aws:lb/targetGroup:TargetGroup": {
                const refusals = awsElbName(resource);
                // ELB docs, "IP address type" of target groups: IPv6 target groups take only `ip` targets.
                if (inputs.ipAddressType === "ipv6" && inputs.targetType !== "ip")
                    refusals.push("an ipv6 target group needs targetType ip");
                return refusals;
            }
            case "aws:ec2/instance:Instance": {
                const type = inputs.instanceType;
                if (typeof type !== "string") return [];
                const architecture = AWS_FAMILY_ARCHITECTURE[type.split(".")[0]];
                if (!architecture) return [`instance type ${type} is not offered here (InvalidParameterValue)`];
                const image = this.submitted.get(`ami::${String(inputs.ami)}`);
                const imageArchitecture = image?.state.architecture;
                // RunInstances: "The architecture '<type's>' of the specified instance type does not match the architecture '<AMI's>' of the specified AMI."
                return imageArchitecture && imageArchitecture !== architecture
                    ? [
                          `instance type ${type} is ${architecture} but AMI ${String(inputs.ami)} is ${String(imageArchitecture)} (InvalidParameterValue)`,
                      ]
                    : [];
            }
            case "aws:ec2/keyPair:KeyPair":
                return typeof inputs.publicKey === "string" && !AWS_KEY_TYPES.test(inputs.publicKey)
                    ? ["ImportKeyPair takes only RSA and ED25519 keys"]
                    : [];
            case "openstack:networking/secGroupRule:SecGroupRule":
                return this.neutronRule(resource);
            case "openstack:networking/subnet:Subnet": {
                const refusals: string[] = [];
                for (const key of ["ipv6AddressMode", "ipv6RaMode"]) {
                    const mode = inputs[key];
                    if (mode !== undefined && !NEUTRON_IPV6_MODES.includes(String(mode)))
                        refusals.push(`${key} ${String(mode)} is not an IPv6 mode`);
                }
                // neutron/db/db_base_plugin_v2.py `_validate_ipv6_combination`: both modes set must be equal.
                if (inputs.ipv6AddressMode && inputs.ipv6RaMode && inputs.ipv6AddressMode !== inputs.ipv6RaMode) {
                    refusals.push("ipv6_ra_mode and ipv6_address_mode differ (Neutron InvalidInput)");
                }
                if (inputs.cidr === undefined && inputs.subnetpoolId === undefined)
                    refusals.push("neither cidr nor subnetpool_id (Neutron BadRequest)");
                return refusals;
            }
            case "openstack:networking/port:Port": {
                // Neutron refuses a given address on a subnet that computes its own (neutron/db/
                // ipam_pluggable_backend.py `_test_fixed_ips_for_port`: "IPv6 address ... can not be directly assigned to a port on
                // subnet ... since the subnet is configured for automatic addresses").
                const fixedIps = (inputs.fixedIps ?? []) as { subnetId?: string; ipAddress?: string }[];
                const subnets = (resource.refs.fixedIps ?? []).map((key) => this.submitted.get(key));
                return fixedIps.flatMap((fixed) => {
                    if (typeof fixed.ipAddress !== "string") return [];
                    const version = familyOf(fixed.ipAddress) === "IPv6" ? 6 : 4;
                    const subnet =
                        this.submittedById(fixed.subnetId) ?? subnets.find((candidate) => candidate?.inputs.ipVersion === version);
                    const mode = subnet?.inputs.ipv6AddressMode;
                    return NEUTRON_AUTO_ADDRESS_MODES.includes(String(mode))
                        ? [`fixed address ${fixed.ipAddress} on a ${String(mode)} subnet`]
                        : [];
                });
            }
            case "openstack:compute/instance:Instance": {
                // compute_instance_v2.go (v1.54.1) boots from image_id or image_name; only image_id is read back
                // from the server, so a node booted by name can be rebuilt when the name resolves elsewhere.
                if (inputs.imageId === undefined && inputs.imageName === undefined) return ["no image_id nor image_name"];
                return [];
            }
            case "openstack:loadbalancer/loadBalancer:LoadBalancer": {
                const provider = inputs.loadbalancerProvider;
                return provider !== undefined && !(String(provider) in OCTAVIA_PROVIDERS)
                    ? [`provider ${String(provider)} is not enabled on this cloud (Octavia 400 "Provider ... is not enabled")`]
                    : [];
            }
            case "openstack:loadbalancer/listener:Listener": {
                const provider = this.octaviaProviderOf(resource);
                const rules = provider ? OCTAVIA_PROVIDERS[provider] : undefined;
                const refusals: string[] = [];
                if (rules && typeof inputs.protocol === "string" && !rules.protocols.includes(inputs.protocol)) {
                    refusals.push(`${provider} provider does not support ${inputs.protocol} protocol (_check_for_supported_protocols)`);
                }
                const allowed = (inputs.allowedCidrs ?? []) as string[];
                if (rules && !rules.allowedCidrs && Array.isArray(allowed) && allowed.length > 0) {
                    refusals.push(
                        `${provider} provider does not support allowed_cidrs option (ovn-octavia-provider driver.py _check_for_allowed_cidrs)`,
                    );
                }
                return refusals;
            }
            case "openstack:loadbalancer/pool:Pool": {
                const provider = this.octaviaProviderOf(resource);
                const rules = provider ? OCTAVIA_PROVIDERS[provider] : undefined;
                return rules && typeof inputs.lbMethod === "string" && !rules.algorithms.includes(inputs.lbMethod)
                    ? [`${provider} provider does not support ${inputs.lbMethod} algorithm (_check_for_supported_algorithms)`]
                    : [];
            }
            case "openstack:loadbalancer/monitor:Monitor": {
                const provider = this.octaviaProviderOf(resource);
                const rules = provider ? OCTAVIA_PROVIDERS[provider] : undefined;
                return rules && typeof inputs.type === "string" && !rules.monitors.includes(inputs.type)
                    ? [`${provider} provider does not support ${inputs.type} health monitors (SUPPORTED_HEALTH_MONITOR_TYPES)`]
                    : [];
            }
            default:
                return [];
        }
    }

    private submittedById(id: unknown): Submitted | undefined {
        if (!decided(id)) return undefined;
        for (const resource of this.submitted.values()) if (resource.state.id === id) return resource;
        return undefined;
    }

    /**
     * Neutron security group rules (neutron/db/securitygroups_db.py): ethertype matching the remote
     * prefix (`_validate_ip_prefix`, SecurityGroupRuleParameterConflict), ports in range
     * (`_validate_port_range`: for ICMP the type in port_range_min, the code in port_range_max, a code
     * without a type refused), a remote group and a remote prefix not both, descriptions of at most
     * 255 characters, and no rule twice in a group (`_check_for_duplicate_rules`, 409
     * SecurityGroupRuleExists; the description is not part of the comparison).
     */
    private neutronRule(resource: Submitted): string[] {
        const inputs = resource.inputs;
        const refusals: string[] = [];
        const protocol = inputs.protocol as string | undefined;
        if (protocol !== undefined && !NEUTRON_PROTOCOLS.includes(protocol) && !/^\d+$/.test(protocol)) {
            refusals.push(`protocol ${protocol} is not one the provider accepts`);
        }
        const prefix = inputs.remoteIpPrefix;
        if (typeof prefix === "string" && decided(prefix) && familyOf(prefix) !== inputs.ethertype) {
            refusals.push(
                `ethertype ${String(inputs.ethertype)} conflicts with remote prefix ${prefix} (SecurityGroupRuleParameterConflict)`,
            );
        }
        if (prefix !== undefined && inputs.remoteGroupId !== undefined) refusals.push("remote group and remote prefix both set");
        const min = inputs.portRangeMin as number | undefined;
        const max = inputs.portRangeMax as number | undefined;
        if (protocol === "icmp" || protocol === "ipv6-icmp") {
            if (max !== undefined && max !== 0 && min === undefined)
                refusals.push("ICMP code without an ICMP type (SecurityGroupMissingIcmpType)");
            for (const value of [min, max])
                if (value !== undefined && (value < 0 || value > 255)) refusals.push(`ICMP type/code ${value} out of 0-255`);
        } else if (protocol === "tcp" || protocol === "udp") {
            if (min !== undefined && max !== undefined && (min < 1 || max > 65535 || min > max))
                refusals.push(`port range ${min}-${max} is invalid`);
        }
        if (typeof inputs.description === "string" && inputs.description.length > NEUTRON_DESCRIPTION_MAX) {
            refusals.push(`description longer than ${NEUTRON_DESCRIPTION_MAX} characters`);
        }
        const groupKey =
            (resource.refs.securityGroupId ?? [])[0] ?? (decided(inputs.securityGroupId) ? String(inputs.securityGroupId) : undefined);
        const remote =
            (resource.refs.remoteGroupId ?? [])[0] ?? (typeof prefix === "string" && decided(prefix) ? canonical(prefix) : "any");
        if (groupKey !== undefined && (decided(prefix) || prefix === undefined)) {
            const key = [inputs.direction, inputs.ethertype, protocol ?? "any", min ?? "", max ?? "", remote].join("|");
            const rules = this.neutronRules.get(groupKey) ?? new Set<string>();
            if (rules.has(key)) refusals.push(`the same rule is already in the group (409 SecurityGroupRuleExists): ${key}`);
            rules.add(key);
            this.neutronRules.set(groupKey, rules);
        }
        return refusals;
    }

    /** Remembers what a data source answered (an AMI's architecture), for the checks of what uses it. */
    answered(kind: string, id: string, state: State): void {
        this.submitted.set(`${kind}::${id}`, { type: kind, name: id, inputs: {}, state, refs: {} });
    }
}
