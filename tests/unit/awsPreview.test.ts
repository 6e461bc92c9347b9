import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle } from "../support/mocks";

// `pulumi preview` of a new stack: Amazon has not assigned the VPC's IPv6 /56 yet.
const registered = installMocks({}, "preview", { preview: true });
const { DualStackNetwork } = require("../../components/aws/DualStackNetwork") as typeof import("../../components/aws/DualStackNetwork");
const { ClusterNodes } = require("../../components/aws/ClusterNodes") as typeof import("../../components/aws/ClusterNodes");

/** Whether an output is unknown, as the engine reports a value decided at creation in a preview. */
const isUnknownOutput = (value: pulumi.Input<unknown>) =>
    (pulumi.output(value) as unknown as { isKnown: Promise<boolean> }).isKnown.then((k) => !k);

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

describe("AWS nodes in a preview", () => {
    it("leaves each node's Elastic IP unknown until Amazon allocates it, and places nodes by name all the same", async () => {
        const nodes = new ClusterNodes("pn", {
            controlPlaneCount: 1,
            workerCount: 2,
            instanceType: "t3.large",
            balancerInstanceType: "t3.medium",
            imageId: "ami-given",
            sshPublicKey: "ssh-ed25519 AAAA test",
            sshUser: "ubuntu",
            subnetIds: ["subnet-a", "subnet-b"],
            clusterSecurityGroupId: "sg-cluster",
            apiSecurityGroupId: "sg-api",
            workerSecurityGroupId: "sg-workers",
        });
        for (const node of nodes.nodes) assert.ok(await isUnknownOutput(node.ipv4), `${node.name}: no address before the EIP exists`);
        await settle();
        const subnetOf = (node: string) =>
            registered.find((r) => r.type === "aws:ec2/instance:Instance" && r.name === `pn-${node}`)?.inputs.subnetId;
        assert.deepEqual(["cp-0", "worker-0", "worker-1"].map(subnetOf), ["subnet-a", "subnet-a", "subnet-b"]);
    });
});
