import { JujuError, JujuOptions, runJujuJson } from "../cli";
import { JujuStatus } from "../status";

/** Inputs every Juju resource carries. */
export interface JujuTarget {
    /** The Juju CLI to run. */
    readonly jujuPath: string;
    /** `controller:model`, or just the model on the current controller. */
    readonly modelRef: string;
}

export function jujuOptions(target: { jujuPath: string }): JujuOptions {
    return { jujuPath: target.jujuPath };
}

/** `juju status` of the target's model. */
export function jujuStatus(target: JujuTarget): Promise<JujuStatus> {
    return runJujuJson<JujuStatus>(jujuOptions(target), ["status", "-m", target.modelRef]);
}

/** True when juju said the thing (or its model) is gone. */
export function isGone(error: unknown): boolean {
    return error instanceof JujuError && error.kind === "not-found";
}

/** Runs `action`, treating "not found" as success: deleting what is already gone is done. */
export async function ignoringGone(action: () => Promise<unknown>): Promise<void> {
    try {
        await action();
    } catch (error) {
        if (!isGone(error)) throw error;
    }
}

/** Progress from a provider: console output is what the engine shows (pulumi.log is not). */
export function progress(resource: string, line: string): void {
    console.log(`${resource}: ${line}`);
}
