// SSH public keys as Juju 3.6 handles a model's `authorized-keys`: how it names them, lists them and
// reports what it refused. Pure functions, shared by the AuthorizedKey provider and the simulator.
import { createHash } from "crypto";

/** An OpenSSH public key line as sshd reads it (sshd(8), AUTHORIZED_KEYS FILE FORMAT): type, base64 key, comment. */
export interface KeyLine {
    readonly type: string;
    readonly blob: string;
    /** The label after the key; Juju's remove-ssh-key accepts it in place of the fingerprint. */
    readonly comment: string;
}

/** The parts of a public key line, or undefined when it is not one. */
export function parseKeyLine(line: string): KeyLine | undefined {
    const [type, blob, ...comment] = line.trim().split(/\s+/);
    if (!type || !blob || !/^[a-z0-9@.-]+$/i.test(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return undefined;
    return { type, blob, comment: comment.join(" ") };
}

/**
 * Juju's fingerprint of a key: the MD5 of the decoded key, lowercase hex pairs joined by colons
 * (juju/utils/v3 ssh/fingerprint.go KeyFingerprint; remove-ssh-key's example
 * `45:7f:33:2c:10:4e:6c:14:e3:a1:a4:c8:b2:e1:34:b4`, juju/juju 3.6 cmd/juju/commands/remove_sshkeys.go).
 * The comment takes no part: two lines with one key are one key to Juju.
 */
export function keyFingerprint(key: KeyLine): string {
    const hex = createHash("md5").update(Buffer.from(key.blob, "base64")).digest("hex");
    return hex.replace(/(..)(?!$)/g, "$1:");
}

/** Whether two lines hold the same key, whatever their comments (Juju compares fingerprints: keymanager.go AddKeys). */
export function sameKey(a: KeyLine, b: KeyLine): boolean {
    return a.blob === b.blob;
}

/**
 * The keys `juju ssh-keys --full` printed (juju/juju 3.6 cmd/juju/commands/list_sshkeys.go): on stdout
 * `Keys used in model: <model>` and then one key per line (the model's internal keys left out,
 * apiserver/facades/client/keymanager parseKeys); with no key, only `No keys to display.` on stderr.
 * Lines Juju cannot parse are listed as `Invalid key: <line>` and are no key here.
 */
export function listedKeys(stdout: string): KeyLine[] {
    return stdout
        .split("\n")
        .filter((line) => line.trim() !== "" && !line.startsWith("Keys used in model:") && !line.startsWith("Invalid key:"))
        .map(parseKeyLine)
        .filter((key): key is KeyLine => key !== undefined);
}

/**
 * What add-ssh-key and remove-ssh-key refused, one entry per key: they print each refusal on stderr
 * and still exit 0 (juju/juju 3.6 cmd/juju/commands/add_sshkeys.go `cannot add key %q: %v`,
 * remove_sshkeys.go `cannot remove key id %q: %v`).
 */
export function refusedKeys(stderr: string): string[] {
    return stderr.split("\n").filter((line) => line.startsWith("cannot add key ") || line.startsWith("cannot remove key id "));
}
