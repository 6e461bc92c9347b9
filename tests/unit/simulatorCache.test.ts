// The simulator's transpiled copy (simulator/run.js) is kept per version of its sources; the copies
// of earlier versions go once they are an hour old, so a checkout's .sandbox does not grow with every edit.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";

const project = path.resolve(__dirname, "..", "..");
const root = fs.mkdtempSync(path.join(os.tmpdir(), "ck-sim-cache-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));

describe("the simulator's transpiled copies", () => {
    it("removes the copies of earlier versions an hour old (unfinished ones too), and keeps younger ones", () => {
        // A checkout of its own: the simulator's sources and what it shares with the project.
        for (const dir of ["simulator", "components/net"]) fs.cpSync(path.join(project, dir), path.join(root, dir), { recursive: true });
        fs.mkdirSync(path.join(root, "components", "juju"), { recursive: true });
        fs.copyFileSync(path.join(project, "components/juju/sshKeys.ts"), path.join(root, "components/juju/sshKeys.ts"));
        fs.symlinkSync(path.join(project, "node_modules"), path.join(root, "node_modules"));
        const versions = path.join(root, ".sandbox", "simulator-js");
        const old = path.join(versions, "0000000000000000");
        const young = path.join(versions, "1111111111111111");
        const unfinished = path.join(versions, "2222222222222222.4242.tmp");
        for (const dir of [old, young, unfinished]) fs.mkdirSync(dir, { recursive: true });
        const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
        for (const dir of [old, unfinished]) fs.utimesSync(dir, twoHoursAgo, twoHoursAgo);
        execFileSync(process.execPath, [path.join(root, "simulator", "run.js"), "version"], {
            env: { ...process.env, CK_JUJU_SIM_HOME: path.join(root, ".sandbox", "home") },
            encoding: "utf8",
        });
        const left = fs.readdirSync(versions);
        assert.ok(!left.includes("0000000000000000"), `left: ${left.join(", ")}`);
        assert.ok(left.includes("1111111111111111"), `left: ${left.join(", ")}`);
        assert.equal(left.length, 2, `left: ${left.join(", ")}`);
    });
});
