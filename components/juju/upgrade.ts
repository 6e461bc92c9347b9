// A channel upgrade of a live cluster, guarded as Canonical documents it (reference/charms/upgrade.md,
// from kubernetes-docs pages/k8s/1.35/upgrading.md): a healthy cluster first, an etcd snapshot, then
// each application in the documented order, the control plane and the workers unit by unit. Which
// steps run is planned in planDeployment.ts (preview lists them); the waits between them are here.
import { UPGRADE_GATE, showsUpgradeGate } from "./dayTwo";
import type { DeploymentInputs } from "./providers/deployment";
import { jujuStatus, progress, runAction } from "./providers/common";
import { JujuStatus, UnitView, describeUnit, flattenUnits } from "./status";

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
function upgradeBlockers(status: JujuStatus): UnitView[] {
    return flattenUnits(status).filter(
        (unit) => unit.workload === "error" || unit.agent === "error" || (unit.workload === "blocked" && unit.message !== UPGRADE_GATE),
    );
}

/** Each principal unit's agent status `since`: it changes when the agent runs a hook and goes idle again. */
export function agentSince(status: JujuStatus, app: string): Map<string, string> {
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
export async function waitForConfigHooks(
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
            if (gateExpected && showsUpgradeGate(unit)) {
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

/** The `upgrade` action on one unit; anything but "completed" fails the upgrade, naming the unit and the charm's message. */
export async function upgradeAction(news: DeploymentInputs, unit: string): Promise<void> {
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
 * Refuses to start an upgrade while any unit is in error or blocked (other than by the upgrade gate
 * of an interrupted upgrade), naming each: Canonical's upgrade starts from a healthy cluster.
 */
export function refuseUnhealthy(status: JujuStatus, channel: string): void {
    const blockers = upgradeBlockers(status);
    if (blockers.length > 0) {
        throw new Error(
            `refusing to start the upgrade to ${channel}: ${blockers.map(describeUnit).join("; ")}. Canonical's upgrade starts from a healthy cluster; fix these units (juju status, juju debug-log), then run pulumi up again`,
        );
    }
}

/**
 * After the planned steps of an upgrade: no unit of `apps` may still show the upgrade gate (its
 * action ran, or it was never asked for), and a worker's Node an interrupted run left cordoned
 * after its unit's upgrade is uncordoned (uncordon only undoes what ck-dualstack cordoned).
 */
export async function finishUpgrade(
    news: DeploymentInputs,
    apps: readonly string[],
    uncordon: (node: string) => Promise<void>,
): Promise<void> {
    const status = await jujuStatus(news);
    const left = apps.flatMap((app) =>
        Object.entries(status.applications?.[app]?.units ?? {})
            .filter(([, unit]) => showsUpgradeGate(unit))
            .map(([name]) => name),
    );
    if (left.length > 0) {
        throw new Error(
            `${left.sort(byNumber).join(", ")} still show the upgrade gate after the planned steps ran (their gate came late); run pulumi up again, which upgrades them`,
        );
    }
    const workers = status.applications?.["kubernetes-worker"]?.units ?? {};
    for (const unit of Object.keys(workers).sort(byNumber)) {
        const machine = workers[unit].machine;
        const node = machine ? status.machines?.[machine]?.hostname?.toLowerCase() : undefined;
        if (node) await uncordon(node);
    }
    say(news, `done: every unit runs ${news.channel}`);
}
