import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle } from "../support/mocks";

// `pulumi preview` of a new stack: Amazon has not assigned the VPC's IPv6 /56 yet.
const registered = installMocks({}, "preview", { preview: true });
const { DualStackNetwork } = require("../../components/aws/DualStackNetwork") as typeof import("../../components/aws/DualStackNetwork");

describe("AWS network in a preview", () => {
    it("leaves each subnet's /64 unknown until the VPC's /56 exists, rather than guessing one", async () => {
        new DualStackNetwork("pv", { nodeCidr: "10.0.0.0/16", availabilityZones: 2, ingress: [], loadBalancer: true });
        await settle();
        const subnets = registered.filter((r) => r.type === "aws:ec2/subnet:Subnet");
        assert.equal(subnets.length, 2);
        for (const subnet of subnets) {
            assert.equal(subnet.inputs.cidrBlock !== undefined, true, "IPv4 is ours to plan");
            assert.ok(pulumi.isUnknown(subnet.inputs.ipv6CidrBlock), `${subnet.name}: ${String(subnet.inputs.ipv6CidrBlock)}`);
        }
    });
});
