import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Cidr, cidrContains, parseCidr } from "../../components/net/cidr";
import { POOL_IPV6, installMocks, providerRefusals, settle, valueOf } from "../support/mocks";

const registered = installMocks({});
const { DualStackNetwork, ipv6Source } =
    require("../../components/openstack/DualStackNetwork") as typeof import("../../components/openstack/DualStackNetwork");
const { ClusterNodes } = require("../../components/openstack/ClusterNodes") as typeof import("../../components/openstack/ClusterNodes");
const { Ipv6LoadBalancer } =
    require("../../components/openstack/Ipv6LoadBalancer") as typeof import("../../components/openstack/Ipv6LoadBalancer");
const { ingressRules } = require("../../components/net/firewall") as typeof import("../../components/net/firewall");

interface BuildOptions {
    ipv6SubnetPool?: string;
    adminCidrs?: string[];
    nodePortCidrs?: string[];
    loadBalancer?: boolean;
    octaviaProvider?: "amphora" | "ovn";
}

async function build(prefix: string, options: BuildOptions = {}) {
    const before = registered.length;
    const loadBalancer = options.loadBalancer ?? false;
    const ingress = ingressRules(options.adminCidrs ?? [], options.nodePortCidrs ?? ["2001:db8::/32"], { loadBalancer });
    const network = new DualStackNetwork(prefix, {
        nodeCidr: "10.0.0.0/24",
        nodeIpv6Cidr: "fd00:c00b:100::/64",
        ipv6SubnetPool: options.ipv6SubnetPool ?? "",
        ipv6Mode: "dhcpv6-stateless",
        externalNetwork: "public",
        ingress,
        loadBalancer,
    });
    const nodes = new ClusterNodes(prefix, {
        controlPlaneCount: 1,
        workerCount: 2,
        flavor: "m1.large",
        balancerFlavor: "m1.medium",
        image: "ubuntu-24.04",
        sshPublicKey: "ssh-ed25519 AAAA test",
        sshUser: "ubuntu",
        networkId: network.networkId,
        ipv4SubnetId: network.ipv4SubnetId,
        ipv6SubnetId: network.ipv6SubnetId,
        externalNetwork: "public",
        routerInterfaces: network.routerInterfaces,
        securityGroupIds: network.securityGroupIds,
    });
    const workers = nodes.nodes.filter((n) => n.roles.includes("worker"));
    if (loadBalancer) {
        const lb = new Ipv6LoadBalancer(prefix, {
            provider: options.octaviaProvider ?? "amphora",
            ipv6SubnetId: network.ipv6SubnetId,
            workerAddresses: valueOf(Promise.all(workers.map((n) => valueOf(n.ipv6))).then((lists) => lists.flat())),
            nodePort: 30080,
            clientCidrs: ingress.filter((r) => r.nodes === "load-balancer" && r.family === "IPv6").map((r) => r.cidr),
        });
        await valueOf(lb.vipAddress);
    }
    await Promise.all(nodes.nodes.map((n) => valueOf(n.ipv4)));
    await settle();
    const mine = registered.slice(before);
    const of = (type: string) => mine.filter((r) => r.type === type);
    const named = (type: string, name: string) => of(type).find((r) => r.name === name)!;
    return { network, nodes, workers, of, named };
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

    it("takes the /64 from the default pool, a named pool or a pool ID (defect 5)", async () => {
        assert.deepEqual(ipv6Source("", "fd00::/64"), { cidr: "fd00::/64" });
        assert.deepEqual(ipv6Source("default", "fd00::/64"), { lookup: { isDefault: true } });
        assert.deepEqual(ipv6Source("6f1b5a3c-0d4e-4b8a-9c2f-3e7d1a2b4c5d", "fd00::/64"), {
            poolId: "6f1b5a3c-0d4e-4b8a-9c2f-3e7d1a2b4c5d",
        });
        assert.deepEqual(ipv6Source("public-v6", "fd00::/64"), { lookup: { name: "public-v6" } });
        const { of, workers } = await build("p", { ipv6SubnetPool: "default" });
        const v6 = of("openstack:networking/subnet:Subnet")[1].inputs;
        assert.equal(v6.subnetpoolId, "6f1b5a3c-0d4e-4b8a-9c2f-3e7d1a2b4c5d");
        assert.equal(v6.prefixLength, 64);
        assert.equal(v6.cidr, undefined, "Neutron allocates the /64 from the pool");
        const [address] = await valueOf(workers[0].ipv6);
        assert.ok(cidrContains(parseCidr(POOL_IPV6) as Cidr, parseCidr(`${address}/128`) as Cidr), address);
    });

    it("mirrors the AWS rules: cluster traffic (Calico VXLAN included) in both ethertypes, IPv6 NodePorts on workers only, path MTU ICMP from anywhere", async () => {
        const { of } = await build("q");
        const rules = of("openstack:networking/secGroupRule:SecGroupRule").map((r) => r.inputs);
        const internal = rules.filter((r) => r.remoteGroupId);
        assert.deepEqual(
            internal.map((r) => [r.ethertype, r.protocol]),
            [
                ["IPv4", undefined],
                ["IPv6", undefined],
            ],
            "no protocol: all of them, UDP 4789 between node addresses included",
        );
        const open = rules.filter((r) => r.remoteIpPrefix);
        assert.deepEqual(
            open.map((r) => [r.ethertype, r.protocol, r.portRangeMin, r.portRangeMax, r.remoteIpPrefix]),
            [
                ["IPv6", "tcp", 30000, 32767, "2001:db8::/32"],
                // Only "fragmentation needed" and "packet too big": routers anywhere on the path send them.
                ["IPv4", "icmp", 3, 4, "0.0.0.0/0"],
                ["IPv6", "ipv6-icmp", 2, 0, "::/0"],
            ],
        );
        assert.deepEqual(providerRefusals(), []);
    });

    it("opens the API port on the load-balancer node's port only, where kubeapi-load-balancer runs (defect 8)", async () => {
        const { of, named, network } = await build("k", { adminCidrs: ["203.0.113.7/32"] });
        const api = await valueOf(network.securityGroupIds.api);
        const apiRules = of("openstack:networking/secGroupRule:SecGroupRule").filter((r) => r.inputs.securityGroupId === api);
        assert.deepEqual(
            apiRules.map((r) => [r.inputs.portRangeMin, r.inputs.portRangeMax, r.inputs.remoteIpPrefix]),
            [[443, 443, "203.0.113.7/32"]],
        );
        const groups = (node: string) => named("openstack:networking/port:Port", `k-${node}`).inputs.securityGroupIds as string[];
        assert.ok(groups("lb-0").includes(api));
        for (const node of ["cp-0", "worker-0"]) assert.ok(!groups(node).includes(api), node);
        const flavor = (node: string) => named("openstack:compute/instance:Instance", `k-${node}`).inputs.flavorName;
        assert.deepEqual([flavor("worker-0"), flavor("lb-0")], ["m1.large", "m1.medium"], "the balancer's node has its own flavor");
    });
});

describe("OpenStack ports, floating IPs and order (defects 2, 3, 4)", () => {
    it("boots each instance on its own port, with security groups on the port, not the instance", async () => {
        const { of, named } = await build("r");
        const ports = of("openstack:networking/port:Port");
        assert.equal(ports.length, 4);
        for (const port of ports) {
            assert.deepEqual(
                (port.inputs.fixedIps as { subnetId: string }[]).map((f) => f.subnetId),
                ["r-ipv4-id", "r-ipv6-id"],
            );
            const instance = named("openstack:compute/instance:Instance", port.name).inputs;
            assert.deepEqual(instance.networks, [{ port: `${port.name}-id` }]);
            assert.equal(instance.securityGroups, undefined);
            // every node has the cluster group; workers also the worker group (NodePorts)
            assert.ok((port.inputs.securityGroupIds as string[]).length >= (port.name.includes("worker") ? 2 : 1), port.name);
        }
    });

    it("associates each floating IP with the node's port, not the empty networks[].port the provider returns (defect 2)", async () => {
        const { of } = await build("s");
        const associations = of("openstack:networking/floatingIpAssociate:FloatingIpAssociate");
        assert.equal(associations.length, 4);
        for (const association of associations) {
            assert.equal(association.inputs.portId, `${association.name.replace(/-fip$/, "")}-id`, association.name);
        }
    });

    it("reads IPv6 addresses from the port, without the brackets the instance's fixedIpV6 has (defect 3)", async () => {
        const { nodes, of } = await build("t");
        for (const node of nodes.nodes) {
            const addresses = await valueOf(node.ipv6);
            assert.equal(addresses.length, 1, node.name);
            // dhcpv6-stateless: Neutron gives the EUI-64 address of the port's MAC (fa:16:3e:...).
            assert.match(addresses[0], /^fd00:c00b:100:0:f816:3eff:fe[0-9a-f]{2}:[0-9a-f]{1,4}$/, node.name);
        }
        const instance = of("openstack:compute/instance:Instance")[0];
        assert.equal(instance.inputs.imageId, "img-noble-1", "the image is resolved to an id, never booted by name");
        assert.equal(instance.inputs.imageName, undefined);
        assert.match(await valueOf(nodes.nodes[0].ipv4), /^203\.0\.113\.\d+$/);
    });

    it("creates ports after both subnets, boots instances and associates floating IPs after the router interfaces (defect 4)", async () => {
        const { of, named } = await build("u");
        for (const port of of("openstack:networking/port:Port")) {
            assert.ok(port.dependencies.includes("u-ipv4") && port.dependencies.includes("u-ipv6"), port.name);
            const instance = named("openstack:compute/instance:Instance", port.name);
            assert.ok(instance.dependencies.includes(port.name));
            // The metadata service is reached through the router at first boot.
            assert.ok(
                instance.dependencies.includes("u-router-ipv4") && instance.dependencies.includes("u-router-ipv6"),
                `${instance.name}: ${instance.dependencies.join(", ")}`,
            );
        }
        for (const association of of("openstack:networking/floatingIpAssociate:FloatingIpAssociate")) {
            assert.ok(
                association.dependencies.includes("u-router-ipv4") && association.dependencies.includes("u-router-ipv6"),
                `${association.name}: ${association.dependencies.join(", ")}`,
            );
        }
    });
});

describe("Octavia in front of the workers (defect 6)", () => {
    it("admits the VIP's subnet on the workers' NodePorts and only the IPv6 NodePort sources on the listener", async () => {
        const { of, network, workers } = await build("l", {
            ipv6SubnetPool: "default",
            nodePortCidrs: ["2001:db8:42::/48", "198.51.100.0/24"],
            loadBalancer: true,
        });
        const subnetCidr = await valueOf(network.ipv6SubnetCidr);
        const worker = await valueOf(network.securityGroupIds.worker);
        const fromSubnet = of("openstack:networking/secGroupRule:SecGroupRule").filter(
            (r) => r.inputs.securityGroupId === worker && r.inputs.remoteIpPrefix === subnetCidr,
        );
        assert.deepEqual(
            fromSubnet.map((r) => [r.inputs.ethertype, r.inputs.protocol, r.inputs.portRangeMin, r.inputs.portRangeMax]),
            [["IPv6", "tcp", 30000, 32767]],
        );
        const listener = of("openstack:loadbalancer/listener:Listener")[0].inputs;
        assert.deepEqual(listener.allowedCidrs, ["2001:db8:42::/48"]);
        const lb = of("openstack:loadbalancer/loadBalancer:LoadBalancer")[0].inputs;
        assert.equal(lb.vipSubnetId, "l-ipv6-id");
        const members = of("openstack:loadbalancer/members:Members")[0].inputs.members as { address: string; subnetId: string }[];
        const addresses = (await Promise.all(workers.map((n) => valueOf(n.ipv6)))).flat();
        assert.deepEqual(
            members.map((m) => [m.address, m.subnetId]),
            addresses.map((a) => [a, "l-ipv6-id"]),
        );
        assert.ok(members.every((m) => !m.address.includes("[")));
    });

    it("refuses a load balancer that would admit everyone or IPv4 sources", () => {
        for (const clientCidrs of [[], ["0.0.0.0/0"]]) {
            assert.throws(
                () =>
                    new Ipv6LoadBalancer(`x${clientCidrs.length}`, {
                        provider: "amphora",
                        ipv6SubnetId: "s",
                        workerAddresses: [],
                        nodePort: 30080,
                        clientCidrs,
                    }),
                /IPv6 client ranges only/,
            );
        }
    });

    it("pins the amphora provider with ROUND_ROBIN and the listener's allowed_cidrs, which it accepts (issue 19)", async () => {
        const { of } = await build("am", { ipv6SubnetPool: "default", nodePortCidrs: ["2001:db8:42::/48"], loadBalancer: true });
        const lb = of("openstack:loadbalancer/loadBalancer:LoadBalancer")[0];
        assert.equal(lb.inputs.loadbalancerProvider, "amphora");
        assert.deepEqual(lb.ignoreChanges, ["loadbalancerProvider"], "applies at creation only: never replaces a running VIP");
        assert.equal(of("openstack:loadbalancer/pool:Pool")[0].inputs.lbMethod, "ROUND_ROBIN");
        assert.deepEqual(of("openstack:loadbalancer/listener:Listener")[0].inputs.allowedCidrs, ["2001:db8:42::/48"]);
        assert.deepEqual(providerRefusals(), []);
    });

    it("on ovn, balances SOURCE_IP_PORT and filters clients on the workers' group, not the listener (issue 19)", async () => {
        const { of, network } = await build("ov", {
            ipv6SubnetPool: "default",
            nodePortCidrs: ["2001:db8:42::/48"],
            loadBalancer: true,
            octaviaProvider: "ovn",
        });
        assert.equal(of("openstack:loadbalancer/loadBalancer:LoadBalancer")[0].inputs.loadbalancerProvider, "ovn");
        assert.equal(of("openstack:loadbalancer/pool:Pool")[0].inputs.lbMethod, "SOURCE_IP_PORT");
        assert.deepEqual(of("openstack:loadbalancer/listener:Listener")[0].inputs.allowedCidrs, []);
        // OVN's balancer is NAT: members see the client's address, which the workers' group admits only from nodePortCidrs.
        const worker = await valueOf(network.securityGroupIds.worker);
        const clients = of("openstack:networking/secGroupRule:SecGroupRule").filter(
            (r) => r.inputs.securityGroupId === worker && r.inputs.remoteIpPrefix === "2001:db8:42::/48",
        );
        assert.deepEqual(
            clients.map((r) => [r.inputs.portRangeMin, r.inputs.portRangeMax]),
            [[30000, 32767]],
        );
        assert.deepEqual(providerRefusals(), []);
    });
});
