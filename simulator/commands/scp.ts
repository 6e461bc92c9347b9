// `juju scp [-m model] [--] <source> <destination>` (juju/juju cmd/juju/ssh/scp.go, ssh_machine.go;
// research-juju §3): fewer than two arguments is an Init error ("at least two arguments required",
// exit 2); an argument "<target>:<path>" names a unit, `<app>/leader` or a machine (a user@ prefix is
// kept, the default user is ubuntu), other arguments and those starting with "-" pass to scp as they
// are (expandSCPArgs). A unit that does not exist fails before scp runs. The copy is OpenSSH scp's
// (juju/utils ssh OpenSSHClient.Copy): nothing printed on success, exit 0; on failure juju prints
// "ERROR exit status N (<scp's stderr>)" and exits 1. A relative remote path is relative to the
// user's home, as scp's is. The simulated hosts' files live under the simulator home (state.ts hostFile).
import * as fs from "fs";
import * as path from "path";
import { Command, JujuExit, flag, readStateModel } from "../context";
import { SimModel, hostFile } from "../state";

/** Where an argument points: a file of a simulated host, or a local one. */
type End = { remote: true; address: string; file: string; shown: string } | { remote: false; file: string; shown: string };

/** The machine a `juju scp` target names: a unit, `<app>/leader`, or a machine id. */
function machineOf(model: SimModel, target: string): string {
    if (/^\d+$/.test(target)) {
        if (!model.machines[target]) throw new JujuExit(`ERROR machine ${target} not found`);
        return target;
    }
    const appName = target.split("/")[0];
    const app = model.applications[appName];
    const unit = target.endsWith("/leader") ? Object.entries(app?.units ?? {}).find(([, u]) => u.leader)?.[0] : target;
    const found = unit ? app?.units[unit] : undefined;
    // cmd/juju/ssh: a leader that cannot be resolved, or an entity the controller does not know.
    if (!found)
        throw new JujuExit(
            target.endsWith("/leader") ? `ERROR could not determine leader for "${appName}"` : `ERROR unit "${target}" not found`,
        );
    return found.machine;
}

function resolve(model: SimModel, arg: string): End {
    const colon = arg.indexOf(":");
    if (arg.startsWith("-") || colon < 0) return { remote: false, file: path.resolve(arg), shown: arg };
    const [who, file] = [arg.slice(0, colon), arg.slice(colon + 1)];
    const user = who.includes("@") ? who.split("@")[0] : "ubuntu";
    const target = who.includes("@") ? who.slice(who.indexOf("@") + 1) : who;
    const address = model.machines[machineOf(model, target)].address;
    const absolute = file.startsWith("/") ? file : path.posix.join(`/home/${user}`, file || ".");
    return { remote: true, address, file: absolute, shown: file };
}

/** scp's own failure, as juju reports it (exit status of scp and its stderr). */
const scpFailed = (stderr: string) => new JujuExit(`ERROR exit status 1 (scp: ${stderr})`);

export const scpCommands: Record<string, Command> = {
    scp: {
        mutating: () => false,
        run: async (args) => {
            if (args.positional.length < 2) throw new JujuExit("ERROR at least two arguments required", 2);
            const model = readStateModel(flag(args, "-m", "--model"));
            // Options for scp itself (-r, -C, ...) change nothing here.
            const operands = args.positional.filter((arg) => !arg.startsWith("-"));
            if (operands.length !== 2) throw new JujuExit("ERROR the simulator copies one source to one destination");
            const [source, destination] = operands.map((arg) => resolve(model, arg));
            const from = source.remote ? hostFile(source.address, source.file) : source.file;
            if (!fs.existsSync(from) || !fs.statSync(from).isFile()) throw scpFailed(`${source.shown}: No such file or directory`);
            const into = destination.remote ? hostFile(destination.address, destination.file) : destination.file;
            const target = fs.existsSync(into) && fs.statSync(into).isDirectory() ? path.join(into, path.basename(source.file)) : into;
            if (!fs.existsSync(path.dirname(target))) throw scpFailed(`${destination.shown}: No such file or directory`);
            // scp creates the copy with the source's permission bits (without -p, less the umask).
            fs.copyFileSync(from, target);
            fs.chmodSync(target, fs.statSync(from).mode & 0o777 & ~process.umask());
        },
    },
};
