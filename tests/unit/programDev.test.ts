import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { readStackFile } from "../../components/config/stackFile";
import { installMocks, settle, valueOf } from "../support/mocks";

const ROOT = path.resolve(__dirname, "..", "..");
// The committed dev stack (AWS) with a dual-stack NLB asked for, as `pulumi preview` would run it.
const registered = installMocks({ ...readStackFile(ROOT, "dev"), loadBalancer: "nlb", nodePortCidrs: JSON.stringify(["::/0"]) }, "dev");
const { program } = require("../../components/program") as typeof import("../../components/program");

describe("the dev stack (AWS) under mocks", () => {
    it("registers the network, the instances, the Juju resources, the workload and the NLB", async () => {
        const outputs = await program();
        await valueOf(outputs.loadBalancer as never);
        await settle();
        const count = (type: string) => registered.filter((r) => r.type === type).length;
        assert.equal(count("aws:ec2/vpc:Vpc"), 1);
        assert.equal(count("aws:ec2/subnet:Subnet"), 2);
        assert.equal(count("aws:ec2/instance:Instance"), 3);
        assert.equal(count("pulumi-nodejs:dynamic/juju:Machine"), 3);
        assert.equal(count("kubernetes:core/v1:Service"), 2);
        const nlb = registered.find((r) => r.type === "aws:lb/loadBalancer:LoadBalancer")!.inputs;
        assert.deepEqual([nlb.loadBalancerType, nlb.ipAddressType], ["network", "dualstack"]);
        assert.equal(count("aws:lb/targetGroupAttachment:TargetGroupAttachment"), 2, "one per worker");
    });

    it("enlists the instances' addresses with Juju and deploys the seed's ranges", () => {
        const machines = registered.filter((r) => r.type === "pulumi-nodejs:dynamic/juju:Machine").map((r) => r.inputs.address);
        assert.ok(
            machines.every((address) => /^198\.51\.100\.\d+$/.test(address as string)),
            String(machines),
        );
        const deployment = registered.find((r) => r.type === "pulumi-nodejs:dynamic/juju:Deployment")!.inputs;
        assert.equal(deployment.podCidr, "192.168.0.0/16,fd00:c00b:1::/112");
        assert.equal(deployment.serviceCidr, "10.152.183.0/24,fd00:c00b:2::/112");
        assert.equal(deployment.loadbalancerIps, "", "IPv4-preferred: the API stays on IPv4");
    });
});
