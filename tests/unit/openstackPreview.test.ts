import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle } from "../support/mocks";
import { openstackOperatorConfig } from "../support/openstackStack";

// `pulumi preview` of a new openstack stack (the committed one, operator settings and Octavia added):
// Neutron has not allocated the pool's /64, the ports' addresses or the floating IPs yet.
const registered = installMocks(openstackOperatorConfig(), "openstack", { preview: true });
const { program } = require("../../components/program") as typeof import("../../components/program");

const byType = (type: string) => registered.filter((r) => r.type === type);

describe("the openstack stack in a preview", () => {
    it("registers every resource without the addresses Neutron decides at creation", async () => {
        await program();
        await settle();
        const count = (type: string) => byType(type).length;
        assert.equal(count("openstack:networking/port:Port"), 4);
        assert.equal(count("openstack:compute/instance:Instance"), 4);
        assert.equal(count("openstack:networking/floatingIpAssociate:FloatingIpAssociate"), 4);
        assert.equal(count("pulumi-nodejs:dynamic/juju:Machine"), 4);
        assert.equal(count("pulumi-nodejs:dynamic/juju:Deployment"), 1);
        assert.equal(count("openstack:loadbalancer/members:Members"), 1);
    });

    it("leaves what depends on them unknown rather than guessed (subnet cidr, all_fixed_ips, floating address)", () => {
        // The pool-allocated /64 (resource_openstack_networking_subnet_v2.go: cidr Optional+Computed).
        const fromOctavia = byType("openstack:networking/secGroupRule:SecGroupRule").find((r) => r.name === "ck-workers-octavia")!;
        assert.ok(pulumi.isUnknown(fromOctavia.inputs.remoteIpPrefix), String(fromOctavia.inputs.remoteIpPrefix));
        // The ports' addresses (resource_openstack_networking_port_v2.go: all_fixed_ips computed).
        const members = byType("openstack:loadbalancer/members:Members")[0];
        assert.ok(pulumi.isUnknown(members.inputs.members), JSON.stringify(members.inputs.members));
        const deployment = byType("pulumi-nodejs:dynamic/juju:Deployment")[0];
        assert.ok(pulumi.isUnknown(deployment.inputs.loadbalancerIps), String(deployment.inputs.loadbalancerIps));
        // The floating IPv4 each node is enlisted on.
        for (const machine of byType("pulumi-nodejs:dynamic/juju:Machine")) {
            assert.ok(pulumi.isUnknown(machine.inputs.address), `${machine.name}: ${String(machine.inputs.address)}`);
        }
    });
});
