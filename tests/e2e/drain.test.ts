import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { deleteNode, drainNode } from "../../components/kube/drain";
import { apiRequest, apiServerReady, kubeconfigFor, startApiServer, stopApiServer } from "../../simulator/cluster";
import type { SimApiServer } from "../../simulator/state";

// A real etcd and kube-apiserver, without kubelet or controller-manager: Node and Pod objects are
// created directly, with `spec.nodeName` set. Without a kubelet, a bound pod deleted gracefully
// stays Terminating; the API server deletes at once a pod whose grace period is 0 or that is
// Succeeded/Failed (kubernetes/kubernetes pkg/registry/core/pod/strategy.go, CheckGracefulDelete),
// so pods meant to leave use terminationGracePeriodSeconds: 0. Eviction ignores budgets for Pending
// pods (pkg/registry/core/pod/storage/eviction.go, canIgnorePDB), so pods under a budget are made
// Running and Ready through the status subresource, and budgets get the status the disruption
// controller would write.

let server: SimApiServer | undefined;
let simHome = "";
let kubeconfig = "";
const logs: string[] = [];
const log = (line: string) => logs.push(line);

interface Answer {
    status: number;
    body: Record<string, unknown>;
}

/** A request as the cluster admin, for setting up and checking objects. */
function api(method: string, urlPath: string, body?: object, contentType?: string): Promise<Answer> {
    return apiRequest(server!, method, urlPath, body, contentType);
}

async function create(urlPath: string, body: object): Promise<Answer> {
    const answer = await api("POST", urlPath, body);
    assert.equal(answer.status, 201, `creating ${urlPath}: ${JSON.stringify(answer.body)}`);
    return answer;
}

const uidOf = (answer: Answer) => (answer.body.metadata as { uid: string }).uid;

async function createNode(name: string): Promise<string> {
    return uidOf(await create("/api/v1/nodes", { metadata: { name } }));
}

interface PodOptions {
    owner?: { apiVersion: string; kind: string; name: string; uid: string };
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    graceSeconds?: number;
    emptyDir?: boolean;
    phase?: "Running" | "Succeeded";
}

/** A pod bound to `node`, with the status a kubelet would have reported. */
async function createPod(name: string, node: string, options: PodOptions = {}): Promise<string> {
    const created = await create("/api/v1/namespaces/default/pods", {
        metadata: {
            name,
            labels: options.labels,
            annotations: options.annotations,
            ownerReferences: options.owner ? [{ ...options.owner, controller: true }] : undefined,
        },
        spec: {
            nodeName: node,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: options.graceSeconds,
            containers: [{ name: "main", image: "registry.invalid/app:1" }],
            volumes: options.emptyDir ? [{ name: "scratch", emptyDir: {} }] : undefined,
        },
    });
    if (options.phase) {
        const conditions = options.phase === "Running" ? [{ type: "Ready", status: "True" }] : [];
        const patched = await api(
            "PATCH",
            `/api/v1/namespaces/default/pods/${name}/status`,
            { status: { phase: options.phase, conditions } },
            "application/merge-patch+json",
        );
        assert.equal(patched.status, 200, JSON.stringify(patched.body));
    }
    return uidOf(created);
}

/** A node running one replicated pod `app` under a budget `<app>-pdb` that allows no disruption. */
async function createGuardedPod(node: string, app: string): Promise<void> {
    await createNode(node);
    await createPod(app, node, { owner: replicaSet(app), labels: { app }, graceSeconds: 0, phase: "Running" });
    await createBudget(`${app}-pdb`, app, 0, 1);
}

/** A budget with the status the disruption controller would compute. */
async function createBudget(name: string, app: string, allowed: number, healthy: number): Promise<void> {
    const created = await create("/apis/policy/v1/namespaces/default/poddisruptionbudgets", {
        metadata: { name },
        spec: { minAvailable: 1, selector: { matchLabels: { app } } },
    });
    await setBudget(name, allowed, healthy, (created.body.metadata as { generation: number }).generation);
}

async function setBudget(name: string, allowed: number, healthy: number, generation = 1): Promise<void> {
    const patched = await api(
        "PATCH",
        `/apis/policy/v1/namespaces/default/poddisruptionbudgets/${name}/status`,
        {
            status: {
                observedGeneration: generation,
                disruptionsAllowed: allowed,
                currentHealthy: healthy,
                desiredHealthy: 1,
                expectedPods: healthy,
            },
        },
        "application/merge-patch+json",
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
}

const replicaSet = (name: string) => ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    name,
    uid: `00000000-0000-0000-0000-${name.padStart(12, "0").slice(-12)}`,
});

async function getPod(name: string): Promise<Answer> {
    return api("GET", `/api/v1/namespaces/default/pods/${name}`);
}

async function deletionTimestamp(name: string): Promise<string | undefined> {
    const answer = await getPod(name);
    assert.equal(answer.status, 200, `pod ${name} should still exist`);
    return (answer.body.metadata as { deletionTimestamp?: string }).deletionTimestamp;
}

async function unschedulable(node: string): Promise<boolean | undefined> {
    const answer = await api("GET", `/api/v1/nodes/${node}`);
    return (answer.body.spec as { unschedulable?: boolean }).unschedulable;
}

describe("draining a worker through the real kube-apiserver (issue 14)", { timeout: 180_000 }, () => {
    before(async () => {
        simHome = fs.mkdtempSync(path.join(os.tmpdir(), "ck-drain-"));
        process.env.CK_JUJU_SIM_HOME = simHome;
        // IPv6 loopback: the kubeconfig's server is https://[::1]:port, as on the dual-stack sandbox.
        server = await startApiServer("drain", "10.152.183.0/24", "::1");
        const deadline = Date.now() + 90_000;
        while (!(await apiServerReady(server))) {
            if (Date.now() > deadline) throw new Error(`kube-apiserver not ready; see ${server.dir}/kube-apiserver.log`);
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
        kubeconfig = kubeconfigFor(server, "drain", "");
        assert.match(kubeconfig, /server: https:\/\/\[::1\]:\d+/);
        // No controller-manager creates the default ServiceAccount that pod admission looks up.
        for (let tries = 0; ; tries++) {
            const answer = await api("POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "default" } });
            if (answer.status === 201 || answer.status === 409) break;
            if (tries > 40) throw new Error(`cannot create the default ServiceAccount: ${answer.status}`);
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
    });

    after(() => {
        stopApiServer(server);
        fs.rmSync(simHome, { recursive: true, force: true });
        // Whatever a test logged, no line carries the admin token.
        if (server) assert.ok(!logs.some((line) => line.includes(server!.token)), "a log line holds the token");
    });

    it("a node that does not exist has nothing to drain", async () => {
        const lines: string[] = [];
        const result = await drainNode({ kubeconfig, node: "w-missing", timeoutMs: 5000, log: (line) => lines.push(line) });
        assert.deepEqual(result, { found: false, evicted: [] });
        assert.match(lines.join("\n"), /w-missing does not exist; nothing to drain/);
    });

    it("cordons, evicts through the Eviction API, and leaves DaemonSet and mirror pods alone", async () => {
        const nodeUid = await createNode("w-full");
        await createNode("w-other");
        const daemonSet = await create("/apis/apps/v1/namespaces/default/daemonsets", {
            metadata: { name: "agent" },
            spec: {
                selector: { matchLabels: { app: "agent" } },
                template: {
                    metadata: { labels: { app: "agent" } },
                    spec: { containers: [{ name: "main", image: "registry.invalid/agent:1" }] },
                },
            },
        });
        await createPod("web", "w-full", { owner: replicaSet("web"), labels: { app: "web" }, graceSeconds: 0, phase: "Running" });
        await createPod("cache", "w-full", { owner: replicaSet("cache"), graceSeconds: 0, emptyDir: true, phase: "Running" });
        // Finished and without a controller: kubectl lets it go (the API server deletes it at once).
        await createPod("job-done", "w-full", { phase: "Succeeded" });
        await createPod("agent-x", "w-full", {
            owner: { apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: uidOf(daemonSet) },
            labels: { app: "agent" },
            graceSeconds: 0,
            phase: "Running",
        });
        await createPod("static-w-full", "w-full", {
            owner: { apiVersion: "v1", kind: "Node", name: "w-full", uid: nodeUid },
            annotations: { "kubernetes.io/config.mirror": "0123abcd" },
            graceSeconds: 0,
            phase: "Running",
        });
        await createPod("web-elsewhere", "w-other", {
            owner: replicaSet("web"),
            labels: { app: "web" },
            graceSeconds: 0,
            phase: "Running",
        });
        // One disruption allowed: only the Eviction API spends it, so the budget's status proves web was evicted.
        await createBudget("web-pdb", "web", 1, 2);

        const result = await drainNode({ kubeconfig, node: "w-full", timeoutMs: 20_000, intervalMs: 200, log });

        assert.equal(result.found, true);
        assert.deepEqual([...result.evicted].sort(), ["default/cache", "default/job-done", "default/web"]);
        assert.deepEqual([...(result.ignored ?? [])].sort(), ["default/agent-x", "default/static-w-full"]);
        assert.equal(await unschedulable("w-full"), true);
        assert.equal(await unschedulable("w-other"), undefined);
        for (const gone of ["web", "cache", "job-done"]) assert.equal((await getPod(gone)).status, 404, `${gone} should be gone`);
        for (const kept of ["agent-x", "static-w-full", "web-elsewhere"])
            assert.equal(await deletionTimestamp(kept), undefined, `${kept} kept`);
        const budget = (await api("GET", "/apis/policy/v1/namespaces/default/poddisruptionbudgets/web-pdb")).body.status as {
            disruptionsAllowed: number;
            disruptedPods?: Record<string, string>;
        };
        assert.equal(budget.disruptionsAllowed, 0);
        assert.ok(budget.disruptedPods && "web" in budget.disruptedPods, "web went through the Eviction API");
        assert.match(logs.join("\n"), /node w-full cordoned/);
        assert.match(logs.join("\n"), /deleting Pods with local storage: default\/cache/);

        // Draining again: already cordoned, nothing left to evict.
        const again = await drainNode({ kubeconfig, node: "w-full", timeoutMs: 5000, intervalMs: 200, log });
        assert.deepEqual(again.evicted, []);
        assert.match(logs.join("\n"), /node w-full already cordoned/);
    });

    it("a PodDisruptionBudget that allows no disruption makes the drain time out, naming the pod", async () => {
        await createGuardedPod("w-pdb", "guarded");
        const lines: string[] = [];
        const started = Date.now();
        await assert.rejects(
            drainNode({ kubeconfig, node: "w-pdb", timeoutMs: 2000, intervalMs: 200, log: (line) => lines.push(line) }),
            (error: Error) => {
                assert.match(error.message, /w-pdb not drained within 2000 ms/);
                assert.match(error.message, /default\/guarded: eviction refused by a PodDisruptionBudget \(HTTP 429: .*guarded-pdb/);
                assert.match(error.message, /stays cordoned/);
                return true;
            },
        );
        assert.ok(Date.now() - started < 8000, "bounded by the timeout");
        assert.equal(await deletionTimestamp("guarded"), undefined);
        assert.equal(await unschedulable("w-pdb"), true);
        // Logged when it changed, not at every retry.
        assert.equal(lines.filter((line) => line.includes("refused (HTTP 429")).length, 1);
    });

    it("retries a refused eviction until the budget allows it", async () => {
        await createGuardedPod("w-retry", "patient");
        const drained = drainNode({ kubeconfig, node: "w-retry", timeoutMs: 20_000, intervalMs: 200, log });
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await setBudget("patient-pdb", 1, 2);
        const result = await drained;
        assert.deepEqual(result.evicted, ["default/patient"]);
        assert.equal((await getPod("patient")).status, 404);
    });

    it("waits until evicted pods are gone, as kubectl drain does: one still terminating times out", async () => {
        await createNode("w-slow");
        // The default 30 s grace period: without a kubelet the pod stays Terminating.
        await createPod("slow", "w-slow", { owner: replicaSet("slow"), phase: "Running" });
        await assert.rejects(drainNode({ kubeconfig, node: "w-slow", timeoutMs: 2000, intervalMs: 200, log }), (error: Error) => {
            assert.match(error.message, /default\/slow: still terminating \(deletion due [^,]+, grace period 30s\)/);
            return true;
        });
        assert.ok(await deletionTimestamp("slow"), "slow was evicted");
    });

    it("refuses pods without a controller, as kubectl drain without --force does, evicting nothing", async () => {
        await createNode("w-bare");
        await createPod("bare", "w-bare", { phase: "Running", graceSeconds: 0 });
        await createPod("managed", "w-bare", { owner: replicaSet("managed"), phase: "Running", graceSeconds: 0 });
        await assert.rejects(drainNode({ kubeconfig, node: "w-bare", timeoutMs: 5000, intervalMs: 200, log }), (error: Error) => {
            assert.match(error.message, /cannot delete Pods declare no controller \(use --force to override\): default\/bare\./);
            assert.doesNotMatch(error.message, /managed/);
            return true;
        });
        assert.equal(await deletionTimestamp("managed"), undefined);
        assert.equal(await deletionTimestamp("bare"), undefined);
        assert.equal(await unschedulable("w-bare"), true);
    });

    it("deleteNode deletes the Node; a node already gone is fine", async () => {
        await createNode("w-delete");
        const lines: string[] = [];
        await deleteNode({ kubeconfig, node: "w-delete", log: (line) => lines.push(line) });
        assert.equal((await api("GET", "/api/v1/nodes/w-delete")).status, 404);
        await deleteNode({ kubeconfig, node: "w-delete", log: (line) => lines.push(line) });
        assert.deepEqual(lines, ["drain: node w-delete deleted", "drain: node w-delete already deleted"]);
    });

    it("keeps credentials out of errors", async () => {
        const token = server!.token;
        const wrong = kubeconfig.replace(token, "f".repeat(token.length));
        await assert.rejects(drainNode({ kubeconfig: wrong, node: "w-full", timeoutMs: 2000, log }), (error: Error) => {
            assert.match(error.message, /reading node w-full: HTTP 401/);
            assert.ok(!error.message.includes("f".repeat(16)));
            return true;
        });
        // A YAML fault: js-yaml would quote the lines around it, token among them.
        const broken = kubeconfig.replace("users:", "users: [").replace(token, `${token}: : :`);
        await assert.rejects(deleteNode({ kubeconfig: broken, node: "w-full", log }), (error: Error) => {
            assert.match(error.message, /not valid YAML/);
            assert.ok(!error.message.includes(token));
            return true;
        });
    });
});
