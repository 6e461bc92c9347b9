import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, providerRefusals, settle, valueOf } from "../support/mocks";

/**
 * A stack whose Octavia load balancer already runs a provider other than octaviaProvider (created
 * before the pin on the cloud's default, or read back under an alias): the load balancer is kept
 * (ignoreChanges) and the listener and pool must send what that provider accepts.
 */
async function deployedWith(deployedOctaviaProvider: string, provider: "amphora" | "ovn") {
    const registered = installMocks({}, "test", { deployedOctaviaProvider });
    const { Ipv6LoadBalancer } =
        require("../../components/openstack/Ipv6LoadBalancer") as typeof import("../../components/openstack/Ipv6LoadBalancer");
    const subnet = new (require("@pulumi/openstack") as typeof import("@pulumi/openstack")).networking.Subnet(
        `s-${deployedOctaviaProvider}`,
        {
            networkId: "net",
            ipVersion: 6,
            cidr: "2001:db8:4000:1::/64",
            ipv6AddressMode: "slaac",
            ipv6RaMode: "slaac",
        },
    );
    const warnings: string[] = [];
    const warn = pulumi.log.warn;
    pulumi.log.warn = (message: string) => {
        warnings.push(message);
        return Promise.resolve();
    };
    try {
        const lb = new Ipv6LoadBalancer(`lb-${deployedOctaviaProvider}`, {
            provider,
            ipv6SubnetId: subnet.id,
            workerAddresses: ["2001:db8:4000:1::10"],
            nodePort: 30080,
            clientCidrs: ["2001:db8:42::/48"],
        });
        await valueOf(lb.vipAddress);
        await settle();
    } finally {
        pulumi.log.warn = warn;
    }
    const of = (type: string) => registered.filter((r) => r.type === type);
    return {
        lbMethod: of("openstack:loadbalancer/pool:Pool")[0].inputs.lbMethod,
        allowedCidrs: of("openstack:loadbalancer/listener:Listener")[0].inputs.allowedCidrs,
        warnings,
    };
}

describe("an Octavia load balancer deployed before octaviaProvider was pinned (issue 19)", () => {
    it("on ovn while octaviaProvider says amphora: SOURCE_IP_PORT, no allowed_cidrs, and a warning that it stays ovn", async () => {
        const seen = await deployedWith("ovn", "amphora");
        assert.deepEqual([seen.lbMethod, seen.allowedCidrs], ["SOURCE_IP_PORT", []]);
        assert.deepEqual(providerRefusals(), []);
        assert.equal(seen.warnings.length, 1);
        assert.match(seen.warnings[0], /octaviaProvider is amphora, but the deployed load balancer runs ovn/);
    });

    it("read back as the amphora alias `octavia`: ROUND_ROBIN with the client ranges on the listener, no warning", async () => {
        const seen = await deployedWith("octavia", "amphora");
        assert.deepEqual([seen.lbMethod, seen.allowedCidrs], ["ROUND_ROBIN", ["2001:db8:42::/48"]]);
        assert.deepEqual(providerRefusals(), []);
        assert.deepEqual(seen.warnings, []);
    });
});
