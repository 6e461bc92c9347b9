// A channel upgrade of a live cluster, guarded as Canonical documents it (reference/charms/upgrade.md,
// from kubernetes-docs pages/k8s/1.35/upgrading.md): a healthy cluster first, an etcd snapshot, then
// each application in the documented order, the control plane and the workers unit by unit.
import { runJuju } from "./cli";
import { SNAP_UPGRADED, UPGRADE_GATE, UPGRADE_ORDER } from "./dayTwo";
import { takeEtcdSnapshot } from "./etcdSnapshot";
import type { DeploymentInputs } from "./providers/deployment";
import { getKubeconfig, jujuOptions, jujuStatus, liveOption, progress, runAction } from "./providers/common";
import { JujuStatus, UnitStatus, UnitView, describeUnit, flattenUnits } from "./status";

const say = (inputs: DeploymentInputs, line: string) => progress(`deployment ${inputs.modelRef}`, `upgrading: ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const byNumber = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

/**
 * etcd's `channel` in each charmed-kubernetes release's bundle (charmed-kubernetes/bundle @da6e9af,
 * releases/<release>/bundle.yaml, applications.etcd.options.channel): 3.4/stable from 1.28 to 1.35.
 * Canonical's upgrade page sets it after refreshing etcd ("the etcd channel named in that release's
 * bundle", upgrade.md §1 step 2). Releases after 1.35 had no bundle there yet.
 */
export const ETCD_CHANNELS: Readonly<Record<string, string>> = {
    "1.28": "3.4/stable",
    "1.29": "3.4/stable",
    "1.30": "3.4/stable",
    "1.31": "3.4/stable",
    "1.32": "3.4/stable",
    "1.33": "3.4/stable",
    "1.34": "3.4/stable",
    "1.35": "3.4/stable",
};

/** The etcd channel the bundle of `channel`'s release sets, or undefined when ck-dualstack does not know it. */
export function etcdChannelFor(channel: string): string | undefined {
    const release = /^(\d+\.\d+)\//.exec(channel)?.[1];
    return release ? ETCD_CHANNELS[release] : undefined;
}

/** Units an upgrade must not start over: in error, or blocked for any reason but the upgrade gate (an interrupted upgrade). */
export function upgradeBlockers(status: JujuStatus): UnitView[] {
    return flattenUnits(status).filter(
        (unit) => unit.workload === "error" || unit.agent === "error" || (unit.workload === "blocked" && unit.message !== UPGRADE_GATE),
    );
}

const gated = (unit: UnitStatus | undefined) =>
    unit?.["workload-status"]?.current === "blocked" && unit["workload-status"].message === UPGRADE_GATE;

/** Each principal unit's agent status `since`: it changes when the agent runs a hook and goes idle again. */
function agentSince(status: JujuStatus, app: string): Map<string, string> {
    const units = status.applications?.[app]?.units ?? {};
    return new Map(Object.entries(units).map(([name, unit]) => [name, unit["juju-status"]?.since ?? ""]));
}

/**
 * After `juju config <app> channel=...`: waits until every unit of the application ran its
 * config-changed hook. `juju config` returns before the hooks run, and a unit keeps showing its
 * previous status (normally active "Ready") until its own hook ends (research-charms §5: the gate is
 * set at the end of the reconcile, nothing before it): so a unit counts as done when it shows the
 * upgrade gate, or when its agent ran a hook since `before` (its juju-status `since` moved) and is
 * idle again without the gate (its snaps already run the channel). Fails after the settle timeout,
 * naming the units still waiting.
 */
async function waitForConfigHooks(
    news: DeploymentInputs,
    app: string,
    setting: string,
    before: Map<string, string>,
    gateExpected: boolean,
): Promise<void> {
    const deadline = Date.now() + news.timeoutMinutes * 60_000;
    const reported = new Set<string>();
    for (;;) {
        const units = (await jujuStatus(news)).applications?.[app]?.units ?? {};
        const waiting: string[] = [];
        for (const name of Object.keys(units).sort(byNumber)) {
            const unit = units[name];
            const workload = unit["workload-status"];
            const agent = unit["juju-status"];
            const ranHook = agent?.current === "idle" && agent.since !== before.get(name) && workload?.current !== "maintenance";
            if (gateExpected && gated(unit)) {
                if (!reported.has(name)) say(news, `${name} shows the upgrade gate (blocked: ${UPGRADE_GATE})`);
            } else if (ranHook && workload?.current === "blocked") {
                // e.g. "Not all snaps are available on channel=..." (charm-lib-kubernetes-snaps, SNAPS:664-672).
                throw new Error(
                    `after juju config ${app} ${setting}, ${name} is blocked: ${workload.message ?? "no message"}; the upgrade stops here (set the channel back, or fix what the unit says)`,
                );
            } else if (ranHook && workload?.current !== "error") {
                if (!reported.has(name))
                    say(
                        news,
                        `${name} ran config-changed (${workload?.current ?? "?"}: ${workload?.message ?? ""})${gateExpected ? "; no upgrade gate: its snaps already run the channel" : ""}`,
                    );
            } else {
                waiting.push(
                    `${name} (${workload?.current ?? "?"}: ${workload?.message ?? ""}; agent ${agent?.current ?? "?"} since ${agent?.since ?? "?"})`,
                );
                continue;
            }
            reported.add(name);
        }
        if (waiting.length === 0) return;
        if (Date.now() > deadline) {
            throw new Error(
                `after juju config ${app} ${setting}, these units did not run their config-changed hook within ${news.timeoutMinutes} min: ${waiting.join(", ")}`,
            );
        }
        await sleep(news.pollSeconds * 1000);
    }
}

/** What the upgrade of the Kubernetes nodes does through the Kubernetes API (kube/drain.ts), with one kubeconfig. */
function nodeOperations(news: DeploymentInputs, controlPlaneApp: string) {
    let kubeconfig: Promise<string> | undefined;
    const config = () => (kubeconfig ??= getKubeconfig(news, controlPlaneApp));
    const log = (line: string) => say(news, line);
    const drain = () => import("../kube/drain");
    return {
        cordon: async (node: string) =>
            (await drain()).cordonNode({ kubeconfig: await config(), node, why: `upgrade to ${news.channel}`, log }),
        drain: async (node: string) => (await drain()).drainNode({ kubeconfig: await config(), node, timeoutMs: DRAIN_TIMEOUT_MS, log }),
        waitReady: async (node: string) =>
            (await drain()).waitNodeReady({ kubeconfig: await config(), node, timeoutMs: news.timeoutMinutes * 60_000, log }),
        uncordon: async (node: string) => (await drain()).uncordonNode({ kubeconfig: await config(), node, log }),
    };
}

/** How long a worker's drain may take before the upgrade fails (PodDisruptionBudgets may hold it). */
const DRAIN_TIMEOUT_MS = 10 * 60_000;

/** The `upgrade` action on one unit; anything but "completed" fails the upgrade, naming the unit and the charm's message. */
async function upgradeAction(news: DeploymentInputs, unit: string): Promise<void> {
    say(news, `juju run ${unit} upgrade`);
    let task;
    try {
        task = await runAction(news, unit, "upgrade", { waitMinutes: 10 });
    } catch (error) {
        throw new Error(
            `the upgrade action on ${unit} failed: ${(error as Error).message}; the unit stays blocked until it completes (juju show-task)`,
        );
    }
    // A charm's event.fail exits 0 (cmd/juju/action/common.go): the status says whether the unit was upgraded.
    if (task.status !== "completed") {
        const why = `${task.status}${task.message ? `: ${task.message.slice(0, 300)}` : ""}`;
        throw new Error(`the upgrade action on ${unit} did not complete (${why}); the unit stays blocked until it does`);
    }
    say(news, `${unit}: ${String(task.results.result ?? "upgraded")}`);
}

/**
 * The `channel` option and the `upgrade` action of the control plane or the workers (upgrade.md §1
 * steps 6 and 7, §3 in place): set the option, wait for each unit's gate, then one unit at a time the
 * action, and for a worker first cordon and drain its Node (the 1.35 worker charm has neither `pause`
 * nor a drain of its own: kubernetes-docs#889), after it wait for the Node to be Ready, then uncordon.
 */
async function upgradeUnits(
    news: DeploymentInputs,
    app: string,
    worker: boolean,
    waitSettled: (acceptBlocked: (message: string) => boolean) => Promise<unknown>,
    nodes: ReturnType<typeof nodeOperations>,
): Promise<void> {
    const gate = (message: string) => message === UPGRADE_GATE;
    const drain = worker && news.upgradeDrain !== false;
    if ((await liveOption(news, app, "channel")) !== news.channel) {
        const before = agentSince(await jujuStatus(news), app);
        say(news, `juju config ${app} channel=${news.channel} (each unit shows the upgrade gate once its config-changed hook ran)`);
        await runJuju(jujuOptions(news), ["config", "-m", news.modelRef, "--", app, `channel=${news.channel}`]);
        await waitForConfigHooks(news, app, `channel=${news.channel}`, before, true);
    }
    const nodeOf = (status: JujuStatus, unit: string) => {
        const machine = status.applications?.[app]?.units?.[unit]?.machine;
        // The charm registers its node under the machine's lower-cased host name (get_node_name()).
        return machine ? status.machines?.[machine]?.hostname?.toLowerCase() : undefined;
    };
    // A unit whose gate shows only after it was looked at is taken in a further pass.
    for (let pass = 1; ; pass++) {
        const status = await jujuStatus(news);
        const todo = Object.keys(status.applications?.[app]?.units ?? {})
            .sort(byNumber)
            .filter((unit) => gated(status.applications?.[app]?.units?.[unit]));
        if (todo.length === 0) break;
        if (pass > 3) throw new Error(`${todo.join(", ")} still show the upgrade gate after their upgrade action ran; see juju show-task`);
        for (const unit of todo) {
            const node = worker ? nodeOf(status, unit) : undefined;
            if (worker && !node) say(news, `${unit}: its machine has no host name in juju status; its node is not drained`);
            if (drain && node) {
                say(news, `cordoning and draining node ${node} (${unit}) before its upgrade`);
                await nodes.cordon(node);
                await nodes.drain(node);
            }
            await upgradeAction(news, unit);
            await waitSettled(gate);
            if (node) {
                await nodes.waitReady(node);
                if (drain) await nodes.uncordon(node);
            }
        }
        await waitSettled(gate);
    }
    // An interrupted run may have left a node cordoned after its unit's upgrade: uncordonNode only
    // uncordons what ck-dualstack cordoned.
    if (worker) {
        const status = await jujuStatus(news);
        for (const unit of Object.keys(status.applications?.[app]?.units ?? {}).sort(byNumber)) {
            const node = nodeOf(status, unit);
            if (node) await nodes.uncordon(node);
        }
    }
}

/** etcd's `channel` option, set to what the target release's bundle sets (upgrade.md §1 step 2). */
async function upgradeEtcdChannel(news: DeploymentInputs, waitSettled: (acceptBlocked: (message: string) => boolean) => Promise<unknown>) {
    const current = await liveOption(news, "etcd", "channel");
    const wanted = etcdChannelFor(news.channel);
    if (!wanted) {
        say(
            news,
            `etcd: the etcd channel of ${news.channel}'s bundle is not known to ck-dualstack (ETCD_CHANNELS in components/juju/upgrade.ts); etcd's channel option stays ${current}`,
        );
        return;
    }
    if (current === wanted) return;
    const before = agentSince(await jujuStatus(news), "etcd");
    say(
        news,
        `juju config etcd channel=${wanted} (the etcd channel of ${news.channel.split("/")[0]}'s bundle; the etcd snap is refreshed in config-changed)`,
    );
    await runJuju(jujuOptions(news), ["config", "-m", news.modelRef, "--", "etcd", `channel=${wanted}`]);
    await waitForConfigHooks(news, "etcd", `channel=${wanted}`, before, false);
    await waitSettled(() => false);
}

/**
 * A channel upgrade as Canonical documents it (upgrade.md §1), called from DeploymentProvider.update:
 * 1. refused while any unit is in error or blocked (other than by the upgrade gate of an interrupted
 *    upgrade), naming each;
 * 2. an etcd snapshot on the leader, copied to this machine (its local path is returned);
 * 3. in Canonical's order, `juju refresh --channel` of each application not on the channel yet,
 *    each waited on; etcd's `channel` option to the release bundle's value; for the control plane and
 *    then the workers their `channel` option, each unit's gate, and the `upgrade` action one unit at a
 *    time, workers cordoned and drained before and uncordoned once their Node is Ready again
 *    (`upgradeDrain: false` upgrades them in place).
 * Steps already done (an interrupted run) are skipped, so a re-run converges; the snapshot is taken
 * again on every run, before anything else.
 */
export async function upgradeChannel(
    news: DeploymentInputs,
    controlPlaneApp: string,
    waitSettled: (acceptBlocked: (message: string) => boolean) => Promise<unknown>,
): Promise<{ etcdSnapshot?: string }> {
    const juju = jujuOptions(news);
    const gate = (message: string) => message === UPGRADE_GATE;
    const blockers = upgradeBlockers(await jujuStatus(news));
    if (blockers.length > 0) {
        throw new Error(
            `refusing to start the upgrade to ${news.channel}: ${blockers.map(describeUnit).join("; ")}. Canonical's upgrade starts from a healthy cluster; fix these units (juju status, juju debug-log), then run pulumi up again`,
        );
    }
    const status = await jujuStatus(news);
    let etcdSnapshot: string | undefined;
    if (status.applications?.etcd) etcdSnapshot = await takeEtcdSnapshot(news, (line) => say(news, line));
    else say(news, "no etcd application in the model: no etcd snapshot");
    const nodes = nodeOperations(news, controlPlaneApp);
    for (const step of UPGRADE_ORDER) {
        const app = step === "kubernetes-control-plane" ? controlPlaneApp : step;
        const live = (await jujuStatus(news)).applications?.[app];
        if (!live) continue;
        if (live["charm-channel"] !== news.channel) {
            say(news, `juju refresh ${app} --channel ${news.channel}`);
            await runJuju({ ...juju, timeoutMs: 30 * 60_000 }, ["refresh", "-m", news.modelRef, "--channel", news.channel, "--", app]);
            await waitSettled(gate);
        }
        if (step === "etcd") await upgradeEtcdChannel(news, waitSettled);
        if ((SNAP_UPGRADED as readonly string[]).includes(step)) {
            await upgradeUnits(news, app, step === "kubernetes-worker", waitSettled, nodes);
        }
    }
    return { etcdSnapshot };
}
