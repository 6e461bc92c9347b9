/**
 * How a refused config value is shown: never when it looks like a secret (a private key pasted where
 * the public one belongs, a token, a cloud credential), shortened when it is long. `npm run plan`
 * and the engine (`pulumi preview`, `up`) print config problems to terminals and CI logs, which
 * keep them; a refusal names the key and the rule, which is enough to act on.
 */

/** Values longer than this many characters are shortened. */
export const MAX_SHOWN_CHARS = 80;
/** What a shortened value keeps. */
export const SHORTENED_CHARS = 60;

/** OpenSSH public key lines: their base64 blob is public, and long (not a token). */
const PUBLIC_KEY_BLOB =
    /\b(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521)|sk-[a-z0-9-]+@openssh\.com) AAAA[A-Za-z0-9+/]+={0,3}/g;

/** Secret shapes recognised by their markers, each with what a refusal calls it. */
const MARKED_SECRETS: readonly { readonly kind: string; readonly pattern: RegExp }[] = [
    // PEM and OpenSSH private keys (the OpenSSH armour line, RSA, EC, DSA, PKCS#8,
    // ENCRYPTED, PGP's `PRIVATE KEY BLOCK`), whole or any line of the armour; an OpenSSH key's
    // body without its armour starts with "openssh-key-v1" in base64.
    { kind: "a private key", pattern: /-----\s*BEGIN [A-Z0-9 ]*PRIVATE KEY|PRIVATE KEY(?: BLOCK)?\s*-----|b3BlbnNzaC1rZXktdjE/ },
    // PuTTY's .ppk files (`PuTTY-User-Key-File-3: ssh-ed25519`, then `Private-Lines: ...`).
    { kind: "a PuTTY private key", pattern: /PuTTY-User-Key-File-\d|^\s*Private-(?:Lines|MAC):/im },
    // JSON Web Tokens (service account tokens, OIDC ID tokens): three base64url parts, the first `{"`.
    { kind: "a token", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
    // AWS access key IDs (long-term AKIA, temporary ASIA).
    { kind: "an AWS access key", pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/ },
];

/** Bits per character of a string's own character frequencies. */
function entropy(text: string): number {
    const counts = new Map<string, number>();
    for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
    let bits = 0;
    for (const count of counts.values()) bits -= (count / text.length) * Math.log2(count / text.length);
    return bits;
}

/**
 * A random-looking run of 32 characters or more: bearer tokens, AWS secret access keys (40
 * characters of base64), API keys, a key's body without its armour. Long hex counts (the
 * simulator's tokens, many API keys); base64 counts when it mixes upper case, lower case and
 * digits and is either near random (4.3 bits a character or more; 32 random base64 characters
 * have about 4.5, a path of words about 4.1) or has three of each.
 */
function looksRandom(run: string): boolean {
    if (/^[0-9a-f]{32,}$/i.test(run)) return /[0-9]/.test(run) && /[a-f]/i.test(run);
    const count = (pattern: RegExp) => (run.match(pattern) ?? []).length;
    const [upper, lower, digits] = [count(/[A-Z]/g), count(/[a-z]/g), count(/[0-9]/g)];
    if (upper === 0 || lower === 0 || digits === 0) return false;
    return entropy(run) >= 4.3 || (upper >= 3 && lower >= 3 && digits >= 3);
}

/** What the value looks like when it looks like a secret ("a private key", "a token", ...), else undefined. */
export function secretKind(value: string): string | undefined {
    for (const { kind, pattern } of MARKED_SECRETS) if (pattern.test(value)) return kind;
    // Public key blobs are long random-looking strings too: they are public, so they do not count.
    const runs = value.replace(PUBLIC_KEY_BLOB, " ").match(/[A-Za-z0-9+/=_-]{32,}/g) ?? [];
    return runs.some(looksRandom) ? "a token" : undefined;
}

/** Characters, not UTF-16 units, so a shortened value never ends in half a character. */
function characters(text: string): string[] {
    return Array.from(text);
}

/**
 * A refused value as a problem shows it: quoted when short; its first characters and its length
 * when long; only its length and what it looks like when it looks like a secret.
 */
export function shownValue(value: string): string {
    const chars = characters(value);
    const kind = secretKind(value);
    if (kind) return `(not shown: it looks like ${kind}; ${chars.length} characters)`;
    if (chars.length <= MAX_SHOWN_CHARS) return JSON.stringify(value);
    return `${JSON.stringify(`${chars.slice(0, SHORTENED_CHARS).join("")}…`)} (${chars.length} characters)`;
}

/**
 * A rule's text with what it quotes of a secret value taken out. Rules quote parts of the value
 * (`"<field>" is not an IPv4 address`): when the value is a secret (`secret`: set as one) or looks
 * like one, every word of it is replaced, and anything secret-looking or over-long in the rule
 * itself is too.
 */
export function shownRule(rule: string, value: string, secret = false): string {
    let text = rule;
    if (secret || secretKind(value)) {
        const words = [...new Set(value.split(/[\s,;"'`]+/).filter((word) => word.length >= 4))].sort((a, b) => b.length - a.length);
        for (const word of words) text = text.split(word).join("…");
    }
    return text
        .split(/(\s+)/)
        .map((word) => {
            if (/^\s*$/.test(word)) return word;
            const kind = secretKind(word);
            if (kind) return `(${kind}, not shown)`;
            const chars = characters(word);
            return chars.length > MAX_SHOWN_CHARS ? `${chars.slice(0, SHORTENED_CHARS).join("")}…(${chars.length} characters)` : word;
        })
        .join("");
}
