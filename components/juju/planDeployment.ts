// What a change to a deployed cluster runs, step by step (issue 21): preview lists these steps
// (DeploymentProvider.check, rendered with describeOperation) and up runs the same list, computed by
// the same function from the same kind of model reading (planRun.ts). Pure: no Juju call here.
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { NodeRole, PlacedMachineRef, SNAP_UPGRADED, UPGRADE_ORDER, showsUpgradeGate, workerChanges } from "./dayTwo";
import { balancerMove } from "./migrations";
import { JujuCall, Operation } from "./operations";
import { JujuStatus, controlPlaneApplication } from "./status";
import { etcdChannelFor } from "./upgrade";

/** What up waits for after an operation, before the next one. */
export type Wait =
    /** The model settles; `gate`: units showing the upgrade gate count as settled. */
    | { readonly kind: "settled"; readonly gate: boolean }
    /** Every unit of `app` ran the config-changed hook `juju config` queued (upgrade.ts waitForConfigHooks). */
    | { readonly kind: "config-hooks"; readonly app: string; readonly gateExpected: boolean }
    /** The Node reports Ready again. */
    | { readonly kind: "node-ready"; readonly node: string }
    /** The new unit of `app` on `machine` is active and idle. */
    | { readonly kind: "unit-active"; readonly app: string; readonly machine: string };

/** One operation of a change, with what up waits for after it. */
export interface PlannedStep {
    readonly operation: Operation;
    /**
     * Part of this unit's upgrade: when its turn comes and the unit shows no upgrade gate (an earlier,
     * interrupted run upgraded it), up skips every step of it and says so.
     */
    readonly upgradeOf?: string;
    /** What must hold before the operation runs (a unit an earlier, interrupted run added). */
    readonly requires?: readonly Wait[];
    readonly then?: readonly Wait[];
}

/** The steps, and what preview and up say besides (steps left out, and why). */
export interface DeploymentPlan {
    readonly steps: readonly PlannedStep[];
    readonly notes: readonly string[];
}

/** What the plan reads of the model: one `juju status`, and for a channel change the channel options it skips when set. */
export interface LiveModel {
    readonly status: JujuStatus;
    /** `juju config <app> channel` of etcd and the snap-upgraded applications, by application; read only for a channel change. */
    readonly channelOptions: Readonly<Record<string, string>>;
}

/** The inputs a plan is made from: the same fields in the stored state and in the new inputs. */
export interface PlanState {
    readonly channel: string;
    /** Unknown at preview while a new node's machine is not enlisted yet (the engine's sentinel). */
    readonly machines: readonly PlacedMachineRef[] | string;
    /** Absent in stacks of versions that did not record the nodes. */
    readonly nodes?: readonly NodeRole[];
    readonly loadbalancerIps: string;
    readonly workerIngress: string;
    readonly upgradeDrain?: boolean;
}

/** A value the engine does not know yet at preview (sdk/nodejs/runtime/rpc.ts unknownValue, sent as is to dynamic providers). */
export const isUnknown = (value: unknown): boolean => value === unknownValue;

/** The machines, or undefined while one is unknown (a new node's machine at preview). */
export const knownMachines = (state: Pick<PlanState, "machines">): readonly PlacedMachineRef[] | undefined =>
    Array.isArray(state.machines) && !state.machines.some((m) => isUnknown(m) || isUnknown(m.id)) ? state.machines : undefined;

const juju = (command: string, positional: string[], flags?: string[]): JujuCall => ({ kind: "juju", command, positional, flags });
const byNumber = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });
const withRole = (nodes: readonly NodeRole[] | undefined, role: string) =>
    (nodes ?? []).filter((n) => n.roles.includes(role)).map((n) => n.name);
/** How a plan names a machine not enlisted yet at preview. */
const machineOf = (node: string) => `<machine of ${node}>`;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Whether a change reaches Juju at all; when not, neither preview nor up asks Juju anything (issue 23). */
export function touchesJuju(olds: PlanState, news: PlanState): boolean {
    return (
        olds.channel !== news.channel ||
        olds.loadbalancerIps !== news.loadbalancerIps ||
        olds.workerIngress !== news.workerIngress ||
        !same(olds.machines, news.machines) ||
        (olds.nodes !== undefined && !same(olds.nodes, news.nodes))
    );
}

/** The unit of `app` on `machine`, if any. */
const unitOn = (status: JujuStatus, app: string, machine: string) =>
    Object.entries(status.applications?.[app]?.units ?? {}).find(([, unit]) => unit.machine === machine)?.[0];

/** The Node of a machine: the charms register it under the machine's lower-cased host name (get_node_name()). */
const nodeOfMachine = (status: JujuStatus, machine: string | undefined) =>
    machine === undefined ? undefined : status.machines?.[machine]?.hostname?.toLowerCase();

/**
 * The workers added and removed, as machine ids; a machine not enlisted yet at preview is named
 * after its node (`<machine of worker-3>`), found by the node names, which are known at preview. A
 * node whose machine is gone from the model (its unit was removed by hand, and Juju removed the
 * machine with it) is enlisted again as a new machine: its unit goes there.
 */
function workerMoves(olds: PlanState, news: PlanState, status: JujuStatus): { added: string[]; removed: string[] } {
    const [before, after] = [knownMachines(olds), knownMachines(news)];
    if (before && after) return workerChanges(before, after);
    const [oldNames, newNames] = [withRole(olds.nodes, "worker"), withRole(news.nodes, "worker")];
    // Nodes and machines are listed in the same order (JujuCluster), so an old node's machine is known.
    const oldMachine = (name: string) => before?.[(olds.nodes ?? []).findIndex((n) => n.name === name)]?.id;
    const gone = (name: string) => {
        const machine = oldMachine(name);
        return machine !== undefined && !status.machines?.[machine];
    };
    return {
        added: newNames.filter((name) => !oldNames.includes(name) || gone(name)).map(machineOf),
        removed: oldNames.filter((name) => !newNames.includes(name)).map((name) => oldMachine(name) ?? machineOf(name)),
    };
}

/**
 * The balancer's move onto its own machine (migrations.ts balancerMove); at preview, a new
 * load-balancer machine not enlisted yet is named after its node.
 */
function balancerMoveOf(olds: PlanState, news: PlanState): { from: string; to: string } | undefined {
    const before = knownMachines(olds);
    const after = knownMachines(news) ?? (news.nodes ?? []).map((node) => ({ id: machineOf(node.name), roles: node.roles }));
    return before ? balancerMove(before, after) : undefined;
}

/** The `juju config` calls of the balancer's addresses and the worker's ingress. */
function settingSteps(olds: PlanState, news: PlanState): PlannedStep[] {
    const steps: PlannedStep[] = [];
    if (olds.loadbalancerIps !== news.loadbalancerIps) {
        steps.push({ operation: juju("config", ["kubeapi-load-balancer", `loadbalancer-ips=${news.loadbalancerIps}`]) });
    }
    if (olds.workerIngress !== news.workerIngress) {
        // Empty: back to the charm's default.
        const ingress = news.workerIngress;
        steps.push({
            operation:
                ingress === ""
                    ? juju("config", ["kubernetes-worker"], ["--reset", "ingress"])
                    : juju("config", ["kubernetes-worker", `ingress=${ingress}`]),
        });
    }
    return steps;
}

/**
 * The `channel` option and the `upgrade` action of the control plane or the workers (upgrade.md §1
 * steps 6 and 7): the option (unless already set), then per unit its action, a worker's Node
 * cordoned and drained before it (the 1.35 worker charm has neither `pause` nor a drain of its own:
 * kubernetes-docs#889) and uncordoned after it is Ready. Units: all of them when the option is set
 * now (each will show the gate), else those that show the gate (an interrupted run).
 */
function unitUpgradeSteps(news: PlanState, live: LiveModel, app: string, worker: boolean, notes: string[]): PlannedStep[] {
    const steps: PlannedStep[] = [];
    const units = live.status.applications?.[app]?.units ?? {};
    const optionSet = live.channelOptions[app] === news.channel;
    if (!optionSet) {
        steps.push({
            operation: juju("config", [app, `channel=${news.channel}`]),
            then: [{ kind: "config-hooks", app, gateExpected: true }],
        });
    }
    for (const unit of Object.keys(units).sort(byNumber)) {
        if (optionSet && !showsUpgradeGate(units[unit])) continue;
        const node = worker ? nodeOfMachine(live.status, units[unit].machine) : undefined;
        if (worker && !node) notes.push(`${unit}: its machine has no host name in juju status; its node is not drained`);
        const drain = node !== undefined && news.upgradeDrain !== false;
        if (drain)
            steps.push({ operation: { kind: "cordon", node }, upgradeOf: unit }, { operation: { kind: "drain", node }, upgradeOf: unit });
        steps.push({
            operation: juju("run", [unit, "upgrade"]),
            upgradeOf: unit,
            then: [{ kind: "settled", gate: true }, ...(node ? [{ kind: "node-ready", node } as const] : [])],
        });
        if (drain) steps.push({ operation: { kind: "uncordon", node }, upgradeOf: unit });
    }
    return steps;
}

/**
 * A channel upgrade as Canonical documents it (upgrade.md §1): an etcd snapshot first, then in
 * Canonical's order `juju refresh --channel` of each application not on the channel yet, etcd's
 * `channel` option after etcd's refresh, and the control plane's and the workers' units.
 */
function upgradeSteps(news: PlanState, live: LiveModel, notes: string[]): PlannedStep[] {
    const apps = live.status.applications ?? {};
    const controlPlane = controlPlaneApplication(live.status) ?? "kubernetes-control-plane";
    const steps: PlannedStep[] = [];
    if (apps.etcd) steps.push({ operation: { kind: "etcd-snapshot", unit: "etcd/leader" } });
    else notes.push("no etcd application in the model: no etcd snapshot");
    for (const step of UPGRADE_ORDER) {
        const app = step === "kubernetes-control-plane" ? controlPlane : step;
        if (!apps[app]) continue;
        if (apps[app]["charm-channel"] !== news.channel) {
            steps.push({ operation: juju("refresh", [app], ["--channel", news.channel]), then: [{ kind: "settled", gate: true }] });
        }
        if (step === "etcd") {
            const [wanted, current] = [etcdChannelFor(news.channel), live.channelOptions.etcd];
            if (!wanted) {
                notes.push(
                    `etcd: the etcd channel of ${news.channel}'s bundle is not known to ck-dualstack (ETCD_CHANNELS in components/juju/upgrade.ts); etcd's channel option stays ${current}`,
                );
            } else if (current !== wanted) {
                steps.push({
                    operation: juju("config", ["etcd", `channel=${wanted}`]),
                    then: [
                        { kind: "config-hooks", app: "etcd", gateExpected: false },
                        { kind: "settled", gate: false },
                    ],
                });
            }
        }
        if ((SNAP_UPGRADED as readonly string[]).includes(step)) {
            steps.push(...unitUpgradeSteps(news, live, app, step === "kubernetes-worker", notes));
        }
    }
    return steps;
}

/**
 * Everything a day-2 change runs, in order: what puts the model back as declared after a hand edit
 * (`restore`: modelView.ts restoreOperations); the channel upgrade; the balancer moved onto its own
 * machine (stacks of older versions: its new unit first, the options, then the old unit removed);
 * the balancer's `loadbalancer-ips` and the worker's `ingress`; workers added with `add-unit`;
 * workers removed after a drain of their Node, with `remove-unit`, then their Node deleted.
 * A grown service range asks nothing of Juju (the cluster's ServiceCIDR object serves it).
 */
export function planDeploymentChange(
    olds: PlanState,
    news: PlanState,
    live: LiveModel,
    restore: readonly Operation[] = [],
): DeploymentPlan {
    const notes: string[] = [];
    const { status } = live;
    const workers = workerMoves(olds, news, status);
    const steps: PlannedStep[] = settlingRestore(restore.flatMap((operation) => restoreSteps(operation, workers.removed, status)));
    if (olds.channel !== news.channel) steps.push(...upgradeSteps(news, live, notes));
    const move = balancerMoveOf(olds, news);
    const newBalancerActive: Wait | undefined = move && { kind: "unit-active", app: "kubeapi-load-balancer", machine: move.to };
    const newBalancer = move && unitOn(status, "kubeapi-load-balancer", move.to);
    if (move && !newBalancer) {
        steps.push({ operation: juju("add-unit", ["kubeapi-load-balancer"], ["--to", move.to]), then: [newBalancerActive!] });
    }
    steps.push(...settingSteps(olds, news));
    const oldBalancer = move ? unitOn(status, "kubeapi-load-balancer", move.from) : undefined;
    if (oldBalancer) {
        // The old unit serves the API until the new one does, also when an interrupted run added the new one.
        if (newBalancer)
            notes.push(`machine ${move!.to} already has ${newBalancer} (earlier, interrupted run): up waits for it to be active`);
        steps.push({ operation: juju("remove-unit", [oldBalancer]), ...(newBalancer ? { requires: [newBalancerActive!] } : {}) });
    }
    for (const machine of workers.added) {
        // An interrupted run may have added it already: a second unit would clash on its ports.
        const present = unitOn(status, "kubernetes-worker", machine);
        if (present) notes.push(`machine ${machine} already has ${present} (earlier, interrupted run): no add-unit`);
        else steps.push({ operation: juju("add-unit", ["kubernetes-worker"], ["--to", machine]) });
    }
    for (const machine of workers.removed) {
        const unit = unitOn(status, "kubernetes-worker", machine);
        if (!unit) {
            notes.push(`no kubernetes-worker unit on machine ${machine} (already removed)`);
            continue;
        }
        steps.push(...workerRemoval(unit, status));
    }
    return { steps, notes };
}

/**
 * A worker unit's graceful removal: its Node drained first, deleted after (the charm leaves it
 * registered). A machine that also hosts another principal (a worker unit added by hand on the
 * control plane's machine) keeps its Node: it is that other node's too.
 */
function workerRemoval(unit: string, status: JujuStatus): PlannedStep[] {
    const machine = status.applications?.["kubernetes-worker"]?.units?.[unit]?.machine;
    const shared = Object.entries(status.applications ?? {}).some(
        ([app, spec]) => app !== "kubernetes-worker" && Object.values(spec.units ?? {}).some((u) => u.machine === machine),
    );
    const node = shared ? undefined : nodeOfMachine(status, machine);
    return [
        ...(node ? [{ operation: { kind: "drain", node } as const }] : []),
        { operation: juju("remove-unit", [unit]) },
        ...(node ? [{ operation: { kind: "delete-node", node } as const }] : []),
    ];
}

/** Removals of units (and their Nodes) among the restore's steps; the rest are options and added units. */
const isRemoval = ({ operation }: PlannedStep) =>
    operation.kind === "drain" || operation.kind === "delete-node" || (operation.kind === "juju" && operation.command === "remove-unit");

/**
 * The restore's steps with a wait for the model to settle (settle policy) after its options and
 * added units, before any unit goes (a balancer or worker moved by hand keeps serving until its
 * declared unit is up), and after its last step: config-changed hooks and a restored unit's install
 * run before the change's own operations, and before up returns (the Settled resource waits only on
 * a new generation, which a restore does not make).
 */
function settlingRestore(steps: PlannedStep[]): PlannedStep[] {
    const firstRemoval = steps.findIndex(isRemoval);
    const settleAfter = new Set([firstRemoval > 0 ? firstRemoval - 1 : -1, steps.length - 1]);
    return steps.map((step, index) =>
        settleAfter.has(index) ? { ...step, then: [...(step.then ?? []), { kind: "settled", gate: false }] } : step,
    );
}

/**
 * A step that puts the model back as declared (modelView.ts restoreOperations, after a refresh saw
 * a hand edit): a worker unit added by hand goes as any removed worker does, drained first, unless
 * this change removes its machine's worker anyway.
 */
function restoreSteps(operation: Operation, removedWorkers: readonly string[], status: JujuStatus): PlannedStep[] {
    const unit = operation.kind === "juju" && operation.command === "remove-unit" ? operation.positional[0] : undefined;
    if (unit === undefined || !unit.startsWith("kubernetes-worker/")) return [{ operation }];
    const machine = status.applications?.["kubernetes-worker"]?.units?.[unit]?.machine;
    return machine !== undefined && removedWorkers.includes(machine) ? [] : workerRemoval(unit, status);
}
