// ck-dualstack's Juju SIMULATOR. It is not Juju: it answers the juju commands ck-dualstack
// uses, in Juju 3.6's output formats, keeping state in CK_JUJU_SIM_HOME, and runs a real etcd
// and kube-apiserver for a deployed control plane. Each behaviour cites the Juju source or doc
// it follows; charm options and actions come from the charms' own repositories (charms.json).
// Faults are injected with CK_JUJU_SIM_* variables (docs/sandbox.md, "Fault injection and timing").
import { Command, JujuExit, VERSION, env, err, flag, modelKey, out, parseArgs } from "./context";
import { bumpCounter, logCall, withState } from "./state";

export { sshMain } from "./hosts";

const VERSION_COMMAND: Command = { mutating: () => false, run: async () => out(env("VERSION", `${VERSION}-genericlinux-amd64`)) };

/**
 * The command modules, each loaded only when one of its commands runs: every juju call is a node
 * process, and loading them all (js-yaml and the charm data, the cluster's modules) took about 65 ms
 * of the 80 a call spent starting, where `juju add-machine` needs only the state.
 */
const COMMAND_MODULES: Record<string, () => Promise<Record<string, Command>>> = {
    models: async () => (await import("./commands/models")).modelCommands,
    machines: async () => (await import("./commands/machines")).machineCommands,
    applications: async () => (await import("./commands/applications")).applicationCommands,
    bundles: async () => (await import("./commands/bundles")).bundleCommands,
    units: async () => (await import("./commands/units")).unitCommands,
    status: async () => (await import("./commands/status")).statusCommands,
    actions: async () => (await import("./commands/actions")).actionCommands,
    scp: async () => (await import("./commands/scp")).scpCommands,
    sshKeys: async () => (await import("./commands/sshKeys")).sshKeyCommands,
};

/** Which command module answers each command; run.js records it with the transpiled sources it caches. */
export type CommandIndex = Record<string, string>;

/** Every command's module, found by loading them all (once per change of the sources). */
export async function commandIndex(): Promise<CommandIndex> {
    const index: CommandIndex = {};
    for (const [module, load] of Object.entries(COMMAND_MODULES)) for (const command of Object.keys(await load())) index[command] = module;
    return index;
}

/** The command's handler, loading only its module when the index names it (all of them otherwise). */
async function handlerOf(command: string, index: CommandIndex | undefined): Promise<Command | undefined> {
    if (command === "version") return VERSION_COMMAND;
    const module = index?.[command];
    if (module && COMMAND_MODULES[module]) return (await COMMAND_MODULES[module]())[command];
    for (const load of Object.values(COMMAND_MODULES)) {
        const handler = (await load())[command];
        if (handler) return handler;
    }
    return undefined;
}

/** Fault: the model vanishes under the caller (someone destroyed it by hand). */
async function dropModel(command: string, positional: string[], ref: string | undefined): Promise<void> {
    const target = command === "destroy-model" || command === "show-model" ? positional[0] : ref;
    if (!target) return;
    const { teardown } = await import("./commands/models");
    await withState((state) => {
        const { key } = modelKey(state, target);
        if (state.models[key]) teardown(state.models[key]);
        delete state.models[key];
    });
}

/** Runs one juju command; returns the exit code. */
export async function main(argv: string[], index?: CommandIndex): Promise<number> {
    const [command, ...rest] = argv;
    const handler = command ? await handlerOf(command, index) : undefined;
    if (!handler) {
        err(
            `ERROR unrecognized command: juju ${command ?? ""} (this is ck-dualstack's Juju simulator; it answers only the commands ck-dualstack uses)`,
        );
        return 2;
    }
    const args = parseArgs(rest);
    logCall(argv, handler.mutating(args));
    try {
        const transient = Number(env("TRANSIENT_FAILURES", "0"));
        if (transient > 0 && bumpCounter("transient") <= transient) {
            throw new JujuExit("ERROR cannot connect to API: dial tcp 127.0.0.1:17070: connect: connection refused");
        }
        if (env("HANG", "") === command) {
            // Fault: a juju that never answers and ignores SIGTERM (the runner must SIGKILL it).
            process.on("SIGTERM", () => undefined);
            await new Promise(() => setInterval(() => undefined, 1000));
        }
        if (env("MODEL_GONE", "") === "1") await dropModel(command, args.positional, flag(args, "-m", "--model"));
        await handler.run(args);
        return 0;
    } catch (error) {
        if (error instanceof JujuExit) {
            if (error.message) err(error.message);
            return error.code;
        }
        err(`ERROR ${(error as Error).stack ?? String(error)}`);
        return 1;
    }
}
