import { JujuError, JujuOptions } from "../cli";

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
