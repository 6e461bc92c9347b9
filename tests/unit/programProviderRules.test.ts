import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { readStackFile } from "../../components/config/stackFile";
import { Registered, installMocks, providerRefusals, settle } from "../support/mocks";
import { openstackOperatorConfig } from "../support/openstackStack";

const ROOT = path.resolve(__dirname, "..", "..");
/** What the committed stack files ask the operator to set before `pulumi up`. */
const OPERATOR = {
    adminCidrs: JSON.stringify(["203.0.113.7/32", "2001:db8:42::7/128"]),
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIProviderRulesTestKey operator@example",
    nodePortCidrs: JSON.stringify(["198.51.100.0/24", "2001:db8:42::/48"]),
};

/** Each committed stack with each loadBalancer choice its cloud has (and each Octavia provider). */
const STACKS: { label: string; stack: string; config: Record<string, string> }[] = [
    { label: "dev, loadBalancer none", stack: "dev", config: { ...readStackFile(ROOT, "dev"), ...OPERATOR, loadBalancer: "none" } },
    { label: "dev, loadBalancer nlb", stack: "dev", config: { ...readStackFile(ROOT, "dev"), ...OPERATOR, loadBalancer: "nlb" } },
    { label: "openstack, loadBalancer none", stack: "openstack", config: { ...openstackOperatorConfig(), loadBalancer: "none" } },
    { label: "openstack, loadBalancer octavia (amphora, the default)", stack: "openstack", config: openstackOperatorConfig() },
    {
        label: "openstack, loadBalancer octavia, octaviaProvider ovn",
        stack: "openstack",
        config: { ...openstackOperatorConfig(), octaviaProvider: "ovn" },
    },
];

/** Runs the program as `pulumi preview` (or `up`) of a new stack does, under mocks that refuse what the providers refuse. */
async function run(config: Record<string, string>, stack: string, preview: boolean): Promise<Registered[]> {
    const registered = installMocks(config, stack, { preview });
    const { program } = require("../../components/program") as typeof import("../../components/program");
    await program();
    await settle();
    return registered;
}

describe("every committed stack, with every loadBalancer choice, sends only what the providers accept (issue 19)", () => {
    for (const { label, stack, config } of STACKS) {
        for (const preview of [true, false]) {
            it(`${label}, ${preview ? "preview" : "up"}`, async () => {
                const registered = await run(config, stack, preview);
                assert.ok(registered.length > 20, `${registered.length} resources`);
                assert.deepEqual(providerRefusals(), []);
            });
        }
    }
});

describe("the EC2 rule quota validation allows is the quota the provider enforces (issue 19)", () => {
    it("dev with the NLB and as many ranges as validation accepts (58 admin, 59 NodePort, per family) sends groups EC2 accepts", async () => {
        const ranges = (count: number, family: 4 | 6) =>
            Array.from({ length: count }, (_, i) => (family === 4 ? `198.51.${i}.0/24` : `2001:db8:${(i + 1).toString(16)}::/48`));
        const config = {
            ...readStackFile(ROOT, "dev"),
            ...OPERATOR,
            loadBalancer: "nlb",
            adminCidrs: JSON.stringify([...ranges(58, 4), ...ranges(58, 6)]),
            nodePortCidrs: JSON.stringify([...ranges(59, 4), ...ranges(59, 6)]),
        };
        const registered = await run(config, "dev", true);
        const cluster = registered.find((r) => r.name === "ck-cluster")!.inputs.ingress as unknown[];
        assert.equal(cluster.length, 3 + 116, "self, path MTU ICMP in two families, SSH per range");
        assert.deepEqual(providerRefusals(), []);
    });
});
