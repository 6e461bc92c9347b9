import { CONFIG_KEYS, ConfigKey, Cloud } from "./keys";

/** The whole stack config with defaults applied, before validation. */
export interface StackConfig {
    readonly cloud: Cloud;
    readonly podCidr: string;
    readonly serviceCidr: string;
    readonly jujuPath: string;
    readonly controller: string;
    readonly model: string;
    readonly bundle: string;
    readonly channel: string;
    readonly controlPlaneCount: number;
    readonly workerCount: number;
    readonly nodeCidr: string;
    readonly nodeIpv6Cidr: string;
    readonly adminCidrs: readonly string[];
    readonly nodePortCidrs: readonly string[];
    readonly sshUser: string;
    readonly sshPublicKey: string;
    readonly instanceType: string;
    readonly imageId: string;
    readonly availabilityZones: number;
    readonly privateSubnets: boolean;
    readonly externalNetwork: string;
    readonly flavor: string;
    readonly image: string;
    readonly ipv6Mode: string;
    readonly ipv6SubnetPool: string;
    readonly hosts: readonly string[];
    readonly apiOverIpv6: boolean;
    readonly loadBalancer: string;
    readonly nginxReplicas: number;
    readonly nginxImage: string;
    readonly nginxCpu: string;
    readonly nginxMemory: string;
    readonly deployTimeoutMinutes: number;
    readonly blockedGraceMinutes: number;
    readonly pollSeconds: number;
}

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
