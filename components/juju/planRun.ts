// Runs a planned change (planDeployment.ts) step by step, with the waits between the steps, and
// records each operation it ran: the list preview showed is what up runs (issue 21). Where a real run
// must deviate (a unit an interrupted run already upgraded shows no gate), it says so.
import { runJuju } from "./cli";
import { SNAP_UPGRADED, UPGRADE_GATE, showsUpgradeGate } from "./dayTwo";
import { takeEtcdSnapshot } from "./etcdSnapshot";
import { JujuCall, Operation, describeOperation, jujuArgv } from "./operations";
import { LiveModel, PlannedStep, Wait } from "./planDeployment";
import type { DeploymentInputs } from "./providers/deployment";
import { JujuTarget, getKubeconfig, jujuOptions, jujuStatus, liveOption } from "./providers/common";
import { removeGracefully } from "./removal";
import { SettlePolicy } from "./settle";
import { JujuStatus, controlPlaneApplication } from "./status";
import { agentSince, upgradeAction, waitForConfigHooks } from "./upgrade";

/** How long a drain may take before the change fails (PodDisruptionBudgets may hold it). */
const DRAIN_TIMEOUT_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What a plan reads of the model: one `juju status`; for a channel change also the channel options
 * an upgrade skips when already set (etcd's and the snap-upgraded applications').
 */
export async function readLiveModel(target: JujuTarget, channelChange: boolean): Promise<LiveModel> {
    const status = await jujuStatus(target);
    const channelOptions: Record<string, string> = {};
    if (channelChange) {
        const controlPlane = controlPlaneApplication(status) ?? "kubernetes-control-plane";
        const apps = ["etcd", ...SNAP_UPGRADED.map((app) => (app === "kubernetes-control-plane" ? controlPlane : app))];
        const present = apps.filter((name) => status.applications?.[name]);
        const values = await Promise.all(present.map((app) => liveOption(target, app, "channel")));
        present.forEach((app, i) => (channelOptions[app] = values[i]));
    }
    return { status, channelOptions };
}

/** The Node steps through the Kubernetes API (kube/drain.ts), with one kubeconfig fetched when first needed. */
export function nodeSteps(news: DeploymentInputs, controlPlaneApp: string, log: (line: string) => void) {
    let kubeconfig: Promise<string> | undefined;
    const config = () => (kubeconfig ??= getKubeconfig(news, controlPlaneApp));
    const drain = () => import("../kube/drain");
    return {
        cordon: async (node: string) =>
            (await drain()).cordonNode({ kubeconfig: await config(), node, why: `upgrade to ${news.channel}`, log }),
        drain: async (node: string): Promise<void> => {
            await (await drain()).drainNode({ kubeconfig: await config(), node, timeoutMs: DRAIN_TIMEOUT_MS, log });
        },
        uncordon: async (node: string) => (await drain()).uncordonNode({ kubeconfig: await config(), node, log }),
        deleteNode: async (node: string) => (await drain()).deleteNode({ kubeconfig: await config(), node, log }),
        waitReady: async (node: string) =>
            (await drain()).waitNodeReady({ kubeconfig: await config(), node, timeoutMs: news.timeoutMinutes * 60_000, log }),
    };
}

export interface RunContext {
    readonly controlPlaneApp: string;
    /** Waits until the model settles, blocked units with `acceptBlocked` messages allowed. */
    readonly waitSettled: (acceptBlocked: (message: string) => boolean) => Promise<unknown>;
    readonly say: (line: string) => void;
    readonly nodes: ReturnType<typeof nodeSteps>;
}

/** Waits until the unit of `app` on `machine` is active and idle (a balancer's new unit, before the old one goes). */
async function waitUnitActive(target: JujuTarget & Pick<SettlePolicy, "timeoutMinutes" | "pollSeconds">, app: string, machine: string) {
    const deadline = Date.now() + target.timeoutMinutes * 60_000;
    for (;;) {
        const status: JujuStatus = await jujuStatus(target);
        const unit = Object.values(status.applications?.[app]?.units ?? {}).find((u) => u.machine === machine);
        if (unit?.["workload-status"]?.current === "active" && unit["juju-status"]?.current === "idle") return;
        if (Date.now() > deadline) {
            throw new Error(`the new ${app} unit on machine ${machine} did not become active within ${target.timeoutMinutes} min`);
        }
        await sleep(target.pollSeconds * 1000);
    }
}

/** Units showing the upgrade gate count as settled between the steps of an upgrade. */
const acceptGate = (message: string) => message === UPGRADE_GATE;

/** Runs one Juju call: the upgrade action, a graceful removal and a refresh each their own way, the rest as they are written. */
async function runJujuCall(news: DeploymentInputs, call: JujuCall, context: RunContext): Promise<void> {
    if (call.command === "run" && call.positional[1] === "upgrade") return upgradeAction(news, call.positional[0]);
    if (call.command === "remove-unit") {
        // Without --force, waited for; forced only after the grace (removal.ts), which it says.
        await removeGracefully(news, {
            kind: "unit",
            names: call.positional,
            graceMs: news.removeGraceMinutes * 60_000,
            pollMs: news.pollSeconds * 1000,
            say: context.say,
        });
        return;
    }
    const timeoutMs = ["refresh", "add-unit"].includes(call.command) ? 30 * 60_000 : undefined;
    await runJuju({ ...jujuOptions(news), timeoutMs }, jujuArgv(call, news.modelRef));
}

/** Runs one operation; returns the etcd snapshot's local path when it took one. */
async function runOperation(news: DeploymentInputs, operation: Operation, context: RunContext): Promise<string | undefined> {
    switch (operation.kind) {
        case "juju":
            await runJujuCall(news, operation, context);
            return undefined;
        case "etcd-snapshot":
            return takeEtcdSnapshot(news, context.say);
        case "cordon":
            return void (await context.nodes.cordon(operation.node));
        case "drain":
            return void (await context.nodes.drain(operation.node));
        case "uncordon":
            return void (await context.nodes.uncordon(operation.node));
        case "delete-node":
            return void (await context.nodes.deleteNode(operation.node));
    }
}

/**
 * Runs `steps` in order, each followed by its waits; returns the operations it ran, in
 * describeOperation's words, and the etcd snapshot's path when one was taken. A unit's upgrade
 * steps are skipped, saying so, when the unit shows no upgrade gate when its turn comes.
 */
export async function runPlan(
    news: DeploymentInputs,
    steps: readonly PlannedStep[],
    context: RunContext,
): Promise<{ ran: string[]; etcdSnapshot?: string }> {
    const ran: string[] = [];
    const skipping = new Map<string, boolean>();
    let etcdSnapshot: string | undefined;
    for (const [index, step] of steps.entries()) {
        const line = describeOperation(step.operation);
        if (step.upgradeOf !== undefined) {
            let skip = skipping.get(step.upgradeOf);
            if (skip === undefined) {
                const [app] = step.upgradeOf.split("/");
                skip = !showsUpgradeGate((await jujuStatus(news)).applications?.[app]?.units?.[step.upgradeOf]);
                skipping.set(step.upgradeOf, skip);
                if (skip)
                    context.say(
                        `${step.upgradeOf} shows no upgrade gate (its snaps already run ${news.channel}): its upgrade steps are skipped`,
                    );
            }
            if (skip) {
                context.say(`step ${index + 1}/${steps.length} skipped: ${line}`);
                continue;
            }
        }
        // What the step requires first; then what its config-changed hooks are told apart from.
        for (const wait of step.requires ?? []) await waitFor(news, wait, step.operation, undefined, context);
        const hooks = step.then?.find((wait) => wait.kind === "config-hooks");
        const before = hooks ? agentSince(await jujuStatus(news), hooks.app) : undefined;
        context.say(`step ${index + 1}/${steps.length}: ${line}`);
        etcdSnapshot = (await runOperation(news, step.operation, context)) ?? etcdSnapshot;
        ran.push(line);
        for (const wait of step.then ?? []) await waitFor(news, wait, step.operation, before, context);
    }
    return { ran, etcdSnapshot };
}

/** Waits for what a step requires before its operation, or for what follows it. */
async function waitFor(
    news: DeploymentInputs,
    wait: Wait,
    operation: Operation,
    before: Map<string, string> | undefined,
    context: RunContext,
): Promise<void> {
    switch (wait.kind) {
        case "settled":
            await context.waitSettled(wait.gate ? acceptGate : () => false);
            return;
        case "config-hooks": {
            const setting = operation.kind === "juju" ? operation.positional.slice(1).join(" ") : "";
            await waitForConfigHooks(news, wait.app, setting, before ?? new Map(), wait.gateExpected);
            return;
        }
        case "node-ready":
            await context.nodes.waitReady(wait.node);
            return;
        case "unit-active":
            await waitUnitActive(news, wait.app, wait.machine);
            return;
    }
}
