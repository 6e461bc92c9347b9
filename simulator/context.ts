// What every simulated command shares: argument parsing, juju's exit convention, output, time
// and fault settings, and resolving `-m [controller:]model` the way the Juju client does.
import { SimModel, SimState, readState } from "./state";

export const VERSION = "3.6.4";

/** A juju command failure: juju prints `ERROR <message>` on stderr and exits 1 (cmd/supercommand.go). */
export class JujuExit extends Error {
    constructor(
        message: string,
        readonly code = 1,
    ) {
        super(message);
    }
}

export const env = (name: string, fallback: string) => process.env[`CK_JUJU_SIM_${name}`] ?? fallback;
export const seconds = (name: string, fallback: number) => Number(env(name, String(fallback))) * 1000;
export const since = (ms: number) => new Date(ms).toISOString();
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
export const out = (text: string): void => void process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
export const err = (text: string): void => void process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);

export interface Args {
    positional: string[];
    flags: Record<string, string[]>;
}

const VALUE_FLAGS = new Set([
    "-m",
    "--model",
    "-c",
    "--controller",
    "--config",
    "--channel",
    "--overlay",
    "--format",
    "--timeout",
    "--base",
    "--to",
    "-n",
    "--num-units",
    "--revision",
    "--wait",
    "--reset",
    "--filename",
    "--map-machines",
]);

/**
 * Parses flags as juju/gnuflag does: `--name=value` or `--name value` for flags that take a value,
 * flags and arguments interspersed, and `--` ending the flags (everything after it is an argument).
 */
export function parseArgs(argv: string[]): Args {
    const args: Args = { positional: [], flags: {} };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--") {
            args.positional.push(...argv.slice(i + 1));
            break;
        }
        if (arg.startsWith("-") && arg !== "-") {
            const eq = arg.indexOf("=");
            const [name, value] =
                eq > 0 && arg.startsWith("--")
                    ? [arg.slice(0, eq), arg.slice(eq + 1)]
                    : VALUE_FLAGS.has(arg)
                      ? [arg, argv[++i]]
                      : [arg, "true"];
            (args.flags[name] ??= []).push(value);
        } else args.positional.push(arg);
    }
    return args;
}

/** The last value given for a flag (or its long form). */
export function flag(args: Args, ...names: string[]): string | undefined {
    for (const name of names) {
        const values = args.flags[name];
        if (values) return values[values.length - 1];
    }
    return undefined;
}

/** Controllers this client knows (CK_JUJU_SIM_CONTROLLERS, default "sim"); the first is current until `juju switch`. */
export function knownControllers(): string[] {
    return env("CONTROLLERS", "sim").split(",").filter(Boolean);
}

export function currentController(state: SimState): string {
    return state.currentController ?? knownControllers()[0];
}

/** A controller the client knows, or juju's error (jujuclient: `controller %s not found`). */
export function checkController(name: string): string {
    if (!knownControllers().includes(name)) throw new JujuExit(`ERROR controller ${name} not found`);
    return name;
}

/**
 * `[controller:][user/]model` as the client resolves it: an unqualified model is on the current
 * controller (cmd/modelcmd: the current controller from controllers.yaml). Returns the state key.
 */
export function modelKey(state: SimState, ref: string | undefined): { key: string; controller: string; name: string } {
    if (!ref) throw new JujuExit("ERROR no model in focus; use -m (the simulator keeps no current model)");
    const [controller, qualified] = ref.includes(":") ? (ref.split(":", 2) as [string, string]) : [currentController(state), ref];
    checkController(controller);
    const name = qualified.replace(/^admin\//, "");
    return { key: `${controller}:${name}`, controller, name };
}

/** The model `ref` names; Juju's not-found error otherwise (apiserver: `model "admin/x" not found`). */
export function getModel(state: SimState, ref: string | undefined): SimModel {
    const { key, controller, name } = modelKey(state, ref);
    const model = state.models[key];
    if (!model) throw new JujuExit(`ERROR model ${controller}:admin/${name} not found`);
    return model;
}

/** Units named by CK_JUJU_SIM_<name>, each `unit` or `unit=message`. */
export function faultUnits(name: string): Map<string, string> {
    const entries = env(name, "").split(",").filter(Boolean);
    return new Map(entries.map((entry) => [entry.split("=")[0], entry.split("=")[1] ?? ""]));
}

/**
 * Whether a unit's hook is failing now (CK_JUJU_SIM_UNIT_ERROR; with UNIT_ERROR_SECONDS it recovers
 * after that long, as Juju retries failed hooks: worker/uniter, `automatically-retry-hooks`).
 */
export function inHookError(unit: string, settleAt: number, now: number): boolean {
    const errorFor = hookErrorMs(unit);
    return errorFor !== undefined && (errorFor === 0 || now < settleAt + errorFor);
}

/** How long the unit's hook fails after `settleAt` (0: for ever), or undefined when it does not fail. */
export function hookErrorMs(unit: string): number | undefined {
    return faultUnits("UNIT_ERROR").has(unit) ? Number(env("UNIT_ERROR_SECONDS", "0")) * 1000 : undefined;
}

/** A simulated command: whether it changes the model (for calls.log) and what it does. */
export interface Command {
    readonly mutating: (args: Args) => boolean;
    readonly run: (args: Args) => Promise<void>;
}

/** The model `ref` names, read without taking the state lock. */
export function readStateModel(ref: string | undefined): SimModel {
    return getModel(readState(), ref);
}

/**
 * Removals ask for confirmation unless --no-prompt (the default model mode is requires-prompts:
 * environs/config; cmd/juju/common/confirmation.go); with no terminal to answer, they abort.
 */
export function refuseWithoutPrompt(args: Args, what: string): void {
    if (!flag(args, "--no-prompt")) throw new JujuExit(`ERROR ${what}: aborted`);
}

/**
 * `--no-wait` goes with `--force` only: an Init error, so exit 2 (cmd/juju/application/removeapplication.go,
 * removeunit.go, cmd/juju/machine/remove.go: `errors.NotValidf("--no-wait without --force")`).
 */
export function refuseNoWaitWithoutForce(args: Args): void {
    if (flag(args, "--no-wait") && !flag(args, "--force")) throw new JujuExit("ERROR --no-wait without --force not valid", 2);
}

/**
 * What a removal command says (cmd/juju/application/removeapplication.go, removeunit.go): its plan
 * on stdout, one line per thing, and the failures as ERROR lines, exiting 1 if there were any.
 */
export function reportRemovals(lines: string[]): void {
    out(lines.filter((line) => !line.startsWith("ERROR")).join("\n"));
    const failed = lines.filter((line) => line.startsWith("ERROR"));
    if (failed.length > 0) throw new JujuExit(failed.join("\n"));
}
