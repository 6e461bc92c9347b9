// ck-dualstack's Juju SIMULATOR. It is not Juju: it answers the juju commands ck-dualstack
// uses, in Juju 3.6's output formats, keeping state in CK_JUJU_SIM_HOME, and runs a real etcd
// and kube-apiserver for a deployed control plane. Each behaviour cites the Juju source or doc
// it follows; charm options and actions come from the charms' own repositories (charms.json).
// Faults are injected with CK_JUJU_SIM_* variables (docs/sandbox.md, "Fault injection and timing").
import { actionCommands } from "./commands/actions";
import { applicationCommands } from "./commands/applications";
import { bundleCommands } from "./commands/bundles";
import { machineCommands } from "./commands/machines";
import { modelCommands, teardown } from "./commands/models";
import { scpCommands } from "./commands/scp";
import { sshKeyCommands } from "./commands/sshKeys";
import { statusCommands } from "./commands/status";
import { unitCommands } from "./commands/units";
import { Command, JujuExit, VERSION, env, err, flag, modelKey, out, parseArgs } from "./context";
import { bumpCounter, logCall, withState } from "./state";

export { sshMain } from "./hosts";

const COMMANDS: Record<string, Command> = {
    version: { mutating: () => false, run: async () => out(env("VERSION", `${VERSION}-genericlinux-amd64`)) },
    ...modelCommands,
    ...machineCommands,
    ...applicationCommands,
    ...bundleCommands,
    ...unitCommands,
    ...statusCommands,
    ...actionCommands,
    ...scpCommands,
    ...sshKeyCommands,
};

/** Fault: the model vanishes under the caller (someone destroyed it by hand). */
async function dropModel(command: string, positional: string[], ref: string | undefined): Promise<void> {
    const target = command === "destroy-model" || command === "show-model" ? positional[0] : ref;
    if (!target) return;
    await withState((state) => {
        const { key } = modelKey(state, target);
        if (state.models[key]) teardown(state.models[key]);
        delete state.models[key];
    });
}

/** Runs one juju command; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    const handler = command ? COMMANDS[command] : undefined;
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
