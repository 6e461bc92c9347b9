// Issue 23: what every preview and up pays before it does anything. A stack loads only its own
// cloud's modules, and the bench's trace (CK_DUALSTACK_TRACE) records each provider method and its
// Juju calls, command words only.
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { after, describe, it } from "node:test";
import { installMocks, settle } from "../support/mocks";
import { FakeJuju } from "../support/fakeJuju";

const registered = installMocks({ cloud: "sandbox", jujuPath: "simulator/juju", workerCount: "30" });
// How often the SDK serializes a dynamic provider (dynamic/index.ts calls this module's function per provider object).
const closures = require("@pulumi/pulumi/runtime/closure/serializeClosure") as {
    serializeFunction: (...args: unknown[]) => Promise<unknown>;
};
const serializeFunction = closures.serializeFunction;
let serialized = 0;
closures.serializeFunction = (...args) => {
    serialized++;
    return serializeFunction(...args);
};
const { program } = require("../../components/program") as typeof import("../../components/program");
const { lazyProvider, storedProvider } =
    require("../../components/juju/lazyProvider") as typeof import("../../components/juju/lazyProvider");
const { TRACE_ENV } = require("../../components/juju/trace") as typeof import("../../components/juju/trace");

const work = fs.mkdtempSync(path.join(os.tmpdir(), "ck-run-cost-"));
const fakes: FakeJuju[] = [];
after(() => {
    fakes.forEach((f) => f.remove());
    fs.rmSync(work, { recursive: true, force: true });
});

describe("the fixed cost of a run", () => {
    it("a sandbox stack loads no other cloud's modules or SDKs, and serializes no dynamic provider", async () => {
        await program();
        await settle();
        const loaded = Object.keys(require.cache).map((file) => path.relative(process.cwd(), file));
        for (const other of [
            "components/aws/",
            "components/openstack/",
            "components/existing/",
            "node_modules/@pulumi/aws/",
            "node_modules/@pulumi/openstack/",
        ])
            assert.deepEqual(
                loaded.filter((file) => file.startsWith(other)),
                [],
                `${other} was loaded`,
            );
        assert.ok(loaded.some((file) => file.startsWith("components/sandbox/")));
        // No provider object is serialized: each dynamic resource stores the project's loader (a few
        // hundred bytes, one text per kind), where a serialized provider took 6.7 KB.
        assert.equal(serialized, 0);
        const stored = registered.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/")).map((r) => String(r.inputs.__provider));
        assert.equal(stored.length, 37, "32 Machines and one resource of each other kind");
        assert.equal(new Set(stored).size, 6);
        assert.ok(Math.max(...stored.map((text) => text.length)) < 1000);
    });

    it("a stored provider finds the project from where the engine starts the provider host, and names no path of this checkout", () => {
        const root = path.resolve(__dirname, "..", "..");
        const text = storedProvider("machine");
        assert.ok(!text.includes(root), text);
        // In a process of its own, as @pulumi/pulumi's provider host loads it (require-from-string),
        // started in a folder below the project's.
        const methods = execFileSync(
            process.execPath,
            [
                "-e",
                `console.log(Object.keys(require(${JSON.stringify(require.resolve("require-from-string"))})(process.argv[1]).handler()).join(" "))`,
                text,
            ],
            { cwd: path.join(root, "docs"), encoding: "utf8" },
        );
        assert.equal(methods.trim(), "check create read diff update delete");
        assert.throws(
            () =>
                execFileSync(
                    process.execPath,
                    ["-e", `require(${JSON.stringify(require.resolve("require-from-string"))})(process.argv[1]).handler()`, text],
                    { cwd: os.tmpdir(), stdio: "pipe" },
                ),
            /cannot find components\/juju\/lazyProvider.ts from .* or above; run pulumi in the project folder/,
        );
    });

    it("a stored provider of an earlier version of this code is kept, one with an absolute path is rewritten", async () => {
        // An update of every dynamic resource would leave the Model's outputs unknown in a preview,
        // so that every Machine would preview as replaced.
        const provider = lazyProvider("components/juju/providers/model.ts", "ModelProvider");
        const inputs = { jujuPath: "juju", controller: "lxd", model: "ck", owner: "p/s" };
        const stored = { ...inputs, controllerName: "lxd", modelRef: "lxd:ck", uuid: "uuid-1" };
        const serialized = (modulePath: string) => `exports.handler = __provider;\nwith({ modulePath: ${JSON.stringify(modulePath)} }) {}`;
        const relative = serialized("components/juju/providers/model.ts");
        const diff = (storedProvider: string) =>
            provider.diff!("lxd:ck", { ...stored, __provider: storedProvider }, { ...inputs, __provider: `${relative}// new code` });
        assert.equal((await diff(relative)).changes, false);
        assert.equal((await diff(serialized("/home/me/ck-dualstack/components/juju/providers/model.ts"))).changes, true);
    });

    it("the processes a run starts load the project's TypeScript without the compiler once it was transpiled", () => {
        const module = path.join(work, "answer.ts");
        // In a process of its own, as the engine starts them: the answer, and whether the compiler was loaded.
        const load = () =>
            JSON.parse(
                execFileSync(
                    process.execPath,
                    [
                        "--require",
                        "./components/tsCache.js",
                        "-e",
                        `const { answer } = require(${JSON.stringify(module)}); console.log(JSON.stringify([answer, Object.keys(require.cache).some((f) => f.includes("/node_modules/typescript/"))]))`,
                    ],
                    { cwd: path.resolve(__dirname, "..", ".."), encoding: "utf8" },
                ),
            ) as [number, boolean];
        fs.writeFileSync(module, `export const answer: number = ${process.pid};\n`);
        assert.deepEqual(load(), [process.pid, true]);
        assert.deepEqual(load(), [process.pid, false]);
        // A changed file is transpiled again, and its earlier entry goes: one entry per file.
        const cacheDir = path.resolve(__dirname, "..", "..", "node_modules", ".cache", "ck-dualstack-ts");
        // Its entries, named by the first 16 hex digits of its path's sha256 (other tests add their own meanwhile).
        const fileKey = crypto.createHash("sha256").update(fs.realpathSync(module)).digest("hex").slice(0, 16);
        const entries = () => fs.readdirSync(cacheDir).filter((entry) => entry.startsWith(`${fileKey}-`));
        const first = entries();
        assert.equal(first.length, 1);
        fs.writeFileSync(module, `export const answer: number = ${process.pid + 1};\n`);
        assert.deepEqual(load(), [process.pid + 1, true]);
        assert.equal(entries().length, 1);
        assert.notDeepEqual(entries(), first);
        // This test's own file leaves no entry behind.
        for (const entry of entries()) fs.rmSync(path.join(cacheDir, entry));
    });

    it("traces each provider method and its Juju calls by command word, only when asked", async () => {
        const f = new FakeJuju({ models: [{ stdout: JSON.stringify({ models: [{ "short-name": "ck", "model-uuid": "uuid-1" }] }) }] });
        fakes.push(f);
        const provider = lazyProvider("components/juju/providers/model.ts", "ModelProvider");
        const stored = {
            jujuPath: f.path,
            controller: "lxd",
            model: "ck",
            owner: "p/s",
            controllerName: "lxd",
            modelRef: "lxd:ck",
            uuid: "uuid-1",
        };
        const file = path.join(work, "trace.jsonl");
        await provider.read!("lxd:ck", stored);
        assert.equal(fs.existsSync(file), false);
        process.env[TRACE_ENV] = file;
        try {
            await provider.read!("lxd:ck", stored);
            await provider.diff!("lxd:ck", stored, { jujuPath: f.path, controller: "lxd", model: "ck", owner: "p/s" });
        } finally {
            delete process.env[TRACE_ENV];
        }
        const events = fs
            .readFileSync(file, "utf8")
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line) as Record<string, unknown>);
        const juju = events.filter((e) => e.event === "juju");
        assert.deepEqual(
            juju.map((e) => [e.kind, e.method, e.command]),
            [["ModelProvider", "read", "models"]],
        );
        // The command word only: no model name, path or argument reaches the file.
        assert.ok(!fs.readFileSync(file, "utf8").includes("lxd"));
        assert.deepEqual(
            events.filter((e) => e.event === "method").map((e) => `${e.kind}.${e.method}`),
            ["ModelProvider.read", "ModelProvider.diff"],
        );
    });
});
