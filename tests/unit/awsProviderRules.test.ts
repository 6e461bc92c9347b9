import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { installMocks, providerRefusals, settle } from "../support/mocks";

installMocks({});
const aws = require("@pulumi/aws") as typeof import("@pulumi/aws");

/** What the mock providers refuse of what `register` sends, in a fresh fake cloud, sorted (registrations run concurrently). */
async function refused(register: () => Promise<void> | void): Promise<string[]> {
    installMocks({});
    await register();
    await settle();
    return [...providerRefusals()].sort();
}

const rule = (description: string, cidr = "203.0.113.7/32") => ({
    protocol: "tcp",
    fromPort: 22,
    toPort: 22,
    cidrBlocks: [cidr],
    description,
});

describe("the mock AWS provider refuses what terraform-provider-aws and EC2 refuse (issue 19)", () => {
    it("a rule description with an apostrophe (validSecurityGroupRuleDescription), and accepts the same without it", async () => {
        const found = await refused(() => {
            new aws.ec2.SecurityGroup("quote", { vpcId: "vpc", egress: [rule("to the workers' NodePorts")] });
            new aws.ec2.SecurityGroup("plain", { vpcId: "vpc", egress: [rule("to the worker NodePorts")] });
        });
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(found[0], /quote: egress rule description "to the workers' NodePorts" fails validSecurityGroupRuleDescription/);
    });

    it("more than 60 inbound rules of a family in one group, a group reference counting in both, and a rule twice", async () => {
        const many = (count: number) => Array.from({ length: count }, (_, i) => rule(`ssh ${i}`, `198.51.100.${i}/32`));
        const found = await refused(() => {
            new aws.ec2.SecurityGroup("sixty", { vpcId: "vpc", ingress: many(60) });
            new aws.ec2.SecurityGroup("sixty-one", {
                vpcId: "vpc",
                ingress: [...many(59), { ...rule("self"), cidrBlocks: [], self: true }, rule("x", "10.1.0.0/16")],
            });
            new aws.ec2.SecurityGroup("twice", { vpcId: "vpc", ingress: [rule("a"), rule("b", "203.0.113.007/32".replace("007", "7"))] });
        });
        assert.equal(found.length, 2, found.join("\n"));
        assert.match(found[0], /sixty-one: 61 ingress IPv4 rules, over the quota of 60 per group/);
        assert.match(found[1], /twice: ingress rule tcp\|22\|22\|203\.0\.113\.7\/32 appears twice \(EC2 InvalidPermission\.Duplicate\)/);
    });

    it("an arm64 instance type on Canonical's amd64 AMI", async () => {
        const found = await refused(async () => {
            const ami = await aws.ec2.getAmi({
                owners: ["099720109477"],
                mostRecent: true,
                filters: [{ name: "name", values: ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"] }],
            });
            new aws.ec2.Instance("graviton", { ami: ami.id, instanceType: "t4g.medium" });
            new aws.ec2.Instance("intel", { ami: ami.id, instanceType: "t3.large" });
        });
        assert.deepEqual(found, [
            "aws:ec2/instance:Instance graviton: instance type t4g.medium is arm64 but AMI ami-ubuntu is x86_64 (InvalidParameterValue)",
        ]);
    });

    it("a load balancer name over 32 characters once auto-named, and an IPv6 target group of instance targets", async () => {
        const found = await refused(() => {
            new aws.lb.LoadBalancer("a-load-balancer-name-too-long", { loadBalancerType: "network" });
            new aws.lb.TargetGroup("tg", { port: 80, protocol: "TCP", vpcId: "vpc", ipAddressType: "ipv6" });
        });
        assert.equal(found.length, 2, found.join("\n"));
        assert.match(found[0], /auto-name of a-load-balancer-name-too-long would exceed 32 characters/);
        assert.match(found[1], /an ipv6 target group needs targetType ip/);
    });

    it("lists opted-in Local and Wavelength Zones unless filtered out, never the ones not opted into", async () => {
        const all = await aws.getAvailabilityZones({ state: "available" });
        assert.ok(!all.names.includes("us-east-1-mia-1a"));
        const usable = await aws.getAvailabilityZones({
            state: "available",
            filters: [
                { name: "opt-in-status", values: ["opt-in-not-required"] },
                { name: "zone-type", values: ["availability-zone"] },
            ],
        });
        assert.deepEqual(usable.names, ["us-east-1a", "us-east-1b", "us-east-1c"]);
    });
});
