// Which keys of a stack config are ck-dualstack's: the engine hands a program every key of the stack
// (`namespace:key`, PULUMI_CONFIG), and a stack file holds them the same way. A key of ours that is
// misspelt would otherwise be ignored silently and its default used.
import { NAMESPACE } from "./keys";
import type { Problem } from "./validate";

/** Levenshtein distance: the fewest one-character insertions, deletions and substitutions from a to b. */
export function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

/** The candidate nearest to `name` (case ignored), when it is near enough to be what was meant. */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
    const ranked = candidates
        .map((candidate) => ({ candidate, distance: editDistance(name.toLowerCase(), candidate.toLowerCase()) }))
        .sort((a, b) => a.distance - b.distance);
    const best = ranked[0];
    return best && best.distance <= Math.max(2, Math.floor(name.length / 4)) ? best.candidate : undefined;
}

/** A namespace this near ours is taken for a typo of it (`ck-dualstak`, `ckdualstack`, `ck_dualstack`). */
const NAMESPACE_TYPO_DISTANCE = 2;

/**
 * Our keys (without the namespace) out of a whole stack config, and a problem for each key that is
 * ours mistyped: one in a namespace a typo away from ours (`ck-dualstak:cloud`), named by its full
 * `namespace:key` name. Keys of other namespaces (aws:region, openstack:authUrl, ...) belong to
 * their providers and are left alone.
 * Unknown keys of our namespace are refused by readStackConfig, with the nearest known key.
 * `isSecret` tells which full keys were set as secrets; `secretKeys` names ours among them, so a
 * refusal never shows their values.
 */
export function ownConfig(
    all: Readonly<Record<string, string>>,
    isSecret: (fullKey: string) => boolean = () => false,
): { raw: Record<string, string>; problems: Problem[]; secretKeys: Set<string> } {
    const raw: Record<string, string> = {};
    const problems: Problem[] = [];
    const secretKeys = new Set<string>();
    for (const [fullKey, value] of Object.entries(all)) {
        const colon = fullKey.indexOf(":");
        const namespace = colon < 0 ? "" : fullKey.slice(0, colon);
        const key = fullKey.slice(colon + 1);
        if (namespace === NAMESPACE) {
            raw[key] = value;
            if (isSecret(fullKey)) secretKeys.add(key);
        } else if (editDistance(namespace.toLowerCase(), NAMESPACE) <= NAMESPACE_TYPO_DISTANCE) {
            problems.push({
                key: fullKey,
                value,
                rule: `is in namespace "${namespace}", which ck-dualstack does not read: did you mean ${NAMESPACE}:${key}?`,
                ...(isSecret(fullKey) ? { secret: true } : {}),
            });
        }
    }
    return { raw, problems, secretKeys };
}
