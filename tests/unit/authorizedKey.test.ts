import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { AuthorizedKeyOutputs, AuthorizedKeyProvider } from "../../components/juju/providers/authorizedKey";
import { keyFingerprint, parseKeyLine } from "../../components/juju/sshKeys";
import { FakeJuju } from "../support/fakeJuju";

const OLD_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOldOperatorKey operator@example";
const NEW_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINewOperatorKey operator@example";
const fingerprintOf = (line: string) => keyFingerprint(parseKeyLine(line)!);
const MODELS = { models: [{ stdout: JSON.stringify({ models: [{ "short-name": "ck", "model-uuid": "uuid-1" }] }) }] };
const NO_MODELS = { models: [{ stdout: JSON.stringify({ models: [] }) }] };

const fakes: FakeJuju[] = [];
function fake(script: ConstructorParameters<typeof FakeJuju>[0]): FakeJuju {
    const f = new FakeJuju(script);
    fakes.push(f);
    return f;
}
before(() => (process.env.CK_JUJU_BACKOFF_MS = "1"));
after(() => fakes.forEach((f) => f.remove()));

const stored = (juju: FakeJuju, key = OLD_KEY): AuthorizedKeyOutputs => ({
    jujuPath: juju.path,
    modelRef: "sim:ck",
    modelUuid: "uuid-1",
    key,
    fingerprint: fingerprintOf(key),
});
/** The key-changing calls, in order, as `verb key-or-fingerprint`. */
const keyCalls = (juju: FakeJuju) =>
    juju.calls().flatMap((call) => (call[0].endsWith("ssh-key") ? [`${call[0]} ${call[call.length - 1]}`] : []));

describe("AuthorizedKey provider (the operator's key in the Juju model)", () => {
    it("names a key by Juju's fingerprint: MD5 of the decoded key, colon-separated hex (juju/utils ssh KeyFingerprint)", () => {
        // The expected value is `printf 'fingerprint me' | md5sum` in pairs.
        const line = `ssh-ed25519 ${Buffer.from("fingerprint me").toString("base64")} me@example`;
        assert.equal(fingerprintOf(line), "ed:ed:5e:64:c0:62:68:cb:4c:d1:28:20:88:c1:5f:1c");
    });

    it("a new key is an update in place, never a replacement", async () => {
        const juju = fake({});
        const diff = await new AuthorizedKeyProvider().diff("id", stored(juju), { ...stored(juju), key: NEW_KEY });
        assert.equal(diff.changes, true);
        assert.deepEqual(diff.replaces ?? [], []);
    });

    it("rotates by adding the new key first, then removing the old one by its fingerprint", async () => {
        const juju = fake({ ...MODELS, "add-ssh-key": [{}], "remove-ssh-key": [{}] });
        const old = stored(juju);
        const { outs } = await new AuthorizedKeyProvider().update("id", old, { ...old, key: NEW_KEY });
        assert.deepEqual(keyCalls(juju), [`add-ssh-key ${NEW_KEY}`, `remove-ssh-key ${fingerprintOf(OLD_KEY)}`]);
        assert.equal(outs.fingerprint, fingerprintOf(NEW_KEY));
    });

    it("refuses to go on when Juju refuses the new key, and keeps the old one", async () => {
        // add-ssh-key exits 0 and says on stderr what it refused (cmd/juju/commands/add_sshkeys.go).
        const refusal = `cannot add key "${NEW_KEY}": invalid ssh key: ${NEW_KEY}\n`;
        const juju = fake({ ...MODELS, "add-ssh-key": [{ stderr: refusal }], "remove-ssh-key": [{}] });
        const old = stored(juju);
        await assert.rejects(new AuthorizedKeyProvider().update("id", old, { ...old, key: NEW_KEY }), /invalid ssh key/);
        assert.deepEqual(keyCalls(juju), [`add-ssh-key ${NEW_KEY}`]);
    });

    it("adopts a key the model holds already (Juju's `duplicate ssh key`)", async () => {
        const juju = fake({ ...MODELS, "add-ssh-key": [{ stderr: `cannot add key "${OLD_KEY}": duplicate ssh key: ${OLD_KEY}\n` }] });
        const { id } = await new AuthorizedKeyProvider().create({
            jujuPath: juju.path,
            modelRef: "sim:ck",
            modelUuid: "uuid-1",
            key: OLD_KEY,
        });
        assert.equal(id, `sim:ck/${fingerprintOf(OLD_KEY)}`);
    });

    it("deletes a key already removed by hand (`key not found`, exit 0) or gone with its model, without failing", async () => {
        const removed = fake({ ...MODELS, "remove-ssh-key": [{ stderr: `cannot remove key id "x": key not found: x\n` }] });
        await new AuthorizedKeyProvider().delete("id", stored(removed));
        assert.deepEqual(keyCalls(removed), [`remove-ssh-key ${fingerprintOf(OLD_KEY)}`]);
        const modelGone = fake({ ...NO_MODELS, "remove-ssh-key": [{ stderr: "ERROR unexpected\n", code: 1 }] });
        await new AuthorizedKeyProvider().delete("id", stored(modelGone));
        assert.deepEqual(keyCalls(modelGone), [], "no removal in a model that is gone");
    });

    it("reads the key as gone when `juju ssh-keys --full` no longer lists it, or the model is gone", async () => {
        const listing = (keys: string[]) => ({ stdout: `Keys used in model: ck\n${keys.join("\n")}\n` });
        const present = fake({ ...MODELS, "ssh-keys": [listing([NEW_KEY, OLD_KEY.replace("operator@example", "renamed")])] });
        assert.equal(
            (await new AuthorizedKeyProvider().read("id", stored(present))).id,
            "id",
            "listed under another comment is the same key",
        );
        const absent = fake({ ...MODELS, "ssh-keys": [listing([NEW_KEY])] });
        assert.deepEqual(await new AuthorizedKeyProvider().read("id", stored(absent)), {});
        const none = fake({ ...MODELS, "ssh-keys": [{ stderr: "No keys to display.\n" }] });
        assert.deepEqual(await new AuthorizedKeyProvider().read("id", stored(none)), {});
        const modelGone = fake({ ...NO_MODELS, "ssh-keys": [{ stderr: "ERROR model sim:admin/ck not found\n", code: 1 }] });
        assert.deepEqual(await new AuthorizedKeyProvider().read("id", stored(modelGone)), {});
        // A model re-created under the same name lists its own keys, maybe this one: not this stack's.
        const recreated = fake({
            models: [{ stdout: JSON.stringify({ models: [{ "short-name": "ck", "model-uuid": "uuid-2" }] }) }],
            "ssh-keys": [listing([OLD_KEY])],
        });
        assert.deepEqual(await new AuthorizedKeyProvider().read("id", stored(recreated)), {});
        // And destroy leaves it alone: the key went with this stack's model.
        await new AuthorizedKeyProvider().delete("id", stored(recreated));
        assert.ok(!recreated.calls().some((call) => call[0] === "remove-ssh-key"), "nothing removed from another model");
    });
});

describe("AuthorizedKey provider against the simulator's add-ssh-key, remove-ssh-key and ssh-keys", () => {
    const simulator = path.resolve(__dirname, "..", "..", "simulator", "juju");
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "ck-sim-keys-"));
    const listed = () =>
        execFileSync(simulator, ["ssh-keys", "-m", "sim:ck", "--full"], { stdio: ["ignore", "pipe", "ignore"] }).toString();
    before(() => {
        for (const name of Object.keys(process.env)) if (name.startsWith("CK_JUJU_SIM_")) delete process.env[name];
        process.env.CK_JUJU_SIM_HOME = home;
        execFileSync(simulator, ["add-model", "ck"], { stdio: "ignore" });
    });
    after(() => fs.rmSync(home, { recursive: true, force: true }));

    it("creates, rotates, reads and deletes the key, the model's own key untouched", async () => {
        const shown = JSON.parse(execFileSync(simulator, ["show-model", "sim:ck", "--format=json"]).toString());
        const target = {
            jujuPath: simulator,
            modelRef: "sim:ck",
            modelUuid: Object.values<{ "model-uuid": string }>(shown)[0]["model-uuid"],
        };
        const provider = new AuthorizedKeyProvider();
        const { outs } = await provider.create({ ...target, key: OLD_KEY });
        assert.equal(listed(), `Keys used in model: ck\n${OLD_KEY}\n`);
        const rotated = (await provider.update("id", outs, { ...target, key: NEW_KEY })).outs as AuthorizedKeyOutputs;
        assert.equal(listed(), `Keys used in model: ck\n${NEW_KEY}\n`);
        assert.deepEqual(await provider.read("id", outs), {}, "the old key is gone");
        assert.equal((await provider.read("id", rotated)).id, "id");
        await provider.delete("id", rotated);
        assert.equal(listed(), "", "only the client's own key is left, which ssh-keys does not list");
        await provider.delete("id", rotated);
    });
});
