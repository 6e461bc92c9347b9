import { FamilyPlan, familyPlan } from "../net/families";
import { canonicalConfig } from "./canonical";
import { StackConfig, readStackConfig } from "./stackConfig";
import { HostEntry, Problem, checkConfig, formatProblem } from "./validate";

/** A config that passed every rule, with what validation parsed of it: the hosts and the family plan. */
export interface ValidConfig {
    /** Every address and range (podCidr, serviceCidr, nodeCidr, nodeIpv6Cidr, adminCidrs, nodePortCidrs, hosts) in canonical form. */
    readonly config: StackConfig;
    /** The `hosts` entries of cloud=existing as validation parsed them (none for the other clouds). */
    readonly hosts: readonly HostEntry[];
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
 * Reads and validates raw config values (our keys, without the namespace); throws ConfigError
 * listing every problem, those found reading them (`readProblems`: the stack file's, keys of a
 * mistyped namespace) first; the values of `secretKeys` (set as secrets) are never shown. What it
 * returns holds addresses and ranges as validation read them (canonicalConfig), never the raw text.
 */
export function loadConfig(
    raw: Readonly<Record<string, string | undefined>>,
    readProblems: readonly Problem[] = [],
    secretKeys: ReadonlySet<string> = new Set(),
): ValidConfig {
    const { config: rawConfig, problems: typeProblems } = readStackConfig(raw);
    const checked = checkConfig(rawConfig);
    const problems = [...readProblems, ...typeProblems, ...checked.problems].map((problem) =>
        secretKeys.has(problem.key) ? { ...problem, secret: true } : problem,
    );
    if (problems.length > 0) throw new ConfigError(problems);
    return {
        config: canonicalConfig(rawConfig, checked),
        hosts: checked.hosts,
        families: familyPlan(checked.pods, checked.services),
    };
}
