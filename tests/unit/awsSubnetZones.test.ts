import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { installMocks, settle, valueOf } from "../support/mocks";

// A stack deployed when us-east-1a was impaired: its two subnets went to the first two zones listed then.
const registered = installMocks({}, "test", { deployedSubnetZones: { "z-public-0": "us-east-1b", "z-public-1": "us-east-1c" } });
const { DualStackNetwork, nextSubnetZone } =
    require("../../components/aws/DualStackNetwork") as typeof import("../../components/aws/DualStackNetwork");

describe("zones of subnets added to a deployed AWS stack (issue 19)", () => {
    it("puts a third subnet in the zone neither existing subnet uses, not where today's list puts it", async () => {
        const network = new DualStackNetwork("z", { nodeCidr: "10.0.0.0/16", availabilityZones: 3, loadBalancer: false, ingress: [] });
        await Promise.all(network.publicSubnetIds.map((id) => valueOf(id)));
        await settle();
        const subnets = registered.filter((r) => r.type === "aws:ec2/subnet:Subnet");
        assert.deepEqual(
            subnets.map((s) => s.name),
            ["z-public-0", "z-public-1", "z-public-2"],
        );
        // Today's list is a, b, c: its third zone, c, holds z-public-1 already, and an ELB takes one subnet per zone.
        assert.equal(subnets[2].inputs.availabilityZone, "us-east-1a");
    });

    it("refuses more subnets than the region has zones needing no opt-in, naming availabilityZones", () => {
        const listed = ["us-east-1a", "us-east-1b", "us-east-1c"];
        assert.equal(nextSubnetZone(listed, ["us-east-1b", "us-east-1c"], 3), "us-east-1a");
        assert.throws(
            () => nextSubnetZone(listed, listed, 4),
            /^Error: ck-dualstack:availabilityZones = 4: the region has 3 available zones that need no opt-in .*at most/,
        );
    });
});
