// State does not depend on where the checkout lives: a stack written by the previous version
// (absolute paths in each dynamic resource's __provider and in jujuPath) is migrated by a no-op
// `up` without touching Juju; then the folder is moved as `mv` moves it, with the sandbox's state
// and the simulator's home inside it (.sandbox/), and preview, refresh, destroy and the sweep work
// from the new place, leaving nothing running.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import * as yaml from "js-yaml";
import { ROOT, exportEncrypted, openStack, pulumi } from "../../scripts/lib/sandbox";
import { alive, readCalls as calls, serverPids, readState as simState } from "../../simulator/state";
import { quiet, sandboxConfig, sweepSimulator } from "./harness";

/** The last commit whose lazyProvider serialized absolute paths into state. */
const ABSOLUTE_VERSION = "d5980f8";
/** The last commit whose resources stored @pulumi/pulumi's serialization of lazyProvider (relative paths). */
const SERIALIZING_VERSION = "4be3343";
const LAZY_PROVIDER = path.join("components", "juju", "lazyProvider.ts");
const DYNAMIC_RESOURCE = path.join("components", "juju", "DynamicResource.ts");

const PARENT = fs.mkdtempSync(path.join(os.tmpdir(), "ck-moved-"));
const FIRST = path.join(PARENT, "ck-dualstack");
const MOVED = path.join(PARENT, "renamed-checkout");
const STACK = `e2e-move-${process.pid}`;
/** A checkout where a stack of SERIALIZING_VERSION is kept by this version. */
const SECOND = path.join(PARENT, "kept-stack");
const KEPT_STACK = `e2e-kept-${process.pid}`;
/** The sandbox's settings for the checkout in `dir`: its state and simulator home where the driver keeps them, in .sandbox/. */
const envAt = (dir: string) => ({
    CK_DUALSTACK_SANDBOX_STATE: path.join(dir, ".sandbox", "state"),
    CK_JUJU_SIM_HOME: path.join(dir, ".sandbox", "juju-sim"),
    CK_JUJU_SIM_SETTLE_SECONDS: "2",
    CK_JUJU_SIM_MACHINE_SECONDS: "0.5",
    CK_JUJU_SIM_DEPLOY_SECONDS: "0.5",
    CK_JUJU_BACKOFF_MS: "200",
});
let ENV = envAt(FIRST);

/** This checkout's files as git sees them (tracked and new, not ignored), and its node_modules. */
function copyCheckout(to: string): void {
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
        .split("\0")
        .filter((file) => file && fs.existsSync(path.join(ROOT, file)));
    for (const file of files) {
        fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, file), path.join(to, file));
        fs.chmodSync(path.join(to, file), fs.statSync(path.join(ROOT, file)).mode);
    }
    // node_modules as if installed there (hard links: instant, and real paths inside the folder)
    execFileSync("cp", ["-al", path.join(ROOT, "node_modules"), path.join(to, "node_modules")]);
}

/**
 * This version's DynamicResource.ts writing state as an earlier version did: the resource is a
 * `pulumi.dynamic.Resource` whose provider object @pulumi/pulumi serializes into state, made by that
 * version's lazyProvider function, handed each provider's file as that version did: absolute
 * (ABSOLUTE_VERSION: the function requires the module by the path it captured) or relative to the
 * project folder (SERIALIZING_VERSION, one provider object per kind). The rest is this version's.
 */
function earlierDynamicResource(version: typeof ABSOLUTE_VERSION | typeof SERIALIZING_VERSION): string {
    const current = fs.readFileSync(path.join(ROOT, DYNAMIC_RESOURCE), "utf8");
    assert.ok(
        current.includes("protected constructor(\n        kind: ProviderKind,\n        module: string,\n        type: string,"),
        `${DYNAMIC_RESOURCE} changed: update this test`,
    );
    const earlier = execFileSync("git", ["show", `${version}:${LAZY_PROVIDER}`], { cwd: ROOT, encoding: "utf8" });
    const start = earlier.indexOf("export function lazyProvider(");
    const earlierLazyProvider = earlier.slice(start, earlier.indexOf("\n}\n", start) + 3);
    const file = version === ABSOLUTE_VERSION ? "PROVIDER_FILES[kind].file" : "path.relative(PROJECT_ROOT, PROVIDER_FILES[kind].file)";
    // What either version's function refers to beside itself.
    return `import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PROVIDER_FILES, ProviderKind } from "./lazyProvider";

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
const MIGRATED_KEYS = ["__provider", "jujuPath"] as const;

${earlierLazyProvider}
const made = new Map<ProviderKind, pulumi.dynamic.ResourceProvider>();

export abstract class DynamicResource extends pulumi.dynamic.Resource {
    protected constructor(kind: ProviderKind, module: string, type: string, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
        if (!made.has(kind)) made.set(kind, lazyProvider(${file}, PROVIDER_FILES[kind].exportName));
        super(made.get(kind)!, name, props, opts, module, type);
    }
}
`;
}

function writeStackFile(dir: string, jujuPath: string, stackName = STACK): void {
    const config = { ...sandboxConfig(), "ck-dualstack:jujuPath": jujuPath };
    const file = path.join(dir, `Pulumi.${stackName}.yaml`);
    // keep the encryption salt the first `stack select --create` wrote
    const previous = fs.existsSync(file) ? (yaml.load(fs.readFileSync(file, "utf8")) as Record<string, unknown>) : {};
    fs.writeFileSync(file, yaml.dump({ ...previous, config }));
}

/** Processes whose working folder is inside `dir`. */
function processesIn(dir: string): string[] {
    const found: string[] = [];
    for (const pid of fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
        try {
            if (fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(dir))
                found.push(`${pid}: ${fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ")}`);
        } catch {
            // gone, or not ours to read
        }
    }
    return found;
}

let stack: Stack | undefined;

after(async () => {
    await stack?.destroy(quiet).catch(() => undefined);
    const at = fs.existsSync(MOVED) ? MOVED : FIRST;
    if (fs.existsSync(at)) sweepSimulator(ENV.CK_JUJU_SIM_HOME, STACK, at);
    if (fs.existsSync(SECOND)) sweepSimulator(envAt(SECOND).CK_JUJU_SIM_HOME, KEPT_STACK, SECOND);
    fs.rmSync(PARENT, { recursive: true, force: true });
});

describe("a moved checkout", () => {
    it("migrates a stack of the previous version with a no-op up, then refreshes and destroys it from a renamed folder", async () => {
        copyCheckout(FIRST);
        // The previous version: serialized providers with absolute module paths, jujuPath stored absolute.
        fs.writeFileSync(path.join(FIRST, DYNAMIC_RESOURCE), earlierDynamicResource(ABSOLUTE_VERSION));
        writeStackFile(FIRST, path.join(FIRST, "simulator", "juju"));
        stack = await openStack(STACK, ENV, FIRST);
        const first = await stack.up(quiet);
        assert.equal(first.summary.result, "succeeded");
        assert.ok(JSON.stringify(exportEncrypted(stack)).includes(FIRST), "the previous version stored the checkout's path");

        // Upgrade to this version: a no-op up rewrites each stored provider, without any Juju mutation.
        fs.copyFileSync(path.join(ROOT, DYNAMIC_RESOURCE), path.join(FIRST, DYNAMIC_RESOURCE));
        const noJujuMutation = async (what: string) => {
            const mark = calls().length;
            const result = await stack!.up(quiet);
            const changes = result.summary.resourceChanges ?? {};
            assert.deepEqual(Object.keys(changes).sort(), ["same", "update"], `${what}: ${JSON.stringify(changes)}`);
            const mutations = calls()
                .slice(mark)
                .filter((c) => c.mutating);
            assert.deepEqual(mutations, [], `${what} changed something in Juju`);
        };
        await noJujuMutation("migrating the stored providers");
        const providers = (exportEncrypted(stack).resources ?? []).flatMap((r) => [r.inputs?.__provider, r.outputs?.__provider]);
        assert.ok(providers.filter(Boolean).length >= 12, "dynamic resources with a stored provider");
        assert.ok(!providers.some((p) => String(p).includes(FIRST)), "a stored provider still names the checkout");
        // ... and the jujuPath the previous version stored absolute, once configured as is.
        writeStackFile(FIRST, "simulator/juju");
        await noJujuMutation("storing jujuPath as configured");
        const state = JSON.stringify(exportEncrypted(stack));
        for (const folder of [FIRST, ROOT]) {
            const at = state.indexOf(folder);
            assert.equal(at, -1, `the state names the checkout ${folder}: ...${state.slice(Math.max(0, at - 300), at + 200)}...`);
        }

        const servers = Object.values(simState().models).map((m) => m.apiserver!);
        assert.ok(servers.length > 0);
        fs.renameSync(FIRST, MOVED);
        ENV = envAt(MOVED);
        stack = await openStack(STACK, ENV, MOVED);
        // docs/sandbox.md's way: the CLI typed in the (renamed) project folder
        const preview = pulumi(["preview", "--stack", STACK, "--expect-no-changes"], { cwd: MOVED, extra: ENV, capture: true });
        assert.equal(preview.status, 0, `${preview.stdout}\n${preview.stderr}`);
        // the Kubernetes provider's credential plugin, as client-go runs it from the new place
        const credential = spawnSync(
            path.join(MOVED, "components", "cluster", "juju-kube-credential"),
            ["--juju", "simulator/juju", "--model", "sim:ck-dualstack", "--user", "admin"],
            { cwd: MOVED, env: { ...process.env, ...ENV }, encoding: "utf8" },
        );
        assert.equal(credential.status, 0, credential.stderr);
        const refreshed = await stack.refresh(quiet);
        assert.equal(refreshed.summary.result, "succeeded");
        assert.equal(refreshed.summary.resourceChanges?.update, undefined, JSON.stringify(refreshed.summary.resourceChanges));
        const destroyed = await stack.destroy(quiet);
        assert.equal(destroyed.summary.result, "succeeded");
        stack = undefined;
        assert.deepEqual(simState().models, {});
        for (const server of servers)
            assert.ok(!serverPids(server).some(alive), "the simulated control plane or its controllers still run");
        let left = processesIn(PARENT);
        for (let i = 0; i < 50 && left.length > 0; i++) {
            await new Promise((resolve) => setTimeout(resolve, 200));
            left = processesIn(PARENT);
        }
        assert.deepEqual(left, [], "processes still run in the checkout");
        // npm run sandbox:destroy's sweep, from the new place: nothing of the stack's model is left to stop.
        const swept = sweepSimulator(ENV.CK_JUJU_SIM_HOME, STACK, MOVED);
        assert.equal(swept.status, 0, `${swept.stdout}\n${swept.stderr}`);
        assert.match(String(swept.stdout), /^simulator: cleared model sim:ck-dualstack$/m);
    });

    it("keeps a stack whose resources stored serialized providers: a no-op preview and up, then refresh and destroy run them", async () => {
        copyCheckout(SECOND);
        const env = envAt(SECOND);
        fs.writeFileSync(path.join(SECOND, DYNAMIC_RESOURCE), earlierDynamicResource(SERIALIZING_VERSION));
        writeStackFile(SECOND, "simulator/juju", KEPT_STACK);
        stack = await openStack(KEPT_STACK, env, SECOND);
        assert.equal((await stack.up(quiet)).summary.result, "succeeded");
        const storedProviders = () => (exportEncrypted(stack!).resources ?? []).map((r) => String(r.outputs?.__provider ?? ""));
        const serialized = storedProviders().filter((p) => p.startsWith("exports.handler = __f"));
        assert.ok(serialized.length >= 6, "the earlier version stored serialized providers");

        fs.copyFileSync(path.join(ROOT, DYNAMIC_RESOURCE), path.join(SECOND, DYNAMIC_RESOURCE));
        const preview = pulumi(["preview", "--stack", KEPT_STACK, "--expect-no-changes"], { cwd: SECOND, extra: env, capture: true });
        assert.equal(preview.status, 0, `${preview.stdout}\n${preview.stderr}`);
        const mark = calls().length;
        const up = await stack.up(quiet);
        assert.deepEqual(Object.keys(up.summary.resourceChanges ?? {}), ["same"], JSON.stringify(up.summary.resourceChanges));
        assert.deepEqual(
            calls()
                .slice(mark)
                .filter((c) => c.mutating),
            [],
        );
        // Read and delete run what the outputs hold: the serialized providers, kept.
        assert.deepEqual(
            storedProviders().filter((p) => p.startsWith("exports.handler = __f")),
            serialized,
        );
        const refreshed = await stack.refresh(quiet);
        assert.equal(refreshed.summary.result, "succeeded");
        assert.equal(refreshed.summary.resourceChanges?.update, undefined, JSON.stringify(refreshed.summary.resourceChanges));
        // ... and the reads kept them: the delete runs them too.
        assert.deepEqual(
            storedProviders().filter((p) => p.startsWith("exports.handler = __f")),
            serialized,
        );
        assert.equal((await stack.destroy(quiet)).summary.result, "succeeded");
        stack = undefined;
        assert.deepEqual(simState().models, {});
    });
});
