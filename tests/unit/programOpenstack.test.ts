import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { readStackFile } from "../../components/config/stackFile";
import { installMocks, settle, valueOf } from "../support/mocks";

const ROOT = path.resolve(__dirname, "..", "..");
// The committed openstack stack (IPv6-preferred) with an Octavia load balancer.
const registered = installMocks({ ...readStackFile(ROOT, "openstack"), loadBalancer: "octavia" }, "openstack");
const { program } = require("../../components/program") as typeof import("../../components/program");

describe("the openstack stack under mocks", () => {
    it("registers the dual-stack network, nodes with floating IPv4, the Juju resources and Octavia", async () => {
        const outputs = await program();
        await valueOf(outputs.loadBalancer as never);
        await settle();
        const count = (type: string) => registered.filter((r) => r.type === type).length;
        assert.equal(count("openstack:networking/subnet:Subnet"), 2);
        assert.equal(count("openstack:compute/instance:Instance"), 3);
        assert.equal(count("openstack:networking/floatingIp:FloatingIp"), 3);
        assert.equal(count("openstack:loadbalancer/loadBalancer:LoadBalancer"), 1);
        const members = registered.find((r) => r.type === "openstack:loadbalancer/members:Members")!.inputs.members as {
            address: string;
        }[];
        assert.equal(members.length, 2, "the workers");
        assert.ok(
            members.every((m) => m.address.includes(":")),
            "IPv6 members",
        );
    });

    it("reaches the API over IPv6 because services prefer it", () => {
        const deployment = registered.find((r) => r.type === "pulumi-nodejs:dynamic/juju:Deployment")!.inputs;
        assert.match(deployment.serviceCidr as string, /^fd00:c00b:2::\/112,/);
        assert.match(deployment.loadbalancerIps as string, /^fd00:c00b:100::/);
        const kubeconfig = registered.find((r) => r.type === "pulumi-nodejs:dynamic/juju:Kubeconfig")!.inputs;
        assert.equal(kubeconfig.apiAddress, deployment.loadbalancerIps);
    });
});
