import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CloudOptions, eui64Address, installMocks, providerRefusals, settle } from "../support/mocks";

installMocks({});
const openstack = require("@pulumi/openstack") as typeof import("@pulumi/openstack");

/** What the mock providers refuse of what `register` sends, in a fresh fake cloud, sorted (registrations run concurrently). */
async function refused(register: () => Promise<void> | void, options: CloudOptions = {}): Promise<string[]> {
    installMocks({}, "test", options);
    await register();
    await settle();
    return [...providerRefusals()].sort();
}

/** An Octavia load balancer, listener, pool and monitor as a program would chain them. */
function octavia(name: string, provider: string | undefined, lbMethod: string, allowedCidrs?: string[]) {
    const lb = new openstack.loadbalancer.LoadBalancer(`${name}-lb`, { vipSubnetId: "subnet", loadbalancerProvider: provider });
    const listener = new openstack.loadbalancer.Listener(`${name}-http`, {
        loadbalancerId: lb.id,
        protocol: "TCP",
        protocolPort: 80,
        allowedCidrs,
    });
    const pool = new openstack.loadbalancer.Pool(`${name}-pool`, { listenerId: listener.id, protocol: "TCP", lbMethod });
    new openstack.loadbalancer.Monitor(`${name}-monitor`, { poolId: pool.id, type: "TCP", delay: 10, timeout: 5, maxRetries: 3 });
}

describe("the mock OpenStack providers refuse what Neutron, Octavia's providers and the provider's data sources refuse (issue 19)", () => {
    it("ROUND_ROBIN and allowed_cidrs on OVN, the cloud's default provider here; SOURCE_IP_PORT on amphora", async () => {
        for (const preview of [false, true]) {
            const found = await refused(
                () => {
                    octavia("default", undefined, "ROUND_ROBIN", ["2001:db8::/32"]);
                    octavia("amphora", "amphora", "ROUND_ROBIN", ["2001:db8::/32"]);
                    octavia("ovn", "ovn", "SOURCE_IP_PORT");
                    octavia("wrong", "amphora", "SOURCE_IP_PORT");
                },
                { preview },
            );
            assert.deepEqual(
                found,
                [
                    "openstack:loadbalancer/listener:Listener default-http: ovn provider does not support allowed_cidrs option (ovn-octavia-provider driver.py _check_for_allowed_cidrs)",
                    "openstack:loadbalancer/pool:Pool default-pool: ovn provider does not support ROUND_ROBIN algorithm (_check_for_supported_algorithms)",
                    "openstack:loadbalancer/pool:Pool wrong-pool: amphora provider does not support SOURCE_IP_PORT algorithm (_check_for_supported_algorithms)",
                ],
                preview ? "preview: ids are unknown, the chain is followed through the inputs' dependencies" : "up",
            );
        }
    });

    it("the same rule twice in a group (409 SecurityGroupRuleExists), whatever the description, and a prefix of the other ethertype", async () => {
        const found = await refused(() => {
            const group = new openstack.networking.SecGroup("g", {});
            const rule = {
                direction: "ingress",
                ethertype: "IPv6",
                protocol: "tcp",
                portRangeMin: 22,
                portRangeMax: 22,
                securityGroupId: group.id,
            };
            new openstack.networking.SecGroupRule("first", { ...rule, remoteIpPrefix: "2001:db8::/32", description: "a" });
            new openstack.networking.SecGroupRule("second", { ...rule, remoteIpPrefix: "2001:0db8::/32", description: "b" });
            new openstack.networking.SecGroupRule("family", { ...rule, remoteIpPrefix: "203.0.113.0/24" });
        });
        assert.equal(found.length, 2, found.join("\n"));
        assert.match(found[0], /family: ethertype IPv6 conflicts with remote prefix 203\.0\.113\.0\/24/);
        assert.match(found[1], /second: the same rule is already in the group \(409 SecurityGroupRuleExists\)/);
    });

    it("a fixed address on a SLAAC subnet; the address Neutron gives there is the EUI-64 of the port's MAC", async () => {
        assert.equal(eui64Address("2001:db8:1:2::/64", "fa:16:3e:00:00:01"), "2001:db8:1:2:f816:3eff:fe00:1");
        const found = await refused(() => {
            const subnet = new openstack.networking.Subnet("v6", {
                networkId: "net",
                ipVersion: 6,
                cidr: "2001:db8:1:2::/64",
                ipv6AddressMode: "slaac",
                ipv6RaMode: "slaac",
            });
            new openstack.networking.Port("given", { networkId: "net", fixedIps: [{ subnetId: subnet.id, ipAddress: "2001:db8:1:2::5" }] });
        });
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(found[0], /given: fixed address 2001:db8:1:2::5 on a slaac subnet/);
    });

    it("a subnet-pool look-up that matches several pools, and an image name that matches several images without most_recent", async () => {
        const found = await refused(
            async () => {
                await openstack.networking.getSubnetPool({ ipVersion: 6, isDefault: true });
                await openstack.networking.getSubnetPool({ isDefault: true });
                await openstack.images.getImage({ name: "ubuntu-24.04", mostRecent: true });
                await openstack.images.getImage({ name: "ubuntu-24.04" });
            },
            { imagesRotated: true },
        );
        assert.equal(found.length, 2, found.join("\n"));
        assert.match(found[0], /getImage: more than one image matches and most_recent is not set/);
        assert.match(found[1], /getSubnetPool: 2 pools match/);
    });
});
