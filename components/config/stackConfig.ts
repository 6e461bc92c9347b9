import { CONFIG_KEYS, ConfigKey, KeyType } from "./keys";
import { nearest } from "./ownKeys";

type ValueOf<T extends KeyType> = T extends "integer"
    ? number
    : T extends "boolean"
      ? boolean
      : T extends "array"
        ? readonly string[]
        : string;

/** The whole stack config with defaults applied, before validation: one field per key of CONFIG_KEYS. */
export type StackConfig = { readonly [K in ConfigKey]: ValueOf<(typeof CONFIG_KEYS)[K]["type"]> };

/** A key whose raw value cannot even be read as its declared type. */
export interface TypeProblem {
    readonly key: string;
    readonly value: string;
    readonly rule: string;
}

/**
 * The longest value each key takes, in characters (a list: each of its items), so a pasted file or
 * a runaway string is refused by name instead of travelling into firewall rules, Juju arguments and
 * manifests. Names, channels, quantities and ranges are far shorter than the default; paths may be
 * as long as Linux's PATH_MAX; an OpenSSH public key line of the largest RSA key (16384 bits) is
 * about 2,800 characters with its comment.
 */
const DEFAULT_MAX_CHARS = 256;
const MAX_CHARS: Partial<Record<ConfigKey, number>> = { jujuPath: 4096, sshPath: 4096, sshPublicKey: 8192, nginxImage: 512 };
/** The most items a list takes (hosts of the largest cluster, sources of the firewall rules). */
const MAX_ITEMS = 1000;

function lengthRule(key: ConfigKey, text: string): string | undefined {
    const max = MAX_CHARS[key] ?? DEFAULT_MAX_CHARS;
    return Array.from(text).length > max ? `is longer than the ${max} characters this key takes` : undefined;
}

/**
 * Reads raw config strings (as the engine and stack files hold them) into typed values with
 * defaults applied. Values of the wrong type, longer than their key takes, and keys ck-dualstack
 * does not know (with the nearest known key) become problems, reported with the rest.
 */
export function readStackConfig(raw: Readonly<Record<string, string | undefined>>): {
    config: StackConfig;
    problems: TypeProblem[];
} {
    const problems: TypeProblem[] = [];
    const values: Record<string, unknown> = {};
    const known = Object.keys(CONFIG_KEYS);
    for (const [key, text] of Object.entries(raw)) {
        if (text === undefined || known.includes(key)) continue;
        const suggestion = nearest(key, known);
        problems.push({ key, value: text, rule: `is not a ck-dualstack key${suggestion ? `: did you mean ${suggestion}?` : ""}` });
    }
    for (const [key, spec] of Object.entries(CONFIG_KEYS) as [ConfigKey, (typeof CONFIG_KEYS)[ConfigKey]][]) {
        const text = raw[key];
        if (text === undefined) {
            values[key] = spec.default;
            continue;
        }
        const tooLong = spec.type === "array" ? undefined : lengthRule(key, text);
        if (tooLong) {
            problems.push({ key, value: text, rule: tooLong });
            values[key] = spec.default;
            continue;
        }
        switch (spec.type) {
            case "integer":
                if (/^-?\d+$/.test(text.trim())) values[key] = Number(text.trim());
                else {
                    problems.push({ key, value: text, rule: "must be a whole number" });
                    values[key] = spec.default;
                }
                break;
            case "boolean":
                if (text === "true" || text === "false") values[key] = text === "true";
                else {
                    problems.push({ key, value: text, rule: "must be true or false" });
                    values[key] = spec.default;
                }
                break;
            case "array":
                values[key] = readList(key, text, problems).filter((item) => {
                    const rule = lengthRule(key, item);
                    if (rule) problems.push({ key, value: item, rule: `has an item that ${rule}` });
                    return !rule;
                });
                break;
            default:
                values[key] = text;
        }
    }
    return { config: values as unknown as StackConfig, problems };
}

function readList(key: string, text: string, problems: TypeProblem[]): string[] {
    try {
        const parsed: unknown = JSON.parse(text);
        if (Array.isArray(parsed) && parsed.length > MAX_ITEMS) {
            problems.push({ key, value: text, rule: `has ${parsed.length} items; it takes at most ${MAX_ITEMS}` });
            return [];
        }
        if (Array.isArray(parsed) && parsed.every((item) => typeof item === "string")) return parsed;
    } catch {
        // fall through to the problem below
    }
    problems.push({ key, value: text, rule: "must be a list of strings" });
    return [];
}
