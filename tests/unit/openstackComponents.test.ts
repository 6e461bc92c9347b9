import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { installMocks, settle, valueOf } from "../support/mocks";

const registered = installMocks({});
const { DualStackNetwork } =
    require("../../components/openstack/DualStackNetwork") as typeof import("../../components/openstack/DualStackNetwork");
const { ClusterNodes } = require("../../components/openstack/ClusterNodes") as typeof import("../../components/openstack/ClusterNodes");
const { ingressRules } = require("../../components/net/firewall") as typeof import("../../components/net/firewall");

async function build(prefix: string, ipv6SubnetPool = "") {
    const before = registered.length;
    const network = new DualStackNetwork(prefix, {
        nodeCidr: "10.0.0.0/24",
        nodeIpv6Cidr: "fd00:c00b:100::/64",
        ipv6SubnetPool,
        ipv6Mode: "dhcpv6-stateless",
        externalNetwork: "public",
        ingress: ingressRules([], ["2001:db8::/32"]),
    });
    const nodes = new ClusterNodes(prefix, {
        controlPlaneCount: 1,
        workerCount: 1,
        flavor: "m1.large",
        image: "ubuntu-24.04",
        sshPublicKey: "",
        sshUser: "ubuntu",
        networkId: network.networkId,
        externalNetwork: "public",
        securityGroups: network.securityGroups,
    });
    await valueOf(nodes.nodes[1].ipv4);
    await settle();
    const mine = registered.slice(before);
    return { nodes, of: (type: string) => mine.filter((r) => r.type === type) };
}

describe("OpenStack dual-stack network and nodes", () => {
    it("makes an IPv4 and an IPv6 subnet whose address and RA modes match", async () => {
        const { of } = await build("o");
        const subnets = of("openstack:networking/subnet:Subnet");
        assert.deepEqual(
            subnets.map((s) => s.inputs.ipVersion),
            [4, 6],
        );
        const v6 = subnets[1].inputs;
        assert.equal(v6.ipv6AddressMode, v6.ipv6RaMode);
        assert.equal(v6.cidr, "fd00:c00b:100::/64");
        assert.equal(of("openstack:networking/routerInterface:RouterInterface").length, 2);
        assert.equal(of("openstack:networking/router:Router")[0].inputs.externalNetworkId, "ext-net-id");
    });

    it("takes the /64 from a subnet pool when one is given", async () => {
        const { of } = await build("p", "pool-1");
        const v6 = of("openstack:networking/subnet:Subnet")[1].inputs;
        assert.equal(v6.subnetpoolId, "pool-1");
        assert.equal(v6.cidr, undefined);
    });

    it("mirrors the AWS rules: cluster traffic in both ethertypes, IPv6 NodePorts on workers only", async () => {
        const { of } = await build("q");
        const rules = of("openstack:networking/secGroupRule:SecGroupRule").map((r) => r.inputs);
        assert.deepEqual(
            rules.filter((r) => r.remoteGroupId).map((r) => r.ethertype),
            ["IPv4", "IPv6"],
        );
        const open = rules.filter((r) => r.remoteIpPrefix);
        assert.deepEqual(
            open.map((r) => [r.ethertype, r.portRangeMin, r.portRangeMax, r.remoteIpPrefix]),
            [["IPv6", 30000, 32767, "2001:db8::/32"]],
        );
    });

    it("gives every node a floating IPv4 and its IPv6 address", async () => {
        const { nodes, of } = await build("r");
        assert.equal(of("openstack:networking/floatingIp:FloatingIp").length, 2);
        assert.match(await valueOf(nodes.nodes[0].ipv4), /^203\.0\.113\./);
        assert.deepEqual(await valueOf(nodes.nodes[1].ipv6), ["fd00:c00b:100::10"]);
    });
});
