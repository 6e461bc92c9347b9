import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { clearStaleLocks } from "../../scripts/lib/sandbox";

function lockDir(): { dir: string; write: (name: string, pid: number, hostname?: string) => string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ck-locks-"));
    const locks = path.join(dir, ".pulumi", "locks", "organization", "ck-dualstack", "sandbox");
    fs.mkdirSync(locks, { recursive: true });
    return {
        dir,
        write: (name, pid, hostname = os.hostname()) => {
            const file = path.join(locks, `${name}.json`);
            fs.writeFileSync(file, JSON.stringify({ pid, username: "root", hostname, timestamp: "2026-11-25T12:00:00Z" }));
            fs.writeFileSync(`${file}.attrs`, "{}");
            return file;
        },
    };
}

describe("stale stack locks in the sandbox backend", () => {
    it("removes the lock of an engine that no longer runs and keeps live or foreign ones", () => {
        const { dir, write } = lockDir();
        const gone = spawnSync("true").pid!; // finished and reaped: certainly not running
        const stale = write("stale", gone);
        const live = write("live", process.pid);
        const foreign = write("foreign", gone, "another-host");
        clearStaleLocks(dir);
        assert.ok(!fs.existsSync(stale) && !fs.existsSync(`${stale}.attrs`));
        assert.ok(fs.existsSync(live), "a running engine keeps its lock");
        assert.ok(fs.existsSync(foreign), "a lock from another machine is not ours to judge");
        fs.rmSync(dir, { recursive: true });
    });
});
