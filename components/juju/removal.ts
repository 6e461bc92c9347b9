// Removal as Juju documents it: a graceful `remove-*` first (units run their stop hooks, charms
// clean up), `--force` only after a grace and saying what it forces: it removes units and machines
// "without given them the opportunity to shutdown cleanly" (remove-application's --force help,
// juju/juju cmd/juju/application/removeapplication.go). A unit whose hook keeps failing never
// finishes a graceful removal: the uniter only retries the hook (worker/uniter/resolver.go).
import { runJuju } from "./cli";
import { JujuTarget, isGone, jujuOptions, jujuStatus } from "./providers/common";
import { JujuStatus, describeState, describeUnit, flattenUnits, inError } from "./status";

/** What `juju remove-application`, `remove-unit` or `remove-machine` removes. */
export type RemovalKind = "application" | "unit" | "machine";

export interface RemovalOptions {
    readonly kind: RemovalKind;
    /** Application names, unit names or machine ids. */
    readonly names: readonly string[];
    /** Extra flags for the call, e.g. `--destroy-storage`. */
    readonly flags?: readonly string[];
    /** How long the graceful removal may take before the rest is forced. */
    readonly graceMs: number;
    /** Why the graceful step is skipped (e.g. a machine that still hosts units, which Juju removes only forced). */
    readonly forceAtOnce?: string;
    readonly pollMs: number;
    readonly say: (line: string) => void;
}

/** Whether `name` is still in the model. */
function present(status: JujuStatus, kind: RemovalKind, name: string): boolean {
    if (kind === "machine") return status.machines?.[name] !== undefined;
    if (kind === "application") return status.applications?.[name] !== undefined;
    return status.applications?.[name.split("/")[0]]?.units?.[name] !== undefined;
}

/**
 * What keeps `name` from going, for the message that says why it is forced. A unit seen in error
 * during the grace is named by that error, then by what it shows now: between failures the uniter
 * retries the hook and the unit shows executing for a moment (worker/uniter/resolver.go, hook
 * retry), which alone would hide why it never left.
 */
function holding(status: JujuStatus, kind: RemovalKind, name: string, lastErrors: ReadonlyMap<string, string>): string {
    const units = flattenUnits(status).filter((unit) => {
        if (kind === "unit") return unit.name === name;
        if (kind === "application") return unit.name.startsWith(`${name}/`);
        return Object.values(status.applications ?? {}).some((app) => app.units?.[unit.name]?.machine === name);
    });
    const described = units.map((unit) => {
        const lastError = lastErrors.get(unit.name);
        if (!lastError || inError(unit)) return describeUnit(unit);
        return `${lastError}, now ${describeState(unit)}`;
    });
    return described.length > 0 ? described.join(", ") : "no unit left; still dying";
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls until none of `names` is in the model, or `deadline` passes; returns those still there, the
 * last status, and each unit's last error seen while waiting.
 */
async function waitGone(target: JujuTarget, kind: RemovalKind, names: readonly string[], deadline: number, pollMs: number) {
    const lastErrors = new Map<string, string>();
    for (;;) {
        const status = await jujuStatus(target);
        for (const unit of flattenUnits(status).filter(inError)) lastErrors.set(unit.name, describeUnit(unit));
        const left = names.filter((name) => present(status, kind, name));
        if (left.length === 0 || Date.now() >= deadline) return { left, status, lastErrors };
        await sleep(pollMs);
    }
}

/**
 * Removes `names` gracefully and waits for them to go; what is still there after the grace is
 * removed with `--force --no-wait` (its hooks skipped), each named with the units that held it.
 * Returns what was forced. Things already gone count as removed.
 */
export async function removeGracefully(target: JujuTarget, options: RemovalOptions): Promise<string[]> {
    const { kind, say } = options;
    const call = async (names: readonly string[], force: string[]) => {
        try {
            await runJuju(jujuOptions(target), [
                `remove-${kind}`,
                "-m",
                target.modelRef,
                ...(options.flags ?? []),
                ...force,
                "--no-prompt",
                "--",
                ...names,
            ]);
        } catch (error) {
            // Some of them were gone already (removal prints an ERROR line per missing one and exits 1).
            if (!isGone(error)) throw error;
        }
    };
    let graceful: Awaited<ReturnType<typeof waitGone>>;
    if (options.forceAtOnce) {
        graceful = await waitGone(target, kind, options.names, 0, options.pollMs);
        for (const name of graceful.left)
            say(
                `forcing the removal of ${kind} ${name}: ${options.forceAtOnce}: ${holding(graceful.status, kind, name, graceful.lastErrors)}`,
            );
    } else {
        say(`juju remove-${kind} ${options.names.join(" ")} (graceful: their stop hooks run)`);
        await call(options.names, []);
        graceful = await waitGone(target, kind, options.names, Date.now() + options.graceMs, options.pollMs);
        const minutes = Math.round(options.graceMs / 60_000);
        for (const name of graceful.left) {
            say(
                `forcing the removal of ${kind} ${name} after ${minutes} min (its clean-up hooks are skipped): ${holding(graceful.status, kind, name, graceful.lastErrors)}`,
            );
        }
    }
    if (graceful.left.length === 0) return [];
    await call(graceful.left, ["--force", "--no-wait"]);
    const forced = await waitGone(target, kind, graceful.left, Date.now() + options.graceMs, options.pollMs);
    if (forced.left.length > 0) {
        throw new Error(
            `juju could not remove ${kind} ${forced.left.join(", ")} even with --force: ${forced.left.map((n) => holding(forced.status, kind, n, forced.lastErrors)).join("; ")}`,
        );
    }
    return graceful.left;
}
