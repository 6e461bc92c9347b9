/**
 * Drains a worker node through the Kubernetes API the way `kubectl drain --ignore-daemonsets
 * --delete-emptydir-data` (without --force) does, for scale-in: the 1.35 kubernetes-worker charm has
 * no `pause` action (issue 14, kubernetes-docs#889).
 *
 * Sources followed (kubernetes/kubectl):
 * - pkg/drain/drain.go: GetPodsForDeletion lists pods by `spec.nodeName` in chunks of 500 and runs
 *   each through the filters, refusing the whole drain if any filter errs; evictPods POSTs a
 *   policy/v1 Eviction per pod, treats 404 as done, retries 429 after EvictErrorRetryDelay until the
 *   global timeout, fails on anything else; waitForDelete counts a pod gone when the GET answers 404
 *   or a different UID.
 * - pkg/drain/filters.go: the filter order and messages (daemonSetFilter, mirrorPodFilter,
 *   localStorageFilter, unreplicatedFilter).
 * - pkg/drain/cordon.go: cordon is a strategic merge patch of `spec.unschedulable`, skipped when the
 *   node already has the wanted value.
 * - Kubernetes docs, "API-initiated Eviction": POST .../pods/<name>/eviction; 429 Too Many Requests
 *   means a PodDisruptionBudget does not allow it now; the eviction honours the pod's
 *   terminationGracePeriodSeconds.
 * - kubernetes/kubernetes pkg/registry/core/pod/storage/eviction.go: budgets are not consulted for
 *   Pending, Succeeded, Failed or already terminating pods (canIgnorePDB).
 */
import { Connection, apiError, apiMessage, connectionFrom, request } from "./api";

export { apiMessage };

/** The fields of a Pod that drain reads. */
export interface DrainPod {
    metadata: {
        name: string;
        namespace: string;
        uid?: string;
        annotations?: Record<string, string>;
        ownerReferences?: { kind: string; name: string; controller?: boolean }[];
        deletionTimestamp?: string;
        deletionGracePeriodSeconds?: number;
    };
    spec?: { volumes?: { emptyDir?: unknown }[] };
    status?: { phase?: string };
}

/** What the filters decided for a node's pods (kubectl's PodDeleteList). */
export interface DrainPlan {
    /** Pods to evict. */
    evict: DrainPod[];
    /** Pods left alone, with why (DaemonSet-managed, mirror). */
    ignored: { pod: string; reason: string }[];
    /** Pods evicted with a warning (local storage is lost). */
    warnings: { pod: string; message: string }[];
    /** Pods that make kubectl refuse the whole drain, with why. */
    errors: { pod: string; message: string }[];
}

/** What drainNode did. */
export interface DrainResult {
    /** False when the node does not exist (nothing was drained). */
    found: boolean;
    /** `namespace/name` of each pod evicted and gone (or found gone already). */
    evicted: string[];
    /** `namespace/name` of each pod left on the node (DaemonSet-managed, mirror). */
    ignored?: string[];
}

// filters.go's messages, so operators recognise kubectl's wording.
const daemonSetWarning = "ignoring DaemonSet-managed Pods";
const localStorageWarning = "deleting Pods with local storage";
const unmanagedFatal = "Pods declare no controller (use --force to override)";
const mirrorAnnotation = "kubernetes.io/config.mirror";

/** `namespace/name`, as kubectl names pods in its messages. */
export function podKey(pod: DrainPod): string {
    return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

/** Succeeded or Failed: filters.go lets such pods go whatever else holds. */
function isTerminal(pod: DrainPod): boolean {
    return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

/** The owner with `controller: true` (metav1.GetControllerOf). */
function controllerOf(pod: DrainPod): { kind: string; name: string } | undefined {
    return pod.metadata.ownerReferences?.find((owner) => owner.controller === true);
}

/** kubectl drain's filters with --ignore-daemonsets --delete-emptydir-data, without --force. */
export function filterPodsForDrain(pods: readonly DrainPod[], daemonSetExists: (namespace: string, name: string) => boolean): DrainPlan {
    // filters.go's order, stopping at the first filter that keeps a pod (skipDeletedFilter is off by
    // default). `daemonSetExists` answers for the DaemonSet a pod names: kubectl GETs it, and an
    // orphan refuses the drain without --force.
    const plan: DrainPlan = { evict: [], ignored: [], warnings: [], errors: [] };
    for (const pod of pods) {
        const key = podKey(pod);
        const controller = controllerOf(pod);
        // daemonSetFilter: only a controller of kind DaemonSet counts; a finished pod can go.
        if (controller?.kind === "DaemonSet" && !isTerminal(pod)) {
            if (!daemonSetExists(pod.metadata.namespace, controller.name)) {
                plan.errors.push({ pod: key, message: `daemonsets.apps "${controller.name}" not found` });
            } else {
                plan.ignored.push({ pod: key, reason: daemonSetWarning });
            }
            continue;
        }
        // mirrorPodFilter: static pods' mirrors cannot be deleted through the API server.
        if (pod.metadata.annotations && mirrorAnnotation in pod.metadata.annotations) {
            plan.ignored.push({ pod: key, reason: "mirror pod (static pod of the kubelet)" });
            continue;
        }
        // localStorageFilter: emptyDir data is lost; --delete-emptydir-data accepts that. A finished pod
        // is evicted like any other: kubectl does not special-case it beyond the filters, and the
        // Eviction API deletes Succeeded/Failed pods without consulting budgets (kubernetes/kubernetes
        // pkg/registry/core/pod/storage/eviction.go, canIgnorePDB).
        const localStorage = !isTerminal(pod) && (pod.spec?.volumes ?? []).some((volume) => volume.emptyDir !== undefined);
        // unreplicatedFilter: nothing would recreate the pod; without --force the drain is refused.
        if (!isTerminal(pod) && controller === undefined) {
            plan.errors.push({ pod: key, message: unmanagedFatal });
            continue;
        }
        if (localStorage) plan.warnings.push({ pod: key, message: localStorageWarning });
        plan.evict.push(pod);
    }
    return plan;
}

/** drain.go's `cannot delete <reason>: <pods>`, one clause per reason. */
function describeErrors(errors: DrainPlan["errors"]): string {
    const byMessage = new Map<string, string[]>();
    for (const { pod, message } of errors) byMessage.set(message, [...(byMessage.get(message) ?? []), pod]);
    return [...byMessage].map(([message, pods]) => `cannot delete ${message}: ${pods.join(", ")}`).join("; ");
}

const pathPart = encodeURIComponent;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every pod bound to the node, in chunks of 500 as kubectl lists them. */
async function listPods(connection: Connection, node: string): Promise<DrainPod[]> {
    const pods: DrainPod[] = [];
    let continueToken = "";
    do {
        const query = new URLSearchParams({ fieldSelector: `spec.nodeName=${node}`, limit: "500" });
        if (continueToken) query.set("continue", continueToken);
        const response = await request(connection, "GET", `/api/v1/pods?${query.toString()}`);
        if (response.status !== 200) throw apiError(connection, `listing the pods on node ${node}`, response);
        pods.push(...((response.body.items as DrainPod[] | undefined) ?? []));
        continueToken = (response.body.metadata as { continue?: string } | undefined)?.continue ?? "";
    } while (continueToken);
    return pods;
}

/** Why a pod still on the node is there, for the timeout error. */
function describeRemaining(pod: DrainPod | undefined, blocked: string | undefined): string {
    if (blocked !== undefined) return `eviction refused by a PodDisruptionBudget (HTTP 429${blocked ? `: ${blocked}` : ""})`;
    if (pod === undefined) return "not evicted yet";
    if (pod.metadata.deletionTimestamp) {
        const grace = pod.metadata.deletionGracePeriodSeconds;
        return `still terminating (deletion due ${pod.metadata.deletionTimestamp}${grace !== undefined ? `, grace period ${grace}s` : ""})`;
    }
    return "evicted but still present";
}

/** What a wait on one Node takes: the cluster, the node, the bound, where progress goes and how often it polls. */
interface NodeWaitOptions {
    kubeconfig: string;
    node: string;
    timeoutMs: number;
    log: (line: string) => void;
    intervalMs?: number;
}

/** Cordons the node, evicts its pods as `kubectl drain --ignore-daemonsets --delete-emptydir-data` does, and waits until they are gone. */
export async function drainNode(options: NodeWaitOptions): Promise<DrainResult> {
    // A node that does not exist has nothing to drain. The whole drain is bounded by timeoutMs
    // (kubectl's global --timeout); the node stays cordoned when it fails, as with kubectl.
    const { node, log } = options;
    const deadline = Date.now() + options.timeoutMs;
    // kubectl retries a refused eviction every EvictErrorRetryDelay (5 s) and polls deletion every second.
    const retryMs = options.intervalMs ?? 5000;
    const pollMs = Math.min(retryMs, 1000);
    const connection = connectionFrom(options.kubeconfig, "drain");
    const nodePath = `/api/v1/nodes/${pathPart(node)}`;

    const current = await request(connection, "GET", nodePath);
    if (current.status === 404) {
        log(`drain: node ${node} does not exist; nothing to drain`);
        return { found: false, evicted: [] };
    }
    if (current.status !== 200) throw apiError(connection, `reading node ${node}`, current);
    if ((current.body.spec as { unschedulable?: boolean } | undefined)?.unschedulable === true) {
        log(`drain: node ${node} already cordoned`);
    } else {
        // cordon.go: a strategic merge patch of spec.unschedulable only.
        const patched = await request(
            connection,
            "PATCH",
            nodePath,
            { spec: { unschedulable: true } },
            "application/strategic-merge-patch+json",
        );
        if (patched.status === 404) {
            log(`drain: node ${node} does not exist; nothing to drain`);
            return { found: false, evicted: [] };
        }
        if (patched.status !== 200) throw apiError(connection, `cordoning node ${node}`, patched);
        log(`drain: node ${node} cordoned`);
    }

    const pods = await listPods(connection, node);
    const daemonSets = new Map<string, boolean>();
    for (const pod of pods) {
        const controller = controllerOf(pod);
        if (controller?.kind !== "DaemonSet" || isTerminal(pod)) continue;
        const key = `${pod.metadata.namespace}/${controller.name}`;
        if (daemonSets.has(key)) continue;
        const found = await request(
            connection,
            "GET",
            `/apis/apps/v1/namespaces/${pathPart(pod.metadata.namespace)}/daemonsets/${pathPart(controller.name)}`,
        );
        if (found.status !== 200 && found.status !== 404)
            throw apiError(connection, `reading DaemonSet ${key} of pod ${podKey(pod)}`, found);
        daemonSets.set(key, found.status === 200);
    }
    const plan = filterPodsForDrain(pods, (namespace, name) => daemonSets.get(`${namespace}/${name}`) === true);
    if (plan.errors.length > 0) {
        // drain.go returns GetPodsForDeletion's errors before evicting anything.
        throw new Error(
            `drain: node ${node} not drained, as kubectl drain without --force refuses: ${describeErrors(plan.errors)}. ` +
                "Nothing was evicted; the node stays cordoned. Give these pods a controller or delete them, then retry.",
        );
    }
    if (plan.ignored.length > 0) log(`drain: leaving ${plan.ignored.map((entry) => `${entry.pod} (${entry.reason})`).join(", ")}`);
    if (plan.warnings.length > 0) log(`drain: ${localStorageWarning}: ${plan.warnings.map((entry) => entry.pod).join(", ")}`);
    log(`drain: evicting ${plan.evict.length} pod(s) from node ${node}`);

    // Each pod: waiting to be evicted (with the last refusal), or evicted and waited for.
    const toEvict = new Map(plan.evict.map((pod) => [podKey(pod), pod]));
    const blocked = new Map<string, string>();
    const nextAttempt = new Map<string, number>();
    const terminating = new Map<string, DrainPod>();
    const evicted: string[] = [];
    const gone = (key: string) => {
        evicted.push(key);
        log(`drain: pod ${key} is gone`);
    };

    for (;;) {
        for (const [key, pod] of toEvict) {
            if ((nextAttempt.get(key) ?? 0) > Date.now()) continue;
            const podPath = `/api/v1/namespaces/${pathPart(pod.metadata.namespace)}/pods/${pathPart(pod.metadata.name)}`;
            const eviction = {
                apiVersion: "policy/v1",
                kind: "Eviction",
                metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace },
                // Unlike kubectl, bind the eviction to the listed pod: a same-named replacement elsewhere is not ours to evict.
                ...(pod.metadata.uid ? { deleteOptions: { preconditions: { uid: pod.metadata.uid } } } : {}),
            };
            const response = await request(connection, "POST", `${podPath}/eviction`, eviction);
            if (response.status >= 200 && response.status < 300) {
                toEvict.delete(key);
                blocked.delete(key);
                terminating.set(key, pod);
                log(`drain: evicted pod ${key}`);
            } else if (response.status === 404) {
                toEvict.delete(key);
                gone(key);
            } else if (response.status === 429) {
                // A PodDisruptionBudget does not allow the eviction now; retried until the timeout.
                const message = apiMessage(response.body);
                if (blocked.get(key) !== message)
                    log(`drain: eviction of pod ${key} refused (HTTP 429: ${message}); retrying every ${retryMs} ms`);
                blocked.set(key, message);
                nextAttempt.set(key, Date.now() + retryMs);
            } else if (response.status === 409) {
                // The UID precondition failed (the pod was replaced) or the pod changed under the eviction: look again.
                const fresh = await request(connection, "GET", podPath);
                if (fresh.status === 404 || (fresh.status === 200 && (fresh.body.metadata as { uid?: string }).uid !== pod.metadata.uid)) {
                    toEvict.delete(key);
                    gone(key);
                } else nextAttempt.set(key, Date.now() + pollMs);
            } else {
                throw apiError(connection, `evicting pod ${key} from node ${node}`, response);
            }
        }

        // waitForDelete: gone when the GET answers 404 or a pod with another UID.
        for (const [key, pod] of terminating) {
            const response = await request(
                connection,
                "GET",
                `/api/v1/namespaces/${pathPart(pod.metadata.namespace)}/pods/${pathPart(pod.metadata.name)}`,
            );
            if (
                response.status === 404 ||
                (response.status === 200 && (response.body.metadata as { uid?: string }).uid !== pod.metadata.uid)
            ) {
                terminating.delete(key);
                gone(key);
            } else if (response.status === 200) {
                terminating.set(key, response.body as unknown as DrainPod);
            } else throw apiError(connection, `reading pod ${key}`, response);
        }

        if (toEvict.size === 0 && terminating.size === 0) break;
        const remainingMs = deadline - Date.now();
        if (remainingMs <= 0) {
            const remaining = [
                ...[...toEvict.keys()].map((key) => `${key}: ${describeRemaining(undefined, blocked.get(key))}`),
                ...[...terminating].map(([key, pod]) => `${key}: ${describeRemaining(pod, undefined)}`),
            ];
            throw new Error(
                `drain: node ${node} not drained within ${options.timeoutMs} ms; still on it: ${remaining.join("; ")}. ` +
                    "The node stays cordoned.",
            );
        }
        await sleep(Math.min(pollMs, remainingMs));
    }
    log(`drain: node ${node} drained (${evicted.length} pod(s) evicted)`);
    return { found: true, evicted, ignored: plan.ignored.map((entry) => entry.pod) };
}

/** Deletes the Node object once its machine is gone; a node already deleted is fine. */
export async function deleteNode(options: { kubeconfig: string; node: string; log: (line: string) => void }): Promise<void> {
    const connection = connectionFrom(options.kubeconfig, "drain");
    const response = await request(connection, "DELETE", `/api/v1/nodes/${pathPart(options.node)}`);
    if (response.status === 404) {
        options.log(`drain: node ${options.node} already deleted`);
        return;
    }
    if (response.status < 200 || response.status >= 300) throw apiError(connection, `deleting node ${options.node}`, response);
    options.log(`drain: node ${options.node} deleted`);
}

/**
 * The annotation ck-dualstack puts on a node it cordons for a channel upgrade, with why: only a node
 * carrying it is uncordoned afterwards, so a node an operator cordoned stays cordoned, and a re-run of
 * an interrupted upgrade still uncordons what the earlier run cordoned.
 */
export const UPGRADE_CORDON_ANNOTATION = "ck-dualstack/cordoned-for";

type NodeDoc = {
    metadata?: { annotations?: Record<string, string> };
    spec?: { unschedulable?: boolean };
    status?: { conditions?: { type?: string; status?: string; reason?: string; message?: string }[] };
};

/**
 * Cordons a node as `kubectl cordon` does (cordon.go: a strategic merge patch of spec.unschedulable,
 * skipped when already set), noting `why` in UPGRADE_CORDON_ANNOTATION. A node already cordoned is
 * left as it is, unannotated (someone else cordoned it: uncordonNode leaves it so). Returns false when
 * the node does not exist.
 */
export async function cordonNode(options: {
    kubeconfig: string;
    node: string;
    why: string;
    log: (line: string) => void;
}): Promise<boolean> {
    const { node, log } = options;
    const connection = connectionFrom(options.kubeconfig, "cordon");
    const nodePath = `/api/v1/nodes/${pathPart(node)}`;
    const current = await request(connection, "GET", nodePath);
    if (current.status === 404) {
        log(`cordon: node ${node} does not exist`);
        return false;
    }
    if (current.status !== 200) throw apiError(connection, `reading node ${node}`, current);
    const doc = current.body as NodeDoc;
    if (doc.spec?.unschedulable === true) {
        const ours = doc.metadata?.annotations?.[UPGRADE_CORDON_ANNOTATION] !== undefined;
        log(`cordon: node ${node} already cordoned${ours ? "" : " (not by ck-dualstack: it stays cordoned afterwards)"}`);
        return true;
    }
    const patch = { metadata: { annotations: { [UPGRADE_CORDON_ANNOTATION]: options.why } }, spec: { unschedulable: true } };
    const patched = await request(connection, "PATCH", nodePath, patch, "application/strategic-merge-patch+json");
    if (patched.status !== 200) throw apiError(connection, `cordoning node ${node}`, patched);
    log(`cordon: node ${node} cordoned (${options.why})`);
    return true;
}

/**
 * Uncordons a node that cordonNode cordoned (it carries UPGRADE_CORDON_ANNOTATION), as `kubectl
 * uncordon` does, and removes the annotation; any other node is left as it is.
 */
export async function uncordonNode(options: { kubeconfig: string; node: string; log: (line: string) => void }): Promise<void> {
    const { node, log } = options;
    const connection = connectionFrom(options.kubeconfig, "uncordon");
    const nodePath = `/api/v1/nodes/${pathPart(node)}`;
    const current = await request(connection, "GET", nodePath);
    if (current.status === 404) return;
    if (current.status !== 200) throw apiError(connection, `reading node ${node}`, current);
    const doc = current.body as NodeDoc;
    if (doc.metadata?.annotations?.[UPGRADE_CORDON_ANNOTATION] === undefined) return;
    // A strategic merge patch deletes a map key set to null.
    const patch = { metadata: { annotations: { [UPGRADE_CORDON_ANNOTATION]: null } }, spec: { unschedulable: false } };
    const patched = await request(connection, "PATCH", nodePath, patch, "application/strategic-merge-patch+json");
    if (patched.status !== 200) throw apiError(connection, `uncordoning node ${node}`, patched);
    log(`uncordon: node ${node} uncordoned`);
}

/**
 * Waits until the node's Ready condition is True (the kubelet reports it; a restarted kubelet may
 * take a while, and the node may briefly be gone while it registers again). Fails after timeoutMs
 * naming the node and its Ready condition.
 */
export async function waitNodeReady(options: NodeWaitOptions): Promise<void> {
    const { node } = options;
    const connection = connectionFrom(options.kubeconfig, "node ready");
    const deadline = Date.now() + options.timeoutMs;
    let last = "not read yet";
    for (;;) {
        let response: Awaited<ReturnType<typeof request>> | undefined;
        try {
            response = await request(connection, "GET", `/api/v1/nodes/${pathPart(node)}`);
        } catch (error) {
            // The API server itself may restart with the control plane's snaps: look again.
            last = (error as Error).message;
        }
        if (response?.status === 200) {
            const ready = (response.body as NodeDoc).status?.conditions?.find((c) => c.type === "Ready");
            if (ready?.status === "True") {
                options.log(`node ${node} is Ready`);
                return;
            }
            last = ready
                ? `Ready=${ready.status ?? "?"}${ready.reason ? ` (${ready.reason}${ready.message ? `: ${ready.message}` : ""})` : ""}`
                : "no Ready condition";
        } else if (response?.status === 404) last = "the node is not registered";
        else if (response) last = `HTTP ${response.status}${apiMessage(response.body) ? ` (${apiMessage(response.body)})` : ""}`;
        if (Date.now() >= deadline)
            throw new Error(`node ${node} did not become Ready within ${Math.round(options.timeoutMs / 1000)}s: ${last}`);
        await sleep(Math.min(options.intervalMs ?? 2000, Math.max(1, deadline - Date.now())));
    }
}
