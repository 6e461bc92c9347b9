import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Cidr, cidrContains, parseCidr } from "../../components/net/cidr";
import { EIP_IPV4, VPC_IPV6, installMocks, providerRefusals, settle, valueOf } from "../support/mocks";

const registered = installMocks({});
// Components import @pulumi/aws, which must see the mocks first.
const { DualStackNetwork } = require("../../components/aws/DualStackNetwork") as typeof import("../../components/aws/DualStackNetwork");
const { ClusterNodes } = require("../../components/aws/ClusterNodes") as typeof import("../../components/aws/ClusterNodes");
const { Ipv6LoadBalancer } = require("../../components/aws/Ipv6LoadBalancer") as typeof import("../../components/aws/Ipv6LoadBalancer");
const { ingressRules } = require("../../components/net/firewall") as typeof import("../../components/net/firewall");

type Rule = {
    protocol: string;
    fromPort: number;
    toPort: number;
    cidrBlocks?: string[];
    ipv6CidrBlocks?: string[];
    self?: boolean;
    securityGroups?: string[];
};

interface BuildOptions {
    adminCidrs?: string[];
    nodePortCidrs?: string[];
    loadBalancer?: boolean;
}

async function build(prefix: string, options: BuildOptions = {}) {
    const before = registered.length;
    const loadBalancer = options.loadBalancer ?? false;
    const network = new DualStackNetwork(prefix, {
        nodeCidr: "10.0.0.0/16",
        availabilityZones: 3,
        loadBalancer,
        ingress: ingressRules(options.adminCidrs ?? [], options.nodePortCidrs ?? [], { loadBalancer }),
    });
    const nodes = new ClusterNodes(prefix, {
        controlPlaneCount: 2,
        workerCount: 2,
        instanceType: "t3.large",
        balancerInstanceType: "t3.medium",
        imageId: "",
        sshPublicKey: "ssh-ed25519 AAAA test",
        sshUser: "ubuntu",
        subnetIds: network.publicSubnetIds,
        clusterSecurityGroupId: network.clusterSecurityGroupId,
        apiSecurityGroupId: network.apiSecurityGroupId,
        workerSecurityGroupId: network.workerSecurityGroupId,
    });
    let dnsName: string | undefined;
    if (loadBalancer) {
        const workers = nodes.nodes.filter((n) => n.roles.includes("worker"));
        const nlb = new Ipv6LoadBalancer(prefix, {
            subnetIds: network.publicSubnetIds,
            vpcId: network.vpcId,
            securityGroupId: network.loadBalancerSecurityGroupId!,
            workerIpv6Addresses: workers.map((n) => n.ipv6),
            nodePort: 30080,
        });
        dnsName = await valueOf(nlb.dnsName);
    }
    await valueOf(nodes.nodes[3].ipv6);
    await settle();
    const mine = registered.slice(before);
    const of = (type: string) => mine.filter((r) => r.type === type);
    const group = (suffix: string) => of("aws:ec2/securityGroup:SecurityGroup").find((r) => r.name === `${prefix}-${suffix}`);
    const ingress = (suffix: string) => (group(suffix)?.inputs.ingress ?? []) as Rule[];
    const groupsOf = (nodeName: string) =>
        of("aws:ec2/instance:Instance").find((r) => r.name === `${prefix}-${nodeName}`)!.inputs.vpcSecurityGroupIds as string[];
    return { network, nodes, of, ingress, group, groupsOf, dnsName };
}

describe("AWS dual-stack network and nodes", () => {
    it("gives every subnet a distinct /64 of the /56 Amazon assigned to the VPC, with IPv6 on creation and AAAA records", async () => {
        const { of } = await build("a");
        const subnets = of("aws:ec2/subnet:Subnet");
        assert.equal(subnets.length, 3);
        const blocks = subnets.map((s) => s.inputs.ipv6CidrBlock as string);
        assert.equal(new Set(blocks).size, 3);
        for (const block of blocks) {
            const parsed = parseCidr(block) as Cidr;
            assert.equal(parsed.prefix, 64);
            assert.ok(cidrContains(parseCidr(VPC_IPV6) as Cidr, parsed), block);
        }
        assert.ok(
            subnets.every(
                (s) =>
                    s.inputs.assignIpv6AddressOnCreation === true &&
                    s.inputs.enableResourceNameDnsAaaaRecordOnLaunch === true &&
                    s.inputs.mapPublicIpOnLaunch === true,
            ),
        );
        const vpc = of("aws:ec2/vpc:Vpc")[0];
        assert.equal(vpc.inputs.assignGeneratedIpv6CidrBlock, true);
        assert.equal(vpc.inputs.ipv6CidrBlock, undefined, "the /56 is Amazon's to choose, known after creation");
        assert.ok(
            subnets.every((s) => s.dependencies.includes(vpc.name)),
            "subnets wait for the VPC's /56",
        );
    });

    it("puts subnets in zones that need no opt-in, never an opted-in Local or Wavelength Zone, and keeps each subnet's zone (issue 19)", async () => {
        const aws = require("@pulumi/aws") as typeof import("@pulumi/aws");
        // What `state: available` alone returns in this account: the opted-in Local and Wavelength Zones sort first.
        const listed = await aws.getAvailabilityZones({ state: "available" });
        assert.deepEqual(listed.names.slice(0, 2), ["us-east-1-bos-1a", "us-east-1-wl1-bos-wlz-1"]);
        const { of } = await build("zone");
        const subnets = of("aws:ec2/subnet:Subnet");
        assert.deepEqual(
            subnets.map((s) => s.inputs.availabilityZone),
            ["us-east-1a", "us-east-1b", "us-east-1c"],
        );
        // availability_zone is ForceNew: an impaired or added zone shifting the list must not move a subnet.
        for (const subnet of subnets) assert.deepEqual(subnet.ignoreChanges, ["availabilityZone"], subnet.name);
    });

    it("routes ::/0 and 0.0.0.0/0 to the internet gateway and makes no private subnets (defect 9)", async () => {
        const { of } = await build("b");
        const tables = of("aws:ec2/routeTable:RouteTable").map(
            (t) => t.inputs.routes as { ipv6CidrBlock?: string; cidrBlock?: string; gatewayId?: string }[],
        );
        assert.equal(tables.length, 1);
        assert.ok(tables[0].some((r) => r.ipv6CidrBlock === "::/0" && r.gatewayId));
        assert.ok(tables[0].some((r) => r.cidrBlock === "0.0.0.0/0" && r.gatewayId));
        assert.equal(of("aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway").length, 0);
        assert.ok(of("aws:ec2/subnet:Subnet").every((s) => String(s.name).includes("public")));
        assert.equal(of("aws:ec2/routeTableAssociation:RouteTableAssociation").length, 3);
    });

    it("launches every instance with a public IPv4, an IPv6 address, a key pair and the source/dest check left on", async () => {
        const { of, nodes } = await build("c");
        const instances = of("aws:ec2/instance:Instance");
        assert.equal(instances.length, 5);
        for (const instance of instances) {
            assert.ok((instance.inputs.ipv6AddressCount as number) >= 1, instance.name);
            // calico runs vxlan: Always with natOutgoing: a node only sends its own addresses (issue 19).
            assert.equal(instance.inputs.sourceDestCheck, undefined, instance.name);
            assert.equal(instance.inputs.ami, "ami-ubuntu");
            assert.ok(instance.inputs.keyName, "the key Juju logs in with");
        }
        assert.deepEqual(providerRefusals(), []);
        const [ipv6] = await valueOf(nodes.nodes[0].ipv6);
        assert.ok(cidrContains(parseCidr(VPC_IPV6) as Cidr, parseCidr(`${ipv6}/128`) as Cidr), ipv6);
        const ipv4 = await valueOf(nodes.nodes[0].ipv4);
        assert.ok(cidrContains(parseCidr(EIP_IPV4) as Cidr, parseCidr(`${ipv4}/32`) as Cidr), `an Elastic IP: ${ipv4}`);
        assert.deepEqual(
            nodes.nodes.map((n) => n.roles[0]),
            ["control-plane", "control-plane", "worker", "worker", "load-balancer"],
        );
        const typeOf = (node: string) => instances.find((i) => String(i.name).endsWith(`-${node}`))?.inputs.instanceType;
        assert.deepEqual([typeOf("worker-0"), typeOf("lb-0")], ["t3.large", "t3.medium"], "the balancer's node has its own, smaller type");
    });

    it("opens nothing to the outside by default but path MTU ICMP, which routers anywhere on the path send", async () => {
        const { ingress } = await build("d");
        assert.deepEqual(
            ingress("cluster").map((r) => [r.protocol, r.self, r.fromPort, r.toPort, r.cidrBlocks ?? r.ipv6CidrBlocks]),
            [
                ["-1", true, 0, 0, undefined],
                ["icmp", undefined, 3, 4, ["0.0.0.0/0"]],
                ["icmpv6", undefined, 2, 0, ["::/0"]],
            ],
        );
        assert.deepEqual(ingress("api"), []);
        assert.deepEqual(ingress("workers"), []);
    });

    it("lets Calico's VXLAN (UDP 4789) flow between nodes in both families: every node is in the self-referencing group", async () => {
        const { ingress, groupsOf, network } = await build("v");
        const self = ingress("cluster").find((r) => r.self)!;
        assert.equal(self.protocol, "-1", "all protocols, UDP 4789 included");
        assert.equal(self.fromPort, 0);
        const clusterGroup = await valueOf(network.clusterSecurityGroupId);
        for (const node of ["cp-0", "cp-1", "worker-0", "worker-1"]) assert.ok(groupsOf(node).includes(clusterGroup), node);
    });

    it("opens IPv4 and IPv6 NodePorts on workers and SSH only from admin ranges", async () => {
        const { ingress } = await build("e", { adminCidrs: ["203.0.113.7/32", "2001:db8:1::/48"], nodePortCidrs: ["0.0.0.0/0", "::/0"] });
        const nodePorts = ingress("workers").filter((r) => r.fromPort === 30000 && r.toPort === 32767);
        assert.deepEqual(
            nodePorts.map((r) => r.ipv6CidrBlocks ?? r.cidrBlocks),
            [["0.0.0.0/0"], ["::/0"]],
        );
        const ssh = ingress("cluster").filter((r) => r.fromPort === 22);
        assert.deepEqual(
            ssh.map((r) => r.ipv6CidrBlocks ?? r.cidrBlocks),
            [["203.0.113.7/32"], ["2001:db8:1::/48"]],
        );
        for (const rule of [...ingress("cluster"), ...ingress("api")].filter((r) => !r.protocol.startsWith("icmp"))) {
            assert.ok(!(rule.cidrBlocks ?? []).includes("0.0.0.0/0") && !(rule.ipv6CidrBlocks ?? []).includes("::/0"));
        }
    });

    it("opens the port the kubeconfig uses (443 on kubeapi-load-balancer, in either family) on the load-balancer node only (defect 8)", async () => {
        const viaLoadBalancer = await build("f", { adminCidrs: ["203.0.113.7/32"] });
        assert.deepEqual(
            viaLoadBalancer.ingress("api").map((r) => [r.fromPort, r.toPort, r.cidrBlocks]),
            [[443, 443, ["203.0.113.7/32"]]],
        );
        const apiGroup = await valueOf(viaLoadBalancer.network.apiSecurityGroupId);
        assert.ok(viaLoadBalancer.groupsOf("lb-0").includes(apiGroup), "lb-0 carries kubeapi-load-balancer");
        assert.ok(!viaLoadBalancer.groupsOf("cp-0").includes(apiGroup), "kube-apiserver's 6443 is not opened to the outside");
        for (const worker of ["worker-0", "worker-1"]) assert.ok(!viaLoadBalancer.groupsOf(worker).includes(apiGroup), worker);
        const overIpv6 = await build("g", { adminCidrs: ["2001:db8:1::/48"] });
        assert.deepEqual(
            overIpv6.ingress("api").map((r) => [r.fromPort, r.toPort, r.ipv6CidrBlocks]),
            [[443, 443, ["2001:db8:1::/48"]]],
        );
    });
});

describe("AWS Network Load Balancer in front of the IPv6 NodePort (defect 1)", () => {
    it("forwards to an IPv6 target group of ip targets: the workers' IPv6 addresses on the NodePort", async () => {
        const { of, nodes } = await build("n", { nodePortCidrs: ["::/0", "0.0.0.0/0"], loadBalancer: true });
        const [group] = of("aws:lb/targetGroup:TargetGroup");
        assert.deepEqual(
            [group.inputs.ipAddressType, group.inputs.targetType, group.inputs.port, group.inputs.protocol],
            ["ipv6", "ip", 30080, "TCP"],
        );
        const workers = await Promise.all(nodes.nodes.filter((n) => n.roles.includes("worker")).map((n) => valueOf(n.ipv6)));
        const attachments = of("aws:lb/targetGroupAttachment:TargetGroupAttachment").sort((a, b) => a.name.localeCompare(b.name));
        assert.deepEqual(
            attachments.map((a) => [a.inputs.targetId, a.inputs.port]),
            workers.map((addresses) => [addresses[0], 30080]),
        );
        const nlb = of("aws:lb/loadBalancer:LoadBalancer")[0].inputs;
        assert.deepEqual([nlb.loadBalancerType, nlb.ipAddressType], ["network", "dualstack"]);
        assert.deepEqual(group.inputs.healthCheck, { protocol: "TCP" }, "a TCP check of the NodePort, not the provider's HTTP default");
    });

    it("balances across zones: an NLB's default is off, and the workers need not be in every zone", async () => {
        const { of } = await build("z", { nodePortCidrs: ["::/0"], loadBalancer: true });
        assert.equal(of("aws:lb/loadBalancer:LoadBalancer")[0].inputs.enableCrossZoneLoadBalancing, true);
    });

    it("admits path MTU discovery on the NLB and the nodes from anywhere (routers on the path send it), and no other ICMP", async () => {
        const { ingress } = await build("p", { nodePortCidrs: ["198.51.100.0/24", "2001:db8::/32"], loadBalancer: true });
        for (const group of ["nlb", "cluster"]) {
            const icmp = ingress(group).filter((r) => r.protocol !== "tcp" && !r.self);
            assert.deepEqual(
                icmp.map((r) => [r.protocol, r.fromPort, r.toPort, r.cidrBlocks ?? r.ipv6CidrBlocks]),
                [
                    ["icmp", 3, 4, ["0.0.0.0/0"]],
                    ["icmpv6", 2, 0, ["::/0"]],
                ],
                group,
            );
        }
        assert.deepEqual(
            ingress("workers").filter((r) => r.protocol.startsWith("icmp")),
            [],
            "every node has the cluster group already",
        );
        assert.deepEqual(providerRefusals(), []);
    });

    it("answers the target group's health check with the provider's HTTP default when none is given", async () => {
        const aws = require("@pulumi/aws") as typeof import("@pulumi/aws");
        const bare = new aws.lb.TargetGroup("bare", { port: 30080, protocol: "TCP", vpcId: "vpc" });
        const check = await valueOf(bare.healthCheck);
        assert.equal(check.protocol, "HTTP");
    });

    it("puts a security group on the NLB (port 80 from the NodePort ranges) and admits it on the workers' NodePorts", async () => {
        const { of, ingress, group, network } = await build("m", { nodePortCidrs: ["2001:db8::/32"], loadBalancer: true });
        const nlbGroup = await valueOf(network.loadBalancerSecurityGroupId!);
        const nlb = of("aws:lb/loadBalancer:LoadBalancer")[0].inputs;
        assert.deepEqual(nlb.securityGroups, [nlbGroup]);
        assert.deepEqual(
            ingress("nlb").map((r) => [r.protocol, r.fromPort, r.toPort, r.ipv6CidrBlocks ?? r.cidrBlocks]),
            [
                ["tcp", 80, 80, ["2001:db8::/32"]],
                // "fragmentation needed" and "packet too big" for path MTU discovery, from any router on the path.
                ["icmp", 3, 4, ["0.0.0.0/0"]],
                ["icmpv6", 2, 0, ["::/0"]],
            ],
        );
        const egress = group("nlb")!.inputs.egress as Rule[];
        assert.deepEqual(
            egress.map((r) => [r.fromPort, r.toPort, r.ipv6CidrBlocks]),
            [[30000, 32767, [VPC_IPV6]]],
        );
        const fromNlb = ingress("workers").filter((r) => r.securityGroups?.includes(nlbGroup));
        assert.deepEqual(
            fromNlb.map((r) => [r.protocol, r.fromPort, r.toPort]),
            [["tcp", 30000, 32767]],
            "health checks and forwarded clients come from the NLB",
        );
        const [targets] = of("aws:lb/targetGroup:TargetGroup");
        assert.equal(targets.inputs.preserveClientIp, "false", "so the NLB, not the client, is the source the workers see");
    });
});

/** ClusterNodes alone, over given subnets (one per zone, three by default): the subnet each node was put in, by node name. */
async function placement(prefix: string, controlPlaneCount: number, workerCount: number, zones = 3) {
    const before = registered.length;
    const nodes = new ClusterNodes(prefix, {
        controlPlaneCount,
        workerCount,
        instanceType: "t3.large",
        balancerInstanceType: "t3.medium",
        imageId: "ami-given",
        sshPublicKey: "ssh-ed25519 AAAA test",
        sshUser: "ubuntu",
        subnetIds: ["subnet-a", "subnet-b", "subnet-c"].slice(0, zones),
        clusterSecurityGroupId: "sg-cluster",
        apiSecurityGroupId: "sg-api",
        workerSecurityGroupId: "sg-workers",
    });
    await Promise.all(nodes.nodes.map((n) => valueOf(n.ipv4)));
    await settle();
    const instances = registered.slice(before).filter((r) => r.type === "aws:ec2/instance:Instance");
    return new Map(instances.map((r) => [r.name.slice(prefix.length + 1), r.inputs.subnetId as string]));
}

describe("AWS node identity over day-2 count changes (issue 14, stable node identity)", () => {
    it("keeps every worker in its subnet when controlPlaneCount goes 1 -> 3", async () => {
        const before = await placement("cp1", 1, 3);
        const after = await placement("cp3", 3, 3);
        for (const worker of ["worker-0", "worker-1", "worker-2"]) {
            assert.equal(after.get(worker), before.get(worker), `${worker} would be replaced (subnet_id is ForceNew)`);
        }
        assert.equal(after.get("cp-0"), before.get("cp-0"));
        // Still spread over the zones, each role round robin from the first.
        assert.deepEqual(
            ["cp-0", "cp-1", "cp-2", "worker-0", "worker-1", "worker-2"].map((n) => after.get(n)),
            ["subnet-a", "subnet-b", "subnet-c", "subnet-a", "subnet-b", "subnet-c"],
        );
    });

    it("keeps every existing node in its subnet, under the same resource name, when workerCount goes 2 -> 3", async () => {
        for (const zones of [2, 3]) {
            const before = await placement(`w2z${zones}`, 2, 2, zones);
            const after = await placement(`w3z${zones}`, 2, 3, zones);
            assert.deepEqual(
                [...after.keys()].sort(),
                ["cp-0", "cp-1", "lb-0", "worker-0", "worker-1", "worker-2"],
                "instances are named <stack>-<node>",
            );
            for (const [node, subnet] of before) assert.equal(after.get(node), subnet, `${zones} zones: ${node} would be replaced`);
        }
    });

    it("hands Juju an Elastic IP associated to the instance, which a stop/start keeps, and gives a new instance a new one", async () => {
        const { of, nodes } = await build("eip");
        const instances = of("aws:ec2/instance:Instance");
        const eips = of("aws:ec2/eip:Eip");
        assert.equal(eips.length, instances.length, "one per node");
        for (const node of nodes.nodes) {
            const instance = instances.find((r) => r.name === `eip-${node.name}`)!;
            const eip = eips.find((r) => r.name === `eip-${node.name}-eip`)!;
            assert.equal(eip.inputs.domain, "vpc");
            assert.equal(eip.inputs.instance, `${instance.name}-id`, `${node.name}: associated to its own instance`);
            assert.ok(eip.dependencies.includes(instance.name));
            assert.deepEqual(eip.replaceOnChanges, ["instance"], "a replaced instance gets a new address, so a new Juju machine");
            assert.ok(
                cidrContains(parseCidr(EIP_IPV4) as Cidr, parseCidr(`${await valueOf(node.ipv4)}/32`) as Cidr),
                `${node.name}: the EIP's address, not the launch-time public IPv4`,
            );
            // Unchanged by the EIP: IPv6 from the instance, its groups.
            assert.equal(instance.inputs.ipv6AddressCount, 1);
            const [ipv6] = await valueOf(node.ipv6);
            assert.ok(cidrContains(parseCidr(VPC_IPV6) as Cidr, parseCidr(`${ipv6}/128`) as Cidr), `${node.name}: ${ipv6}`);
        }
        // The association needs the VPC's internet gateway (aws.ec2.Eip docs): the instances, so their
        // EIPs, wait for it through the subnet ids.
        assert.ok(
            instances.every((r) => r.dependencies.includes("eip-igw")),
            String(instances.map((r) => r.dependencies)),
        );
    });
});
