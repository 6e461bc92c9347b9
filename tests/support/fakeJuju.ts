import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** One scripted answer of the fake juju. */
export interface FakeAnswer {
    readonly stdout?: string;
    readonly stderr?: string;
    readonly code?: number;
    /** Never answer, and ignore SIGTERM (a hung juju); the pid goes to `hung.pid`. */
    readonly hang?: boolean;
    /** Answer this much later (a slow controller). */
    readonly delayMs?: number;
}

/**
 * A fake juju executable for provider tests. `script` maps a command prefix (e.g. "status",
 * "add-model") to the answers it gives in turn; the last answer repeats. Every call is
 * recorded, so tests can assert what was (and was not) run.
 */
export class FakeJuju {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-juju-"));
    readonly path = path.join(this.dir, "juju");

    constructor(script: Record<string, FakeAnswer[]>) {
        fs.writeFileSync(path.join(this.dir, "script.json"), JSON.stringify(script));
        fs.writeFileSync(
            this.path,
            `#!/usr/bin/env node
const fs = require("fs"), path = require("path");
const dir = ${JSON.stringify(this.dir)};
const args = process.argv.slice(2);
fs.appendFileSync(path.join(dir, "calls.log"), JSON.stringify(args) + "\\n");
const script = JSON.parse(fs.readFileSync(path.join(dir, "script.json"), "utf8"));
const line = args.join(" ");
const key = Object.keys(script).sort((a, b) => b.length - a.length).find((k) => line === k || line.startsWith(k + " "));
if (!key) { process.stderr.write("ERROR fake juju has no answer for: " + line + "\\n"); process.exit(9); }
const counter = path.join(dir, encodeURIComponent(key) + ".n");
const n = fs.existsSync(counter) ? Number(fs.readFileSync(counter, "utf8")) : 0;
fs.writeFileSync(counter, String(n + 1));
const answers = script[key];
const answer = answers[Math.min(n, answers.length - 1)];
if (answer.hang) {
  fs.writeFileSync(path.join(dir, "hung.pid"), String(process.pid));
  process.on("SIGTERM", () => undefined);
  setInterval(() => undefined, 1000);
  return;
}
setTimeout(() => {
  if (answer.stdout) process.stdout.write(answer.stdout);
  if (answer.stderr) process.stderr.write(answer.stderr);
  process.exit(answer.code ?? 0);
}, answer.delayMs ?? 0);
`,
            { mode: 0o755 },
        );
    }

    /** Every call so far, as argument lists. */
    calls(): string[][] {
        const file = path.join(this.dir, "calls.log");
        if (!fs.existsSync(file)) return [];
        return fs
            .readFileSync(file, "utf8")
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line) as string[]);
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** A status document in Juju 3.6's shape: units settle or not, with subordinates. */
export function statusDoc(
    units: Record<
        string,
        {
            workload: string;
            agent?: string;
            message?: string;
            subordinates?: Record<string, { workload: string; agent?: string; message?: string }>;
        }
    >,
    machines: Record<string, string> = {},
): string {
    const entry = (u: { workload: string; agent?: string; message?: string }) => ({
        "workload-status": { current: u.workload, ...(u.message ? { message: u.message } : {}), since: "25 Nov 2026 12:00:00Z" },
        "juju-status": { current: u.agent ?? "idle", since: "25 Nov 2026 12:00:00Z", version: "3.6.4" },
    });
    const applications: Record<string, { units?: Record<string, object>; "subordinate-to"?: string[] }> = {};
    for (const [name, unit] of Object.entries(units)) {
        const app = name.split("/")[0];
        const subordinates = Object.fromEntries(Object.entries(unit.subordinates ?? {}).map(([s, u]) => [s, entry(u)]));
        applications[app] ??= { units: {} };
        applications[app].units![name] = { ...entry(unit), machine: "0", ...(unit.subordinates ? { subordinates } : {}) };
        for (const sub of Object.keys(unit.subordinates ?? {})) applications[sub.split("/")[0]] = { "subordinate-to": [app] };
    }
    const machineDocs = Object.fromEntries(
        Object.entries(machines).map(([id, address]) => [
            id,
            { "juju-status": { current: "started" }, "dns-name": address, "ip-addresses": [address] },
        ]),
    );
    return JSON.stringify({ model: { name: "m", version: "3.6.4" }, machines: machineDocs, applications });
}
