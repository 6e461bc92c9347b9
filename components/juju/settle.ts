// One settle policy, from the stack config to the waiter: how long to poll, how long units must stay
// idle, and the graces for units in error or blocked, hosts down and controller outages.
import type { ConfigKey } from "../config/keys";
import type { StackConfig } from "../config/stackConfig";
import { JujuStatus, StatusView } from "./status";
import { waitForSettled } from "./waiter";

/** How a wait for the model decides that it settled or failed (each field a stack config key, SETTLE_POLICY_CONFIG_KEYS). */
export interface SettlePolicy {
    /** Seconds between status polls. */
    readonly pollSeconds: number;
    /** Seconds every unit must stay active and idle to count as settled. */
    readonly idleSeconds: number;
    /** Minutes to wait for the model to settle. */
    readonly timeoutMinutes: number;
    /** Minutes a unit may stay blocked. */
    readonly blockedGraceMinutes: number;
    /** Minutes a unit may stay in error while Juju retries its hooks. */
    readonly errorGraceMinutes: number;
    /** Minutes `juju status` may keep failing transiently during a wait. */
    readonly outageMinutes: number;
    /** Minutes a machine may stay down or an agent lost during a wait. */
    readonly downGraceMinutes: number;
}

/** The stack config keys whose values are numbers. */
type NumericConfigKey = { [C in ConfigKey]: StackConfig[C] extends number ? C : never }[ConfigKey];

/**
 * The stack config key of each policy field (components/config/keys.ts). Two fields are named
 * shorter than their keys (`timeoutMinutes`, `outageMinutes`): stacks store the policy under these
 * names in the Deployment's and Settled's inputs, and a rename would show every stack a change.
 */
export const SETTLE_POLICY_CONFIG_KEYS = {
    pollSeconds: "pollSeconds",
    idleSeconds: "idleSeconds",
    timeoutMinutes: "deployTimeoutMinutes",
    blockedGraceMinutes: "blockedGraceMinutes",
    errorGraceMinutes: "errorGraceMinutes",
    outageMinutes: "jujuOutageMinutes",
    downGraceMinutes: "downGraceMinutes",
} as const satisfies { readonly [K in keyof SettlePolicy]: NumericConfigKey };

/** The policy's fields, for providers that compare or copy them. */
export const SETTLE_POLICY_KEYS = Object.keys(SETTLE_POLICY_CONFIG_KEYS) as (keyof SettlePolicy)[];

/** The settle policy a validated stack config sets. */
export function settlePolicyOf(config: StackConfig): SettlePolicy {
    const valueOf = (field: keyof SettlePolicy): number => config[SETTLE_POLICY_CONFIG_KEYS[field]];
    // Listed, not mapped: a field added to SettlePolicy fails to compile here until it is read.
    return {
        pollSeconds: valueOf("pollSeconds"),
        idleSeconds: valueOf("idleSeconds"),
        timeoutMinutes: valueOf("timeoutMinutes"),
        blockedGraceMinutes: valueOf("blockedGraceMinutes"),
        errorGraceMinutes: valueOf("errorGraceMinutes"),
        outageMinutes: valueOf("outageMinutes"),
        downGraceMinutes: valueOf("downGraceMinutes"),
    };
}

/** Waits until the model settles under `policy`, polling with `poll` and reporting with `log`. */
export function waitUnderPolicy(
    policy: SettlePolicy,
    wait: {
        poll: () => Promise<JujuStatus>;
        expectedApplications: readonly string[];
        log: (line: string) => void;
        acceptBlocked?: (message: string) => boolean;
    },
): Promise<{ view: StatusView; status: JujuStatus }> {
    return waitForSettled({
        ...wait,
        pollMs: policy.pollSeconds * 1000,
        idleMs: policy.idleSeconds * 1000,
        timeoutMs: policy.timeoutMinutes * 60_000,
        blockedGraceMs: policy.blockedGraceMinutes * 60_000,
        errorGraceMs: policy.errorGraceMinutes * 60_000,
        outageMs: policy.outageMinutes * 60_000,
        downGraceMs: policy.downGraceMinutes * 60_000,
    });
}
