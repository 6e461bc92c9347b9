import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Cidr, cidrContains, parseCidr } from "../../components/net/cidr";
import { VPC_IPV6, installMocks, settle, valueOf } from "../support/mocks";

const registered = installMocks({});
// Components import @pulumi/aws, which must see the mocks first.
const { DualStackNetwork } = require("../../components/aws/DualStackNetwork") as typeof import("../../components/aws/DualStackNetwork");
const { ClusterNodes } = require("../../components/aws/ClusterNodes") as typeof import("../../components/aws/ClusterNodes");
const { ingressRules } = require("../../components/net/firewall") as typeof import("../../components/net/firewall");

type Rule = { fromPort: number; toPort: number; cidrBlocks?: string[]; ipv6CidrBlocks?: string[]; self?: boolean };

async function build(adminCidrs: string[], nodePortCidrs: string[], privateSubnets: boolean, prefix: string) {
    const before = registered.length;
    const network = new DualStackNetwork(prefix, {
        nodeCidr: "10.0.0.0/16",
        availabilityZones: 3,
        privateSubnets,
        ingress: ingressRules(adminCidrs, nodePortCidrs),
    });
    const nodes = new ClusterNodes(prefix, {
        controlPlaneCount: 1,
        workerCount: 2,
        instanceType: "t3.large",
        imageId: "",
        sshPublicKey: "ssh-ed25519 AAAA test",
        sshUser: "ubuntu",
        subnetIds: network.publicSubnetIds,
        clusterSecurityGroupId: network.clusterSecurityGroupId,
        controlPlaneSecurityGroupId: network.controlPlaneSecurityGroupId,
        workerSecurityGroupId: network.workerSecurityGroupId,
    });
    await valueOf(nodes.nodes[2].ipv6);
    await settle();
    const mine = registered.slice(before);
    const of = (type: string) => mine.filter((r) => r.type === type);
    const ingress = (suffix: string) =>
        (of("aws:ec2/securityGroup:SecurityGroup").find((r) => r.name === `${prefix}-${suffix}`)!.inputs.ingress ?? []) as Rule[];
    return { network, nodes, of, ingress };
}

describe("AWS dual-stack network and nodes", () => {
    it("gives every subnet a distinct /64 inside the VPC's /56, with IPv6 on creation and AAAA records", async () => {
        const { of } = await build([], [], true, "a");
        const subnets = of("aws:ec2/subnet:Subnet");
        assert.equal(subnets.length, 6);
        const blocks = subnets.map((s) => s.inputs.ipv6CidrBlock as string);
        assert.equal(new Set(blocks).size, 6);
        for (const block of blocks) {
            const parsed = parseCidr(block) as Cidr;
            assert.equal(parsed.prefix, 64);
            assert.ok(cidrContains(parseCidr(VPC_IPV6) as Cidr, parsed), block);
        }
        assert.ok(
            subnets.every(
                (s) => s.inputs.assignIpv6AddressOnCreation === true && s.inputs.enableResourceNameDnsAaaaRecordOnLaunch === true,
            ),
        );
        assert.equal(of("aws:ec2/vpc:Vpc")[0].inputs.assignGeneratedIpv6CidrBlock, true);
    });

    it("routes ::/0 to the internet gateway, and to an egress-only gateway for private subnets", async () => {
        const { of } = await build([], [], true, "b");
        const tables = of("aws:ec2/routeTable:RouteTable").map(
            (t) => t.inputs.routes as { ipv6CidrBlock?: string; cidrBlock?: string; gatewayId?: string; egressOnlyGatewayId?: string }[],
        );
        const pub = tables.find((routes) => routes.some((r) => r.cidrBlock === "0.0.0.0/0"))!;
        assert.ok(pub.some((r) => r.ipv6CidrBlock === "::/0" && r.gatewayId));
        const priv = tables.find((routes) => routes.some((r) => r.egressOnlyGatewayId))!;
        assert.ok(priv.some((r) => r.ipv6CidrBlock === "::/0"));
        assert.equal(of("aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway").length, 1);
    });

    it("launches every instance with an IPv6 address and source/dest check off", async () => {
        const { of, nodes } = await build([], [], false, "c");
        const instances = of("aws:ec2/instance:Instance");
        assert.equal(instances.length, 3);
        for (const instance of instances) {
            assert.ok((instance.inputs.ipv6AddressCount as number) >= 1, instance.name);
            assert.equal(instance.inputs.sourceDestCheck, false, instance.name);
            assert.equal(instance.inputs.ami, "ami-ubuntu");
        }
        assert.deepEqual(await valueOf(nodes.nodes[0].ipv6), ["2600:1f18:abcd:ef00::6"]);
        assert.deepEqual(
            nodes.nodes.map((n) => n.roles[0]),
            ["control-plane", "worker", "worker"],
        );
    });

    it("opens nothing to the outside by default", async () => {
        const { ingress } = await build([], [], false, "d");
        assert.deepEqual(ingress("cluster"), [
            { protocol: "-1", fromPort: 0, toPort: 0, self: true, description: "all traffic between cluster nodes, both families" },
        ]);
        assert.deepEqual(ingress("control-plane"), []);
        assert.deepEqual(ingress("workers"), []);
    });

    it("opens IPv4 and IPv6 NodePorts on workers and SSH/API only from admin ranges", async () => {
        const { ingress } = await build(["203.0.113.7/32", "2001:db8:1::/48"], ["0.0.0.0/0", "::/0"], false, "e");
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
        assert.ok(ingress("control-plane").every((r) => r.fromPort === 6443));
        for (const rule of [...ingress("cluster"), ...ingress("control-plane")]) {
            assert.ok(!(rule.cidrBlocks ?? []).includes("0.0.0.0/0") && !(rule.ipv6CidrBlocks ?? []).includes("::/0"));
        }
    });
});
