// The sandbox driver (scripts/stack.ts) keeps state in a local folder under a public passphrase:
// it must refuse any stack that is not a sandbox, before the engine is ever started.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { NotASandboxStack, ROOT, assertSandboxStack } from "../../scripts/lib/sandbox";

/** A PATH whose `pulumi` only records where and how it was run. */
function fakePulumi(): { bin: string; marker: string } {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "ck-fake-pulumi-"));
    const marker = path.join(bin, "ran");
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "$(pwd): $*" >> "${marker}"\n`, { mode: 0o755 });
    return { bin, marker };
}

function driver(command: string, stack: string, bin: string) {
    return spawnSync("node", ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "stack.ts"), command, stack], {
        cwd: ROOT,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CK_DUALSTACK_SANDBOX_STATE: path.join(bin, "state") },
        encoding: "utf8",
    });
}

describe("sandbox driver refuses stacks that are not sandboxes", () => {
    for (const [stack, cloud] of [
        ["dev", "aws"],
        ["openstack", "openstack"],
    ]) {
        it(`refuses \`stack.ts up ${stack}\` (cloud ${cloud}) without running pulumi`, () => {
            const { bin, marker } = fakePulumi();
            const result = driver("up", stack, bin);
            assert.equal(result.status, 1);
            assert.match(result.stderr, new RegExp(`refusing stack "${stack}": its cloud is "${cloud}", not "sandbox"`));
            assert.ok(!fs.existsSync(marker), "pulumi was started for a stack that is not a sandbox");
        });
    }

    it("runs pulumi in the project folder for the sandbox stack", () => {
        const { bin, marker } = fakePulumi();
        const result = driver("preview", "sandbox", bin);
        assert.equal(result.status, 0, result.stderr);
        assert.equal(fs.readFileSync(marker, "utf8"), `${ROOT}: stack select --create sandbox\n${ROOT}: preview --stack sandbox\n`);
    });

    it("judges the stack file, falling back to Pulumi.yaml's default cloud", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ck-driver-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: ck-dualstack\nconfig:\n  cloud:\n    type: string\n    default: sandbox\n");
        fs.writeFileSync(path.join(dir, "Pulumi.implicit.yaml"), "config:\n  ck-dualstack:workerCount: 1\n");
        fs.writeFileSync(path.join(dir, "Pulumi.metal.yaml"), "config:\n  ck-dualstack:cloud: existing\n");
        assert.doesNotThrow(() => assertSandboxStack(dir, "implicit"));
        assert.throws(() => assertSandboxStack(dir, "metal"), NotASandboxStack);
        assert.throws(() => assertSandboxStack(dir, "missing"), /there is no Pulumi\.missing\.yaml/);
    });
});
