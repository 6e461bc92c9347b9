// A `pulumi up` killed with SIGKILL while the Deployment is being created (a closed terminal, the
// OOM killer): its provider plugins run on without an engine, and the state keeps a pending create
// that Pulumi warns about on every later update. The next `npm run sandbox` (scripts/stack.ts) must
// stop those plugins, converge, and clear the pending create once the Deployment exists.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { ROOT, exportEncrypted, isProjectPlugin, pulumi } from "../../scripts/lib/sandbox";
import { commandLine } from "../../simulator/processes";
import { alive, readCalls } from "../../simulator/state";
import { e2eSandbox } from "./harness";

const sandbox = e2eSandbox("killed");
Object.assign(process.env, sandbox.env); // this process reads the simulator's calls.log
const DRIVER = ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "stack.ts"), "up", sandbox.name];
const ENV = { ...process.env, ...sandbox.env };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Plugins of this project started for this test's stack (its simulator home is in their environment). */
function plugins(): number[] {
    return fs
        .readdirSync("/proc")
        .filter((name) => /^\d+$/.test(name))
        .map(Number)
        .filter((pid) => {
            try {
                const environ = fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
                const argv = commandLine(pid);
                return (
                    environ.includes(`CK_JUJU_SIM_HOME=${sandbox.simHome}`) &&
                    argv !== undefined &&
                    isProjectPlugin(argv, fs.readlinkSync(`/proc/${pid}/cwd`), ROOT)
                );
            } catch {
                return false; // gone, or not ours to read
            }
        });
}

/** The driver's `pulumi` child. */
function engineOf(driver: number): number | undefined {
    return fs
        .readdirSync("/proc")
        .filter((name) => /^\d+$/.test(name))
        .map(Number)
        .find((pid) => {
            try {
                const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
                const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
                return parent === driver && path.basename(commandLine(pid)?.[0] ?? "") === "pulumi";
            } catch {
                return false;
            }
        });
}

after(async () => {
    await sandbox.cleanUp(await sandbox.open());
});

describe("an up killed with SIGKILL", () => {
    it("leaves nothing the next up does not clear: no orphaned plugin, no pending create", async () => {
        const first = spawn("node", DRIVER, { cwd: ROOT, env: ENV, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        first.stdout.on("data", (chunk) => (output += chunk));
        first.stderr.on("data", (chunk) => (output += chunk));
        const exited = new Promise<number | null>((resolve) => first.on("exit", resolve));
        for (let waited = 0; !readCalls().some((call) => call.args[0] === "deploy"); waited += 100) {
            assert.ok(waited < 300_000, `no juju deploy within 5 minutes:\n${output}`);
            await sleep(100);
        }
        const engine = engineOf(first.pid!);
        assert.ok(engine, "the driver's pulumi engine");
        process.kill(engine, "SIGKILL");
        assert.equal(await exited, 1);
        assert.match(output, new RegExp(`pulumi up --stack ${sandbox.name} was stopped by SIGKILL before it finished`));
        assert.doesNotMatch(output, /see the messages above/);
        const pending = exportEncrypted({ name: sandbox.name, extra: sandbox.env }).pending_operations ?? [];
        assert.ok(
            pending.some((op) => op.type === "creating" && /Deployment/.test(op.resource.urn)),
            `a pending create: ${JSON.stringify(pending)}`,
        );
        await sleep(1000);
        const orphans = plugins();
        assert.ok(orphans.length > 0, "the killed engine's plugins run on without it");

        const second = spawnSync("node", DRIVER, { cwd: ROOT, env: ENV, encoding: "utf8" });
        assert.equal(second.status, 0, `${second.stdout}\n${second.stderr}`);
        assert.ok(!orphans.some(alive), "a plugin of the killed engine still runs");
        assert.match(second.stdout, /sandbox: cleared the stale pending create of \S+Deployment\S*: it exists now/);
        assert.deepEqual(exportEncrypted({ name: sandbox.name, extra: sandbox.env }).pending_operations ?? [], []);

        const preview = pulumi(["preview", "--stack", sandbox.name, "--expect-no-changes"], { extra: sandbox.env, capture: true });
        assert.equal(preview.status, 0, `${preview.stdout}\n${preview.stderr}`);
        assert.doesNotMatch(`${preview.stdout}${preview.stderr}`, /pending operation/i);
        let left = plugins();
        for (let i = 0; i < 50 && left.length > 0; i++) {
            await sleep(200);
            left = plugins();
        }
        assert.deepEqual(left, [], "plugins run on after the engine finished");
    });
});
