/**
 * Opt-in timing of a run (issue 23's breakdown, written by `npm run bench`): off unless
 * CK_DUALSTACK_TRACE names a file, to which every process of the run (the program, the dynamic
 * provider, the Kubernetes provider's credential helper) appends one JSON line per event. Nothing
 * secret is recorded: a phase's name, a provider method's name and a Juju call's command word, with
 * times.
 */
import { AsyncLocalStorage } from "async_hooks";
import * as fs from "fs";

export const TRACE_ENV = "CK_DUALSTACK_TRACE";

/** Which provider method (or helper) a Juju call was made for. */
interface Caller {
    readonly kind: string;
    readonly method: string;
}

const caller = new AsyncLocalStorage<Caller>();

const traceFile = (): string | undefined => process.env[TRACE_ENV] || undefined;

/** Appends one event, stamped with the process and the time; nothing when tracing is off. */
export function traceEvent(event: string, fields: Record<string, string | number> = {}): void {
    const file = traceFile();
    if (!file) return;
    fs.appendFileSync(file, `${JSON.stringify({ event, pid: process.pid, at: Date.now(), ...fields })}\n`);
}

/** Runs a provider method (or a helper's work), recording its duration; Juju calls inside it name it. */
export async function tracedMethod<T>(kind: string, method: string, run: () => Promise<T>): Promise<T> {
    if (!traceFile()) return run();
    const start = Date.now();
    try {
        return await caller.run({ kind, method }, run);
    } finally {
        traceEvent("method", { kind, method, ms: Date.now() - start });
    }
}

/** One Juju call: its command word (never its arguments) and duration, with the method it ran for. */
export function traceJujuCall(command: string, ms: number): void {
    if (!traceFile()) return;
    const from = caller.getStore();
    traceEvent("juju", { command, ms, kind: from?.kind ?? "other", method: from?.method ?? "" });
}
