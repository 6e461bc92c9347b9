import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle } from "../support/mocks";

const registered = installMocks({
    cloud: "aws",
    serviceCidr: "10.152.183.0/24,fd00:c00b:2::/64",
    workerCount: "0",
    adminCidrs: JSON.stringify(["203.0.113.7/32"]),
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITest test",
    // Read from the whole stack config the engine hands over, not only the keys ck-dualstack knows.
    workercount: "3",
    "ck-dualstak:cloud": "openstack",
});
const { program } = require("../../components/program") as typeof import("../../components/program");

describe("the program with bad config", () => {
    it("throws a RunError listing every problem and registers nothing", async () => {
        await assert.rejects(program(), (error: Error) => {
            assert.ok(pulumi.RunError.isInstance(error));
            assert.match(error.message, /4 problems; nothing was created/);
            assert.match(error.message, /ck-dualstack:serviceCidr = .*\/108 at most/);
            assert.match(error.message, /ck-dualstack:workerCount = "0"/);
            assert.match(error.message, /ck-dualstack:workercount = "3": is not a ck-dualstack key: did you mean workerCount\?/);
            assert.match(error.message, /ck-dualstak:cloud = "openstack": .*did you mean ck-dualstack:cloud\?/);
            return true;
        });
        await settle();
        assert.deepEqual(registered, []);
    });
});
