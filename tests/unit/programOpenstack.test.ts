import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Cidr, cidrContains, parseCidr } from "../../components/net/cidr";
import { POOL_IPV6, installMocks, settle, valueOf } from "../support/mocks";
import { openstackOperatorConfig } from "../support/openstackStack";

// The operator's openstack stack (support/openstackStack.ts).
const registered = installMocks(openstackOperatorConfig(), "openstack");
const { program } = require("../../components/program") as typeof import("../../components/program");

const byType = (type: string) => registered.filter((r) => r.type === type);
const inPool = (address: string) => cidrContains(parseCidr(POOL_IPV6) as Cidr, parseCidr(`${address}/128`) as Cidr);

describe("the openstack stack under mocks", () => {
    it("registers the dual-stack network, one port per node with a floating IPv4, the Juju resources and Octavia", async () => {
        const outputs = await program();
        await valueOf(outputs.loadBalancer as never);
        await settle();
        const count = (type: string) => byType(type).length;
        assert.equal(count("openstack:networking/subnet:Subnet"), 2);
        assert.equal(count("openstack:networking/port:Port"), 4);
        assert.equal(count("openstack:compute/instance:Instance"), 4);
        assert.equal(count("openstack:networking/floatingIp:FloatingIp"), 4);
        assert.equal(count("openstack:loadbalancer/loadBalancer:LoadBalancer"), 1);
        const v6 = byType("openstack:networking/subnet:Subnet")[1].inputs;
        assert.ok(v6.subnetpoolId, "the /64 comes from the default pool");
        for (const association of byType("openstack:networking/floatingIpAssociate:FloatingIpAssociate")) {
            assert.equal(association.inputs.portId, `${association.name.replace(/-fip$/, "")}-id`);
        }
        const members = byType("openstack:loadbalancer/members:Members")[0].inputs.members as { address: string }[];
        assert.equal(members.length, 2, "the workers");
        assert.ok(
            members.every((m) => inPool(m.address)),
            "routed IPv6 members, no brackets",
        );
        assert.deepEqual(byType("openstack:loadbalancer/listener:Listener")[0].inputs.allowedCidrs, ["2001:db8:42::/48"]);
    });

    it("holds as many security-group rules as the quota warning counts (issue 19)", () => {
        const { openstackSecurityGroupRules } =
            require("../../components/config/cloudRules") as typeof import("../../components/config/cloudRules");
        const { readStackConfig } = require("../../components/config/stackConfig") as typeof import("../../components/config/stackConfig");
        // Neutron adds an egress rule per ethertype to each group, and the project's default group has four.
        const inProject =
            byType("openstack:networking/secGroupRule:SecGroupRule").length +
            2 * byType("openstack:networking/secGroup:SecGroup").length +
            4;
        assert.equal(openstackSecurityGroupRules(readStackConfig(openstackOperatorConfig()).config), inProject);
    });

    it("reaches the API over IPv6 because services prefer it, through kubeapi-load-balancer on a routed address, port 443 open to admins", () => {
        const deployment = byType("pulumi-nodejs:dynamic/juju:Deployment")[0].inputs;
        assert.equal((deployment.families as { serviceCidrs: string[] }).serviceCidrs[0], "fd00:c00b:2::/112");
        assert.ok(inPool(deployment.loadbalancerIps as string), String(deployment.loadbalancerIps));
        const kubeconfig = byType("pulumi-nodejs:dynamic/juju:Kubeconfig")[0].inputs;
        assert.equal(kubeconfig.apiAddress, deployment.loadbalancerIps);
        const apiRules = byType("openstack:networking/secGroupRule:SecGroupRule").filter((r) => r.inputs.securityGroupId === "ck-api-id");
        assert.deepEqual(
            apiRules.map((r) => [r.inputs.ethertype, r.inputs.portRangeMin, r.inputs.remoteIpPrefix]),
            [
                ["IPv4", 443, "203.0.113.7/32"],
                ["IPv6", 443, "2001:db8:42::7/128"],
            ],
        );
    });

    it("enlists each node on its floating IPv4 once it is associated and the instance exists", () => {
        for (const machine of byType("pulumi-nodejs:dynamic/juju:Machine")) {
            const node = String(machine.inputs.name);
            assert.match(String(machine.inputs.address), /^203\.0\.113\.\d+$/);
            assert.ok(machine.dependencies.includes(`ck-${node}-fip`), `${node}: ${machine.dependencies.join(", ")}`);
            assert.ok(machine.dependencies.includes(`ck-${node}`), `${node}: ${machine.dependencies.join(", ")}`);
        }
    });
});
