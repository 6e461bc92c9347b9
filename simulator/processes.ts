// Which running processes are the simulator's own. A pid in the state is only a hint: the process
// may be gone and its number reused, or the state edited by hand. Before any signal, the process's
// command line (/proc/PID/cmdline, proc(5)) must name the program the simulator started and one of
// the folders it gave that program (the control plane's folder, in this home or a former one).
import * as fs from "fs";
import * as path from "path";
import { SimProcess, alive } from "./state";

/** A process's arguments, argv[0] first; undefined when it is gone or not readable. */
export function commandLine(pid: number): string[] | undefined {
    try {
        const text = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
        return text === "" ? undefined : text.replace(/\0$/, "").split("\0");
    } catch {
        return undefined;
    }
}

/** Whether `argv` runs `binary` (as spawned: by name or by path) and names a file inside one of `folders`. */
export function namesOurFolder(argv: readonly string[], binary: string, folders: readonly string[]): boolean {
    return (
        path.basename(argv[0] ?? "") === binary &&
        argv.slice(1).some((arg) => folders.some((folder) => arg.includes(`${folder}${path.sep}`) || arg.endsWith(`=${folder}`)))
    );
}

/** The live processes of `processes` that are what the simulator started, judged by their command lines. */
export function ownProcesses(processes: readonly SimProcess[], folders: readonly string[]): SimProcess[] {
    return processes.filter(({ pid, binary }) => {
        const argv = pid > 0 && pid !== process.pid ? commandLine(pid) : undefined;
        return argv !== undefined && alive(pid) && namesOurFolder(argv, binary, folders);
    });
}

/** Every process on this machine running one of `binaries` with a file inside one of `folders`. */
export function processesNaming(binaries: readonly string[], folders: readonly string[]): SimProcess[] {
    const found: SimProcess[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        const argv = commandLine(Number(entry));
        const binary = binaries.find((name) => argv && namesOurFolder(argv, name, folders));
        if (binary && alive(Number(entry))) found.push({ pid: Number(entry), binary });
    }
    return found;
}

/**
 * Stops the processes of `processes` that are the simulator's own (ownProcesses): SIGTERM, up to
 * 10 s to exit, then SIGKILL. Returns those it stopped, and the live ones it left alone because
 * they run something else.
 */
export function stopOwnProcesses(
    processes: readonly SimProcess[],
    folders: readonly string[],
): { stopped: SimProcess[]; notOurs: SimProcess[] } {
    const ours = ownProcesses(processes, folders);
    for (const { pid } of ours) {
        try {
            process.kill(pid, "SIGTERM");
        } catch {
            // already gone
        }
    }
    const deadline = Date.now() + 10_000;
    while (ours.some(({ pid }) => alive(pid)) && Date.now() < deadline) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
    // SIGKILL only what is still the same process (its pid may have been reused meanwhile).
    for (const { pid } of ownProcesses(ours, folders)) process.kill(pid, "SIGKILL");
    return { stopped: ours, notOurs: processes.filter((p) => p.pid > 0 && !ours.includes(p) && alive(p.pid)) };
}
