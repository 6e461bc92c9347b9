import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { readStackFile } from "../../components/config/stackFile";
import { AuthorizedKeyInputs, AuthorizedKeyOutputs, AuthorizedKeyProvider } from "../../components/juju/providers/authorizedKey";
import { keyFingerprint, parseKeyLine } from "../../components/juju/sshKeys";
import { CloudOptions, Registered, installMocks, providerRefusals, settle } from "../support/mocks";
import { openstackOperatorConfig } from "../support/openstackStack";

const ROOT = path.resolve(__dirname, "..", "..");
const KEY_BEFORE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDayTwoKeyBefore operator@example";
const KEY_AFTER = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDayTwoKeyRotated operator@example";

/** What a node is made of: replacing or rebuilding any of these replaces the node (and its Juju machine, with every unit). */
const NODE_TYPES = [
    "aws:ec2/instance:Instance",
    "aws:ec2/eip:Eip",
    "openstack:compute/instance:Instance",
    "openstack:networking/port:Port",
    "openstack:networking/floatingIp:FloatingIp",
    "openstack:networking/floatingIpAssociate:FloatingIpAssociate",
    "pulumi-nodejs:dynamic/juju:Machine",
];

async function run(config: Record<string, string>, stack: string, options: CloudOptions): Promise<Registered[]> {
    const registered = installMocks(config, stack, options);
    const { program } = require("../../components/program") as typeof import("../../components/program");
    await program();
    await settle();
    assert.deepEqual(providerRefusals(), []);
    return registered;
}

/**
 * The inputs of node resources that a second run changes, as the engine would diff them: an input
 * listed in ignoreChanges keeps its old value (Pulumi resource option `ignoreChanges`), every other
 * changed input is an update or a replacement of the node. Also returns what changed before ignoreChanges.
 */
function nodeChanges(before: Registered[], after: Registered[]): { diff: string[]; raw: string[] } {
    const diff: string[] = [];
    const raw: string[] = [];
    for (const resource of after.filter((r) => NODE_TYPES.includes(r.type))) {
        const old = before.find((r) => r.type === resource.type && r.name === resource.name);
        assert.ok(old, `${resource.name} is new`);
        for (const key of new Set([...Object.keys(old.inputs), ...Object.keys(resource.inputs)])) {
            if (JSON.stringify(old.inputs[key]) === JSON.stringify(resource.inputs[key])) continue;
            raw.push(`${resource.name}.${key}`);
            if (!resource.ignoreChanges.includes(key)) diff.push(`${resource.name}.${key}`);
        }
    }
    return { diff, raw };
}

describe("a rotated key or a new image on a deployed stack replaces no node (issue 19)", () => {
    it("aws: a new sshPublicKey, a newer Ubuntu AMI or a new imageId leave every instance, EIP and Juju machine as they are", async () => {
        const dev = { ...readStackFile(ROOT, "dev"), adminCidrs: JSON.stringify(["203.0.113.7/32"]) };
        const deployed = await run({ ...dev, sshPublicKey: KEY_BEFORE }, "dev", {});
        const rotated = await run({ ...dev, sshPublicKey: KEY_AFTER }, "dev", { imagesRotated: true });
        const renamed = await run({ ...dev, sshPublicKey: KEY_AFTER, imageId: "ami-0fedcba9876543210" }, "dev", {});
        for (const after of [rotated, renamed]) {
            const { diff, raw } = nodeChanges(deployed, after);
            assert.deepEqual(diff, []);
            assert.ok(raw.includes("ck-worker-0.ami") && raw.includes("ck-worker-0.keyName"), `the inputs did change: ${raw.join(", ")}`);
        }
        const keyPairs = (run: Registered[]) => run.filter((r) => r.type === "aws:ec2/keyPair:KeyPair").map((r) => r.inputs.publicKey);
        assert.deepEqual(keyPairs(rotated), [KEY_AFTER], "new nodes get the new key");
    });

    it("aws: a new sshPublicKey reaches the running nodes through Juju: the model's AuthorizedKey is updated in place, no node replaced", async () => {
        const dev = { ...readStackFile(ROOT, "dev"), adminCidrs: JSON.stringify(["203.0.113.7/32"]) };
        const deployed = await run({ ...dev, sshPublicKey: KEY_BEFORE }, "dev", {});
        const rotated = await run({ ...dev, sshPublicKey: KEY_AFTER }, "dev", {});
        const authorizedKeys = (run: Registered[]) => run.filter((r) => r.type === "pulumi-nodejs:dynamic/juju:AuthorizedKey");
        assert.equal(authorizedKeys(deployed).length, 1);
        const [before, after] = [authorizedKeys(deployed)[0], authorizedKeys(rotated)[0]];
        assert.equal(after?.name, before.name, "the same resource, not a new one");
        assert.deepEqual([before.inputs.key, after.inputs.key], [KEY_BEFORE, KEY_AFTER]);
        assert.equal(after.deletedWith, "ck-model", "goes with the model, which takes its keys along");
        // What the engine asks the provider for this change: an update (add, then remove), no replacement.
        const olds = { ...before.inputs, fingerprint: keyFingerprint(parseKeyLine(KEY_BEFORE)!) } as unknown as AuthorizedKeyOutputs;
        const diff = await new AuthorizedKeyProvider().diff("id", olds, after.inputs as unknown as AuthorizedKeyInputs);
        assert.equal(diff.changes, true);
        assert.deepEqual(diff.replaces ?? [], []);
        assert.deepEqual(nodeChanges(deployed, rotated).diff, []);
    });

    it("openstack: a new sshPublicKey or a rotated image (same name, new id) leave every instance, port and Juju machine as they are", async () => {
        const deployed = await run({ ...openstackOperatorConfig(), sshPublicKey: KEY_BEFORE }, "openstack", {});
        const rotated = await run({ ...openstackOperatorConfig(), sshPublicKey: KEY_AFTER }, "openstack", { imagesRotated: true });
        const { diff, raw } = nodeChanges(deployed, rotated);
        assert.deepEqual(diff, []);
        assert.ok(raw.includes("ck-worker-0.imageId") && raw.includes("ck-worker-0.keyPair"), `the inputs did change: ${raw.join(", ")}`);
        const instance = rotated.find((r) => r.type === "openstack:compute/instance:Instance")!;
        assert.equal(instance.inputs.imageName, undefined, "never by name: a rotated name reads back as 'Image not found' and rebuilds");
    });
});
