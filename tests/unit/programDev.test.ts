import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { readStackFile } from "../../components/config/stackFile";
import { Cidr, cidrContains, parseCidr } from "../../components/net/cidr";
import { EIP_IPV4, installMocks, settle, valueOf } from "../support/mocks";

const ROOT = path.resolve(__dirname, "..", "..");
// The committed dev stack (AWS) as `pulumi preview` would run it once the operator has set what the
// stack file asks for (adminCidrs, sshPublicKey), with a dual-stack NLB and IPv6 NodePort clients.
const registered = installMocks(
    {
        ...readStackFile(ROOT, "dev"),
        adminCidrs: JSON.stringify(["203.0.113.7/32", "2001:db8:42::7/128"]),
        sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDevStackTestKey operator@example",
        loadBalancer: "nlb",
        nodePortCidrs: JSON.stringify(["::/0"]),
    },
    "dev",
);
const { program } = require("../../components/program") as typeof import("../../components/program");

type Rule = { fromPort: number; toPort: number; cidrBlocks?: string[]; ipv6CidrBlocks?: string[]; securityGroups?: string[] };
const byType = (type: string) => registered.filter((r) => r.type === type);
const group = (name: string) => byType("aws:ec2/securityGroup:SecurityGroup").find((r) => r.name === name)!;

describe("the dev stack (AWS) under mocks", () => {
    let outputs: Record<string, unknown>;
    it("registers the network, the instances, the Juju resources, the workload and the NLB", async () => {
        outputs = await program();
        await valueOf(outputs.loadBalancer as never);
        await settle();
        const count = (type: string) => byType(type).length;
        assert.equal(count("aws:ec2/vpc:Vpc"), 1);
        assert.equal(count("aws:ec2/subnet:Subnet"), 2);
        assert.equal(count("aws:ec2/instance:Instance"), 4);
        assert.equal(count("aws:ec2/keyPair:KeyPair"), 1);
        assert.equal(count("pulumi-nodejs:dynamic/juju:Machine"), 4);
        assert.equal(count("kubernetes:core/v1:Service"), 2);
        const nlb = byType("aws:lb/loadBalancer:LoadBalancer")[0].inputs;
        assert.deepEqual([nlb.loadBalancerType, nlb.ipAddressType], ["network", "dualstack"]);
        assert.deepEqual(nlb.securityGroups, ["ck-nlb-id"]);
    });

    it("forwards the NLB to the workers' IPv6 addresses on the IPv6 Service's NodePort", async () => {
        const targets = byType("aws:lb/targetGroup:TargetGroup")[0].inputs;
        assert.deepEqual([targets.ipAddressType, targets.targetType, targets.port], ["ipv6", "ip", 30080]);
        const nodes = (await valueOf(outputs.nodes as never)) as { roles: string[]; ipv6: string[] }[];
        const workerIpv6 = nodes.filter((n) => n.roles.includes("worker")).map((n) => n.ipv6[0]);
        const attached = byType("aws:lb/targetGroupAttachment:TargetGroupAttachment").map((a) => a.inputs.targetId as string);
        assert.equal(attached.length, 2, "one per worker");
        assert.deepEqual(new Set(attached), new Set(workerIpv6));
        const workers = group("ck-workers").inputs.ingress as Rule[];
        assert.ok(workers.some((r) => r.securityGroups?.includes("ck-nlb-id") && r.fromPort === 30000 && r.toPort === 32767));
    });

    it("opens SSH from admin ranges and the kubeconfig's port 443 on the API node only", () => {
        const ssh = (group("ck-cluster").inputs.ingress as Rule[]).filter((r) => r.fromPort === 22);
        assert.equal(ssh.length, 2);
        assert.deepEqual(
            (group("ck-api").inputs.ingress as Rule[]).map((r) => r.fromPort),
            [443, 443],
        );
        const balancer = byType("aws:ec2/instance:Instance").find((r) => r.name === "ck-lb-0")!;
        assert.ok((balancer.inputs.vpcSecurityGroupIds as string[]).includes("ck-api-id"));
        const cp = byType("aws:ec2/instance:Instance").find((r) => r.name === "ck-cp-0")!;
        assert.ok(!(cp.inputs.vpcSecurityGroupIds as string[]).includes("ck-api-id"));
    });

    it("enlists each instance with Juju on its Elastic IP, once associated, and deploys the seed's ranges", () => {
        const machines = byType("pulumi-nodejs:dynamic/juju:Machine");
        const eips = byType("aws:ec2/eip:Eip");
        assert.equal(eips.length, 4, "one per node, lb-0 included");
        for (const machine of machines) {
            const node = machine.inputs.name as string;
            const eip = eips.find((r) => r.name === `ck-${node}-eip`)!;
            assert.equal(eip.inputs.instance, `ck-${node}-id`, `${node}: the EIP is associated to its instance`);
            // The address that survives stop/start, not the launch-time public IPv4 (198.51.100.0/24 here).
            const address = machine.inputs.address as string;
            assert.ok(cidrContains(parseCidr(EIP_IPV4) as Cidr, parseCidr(`${address}/32`) as Cidr), `${node}: ${address}`);
            assert.ok(machine.dependencies.includes(eip.name), `${node}: add-machine waits for the association: ${machine.dependencies}`);
        }
        const deployment = byType("pulumi-nodejs:dynamic/juju:Deployment")[0].inputs;
        const families = deployment.families as { podCidrs: string[]; serviceCidrs: string[] };
        assert.deepEqual(families.podCidrs, ["192.168.0.0/16", "fd00:c00b:1::/112"]);
        assert.deepEqual(families.serviceCidrs, ["10.152.183.0/24", "fd00:c00b:2::/112"]);
        assert.equal(deployment.loadbalancerIps, "", "IPv4-preferred: the API stays on IPv4, through kubeapi-load-balancer");
    });
});
