// A model's SSH keys: add-ssh-key, remove-ssh-key, ssh-keys (juju/juju 3.6
// cmd/juju/commands/add_sshkeys.go, remove_sshkeys.go, list_sshkeys.go; the checks are the controller's,
// apiserver/facades/client/keymanager/keymanager.go AddKeys, DeleteKeys, ListKeys). The keys live where
// Juju keeps them: the model's `authorized-keys` config, one per line (environs/config AuthorizedKeysKey).
import { KeyLine, keyFingerprint, parseKeyLine } from "../../components/juju/sshKeys";
import { Args, Command, JujuExit, err, flag, getModel, out, readStateModel } from "../context";
import { SimModel, withState } from "../state";

/** Keys Juju adds itself, which ssh-keys hides and remove-ssh-key refuses (keymanager.go internalComments). */
const INTERNAL_COMMENTS = ["juju-client-key", "juju-system-key"];

/**
 * The model's keys. Until one is added, what add-model put there: the client's own Juju key, comment
 * `juju-client-key` (cmd/juju/common/authkeys.go ReadAuthorizedKeys, ssh.PublicKeyFiles; the
 * controller's `juju-system-key` too, controller/modelmanager/createmodel.go, left out here: it is
 * internal all the same).
 */
function modelKeys(model: SimModel): string[] {
    const stored =
        model.config["authorized-keys"] ?? `ssh-rsa ${Buffer.from("ck-dualstack simulated client key").toString("base64")} juju-client-key`;
    // ssh.SplitAuthorisedKeys: blank lines and # comments are no keys.
    return stored
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"));
}

const internal = (key: KeyLine) => INTERNAL_COMMENTS.includes(key.comment);

/** The arguments after the flags; none is an Init error, exit 2 (add_sshkeys.go and remove_sshkeys.go Init). */
function keyArgs(args: Args, none: string): string[] {
    if (args.positional.length === 0) throw new JujuExit(`ERROR ${none}`, 2);
    return args.positional;
}

/** Go's %q of an ASCII string, as the commands quote what they refused. */
const quoted = (text: string) => JSON.stringify(text);

export const sshKeyCommands: Record<string, Command> = {
    "add-ssh-key": {
        mutating: () => true,
        run: async (args) => {
            const keys = keyArgs(args, "no ssh key specified");
            const refused = await withState((state) => {
                const model = getModel(state, flag(args, "-m", "--model"));
                const current = modelKeys(model);
                const fingerprints = new Set(current.map(parseKeyLine).flatMap((key) => (key ? [keyFingerprint(key)] : [])));
                const failures: string[] = [];
                for (const line of keys) {
                    const key = parseKeyLine(line);
                    const fail = (why: string) => failures.push(`cannot add key ${quoted(line)}: ${why}`);
                    if (!key) fail(`invalid ssh key: ${line}`);
                    else if (internal(key)) fail(`may not add key with comment ${key.comment}: ${line}`);
                    else if (fingerprints.has(keyFingerprint(key))) fail(`duplicate ssh key: ${line}`);
                    else {
                        fingerprints.add(keyFingerprint(key));
                        current.push(line);
                    }
                }
                model.config["authorized-keys"] = current.join("\n");
                return failures;
            });
            // Each refusal on stderr, and still exit 0 (add_sshkeys.go Run).
            for (const line of refused) err(line);
        },
    },
    "remove-ssh-key": {
        mutating: () => true,
        run: async (args) => {
            const ids = keyArgs(args, "no ssh key id specified");
            const refused = await withState((state) => {
                const model = getModel(state, flag(args, "-m", "--model"));
                const current = modelKeys(model);
                const doomed = new Set<string>();
                const failures: string[] = [];
                for (const id of ids) {
                    const fail = (why: string) => failures.push(`cannot remove key id ${quoted(id)}: ${why}`);
                    // A fingerprint first, then a comment, then an invalid key given verbatim (DeleteKeys).
                    const byFingerprint = current.find((line) => {
                        const key = parseKeyLine(line);
                        return key !== undefined && keyFingerprint(key) === id;
                    });
                    const byComment = current.find((line) => parseKeyLine(line)?.comment === id);
                    const invalid = current.find((line) => parseKeyLine(line) === undefined && line === id);
                    if (byFingerprint) doomed.add(byFingerprint);
                    else if (byComment && INTERNAL_COMMENTS.includes(id)) fail(`may not delete internal key: ${id}`);
                    else if (byComment ?? invalid) doomed.add((byComment ?? invalid)!);
                    else fail(`key not found: ${id}`);
                }
                const kept = current.filter((line) => !doomed.has(line));
                if (kept.length === 0) throw new JujuExit("ERROR cannot delete all keys");
                model.config["authorized-keys"] = kept.join("\n");
                return failures;
            });
            for (const line of refused) err(line);
        },
    },
    "ssh-keys": {
        mutating: () => false,
        run: async (args) => {
            const ref = flag(args, "-m", "--model");
            const listed = modelKeys(readStateModel(ref)).flatMap((line) => {
                const key = parseKeyLine(line);
                if (!key) return [`Invalid key: ${line}`];
                if (internal(key)) return [];
                if (flag(args, "--full")) return [line];
                return [`${keyFingerprint(key)}${key.comment ? ` (${key.comment})` : ""}`];
            });
            // context.Infof: on stderr, exit 0 (list_sshkeys.go Run).
            if (listed.length === 0) return err("No keys to display.");
            // The model as given, its controller split off (cmd/modelcmd ModelCommandBase.ModelIdentifier).
            out(`Keys used in model: ${ref?.slice(ref.indexOf(":") + 1) ?? ""}\n${listed.join("\n")}`);
        },
    },
};
