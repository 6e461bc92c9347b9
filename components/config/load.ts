import { FamilyPlan, planFamilies } from "../plan/families";
import { canonicalConfig } from "./canonical";
import { StackConfig, readStackConfig } from "./stackConfig";
import { Problem, formatProblem, validateConfig } from "./validate";

/** A config that passed every rule, with the family plan derived from it. */
export interface ValidConfig {
    /** Every address and range (podCidr, serviceCidr, nodeCidr, nodeIpv6Cidr, adminCidrs, nodePortCidrs, hosts) in canonical form. */
    readonly config: StackConfig;
    readonly families: FamilyPlan;
}

/** Thrown with every problem, one line each; the program turns it into a pulumi.RunError. */
export class ConfigError extends Error {
    constructor(readonly problems: readonly Problem[]) {
        super(
            `ck-dualstack: the stack config has ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was created:\n` +
                problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/**
 * Reads and validates raw config values; throws ConfigError listing every problem. What it returns
 * holds addresses and ranges as validation read them (canonicalConfig), never the raw text.
 */
export function loadConfig(raw: Readonly<Record<string, string | undefined>>): ValidConfig {
    const { config: rawConfig, problems: typeProblems } = readStackConfig(raw);
    const problems = [...typeProblems, ...validateConfig(rawConfig)];
    if (problems.length > 0) throw new ConfigError(problems);
    const config = canonicalConfig(rawConfig);
    return { config, families: planFamilies(config.podCidr, config.serviceCidr) };
}
