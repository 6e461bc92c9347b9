// The sandbox driver (scripts/stack.ts) keeps state in a local folder under a public passphrase:
// it must refuse any stack that is not a sandbox, before the engine is ever started.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { sandboxOctet } from "../../components/sandbox/SandboxNodes";
import { NotASandboxStack, ROOT, assertSandboxStack, isProjectPlugin } from "../../scripts/lib/sandbox";

/** A PATH whose `pulumi` only records where and how it was run (and then runs `then`, if given). */
function fakePulumi(then = ""): { bin: string; marker: string } {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "ck-fake-pulumi-"));
    const marker = path.join(bin, "ran");
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "$(pwd): $*" >> "${marker}"\n${then}\n`, { mode: 0o755 });
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

describe("sandbox driver after an interrupted engine", () => {
    it("says the engine was killed, instead of pointing at messages there are none of", () => {
        const { bin } = fakePulumi('case "$1" in preview) kill -9 $$ ;; esac');
        const result = driver("preview", "sandbox", bin);
        assert.equal(result.status, 1);
        assert.match(result.stderr, /pulumi preview --stack sandbox was stopped by SIGKILL before it finished\. Run it again/);
        assert.doesNotMatch(result.stderr, /see the messages above/);
    });

    it("counts as this project's orphan only a plugin of this folder or a host of its @pulumi/pulumi", () => {
        const sdk = path.join(ROOT, "node_modules", "@pulumi", "pulumi");
        const cached = "/root/.cache/ck-dualstack/toolchain/pulumi-v3.248.0/bin/pulumi-resource-pulumi-nodejs";
        assert.ok(isProjectPlugin(["node", path.join(sdk, "cmd", "dynamic-provider", "index.js"), "127.0.0.1:4000"], "/", ROOT));
        assert.ok(isProjectPlugin(["/bin/sh", cached, "127.0.0.1:4000"], ROOT, ROOT), "the dynamic providers' shim, run in this folder");
        assert.ok(isProjectPlugin(["/home/u/.pulumi/plugins/resource-kubernetes-v4.24.1/pulumi-resource-kubernetes"], ROOT, ROOT));
        assert.ok(!isProjectPlugin(["/bin/sh", cached, "127.0.0.1:4000"], "/elsewhere", ROOT), "another project's shim");
        assert.ok(!isProjectPlugin(["node", "/elsewhere/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js"], "/elsewhere", ROOT));
        assert.ok(!isProjectPlugin(["node", "--test", "tests/unit/x.test.ts"], ROOT, ROOT), "any process in this folder");
        assert.ok(!isProjectPlugin(["pulumi", "up"], ROOT, ROOT), "the engine itself");
    });
});

describe("two sandbox stacks side by side", () => {
    it("keeps the default model's node addresses (127.0.x.y) and gives every other model an octet of its own", () => {
        assert.equal(sandboxOctet("ck-dualstack"), 0);
        assert.notEqual(sandboxOctet("ck-second"), sandboxOctet("ck-third"));
        fc.assert(
            fc.property(fc.string({ minLength: 1 }), (model) => {
                const octet = sandboxOctet(model);
                return Number.isInteger(octet) && (model === "ck-dualstack" ? octet === 0 : octet >= 1 && octet <= 255);
            }),
        );
    });
});
