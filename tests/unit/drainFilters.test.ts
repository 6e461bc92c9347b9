import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DrainPod, apiMessage, filterPodsForDrain } from "../../components/kube/drain";

/** A pod in `default`, Running unless told otherwise. */
function pod(
    name: string,
    extra: { owner?: string; phase?: string; emptyDir?: boolean; mirror?: boolean; ownerNotController?: boolean } = {},
): DrainPod {
    const [kind, ownerName] = (extra.owner ?? "").split("/");
    return {
        metadata: {
            name,
            namespace: "default",
            annotations: extra.mirror ? { "kubernetes.io/config.mirror": "hash" } : undefined,
            ownerReferences: extra.owner ? [{ kind, name: ownerName, controller: extra.ownerNotController ? false : true }] : undefined,
        },
        spec: { volumes: extra.emptyDir ? [{ emptyDir: {} }] : [{}] },
        status: { phase: extra.phase ?? "Running" },
    };
}

const existing = (_namespace: string, name: string) => name !== "orphaned";
const names = (pods: DrainPod[]) => pods.map((p) => p.metadata.name);

// kubectl drain --ignore-daemonsets --delete-emptydir-data, without --force (kubernetes/kubectl pkg/drain/filters.go).
describe("drain's pod filters, as kubectl drain's (issue 14)", () => {
    it("evicts pods with a controller, and leaves DaemonSet-managed pods alone", () => {
        const plan = filterPodsForDrain([pod("web", { owner: "ReplicaSet/web" }), pod("agent", { owner: "DaemonSet/agent" })], existing);
        assert.deepEqual(names(plan.evict), ["web"]);
        assert.deepEqual(plan.ignored, [{ pod: "default/agent", reason: "ignoring DaemonSet-managed Pods" }]);
        assert.deepEqual(plan.errors, []);
    });

    it("refuses a pod whose DaemonSet is gone, as kubectl does without --force", () => {
        const plan = filterPodsForDrain([pod("left", { owner: "DaemonSet/orphaned" })], existing);
        assert.deepEqual(plan.errors, [{ pod: "default/left", message: 'daemonsets.apps "orphaned" not found' }]);
        assert.deepEqual(plan.evict, []);
    });

    it("leaves mirror pods alone", () => {
        const plan = filterPodsForDrain([pod("kube-proxy-w1", { owner: "Node/w1", mirror: true })], existing);
        assert.deepEqual(plan.evict, []);
        assert.deepEqual(plan.errors, []);
        assert.deepEqual(names(plan.evict), []);
        assert.deepEqual(
            plan.ignored.map((entry) => entry.pod),
            ["default/kube-proxy-w1"],
        );
    });

    it("evicts pods with emptyDir volumes, with kubectl's warning", () => {
        const plan = filterPodsForDrain([pod("cache", { owner: "StatefulSet/cache", emptyDir: true })], existing);
        assert.deepEqual(names(plan.evict), ["cache"]);
        assert.deepEqual(plan.warnings, [{ pod: "default/cache", message: "deleting Pods with local storage" }]);
    });

    it("refuses pods without a controller, naming them", () => {
        const plan = filterPodsForDrain(
            [pod("bare"), pod("adopted", { owner: "ReplicaSet/x", ownerNotController: true }), pod("web", { owner: "ReplicaSet/web" })],
            existing,
        );
        assert.deepEqual(plan.errors, [
            { pod: "default/bare", message: "Pods declare no controller (use --force to override)" },
            { pod: "default/adopted", message: "Pods declare no controller (use --force to override)" },
        ]);
        assert.deepEqual(names(plan.evict), ["web"]);
    });

    it("lets finished pods go whatever their owner, storage or DaemonSet", () => {
        const plan = filterPodsForDrain(
            [
                pod("done", { phase: "Succeeded" }),
                pod("failed", { phase: "Failed", emptyDir: true }),
                pod("ds-done", { owner: "DaemonSet/orphaned", phase: "Succeeded" }),
            ],
            existing,
        );
        assert.deepEqual(names(plan.evict), ["done", "failed", "ds-done"]);
        assert.deepEqual([plan.errors, plan.warnings, plan.ignored], [[], [], []]);
    });

    it("repeats only the API's message and its causes', capped", () => {
        const body = {
            kind: "Status",
            message: "Cannot evict pod as it would violate the pod's disruption budget.",
            details: {
                causes: [{ reason: "DisruptionBudget", message: "The disruption budget web-pdb needs 1 healthy pods and has 1 currently" }],
            },
            metadata: { selfLink: "/secret-ish" },
        };
        assert.equal(
            apiMessage(body),
            "Cannot evict pod as it would violate the pod's disruption budget. The disruption budget web-pdb needs 1 healthy pods and has 1 currently",
        );
        assert.equal(apiMessage({ message: "x".repeat(500) }).length, 301);
    });
});
