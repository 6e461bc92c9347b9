// Issue 22, end to end on the real engine, the real Kubernetes provider and a real kube-apiserver:
// - no engine run (up, preview, refresh, destroy, a refresh during an outage) leaves a file in the
//   temp folder holding the cluster's token or a client key (the Kubernetes provider copies the
//   kubeconfig it is given to a temp file it never removes);
// - with kube-apiserver frozen (SIGSTOP), a refresh fails and says why, and the state keeps every
//   resource (the provider's deleteUnreachable dropped five); once it answers again all is as before;
// - destroy completes when the cluster is already gone (what runs on it goes with the Juju model).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { exportEncrypted } from "../../scripts/lib/sandbox";
import { readState as simState } from "../../simulator/state";
import { e2eSandbox, quiet } from "./harness";

/** The temp folder everyone on this machine shares, as it was before the engine's was set. */
const SYSTEM_TMP = os.tmpdir();
/** The engine's own temp folder ($TMPDIR of the CLI, so of its providers), watched file by file. */
const ENGINE_TMP = fs.mkdtempSync(path.join(SYSTEM_TMP, "ck-e2e-engine-tmp-"));
const sandbox = e2eSandbox("secrets", {}, { TMPDIR: ENGINE_TMP });

let stack: Stack;
let token = "";

/** Regular files under `dir` (at most `depth` folders down), with their modification times. */
function filesUnder(dir: string, depth: number, into = new Map<string, number>()): Map<string, number> {
    let entries: fs.Dirent[];
    try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
        return into;
    }
    for (const entry of entries) {
        const file = path.join(dir, entry.name);
        try {
            if (entry.isFile()) into.set(file, fs.statSync(file).mtimeMs);
            else if (entry.isDirectory() && depth > 0) filesUnder(file, depth - 1, into);
        } catch {
            // gone meanwhile
        }
    }
    return into;
}

const before0 = { system: filesUnder(SYSTEM_TMP, 2), engine: new Map<string, number>() };
/** A client key as kubeconfigs and PEM files hold it (assembled: no marker sits in this source). */
const KEY_MARKERS = ["client-key-data", ["PRIVATE", "KEY-----"].join(" ")];

/**
 * Fails when a file new or changed since the start holds the cluster's token: in the engine's temp
 * folder, or in the shared one (which other users' runs also write to: only this cluster's token
 * counts there). In the engine's own, a client key in any form counts too.
 */
function assertNoSecretOnDisk(after: string): void {
    assert.ok(token.length >= 16, "the token is known");
    const found: string[] = [];
    const scan = (files: Map<string, number>, was: Map<string, number>, markers: readonly string[]) => {
        for (const [file, mtime] of files) {
            if (was.get(file) === mtime) continue;
            let text: string;
            try {
                if (fs.statSync(file).size > 4 * 1024 * 1024) continue;
                text = fs.readFileSync(file, "latin1");
            } catch {
                continue;
            }
            for (const marker of markers)
                if (text.includes(marker))
                    found.push(`${file} holds ${marker === token ? "the cluster's token" : `a client key (${marker.split(" ")[0]})`}`);
        }
    };
    scan(filesUnder(ENGINE_TMP, 4), before0.engine, [token, ...KEY_MARKERS]);
    const shared = [...filesUnder(SYSTEM_TMP, 2)].filter(([file]) => !file.startsWith(ENGINE_TMP));
    scan(new Map(shared), before0.system, [token]);
    assert.deepEqual(found, [], `after ${after}, secrets are on disk outside Pulumi's state`);
    // The provider's copies (the exec stanza only) do not pile up: each run of the plugin removes the
    // earlier ones; a provider the engine stops before its plugin has run can leave its own.
    const copies = fs.readdirSync(ENGINE_TMP).filter((name) => /^kubeconfig\d+$/.test(name));
    assert.ok(
        copies.length <= 1,
        `after ${after}, the Kubernetes provider's kubeconfig copies pile up in ${ENGINE_TMP}: ${copies.join(", ")}`,
    );
}

/** The URNs the stack's state holds. */
const urns = () => (exportEncrypted(stack).resources ?? []).map((r) => r.urn ?? "").sort();
const apiServer = () => simState().models["sim:ck-dualstack"]?.apiserver;

before(async () => {
    stack = await sandbox.open();
});

after(async () => {
    const server = apiServer();
    if (server) {
        try {
            process.kill(server.apiserverPid, "SIGCONT");
        } catch {
            // not running
        }
    }
    await sandbox.cleanUp(stack);
    fs.rmSync(ENGINE_TMP, { recursive: true, force: true });
});

describe("no secret on disk, nothing dropped by an outage (issue 22)", () => {
    it("brings the sandbox up, and leaves no token or client key in the temp folder", async () => {
        const up = await stack.up(quiet);
        assert.equal(up.summary.result, "succeeded");
        token = /token: (\S+)/.exec(up.outputs.kubeconfig.value as string)![1];
        assertNoSecretOnDisk("up");
    });

    it("previews and refreshes without a change or a secret on disk", async () => {
        const preview = await stack.preview(quiet);
        assert.deepEqual(Object.keys(preview.changeSummary), ["same"], JSON.stringify(preview.changeSummary));
        assertNoSecretOnDisk("preview");
        const refresh = await stack.refresh(quiet);
        assert.equal(refresh.summary.result, "succeeded");
        assert.equal(refresh.summary.resourceChanges?.delete, undefined, JSON.stringify(refresh.summary.resourceChanges));
        assertNoSecretOnDisk("refresh");
    });

    it("fails a refresh and a preview while kube-apiserver is frozen, saying why, and keeps every resource in the state", async () => {
        const before = urns();
        assert.ok(
            before.some((urn) => urn.includes("kubernetes:apps/v1:Deployment")),
            "the workload is in the state",
        );
        const pid = apiServer()!.apiserverPid;
        process.kill(pid, "SIGSTOP");
        try {
            await assert.rejects(stack.refresh(quiet), (error: Error) => {
                // the Kubernetes provider's objects, and the addresses read over the API
                assert.match(error.message, /configured Kubernetes cluster is unreachable/);
                assert.match(
                    error.message,
                    /cannot reach the Kubernetes API \(\w+\): the cluster may be down or unreachable, so the refresh stops/,
                );
                return true;
            });
            assert.deepEqual(urns(), before, "the refresh dropped resources from the state");
            await assert.rejects(
                stack.preview(quiet),
                /cannot reach the Kubernetes API \(\w+\): the cluster may be down or unreachable, so the preview stops/,
            );
            assert.deepEqual(urns(), before, "the preview dropped resources from the state");
            assertNoSecretOnDisk("a refresh and a preview during the outage");
        } finally {
            process.kill(pid, "SIGCONT");
        }
        const recovered = await stack.refresh(quiet);
        assert.equal(recovered.summary.result, "succeeded");
        assert.deepEqual(urns(), before);
        // Nothing to create or delete: no second ServiceCIDR, nothing replaced. (The simulated kubelets
        // leave the pods not ready after a freeze longer than the node grace period, so the provider
        // may plan to re-apply the Deployment and the Services, awaiting them again: an update.)
        const preview = await stack.preview({ ...quiet, diff: true });
        assert.deepEqual(
            Object.keys(preview.changeSummary).filter((kind) => kind !== "same" && kind !== "update"),
            [],
            preview.stdout,
        );
        assertNoSecretOnDisk("the refresh and the preview after the outage");
    });

    it("destroys the stack when the cluster is already gone, leaving no secret on disk", async () => {
        // kube-apiserver gone for good (its machine lost); the Juju model is still there
        const server = apiServer()!;
        process.kill(server.apiserverPid, "SIGKILL");
        const destroyed = await stack.destroy(quiet);
        assert.equal(destroyed.summary.result, "succeeded");
        assert.deepEqual(urns(), [], "resources are left in the state");
        assertNoSecretOnDisk("destroy");
    });
});
