import type * as pulumi from "@pulumi/pulumi";
import { runJuju } from "../cli";
import { KeyLine, keyFingerprint, listedKeys, parseKeyLine, refusedKeys, sameKey } from "../sshKeys";
import { JujuTarget, askedTogether, ignoringGone, isGone, jujuOptions, ownModelOrGone, progress, verifyModel } from "./common";

export interface AuthorizedKeyInputs extends JujuTarget {
    /** The OpenSSH public key line (sshPublicKey): public, not a secret. */
    readonly key: string;
}

export interface AuthorizedKeyOutputs extends AuthorizedKeyInputs {
    /** Juju's fingerprint of the key, which remove-ssh-key takes. */
    readonly fingerprint: string;
}

const parsed = (line: string): KeyLine => {
    const key = parseKeyLine(line);
    if (!key) throw new Error("the key is not an OpenSSH public key line ('ssh-ed25519 AAAA... comment')");
    return key;
};

const say = (target: JujuTarget, line: string) => progress(`authorized key (model ${target.modelRef})`, line);

/**
 * `juju add-ssh-key`. A key the model holds already (an earlier, interrupted run, or the operator's
 * ~/.ssh key that add-model copied in: cmd/juju/common/authkeys.go ReadAuthorizedKeys) is refused as
 * `duplicate ssh key` with exit 0: it is there, which is
 * what was asked. Any other refusal (`invalid ssh key`, `may not add key with comment`) is an error
 * (juju/juju 3.6 apiserver/facades/client/keymanager/keymanager.go AddKeys).
 */
async function addKey(target: JujuTarget, key: string): Promise<void> {
    const { stderr } = await runJuju(jujuOptions(target), ["add-ssh-key", "-m", target.modelRef, "--", key]);
    const refused = refusedKeys(stderr);
    if (refused.length === 0)
        return say(target, `added ${keyFingerprint(parsed(key))}; every machine's agent writes it to ~ubuntu/.ssh/authorized_keys`);
    if (refused.every((line) => line.includes("duplicate ssh key")))
        return say(target, `${keyFingerprint(parsed(key))} was in the model already`);
    throw new Error(`juju add-ssh-key refused the key: ${refused.join("; ")}`);
}

/**
 * `juju remove-ssh-key` by fingerprint (a comment may name several keys). A key already gone is
 * refused as `key not found` with exit 0, which is done (keymanager.go DeleteKeys); removing the
 * model's last key fails (`cannot delete all keys`), which never happens here: the model's internal
 * keys stay (the client's `juju-client-key`, the controller's `juju-system-key`:
 * controller/modelmanager/createmodel.go).
 */
async function removeKey(target: JujuTarget, fingerprint: string): Promise<void> {
    const { stderr } = await runJuju(jujuOptions(target), ["remove-ssh-key", "-m", target.modelRef, "--", fingerprint]);
    const refused = refusedKeys(stderr);
    if (refused.length === 0)
        return say(target, `removed ${fingerprint}; every machine's agent takes it out of ~ubuntu/.ssh/authorized_keys`);
    if (refused.every((line) => line.includes("key not found"))) return say(target, `${fingerprint} was already gone`);
    throw new Error(`juju remove-ssh-key refused ${fingerprint}: ${refused.join("; ")}`);
}

/**
 * The operator's public key in the model's `authorized-keys`, which the machine agent of every
 * machine, manual ones included, writes to ~ubuntu/.ssh/authorized_keys and rewrites on each change
 * (juju/juju 3.6 worker/authenticationworker/worker.go: SSHUser "ubuntu", Handle; started by every IAAS
 * machine agent, cmd/jujud/agent/machine/manifolds.go IAASManifolds). A new key is
 * rotated in place: added first, then the old one removed, so there is no moment without a login;
 * no node is touched. Lines Juju did not write (no `Juju:` comment prefix, such as the one the cloud
 * put there at first boot) are kept by that worker: removing the old key from Juju does not take the
 * first-boot copy off nodes created with it.
 */
export class AuthorizedKeyProvider implements pulumi.dynamic.ResourceProvider {
    async check(_olds: Partial<AuthorizedKeyInputs>, news: AuthorizedKeyInputs): Promise<pulumi.dynamic.CheckResult> {
        if (parseKeyLine(news.key)) return { inputs: news };
        return {
            inputs: news,
            failures: [{ property: "key", reason: "is not an OpenSSH public key line ('ssh-ed25519 AAAA... comment')" }],
        };
    }

    async create(inputs: AuthorizedKeyInputs): Promise<pulumi.dynamic.CreateResult> {
        const fingerprint = keyFingerprint(parsed(inputs.key));
        await verifyModel(inputs);
        await addKey(inputs, inputs.key);
        const outs: AuthorizedKeyOutputs = { ...inputs, fingerprint };
        return { id: `${inputs.modelRef}/${fingerprint}`, outs };
    }

    /** Kept while `juju ssh-keys --full` lists the key; gone with the model or when someone removed it. */
    async read(id: string, props: AuthorizedKeyOutputs): Promise<pulumi.dynamic.ReadResult> {
        try {
            const [, { stdout }] = await askedTogether(
                ownModelOrGone(props),
                runJuju(jujuOptions(props), ["ssh-keys", "-m", props.modelRef, "--full"]),
            );
            const key = parsed(props.key);
            return listedKeys(stdout).some((listed) => sameKey(listed, key)) ? { id, props } : {};
        } catch (error) {
            if (isGone(error)) return {};
            throw error;
        }
    }

    /** Never a replacement: a new key, or a new model, is an update that adds before it removes. */
    async diff(_id: string, olds: AuthorizedKeyOutputs, news: AuthorizedKeyInputs): Promise<pulumi.dynamic.DiffResult> {
        const changes = (["key", "jujuPath", "modelRef", "modelUuid"] as const).some((field) => olds[field] !== news[field]);
        return { changes, replaces: [] };
    }

    /**
     * A new key (or the same key in another model) is added first, then the old one removed. Only the
     * comment changed, or how the model is referred to: recorded only, since Juju knows the key by its
     * fingerprint and refuses the same key twice.
     */
    async update(_id: string, olds: AuthorizedKeyOutputs, news: AuthorizedKeyInputs): Promise<pulumi.dynamic.UpdateResult> {
        const fingerprint = keyFingerprint(parsed(news.key));
        const sameModel = !olds.modelUuid || !news.modelUuid || olds.modelUuid === news.modelUuid;
        if (fingerprint === olds.fingerprint && sameModel) return { outs: { ...news, fingerprint } };
        await verifyModel(news);
        await addKey(news, news.key);
        const gone = await ignoringGone(async () => {
            await ownModelOrGone(olds);
            await removeKey(olds, olds.fingerprint);
        });
        if (gone) say(olds, `${olds.fingerprint} went with its model: ${gone}`);
        return { outs: { ...news, fingerprint } };
    }

    /** Removes the key; done when it, or the whole model, is gone already. */
    async delete(_id: string, props: AuthorizedKeyOutputs): Promise<void> {
        // A model re-created under the same name is not this stack's: the key went with ours.
        const gone = await ignoringGone(async () => {
            await ownModelOrGone(props);
            await removeKey(props, props.fingerprint);
        });
        if (gone) say(props, `${props.fingerprint} went with its model: ${gone}`);
    }
}
