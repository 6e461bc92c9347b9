import { CONFIG_KEYS, ConfigKey, KeyType } from "./keys";

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
 * Reads raw config strings (as the engine and stack files hold them) into typed values with
 * defaults applied. Values of the wrong type become problems, reported with the rest.
 */
export function readStackConfig(raw: Readonly<Record<string, string | undefined>>): {
    config: StackConfig;
    problems: TypeProblem[];
} {
    const problems: TypeProblem[] = [];
    const values: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(CONFIG_KEYS) as [ConfigKey, (typeof CONFIG_KEYS)[ConfigKey]][]) {
        const text = raw[key];
        if (text === undefined) {
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
                values[key] = readList(key, text, problems);
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
        if (Array.isArray(parsed) && parsed.every((item) => typeof item === "string")) return parsed;
    } catch {
        // fall through to the problem below
    }
    problems.push({ key, value: text, rule: "must be a list of strings" });
    return [];
}
