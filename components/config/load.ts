import { FamilyPlan, planFamilies } from "../plan/families";
import { StackConfig, readStackConfig } from "./stackConfig";
import { Problem, formatProblem, validateConfig } from "./validate";

/** A config that passed every rule, with the family plan derived from it. */
export interface ValidConfig {
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

/** Reads and validates raw config values; throws ConfigError listing every problem. */
export function loadConfig(raw: Readonly<Record<string, string | undefined>>): ValidConfig {
    const { config, problems: typeProblems } = readStackConfig(raw);
    const problems = [...typeProblems, ...validateConfig(config)];
    if (problems.length > 0) throw new ConfigError(problems);
    return { config, families: planFamilies(config.podCidr, config.serviceCidr) };
}
