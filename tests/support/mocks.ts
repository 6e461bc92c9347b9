/**
 * The one mock module of the component and program tests: pulumi.runtime.setMocks with answers
 * that follow what the real providers return, quirks included, each citing its source. Where a
 * provider computes a value from other resources (an address from a subnet), the mock computes it
 * from the state it gave those resources, so a component that wires the wrong thing gets the
 * wrong (or empty) answer, as it would in a real `pulumi up`.
 *
 * Every registration is also checked against what the providers refuse (support/providerRules.ts):
 * providerRefusals() lists what a real run would have failed on. In a preview, new resources' ids
 * and what the cloud decides at creation are unknown, as the engine reports them.
 *
 * Sources:
 * - @pulumi/openstack 3.15.2 wraps terraform-provider-openstack v1.54.1 (design.md, "Clouds");
 * - @pulumi/aws 7.48.0 wraps terraform-provider-aws (its docs are in node_modules/@pulumi/aws).
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { Cidr, familyOf, formatAddress, formatCidr, parseCidr, subnetAt } from "../../components/net/cidr";
import { ProviderRules } from "./providerRules";

/** A resource the program registered under mocks. */
export interface Registered {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    /** Names of the resources the engine was told it depends on (dependsOn and inputs' resources). */
    readonly dependencies: string[];
    /** The resource option replaceOnChanges, as the engine was told it. */
    readonly replaceOnChanges: string[];
    /** The name of the resource given as `deletedWith`, or "". */
    readonly deletedWith: string;
    /** The resource option ignoreChanges: inputs whose new values the engine replaces with the old ones. */
    readonly ignoreChanges: string[];
}

/** What the fake cloud holds besides what the program creates. */
export interface CloudOptions {
    /** Run as `pulumi preview` does: new resources' ids and what the cloud decides at creation are unknown. */
    readonly preview?: boolean;
    /** Canonical and the OpenStack operator have published a newer image since the stack was deployed. */
    readonly imagesRotated?: boolean;
    /**
     * The Octavia load balancer is already deployed and reads back this provider (lb_loadbalancer_v2
     * Read sets loadbalancer_provider from the load balancer's `provider`), whatever the program
     * sends: a stack created before octaviaProvider was pinned, or an alias such as `octavia`.
     */
    readonly deployedOctaviaProvider?: string;
    /**
     * AWS subnets already deployed, by name, and the zone each was created in (availability_zone is
     * read back from the subnet; the program's ignoreChanges keeps it), whatever the zone list says today.
     */
    readonly deployedSubnetZones?: Readonly<Record<string, string>>;
}

/** The /56 Amazon gives the VPC. */
export const VPC_IPV6 = "2600:1f18:abcd:ef00::/56";
/** The prefix of the project's default IPv6 subnet pool (a documentation range standing in for a routed one). */
export const POOL_IPV6 = "2001:db8:4000::/48";
/** The floating IPv4 pool of the external network. */
export const FLOATING_IPV4 = "203.0.113.0/24";
/** Where Amazon's pool hands Elastic IPs from (the instances' launch-time public IPv4s are in 198.51.100.0/24). */
export const EIP_IPV4 = "192.0.2.0/24";

type State = Record<string, unknown>;

/** A value already decided: a string that is not the engine's unknown (a preview's pending value). */
function known(value: unknown): value is string {
    return typeof value === "string" && value !== pulumi.runtime.unknownValue;
}

/**
 * The SLAAC address of a MAC in a /64: the modified EUI-64 interface id (the MAC's universal/local
 * bit flipped, ff:fe in the middle; RFC 4291 appendix A), as Neutron computes the address of a port
 * on a slaac or dhcpv6-stateless subnet (neutron/common/ipv6_utils.py get_ipv6_addr_by_EUI64).
 */
export function eui64Address(cidr: string, mac: string): string {
    const bytes = mac.split(":").map((part) => parseInt(part, 16));
    const iid = [bytes[0] ^ 0x02, bytes[1], bytes[2], 0xff, 0xfe, bytes[3], bytes[4], bytes[5]].reduce(
        (value, byte) => (value << 8n) | BigInt(byte),
        0n,
    );
    return formatAddress("IPv6", (parseCidr(cidr) as Cidr).network | iid);
}

/**
 * EC2's zones for this account (DescribeAvailabilityZones): Availability Zones that need no opt-in,
 * Local and Wavelength Zones the account opted into, and one it did not (listed only with
 * AllAvailabilityZones).
 */
const AWS_ZONES = [
    { name: "us-east-1-bos-1a", zoneId: "use1-bos1-az1", zoneType: "local-zone", optInStatus: "opted-in" },
    { name: "us-east-1-wl1-bos-wlz-1", zoneId: "use1-wl1-bos-wlz1", zoneType: "wavelength-zone", optInStatus: "opted-in" },
    { name: "us-east-1-mia-1a", zoneId: "use1-mia1-az1", zoneType: "local-zone", optInStatus: "not-opted-in" },
    { name: "us-east-1a", zoneId: "use1-az1", zoneType: "availability-zone", optInStatus: "opt-in-not-required" },
    { name: "us-east-1b", zoneId: "use1-az2", zoneType: "availability-zone", optInStatus: "opt-in-not-required" },
    { name: "us-east-1c", zoneId: "use1-az4", zoneType: "availability-zone", optInStatus: "opt-in-not-required" },
].map((zone) => ({ ...zone, state: "available" }));

/** The project's subnet pools (Neutron), the default IPv6 one routed by the external network. */
const SUBNET_POOLS = [
    {
        id: "6f1b5a3c-0d4e-4b8a-9c2f-3e7d1a2b4c5d",
        name: "shared-default-subnetpool-v6",
        ipVersion: 6,
        isDefault: true,
        prefixes: [POOL_IPV6],
    },
    {
        id: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        name: "shared-default-subnetpool-v4",
        ipVersion: 4,
        isDefault: true,
        prefixes: ["10.100.0.0/16"],
    },
    { id: "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d", name: "routed-v6", ipVersion: 6, isDefault: false, prefixes: ["2001:db8:5000::/48"] },
];

/** The n-th host address of a block, e.g. hostIn("10.0.0.0/24", 5) = "10.0.0.5". */
function hostIn(cidr: string, n: number): string {
    const block = parseCidr(cidr) as Cidr;
    const host = subnetAt(block, block.family === "IPv4" ? 32 : 128, n);
    return formatCidr(host).replace(/\/\d+$/, "");
}

/**
 * What a cloud picked for a resource at its creation (addresses, ids' numbers) stays with it: a later
 * run in the same process, as a second `up` that reads the resource from state, gets the same values,
 * whatever order the resources register in (an EIP keeps its address until released: aws_eip docs,
 * `public_ip` Computed; the engine diffs against the stored outputs, pulumi pkg/resource/deploy
 * step_generator.go). New resources get numbers no earlier one had.
 */
const pickedAtCreation = new Map<string, number>();
let creations = 0;

/** Per-process fake cloud: what it already created, by id, so later answers can depend on it. */
class FakeCloud {
    private readonly byId = new Map<string, { type: string; state: State }>();
    readonly rules = new ProviderRules();
    /** What the providers refused so far, one line each with its source. */
    readonly refusals: string[] = [];

    /** In a preview, what the cloud decides at creation is not known yet. */
    constructor(
        readonly preview: boolean,
        private readonly imagesRotated: boolean,
        private readonly deployedOctaviaProvider: string | undefined,
        private readonly deployedSubnetZones: Readonly<Record<string, string>>,
    ) {}

    /** A value the cloud picks at creation: unknown in a preview, as the engine reports it. */
    private atCreation<T>(value: T): T | string {
        return this.preview ? pulumi.runtime.unknownValue : value;
    }

    /** Unique like a cloud's: `<name>-id`, qualified by type when two resources share a name. */
    idFor(type: string, name: string): string {
        const plain = `${name}-id`;
        return this.byId.has(plain) ? `${name}-${type.slice(type.lastIndexOf(":") + 1)}-id` : plain;
    }

    remember(id: string, type: string, state: State): void {
        this.byId.set(id, { type, state });
    }

    stateOf(id: unknown): State | undefined {
        return typeof id === "string" ? this.byId.get(id)?.state : undefined;
    }

    /** The number a resource's creation-time values derive from: the same for the same resource in every run. */
    numberFor(type: string, name: string): number {
        const key = `${type}::${name}`;
        let n = pickedAtCreation.get(key);
        if (n === undefined) pickedAtCreation.set(key, (n = ++creations));
        return n;
    }

    /** Outputs the clouds would compute, per type, for the resource given `id`. */
    state(type: string, name: string, inputs: State, id: string): State {
        const n = this.numberFor(type, name);
        switch (type) {
            case "aws:ec2/vpc:Vpc":
                // ipv6_cidr_block is Optional+Computed: with assign_generated_ipv6_cidr_block Amazon
                // picks the /56 when the VPC is created (terraform-provider-aws internal/service/ec2/vpc_.go;
                // "Amazon-provided IPv6 CIDR block", VPC user guide). Nothing the program passes decides it.
                return {
                    ...inputs,
                    arn: `arn:aws:ec2:us-east-1:123456789012:vpc/${name}`,
                    ipv6CidrBlock: this.atCreation(inputs.assignGeneratedIpv6CidrBlock === true ? VPC_IPV6 : ""),
                    ipv6AssociationId: this.atCreation(inputs.assignGeneratedIpv6CidrBlock === true ? `vpc-cidr-assoc-${n}` : ""),
                };
            case "aws:ec2/subnet:Subnet":
                return {
                    ...inputs,
                    ...(name in this.deployedSubnetZones ? { availabilityZone: this.deployedSubnetZones[name] } : {}),
                    arn: `arn:aws:ec2:us-east-1:123456789012:subnet/${name}`,
                };
            case "aws:ec2/keyPair:KeyPair": {
                // key_name is Optional+Computed: auto-named when not given (aws_key_pair docs), and public_key
                // is ForceNew, so another key is another key pair, with another name: named here after the key.
                const digest = createHash("sha256").update(String(inputs.publicKey)).digest("hex").slice(0, 7);
                return { ...inputs, keyName: inputs.keyName ?? `${name}-${digest}`, fingerprint: digest };
            }
            case "openstack:compute/keypair:Keypair": {
                // name is Required+ForceNew (compute_keypair_v2.go); the engine auto-names it, so a new key
                // (public_key is ForceNew) is a new key pair with a new name: named here after the key.
                const digest = createHash("sha256").update(String(inputs.publicKey)).digest("hex").slice(0, 7);
                return { ...inputs, name: inputs.name ?? `${name}-${digest}`, fingerprint: digest };
            }
            case "aws:ec2/securityGroup:SecurityGroup":
                return { ...inputs, arn: `arn:aws:ec2:us-east-1:123456789012:security-group/${name}` };
            case "aws:ec2/instance:Instance": {
                // A public IPv4 only when the subnet maps one on launch (or associatePublicIpAddress);
                // IPv6 addresses from the subnet's /64 when ipv6AddressCount >= 1 or the subnet assigns
                // on creation (aws_instance docs: public_ip, ipv6_address_count, ipv6_addresses).
                const subnet = this.stateOf(inputs.subnetId) ?? {};
                const publicIp = inputs.associatePublicIpAddress === true || subnet.mapPublicIpOnLaunch === true;
                const wantsIpv6 = Number(inputs.ipv6AddressCount ?? 0) >= 1 || subnet.assignIpv6AddressOnCreation === true;
                const ipv6Block = known(subnet.ipv6CidrBlock) ? subnet.ipv6CidrBlock : "";
                // All three are Computed (private_ip and ipv6_addresses Optional+Computed, not given
                // here): EC2 picks them at launch, so a preview does not know them. public_ip is the
                // launch-time address, released when an Elastic IP is associated or the instance stops
                // ("Public IPv4 addresses", EC2 user guide); the state keeps it until a refresh.
                return {
                    ...inputs,
                    privateIp: this.atCreation(known(subnet.cidrBlock) ? hostIn(subnet.cidrBlock, 10 + (n % 240)) : ""),
                    publicIp: this.atCreation(publicIp ? `198.51.100.${n}` : ""),
                    ipv6Addresses: this.atCreation(wantsIpv6 && ipv6Block ? [hostIn(ipv6Block, 0x100 + n)] : []),
                };
            }
            case "aws:ec2/eip:Eip": {
                // terraform-provider-aws internal/service/ec2/ec2_eip.go: the id is the allocation id
                // (d.SetId(output.AllocationId)); allocation_id, association_id, public_ip and private_ip are
                // Computed, read back from DescribeAddresses after AllocateAddress (and AssociateAddress when
                // `instance` is set): Amazon picks the address at creation, so a preview does not know it.
                // `domain` is Optional+Computed, `instance` Optional+Computed (read back as the instance
                // the address is associated with).
                const instance = this.stateOf(inputs.instance);
                return {
                    ...inputs,
                    allocationId: id,
                    domain: inputs.domain ?? "vpc",
                    publicIp: this.atCreation(hostIn(EIP_IPV4, n % 250)),
                    associationId: inputs.instance ? this.atCreation(`eipassoc-${n}`) : "",
                    instance: inputs.instance ?? "",
                    privateIp: instance ? instance.privateIp : "",
                };
            }
            case "aws:lb/loadBalancer:LoadBalancer":
                // enable_cross_zone_load_balancing: "For `network` and `gateway` type load balancers,
                // this feature is disabled by default (`false`)" (aws.lb.LoadBalancer docs).
                return {
                    ...inputs,
                    enableCrossZoneLoadBalancing: inputs.enableCrossZoneLoadBalancing ?? false,
                    arn: `arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/${name}/${n}`,
                    dnsName: `${name}-${n}.elb.us-east-1.amazonaws.com`,
                    securityGroups: inputs.securityGroups ?? [],
                };
            case "aws:lb/targetGroup:TargetGroup":
                // target_type defaults to "instance" (terraform-provider-aws internal/service/elbv2/
                // target_group.go, schema Default); ip_address_type is Optional+Computed and the
                // CreateTargetGroup API defaults it to "ipv4"; health_check.protocol defaults to HTTP
                // (same file, the health_check block's protocol Default).
                return {
                    ...inputs,
                    arn: `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/${n}`,
                    targetType: inputs.targetType ?? "instance",
                    ipAddressType: inputs.ipAddressType ?? "ipv4",
                    healthCheck: { protocol: "HTTP", ...((inputs.healthCheck ?? {}) as State) },
                };
            case "openstack:networking/subnet:Subnet":
                // cidr is Optional+Computed (terraform-provider-openstack v1.54.1,
                // resource_openstack_networking_subnet_v2.go): with subnetpool_id and no cidr, Neutron
                // allocates it from the pool at creation, so a preview does not know it.
                if (inputs.subnetpoolId && !inputs.cidr) {
                    const prefix = SUBNET_POOLS.find((candidate) => candidate.id === inputs.subnetpoolId)?.prefixes[0] ?? POOL_IPV6;
                    const pool = parseCidr(prefix) as Cidr;
                    return { ...inputs, cidr: this.atCreation(formatCidr(subnetAt(pool, Number(inputs.prefixLength ?? 64), n))) };
                }
                return { ...inputs };
            case "openstack:networking/port:Port": {
                // all_fixed_ips is what Neutron allocated, plain addresses, Computed (resource_openstack_networking_port_v2.go
                // at v1.54.1, `d.Set("all_fixed_ips", ...)`): unknown in a preview. fixed_ip[].ip_address stays as
                // configured, blank unless set (PortFixedIp docs: "This field will not be populated if it is left blank").
                // On a slaac or dhcpv6-stateless subnet the address is the EUI-64 of the port's MAC.
                const fixedIps = (inputs.fixedIps ?? []) as { subnetId: string; ipAddress?: string }[];
                const macAddress = `fa:16:3e:00:00:${(n % 256).toString(16).padStart(2, "0")}`;
                const allFixedIps = fixedIps
                    .map((fixed) => {
                        const subnet = this.stateOf(fixed.subnetId);
                        const cidr = subnet?.cidr;
                        if (fixed.ipAddress) return fixed.ipAddress;
                        if (!known(cidr)) return "";
                        return ["slaac", "dhcpv6-stateless"].includes(String(subnet?.ipv6AddressMode))
                            ? eui64Address(cidr, macAddress)
                            : hostIn(cidr, 10 + (n % 240));
                    })
                    .filter((address) => address !== "");
                return { ...inputs, allFixedIps: this.atCreation(allFixedIps), macAddress: this.atCreation(macAddress) };
            }
            case "openstack:compute/instance:Instance": {
                // terraform-provider-openstack v1.54.1, openstack/compute_instance_v2.go:
                // - `port` in networks[] is only what was configured (InstanceNetwork{Port: portID},
                //   portID from the config, lines 88/102/135; flattened back at line 511);
                // - fixed_ip_v6 is written as fmt.Sprintf("[%s]", addr) (line 385); upstream dropped the
                //   brackets in v3.2.0.
                const networks = (inputs.networks ?? []) as { uuid?: string; port?: string; name?: string }[];
                return {
                    ...inputs,
                    networks: networks.map((network, i) => {
                        const port = this.stateOf(network.port);
                        const fromPort = port?.allFixedIps;
                        const addresses = (
                            Array.isArray(fromPort) ? fromPort : [`10.0.0.${10 + n}`, `fd00:c00b:100::${(0x100 + n).toString(16)}`]
                        ) as string[];
                        const v4 = addresses.find((a) => familyOf(a) === "IPv4") ?? "";
                        const v6 = addresses.find((a) => familyOf(a) === "IPv6");
                        return {
                            uuid: network.uuid ?? (port?.networkId as string | undefined) ?? "net-id",
                            name: network.name ?? "ck-net",
                            port: network.port ?? "",
                            // Computed: what Neutron allocated, unknown in a preview.
                            fixedIpV4: this.atCreation(v4),
                            fixedIpV6: this.atCreation(v6 ? `[${v6}]` : ""),
                            mac: (port?.macAddress as string | undefined) ?? `fa:16:3e:00:01:${i}`,
                            accessNetwork: false,
                        };
                    }),
                    accessIpV4: "",
                    accessIpV6: "",
                };
            }
            case "openstack:networking/floatingIp:FloatingIp":
                // Neutron floating IPs are IPv4 only, and `address` (Optional+Computed) is picked from
                // the pool at creation: unknown in a preview.
                return { ...inputs, address: this.atCreation(hostIn(FLOATING_IPV4, n % 250)) };
            case "openstack:networking/floatingIpAssociate:FloatingIpAssociate":
                return { ...inputs };
            case "openstack:loadbalancer/loadBalancer:LoadBalancer": {
                const subnet = this.stateOf(inputs.vipSubnetId);
                return {
                    ...inputs,
                    ...(this.deployedOctaviaProvider === undefined ? {} : { loadbalancerProvider: this.deployedOctaviaProvider }),
                    // vip_address is Optional+Computed: Neutron picks it at creation.
                    vipAddress: this.atCreation(known(subnet?.cidr) ? hostIn(subnet.cidr, 0x200 + n) : ""),
                    // Computed: the port Octavia makes for the VIP.
                    vipPortId: this.atCreation(`vip-port-${n}`),
                };
            }
            case "pulumi-nodejs:dynamic/juju:Model":
                return { ...inputs, modelRef: inputs.model, uuid: "uuid" };
            case "pulumi-nodejs:dynamic/juju:Machine":
                return {
                    ...inputs,
                    // cp-i is machine i, worker-i 10 + i, lb-0 20: distinct, as Juju's are.
                    machineId: String(
                        Number(/(\d+)$/.exec(name)?.[1] ?? 0) + (name.includes("worker") ? 10 : name.includes("lb-") ? 20 : 0),
                    ),
                    ipAddresses: [inputs.address],
                };
            case "pulumi-nodejs:dynamic/juju:Deployment":
                return {
                    ...inputs,
                    overlay: { applications: {} },
                    controlPlaneApp: "kubernetes-control-plane",
                    generation: "generation-1",
                };
            case "pulumi-nodejs:dynamic/juju:Settled":
                return { ...inputs, unitCount: 9 };
            case "pulumi-nodejs:dynamic/juju:Kubeconfig":
                return { ...inputs, kubeconfig: "apiVersion: v1\nkind: Config\n", server: "https://127.0.0.1:6443" };
            case "pulumi-nodejs:dynamic/workload:WorkloadAddresses": {
                // components/workload/providers/addresses.ts returns its inputs with what it listed: here
                // two ready pods with an address per family (IPv4 first: a kubelet lists pod addresses
                // with its node-ip's family first, kubernetes pkg/kubelet/kubelet_pods.go sortPodIPs, and
                // the charms give node-ip IPv4 first), and for each named Service the pods' addresses in
                // the families that Service has (the EndpointSlice controller makes one slice per family).
                const pods: Record<string, { node: string; phase: string; ready: boolean; ips: string[]; IPv4: string; IPv6: string }> = {};
                for (const i of [1, 2]) {
                    const ips = [`192.168.0.${i}`, `fd00:c00b:1::${i}`];
                    pods[`nginxdualstack-5d4f8b7c9-${i}`] = {
                        node: `worker-${i - 1}`,
                        phase: "Running",
                        ready: true,
                        ips,
                        IPv4: ips[0],
                        IPv6: ips[1],
                    };
                }
                const families = (service: string): string[] => {
                    for (const { type: kind, state } of this.byId.values()) {
                        const object = state as { metadata?: { name?: string }; spec?: { ipFamilies?: string[] } };
                        if (kind === "kubernetes:core/v1:Service" && object.metadata?.name === service)
                            return object.spec?.ipFamilies ?? [];
                    }
                    return [];
                };
                const serviceEndpoints = Object.fromEntries(
                    ((inputs.services ?? []) as string[]).map((service) => {
                        const of = (family: "IPv4" | "IPv6") =>
                            families(service).includes(family) ? Object.values(pods).map((pod) => pod[family]) : [];
                        return [service, { IPv4: of("IPv4"), IPv6: of("IPv6") }];
                    }),
                );
                return { ...inputs, pods, serviceEndpoints };
            }
            case "kubernetes:core/v1:Service": {
                const spec = (inputs.spec ?? {}) as { ipFamilies?: string[] };
                const ips: Record<string, string> = { IPv4: "10.152.183.20", IPv6: "fd00:c00b:2::20" };
                return {
                    ...inputs,
                    spec: { ...spec, clusterIPs: (spec.ipFamilies ?? []).map((f) => ips[f]), ports: [{ port: 80, nodePort: 30080 }] },
                };
            }
            default:
                return inputs;
        }
    }

    /** Data sources, answered as the providers' read functions do; a look-up they would fail is a refusal. */
    call(token: string, inputs: State): State {
        switch (token) {
            case "aws:index/getAvailabilityZones:getAvailabilityZones": {
                // terraform-provider-aws data source aws_availability_zones: DescribeAvailabilityZones with
                // `state` and `filter` as filters and all_availability_zones as AllAvailabilityZones (without
                // it, zones the account did not opt into are left out); names come back sorted.
                const filters = [
                    ...((inputs.filters ?? []) as { name: string; values: string[] }[]),
                    ...(inputs.state ? [{ name: "state", values: [String(inputs.state)] }] : []),
                ];
                const field: Record<string, keyof (typeof AWS_ZONES)[number]> = {
                    "opt-in-status": "optInStatus",
                    "zone-type": "zoneType",
                    state: "state",
                    "zone-name": "name",
                };
                const zones = AWS_ZONES.filter((zone) => inputs.allAvailabilityZones === true || zone.optInStatus !== "not-opted-in")
                    .filter((zone) => filters.every((filter) => filter.values.includes(zone[field[filter.name]])))
                    .sort((a, b) => (a.name < b.name ? -1 : 1));
                return { names: zones.map((zone) => zone.name), zoneIds: zones.map((zone) => zone.zoneId) };
            }
            case "aws:ec2/getAmi:getAmi": {
                // The newest of Canonical's images matching the name filter, amd64 or arm64 as the name says.
                const nameFilter = ((inputs.filters ?? []) as { name: string; values: string[] }[]).find((f) => f.name === "name");
                const architecture = nameFilter?.values.some((value) => value.includes("arm64")) ? "arm64" : "x86_64";
                const build = this.imagesRotated ? "20260601" : "20260101";
                const id = `ami-ubuntu${architecture === "arm64" ? "-arm64" : ""}${this.imagesRotated ? "-2" : ""}`;
                this.rules.answered("ami", id, { architecture });
                return {
                    id,
                    architecture,
                    name: `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${architecture === "arm64" ? "arm64" : "amd64"}-server-${build}`,
                };
            }
            case "openstack:images/getImage:getImage": {
                // terraform-provider-openstack v1.54.1 data_source_openstack_images_image_v2.go: several images of
                // the name fail the read unless most_recent is set ("Your query returned more than one result").
                const images = [
                    { id: "img-noble-1", name: "ubuntu-24.04", createdAt: "2026-01-01T00:00:00Z" },
                    ...(this.imagesRotated ? [{ id: "img-noble-2", name: "ubuntu-24.04", createdAt: "2026-06-01T00:00:00Z" }] : []),
                ].filter((image) => inputs.name === undefined || image.name === inputs.name);
                if (images.length === 0 || (images.length > 1 && inputs.mostRecent !== true)) {
                    this.refusals.push(
                        `${token}: ${images.length === 0 ? "no image matches" : "more than one image matches and most_recent is not set"}`,
                    );
                }
                const newest = images.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))[0] ?? { id: "", name: "", createdAt: "" };
                return { ...newest };
            }
            case "openstack:networking/getNetwork:getNetwork":
                return { id: "ext-net-id", name: inputs.name ?? "public", external: true };
            case "openstack:networking/getSubnetPool:getSubnetPool": {
                // data_source_openstack_networking_subnetpool_v2.go (v1.54.1): the given arguments are list
                // filters, and the read fails unless exactly one pool matches.
                const pools = SUBNET_POOLS.filter(
                    (pool) =>
                        (inputs.name === undefined || pool.name === inputs.name) &&
                        (inputs.ipVersion === undefined || pool.ipVersion === inputs.ipVersion) &&
                        (inputs.isDefault === undefined || pool.isDefault === inputs.isDefault),
                );
                if (pools.length !== 1)
                    this.refusals.push(`${token}: ${pools.length} pools match ${JSON.stringify(inputs)}, the read needs exactly one`);
                const pool = pools[0] ?? SUBNET_POOLS[0];
                return { ...pool, defaultPrefixlen: 64 };
            }
            default:
                return inputs;
        }
    }
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getDependenciesList(): string[];
    getReplaceonchangesList(): string[];
    getIgnorechangesList(): string[];
    getDeletedwith(): string;
    getPropertydependenciesMap(): { forEach(callback: (value: { getUrnsList(): string[] }, key: string) => void): void };
}

/** `type::name` of a URN (urn:pulumi:stack::project::parent$type::name). */
function keyOfUrn(urn: string): string {
    const [, , qualifiedType, name] = urn.split("::");
    return `${qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1)}::${name}`;
}

/** The fake cloud of the latest installMocks. */
let currentCloud: FakeCloud | undefined;

/** What the providers refused of what the program sent since installMocks, one line each with its source. */
export function providerRefusals(): readonly string[] {
    return currentCloud?.refusals ?? [];
}
interface Monitor {
    registerResource(req: RegisterRequest, callback: (...args: unknown[]) => void): void;
}

/**
 * Installs mocks with the given stack config; returns the list registrations are added to. With
 * `preview`, runs as `pulumi preview` does: what clouds decide at creation is unknown.
 */
export function installMocks(config: Record<string, string>, stack = "test", options: CloudOptions = {}): Registered[] {
    const registered: Registered[] = [];
    const cloud = new FakeCloud(
        options.preview ?? false,
        options.imagesRotated ?? false,
        options.deployedOctaviaProvider,
        options.deployedSubnetZones ?? {},
    );
    currentCloud = cloud;
    const dependencies = new Map<string, string[]>();
    const replaceOnChanges = new Map<string, string[]>();
    const ignoreChanges = new Map<string, string[]>();
    const propertyDependencies = new Map<string, Record<string, string[]>>();
    const deletedWith = new Map<string, string>();
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `ck-dualstack:${k}`, v])));
    pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                const key = `${args.type}::${args.name}`;
                const id = cloud.idFor(args.type, args.name);
                const state = cloud.state(args.type, args.name, args.inputs, id);
                cloud.remember(id, args.type, state);
                registered.push({
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs,
                    dependencies: dependencies.get(key) ?? [],
                    replaceOnChanges: replaceOnChanges.get(key) ?? [],
                    deletedWith: deletedWith.get(key) ?? "",
                    ignoreChanges: ignoreChanges.get(key) ?? [],
                });
                const refs = propertyDependencies.get(key) ?? {};
                cloud.refusals.push(
                    ...cloud.rules.check({ type: args.type, name: args.name, inputs: args.inputs, state: { ...state, id }, refs }),
                );
                // A new resource's id is the cloud's to give: unknown in a preview (an empty id is unknown to the SDK).
                return { id: cloud.preview ? "" : id, state };
            },
            call: (args) => cloud.call(args.token, args.inputs),
        },
        "ck-dualstack",
        stack,
        options.preview ?? false,
    );
    // The mock monitor does not pass dependencies or options on to newResource: read them off the request.
    const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        dependencies.set(
            `${req.getType()}::${req.getName()}`,
            req.getDependenciesList().map((urn) => urn.slice(urn.lastIndexOf("::") + 2)),
        );
        replaceOnChanges.set(`${req.getType()}::${req.getName()}`, req.getReplaceonchangesList());
        ignoreChanges.set(`${req.getType()}::${req.getName()}`, req.getIgnorechangesList());
        const refs: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((value, property) => {
            refs[property] = value.getUrnsList().map(keyOfUrn);
        });
        propertyDependencies.set(`${req.getType()}::${req.getName()}`, refs);
        const deletedWithUrn = req.getDeletedwith();
        deletedWith.set(`${req.getType()}::${req.getName()}`, deletedWithUrn.slice(deletedWithUrn.lastIndexOf("::") + 2));
        register(req, callback);
    };
    return registered;
}

/** Resolves an output (under mocks, every value is known). */
export function valueOf<T>(output: pulumi.Input<T> | undefined): Promise<T> {
    return new Promise((resolve) => pulumi.output(output as pulumi.Input<T>).apply((value) => resolve(value as T)));
}

/** Waits until the registrations settle. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 200));
