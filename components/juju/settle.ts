// One settle policy, from the stack config to the waiter: how long to poll, how long units must stay
// idle, and the graces for units in error or blocked, hosts down and controller outages.
import type * as pulumi from "@pulumi/pulumi";
import { JujuStatus, StatusView } from "./status";
import { waitForSettled } from "./waiter";

/** How a wait for the model decides that it settled or failed (each field a stack config key). */
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

/** The settle policy as resource arguments: the same fields, each of which may be an Output. */
export type SettlePolicyArgs = { readonly [K in keyof SettlePolicy]: pulumi.Input<SettlePolicy[K]> };

/** The policy's fields, for providers that compare or copy them. */
export const SETTLE_POLICY_KEYS = [
    "pollSeconds",
    "idleSeconds",
    "timeoutMinutes",
    "blockedGraceMinutes",
    "errorGraceMinutes",
    "outageMinutes",
    "downGraceMinutes",
] as const satisfies readonly (keyof SettlePolicy)[];

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
        idlePeriodMs: policy.idleSeconds * 1000,
        timeoutMs: policy.timeoutMinutes * 60_000,
        blockedGraceMs: policy.blockedGraceMinutes * 60_000,
        errorGraceMs: policy.errorGraceMinutes * 60_000,
        outageLimitMs: policy.outageMinutes * 60_000,
        downGraceMs: policy.downGraceMinutes * 60_000,
    });
}
