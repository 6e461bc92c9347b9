import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import type * as pulumi from "@pulumi/pulumi";
import { serviceCidrChangeProblem } from "../../net/serviceRange";
import { FamilyPlan } from "../../net/families";
import { PlacedMachine, cidrOption, dualStackOverlay, placementOverlay, workerIngressOf } from "../overlay";
import { createHash } from "crypto";
import { JujuError, ensureSupportedJuju, runJuju } from "../cli";
import { NodeRole, channelChangeProblem, nodeChangeProblem } from "../dayTwo";
import { StoredDeployment, balancerNodeMove, migrateDeployment } from "../migrations";
import { JujuCall, describeOperation, jujuArgv } from "../operations";
import {
    ModelView,
    declaredView,
    describeDrift,
    describeRevisionDrift,
    liveRevisions,
    liveView,
    modelDiff,
    restoreOperations,
} from "../modelView";
import { knownMachines, planDeploymentChange, touchesJuju } from "../planDeployment";
import { nodeSteps, readLiveModel, runPlan } from "../planRun";
import { removeGracefully } from "../removal";
import { SettlePolicy, waitUnderPolicy } from "../settle";
import { JujuStatus, controlPlaneApplication } from "../status";
import { finishUpgrade, refuseUnhealthy } from "../upgrade";
import { JujuTarget, askedTogether, ignoringGone, isGone, jujuOptions, jujuStatus, ownModelOrGone, progress, verifyModel } from "./common";

export interface DeploymentInputs extends JujuTarget, SettlePolicy {
    readonly bundle: string;
    readonly channel: string;
    /** The pod and service ranges as validation planned them: calico `cidr` and the control plane's `service-cidr`. */
    readonly families: FamilyPlan;
    /** Space-separated `loadbalancer-ips`; empty when the API is reached on IPv4. */
    readonly loadbalancerIps: string;
    /** Enlisted machines and their roles, for the placement overlay. */
    readonly machines: PlacedMachine[];
    /** The nodes by name and role, known at preview: what may change in place is decided on them. */
    readonly nodes: NodeRole[];
    /** Applications the bundle deploys, subordinates included. */
    readonly expectedApplications: string[];
    /** kubernetes-worker `ingress`: "true", "false", or "" for the charm's default. */
    readonly workerIngress: string;
    /** Minutes a graceful removal may take before it is forced. */
    readonly removeGraceMinutes: number;
    /** Drain each worker's Node before its upgrade action. */
    readonly upgradeDrain: boolean;
}

/** The state of a Deployment (stored states of earlier versions go through migrateDeployment first). */
export interface DeploymentOutputs extends Omit<DeploymentInputs, "nodes"> {
    /** Absent in stacks of versions that did not record the nodes. */
    readonly nodes?: NodeRole[];
    /**
     * The control plane's `service-cidr` as deployed. A grown `serviceCidr` leaves it as it is: the
     * charm puts the first address of each range in the API certificate and derives the cluster DNS
     * address from it, while the `kubernetes` Service keeps its address from the default ServiceCIDR;
     * the grown range is added as a ServiceCIDR object instead (components/cluster/ServiceRange.ts).
     */
    readonly charmServiceCidr: string;
    /** The dual-stack overlay that was deployed. */
    readonly overlay: object;
    readonly controlPlaneApp: string;
    /**
     * What Juju was last asked to make of the model (a digest of the inputs that reach Juju): the
     * Settled resource waits again whenever it changes.
     */
    readonly generation: string;
    /** The etcd snapshot the last channel upgrade took first, on this machine (upgrade.ts). */
    readonly etcdSnapshot?: string;
    /** The operations the last create or update ran, as preview listed them (describeOperation); absent in earlier versions' states. */
    readonly jujuOperations?: string[];
    /** The model as declared when last changed, or as read by the last refresh (CheckedDeployment.modelView). */
    readonly modelView?: ModelView;
    /**
     * Each application's charm revision when last deployed, changed or refreshed, so a refresh sees a
     * charm refreshed by hand on its channel; absent in earlier versions' states.
     */
    readonly revisions?: Readonly<Record<string, number>>;
}

/** Each application's charm revision as `juju status` reports it (`charm-rev`). */
const statusRevisions = (status: JujuStatus): Record<string, number> =>
    Object.fromEntries(
        Object.entries(status.applications ?? {}).flatMap(([app, view]) =>
            typeof view["charm-rev"] === "number" ? [[app, view["charm-rev"]]] : [],
        ),
    );

/** Calico's `cidr` option. */
const podCidrOf = (state: Pick<DeploymentInputs, "families">) => cidrOption(state.families.podCidrs);

/** The control plane's `service-cidr` option as configured. */
const serviceCidrOf = (state: Pick<DeploymentInputs, "families">) => cidrOption(state.families.serviceCidrs);

/** What Juju is asked to make of the model: the Settled resource waits again whenever this changes. */
export function generationOf(inputs: DeploymentInputs): string {
    const applied = [
        inputs.bundle,
        inputs.channel,
        podCidrOf(inputs),
        serviceCidrOf(inputs),
        inputs.loadbalancerIps,
        inputs.workerIngress,
        inputs.machines,
    ];
    return createHash("sha256").update(JSON.stringify(applied)).digest("hex").slice(0, 16);
}

function overlayOf(inputs: Pick<DeploymentInputs, "families" | "channel" | "loadbalancerIps" | "workerIngress">) {
    return dualStackOverlay({
        families: inputs.families,
        channel: inputs.channel,
        loadbalancerIps: inputs.loadbalancerIps || undefined,
        workerIngress: workerIngressOf(inputs.workerIngress),
    });
}

/**
 * Where overlays go: a snap-confined juju reads neither /tmp nor hidden folders in $HOME, but
 * always its own ~/snap/juju/common.
 */
export function overlayDirectory(modelRef: string): string {
    const snapCommon = path.join(os.homedir(), "snap", "juju", "common");
    const base =
        process.env.CK_DUALSTACK_OVERLAY_DIR ?? (fs.existsSync(snapCommon) ? snapCommon : path.join(os.homedir(), ".local", "share"));
    return path.join(base, "ck-dualstack", "overlays", modelRef.replace(/[^A-Za-z0-9_.-]/g, "_"));
}

/** The overlays' file names in overlayDirectory: the dual-stack options, then the placement. */
const OVERLAY_FILES = ["dual-stack.yaml", "placement.yaml"] as const;

function writeOverlays(inputs: DeploymentInputs): void {
    const dir = overlayDirectory(inputs.modelRef);
    fs.mkdirSync(dir, { recursive: true });
    const [dualStack, placement] = OVERLAY_FILES;
    const docs = { [dualStack]: overlayOf(inputs), [placement]: placementOverlay(inputs.machines) };
    for (const [name, doc] of Object.entries(docs)) fs.writeFileSync(path.join(dir, name), yaml.dump(doc, { lineWidth: -1 }));
}

/** The bundle's `juju deploy` with the dual-stack and placement overlays (written by writeOverlays into these files). */
function deployCall(inputs: DeploymentInputs): JujuCall {
    const [dualStack, placement] = OVERLAY_FILES.map((name) => path.join(overlayDirectory(inputs.modelRef), name));
    return {
        kind: "juju",
        command: "deploy",
        positional: [inputs.bundle],
        flags: ["--channel", inputs.channel, "--overlay", dualStack, "--overlay", placement, "--map-machines=existing"],
    };
}

/** Deploys the bundle with its overlays; the caller has checked the model's identity. */
async function deploy(inputs: DeploymentInputs): Promise<void> {
    writeOverlays(inputs);
    const call = deployCall(inputs);
    progress(`deployment ${inputs.modelRef}`, describeOperation(call));
    await runJuju({ ...jujuOptions(inputs), timeoutMs: 30 * 60_000 }, jujuArgv(call, inputs.modelRef));
}

/** Waits until the model settles (between the steps of a day-2 change), blocked units with `acceptBlocked` messages allowed. */
export function waitSettled(inputs: DeploymentInputs, acceptBlocked?: (message: string) => boolean) {
    return waitUnderPolicy(inputs, {
        poll: () => jujuStatus(inputs, 1),
        expectedApplications: inputs.expectedApplications,
        log: (line) => progress(`deployment ${inputs.modelRef}`, line),
        acceptBlocked,
    });
}

/**
 * Changes a live cluster cannot take in place, each with the key and the reason. Replacing the
 * deployment would remove every application, etcd's data and the CA with it, so these are
 * refused at preview instead.
 */
export function deploymentChangeProblems(olds: Partial<DeploymentOutputs>, news: DeploymentInputs): { property: string; reason: string }[] {
    const problems: { property: string; reason: string }[] = [];
    const { families } = olds;
    const [oldServices, oldPods] = families ? [serviceCidrOf({ families }), podCidrOf({ families })] : [];
    if (oldServices && oldServices !== serviceCidrOf(news)) {
        const problem = serviceCidrChangeProblem(oldServices, serviceCidrOf(news));
        if (problem) problems.push({ property: "serviceCidr", reason: problem });
    }
    if (oldPods && oldPods !== podCidrOf(news)) {
        problems.push({
            property: "podCidr",
            reason: `the calico charm does not re-address its IP pools in place (${oldPods} is live); changing the pod range needs a manual migration (docs/day-two.md, "Changing the pod range"). Set ck-dualstack:podCidr back to ${oldPods}`,
        });
    }
    if (olds.bundle && olds.bundle !== news.bundle) {
        problems.push({
            property: "bundle",
            reason: `the cluster was deployed from ${olds.bundle}; deploying another bundle over it is not an upgrade path. Set ck-dualstack:bundle back to ${olds.bundle}`,
        });
    }
    const channel = olds.channel ? channelChangeProblem(olds.channel, news.channel) : undefined;
    if (channel) problems.push({ property: "channel", reason: channel });
    const nodes = olds.nodes && news.nodes ? nodeChangeProblem(olds.nodes, news.nodes) : undefined;
    if (nodes) problems.push({ property: "nodes", reason: nodes });
    return problems;
}

const say = (inputs: JujuTarget, line: string) => progress(`deployment ${inputs.modelRef}`, line);

/** The inputs as check returns them: with the operations up will run for the change, as preview lists them. */
export interface CheckedDeployment extends DeploymentInputs {
    /** The control plane's `service-cidr` as deployed (DeploymentOutputs); absent before check ran. */
    readonly charmServiceCidr?: string;
    /** The operations, each as describeOperation renders it; absent before check ran. */
    readonly jujuOperations?: string[];
    /**
     * The model as these inputs declare it (modelView.ts declaredView); after a refresh, the model as
     * it was read (read), so the next preview shows each difference by name. Absent while a new
     * node's machine is unknown at preview, and in states of earlier versions.
     */
    readonly modelView?: ModelView;
}

/** A stored state of a deployed cluster (check's olds are empty before the first deploy). */
const isDeployed = (stored: Partial<DeploymentOutputs>): stored is DeploymentOutputs =>
    stored.bundle !== undefined && stored.channel !== undefined && stored.machines !== undefined;

/** The model as `state` declares it; undefined while its machines are unknown (preview of a new node). */
function declaredViewOf(state: Omit<DeploymentInputs, "nodes">, charmServiceCidr: string, controlPlaneApp: string): ModelView | undefined {
    const machines = knownMachines(state);
    // A stack of an earlier version has no load-balancer machine until its balancer moves (migrations.ts):
    // its placement is not declared the way placementOverlay writes it, so nothing is compared.
    if (!machines || machines.filter((m) => m.roles.includes("load-balancer")).length !== 1) return undefined;
    const { channel, expectedApplications } = state;
    return declaredView({ channel, overlay: overlayOf(state), machines, expectedApplications, charmServiceCidr, controlPlaneApp });
}

/** Whether two views differ in what diff-bundle compares (unit names aside); a missing view is no difference. */
const viewsDiffer = (declared: ModelView | undefined, live: ModelView | undefined) =>
    declared !== undefined && live !== undefined && Object.keys(modelDiff(declared, live)).length > 0;

/** Whether a refresh stored a live view of the model that differs from the deployment `stored` declares. */
function driftRecorded(stored: DeploymentOutputs, charmServiceCidr: string, controlPlaneApp: string): boolean {
    return viewsDiffer(declaredViewOf(stored, charmServiceCidr, controlPlaneApp), stored.modelView);
}

/**
 * What puts the model back as `stored` declared it after a refresh recorded drift (options, units
 * edited by hand): modelView.ts restoreOperations, or its refusals. Computed from one fresh reading
 * (`juju export-bundle` now, with `status` just read), never from the refresh's: a unit removed
 * since must not be "restored" by removing a declared one. A charm already on the channel `news`
 * upgrades to is the interrupted upgrade, not drift.
 */
async function restoreOf(
    stored: DeploymentOutputs,
    news: DeploymentInputs,
    charmServiceCidr: string,
    controlPlaneApp: string,
    status: JujuStatus,
) {
    const declared = declaredViewOf(stored, charmServiceCidr, controlPlaneApp);
    if (!declared) return undefined;
    const live = liveView(await exportBundle(news), declared, status);
    const upgradingTo = stored.channel !== news.channel ? news.channel : undefined;
    return restoreOperations(declared, live, Object.keys(status.machines ?? {}), upgradingTo);
}

/** The inputs a stored state was checked with: its outputs without what only create and update compute. */
function inputsOf(props: DeploymentOutputs): CheckedDeployment {
    const outputOnly = new Set(["overlay", "controlPlaneApp", "generation", "etcdSnapshot", "revisions"]);
    return Object.fromEntries(Object.entries(props).filter(([key]) => !outputOnly.has(key))) as unknown as CheckedDeployment;
}

/**
 * The operations of a change as readable lines, with what the plan says besides (the engine shows
 * provider output). Printed by check, which preview and up call once per change and refresh does
 * not: diff also runs on refresh, with the inputs of the last change, whose list is stale by then.
 */
function sayOperations(target: JujuTarget, operations: readonly string[], notes: readonly string[]): void {
    if (operations.length === 0) say(target, "this change runs no Juju operation");
    else say(target, `pulumi up runs these ${operations.length} operations, in order:`);
    operations.forEach((line, index) => say(target, `  ${index + 1}. ${line}`));
    for (const note of notes) say(target, note);
}

/**
 * `juju export-bundle` of the model (Juju 3.6 cmd/juju/model/exportbundle.go: YAML on stdout); a model
 * without applications is refused by Juju ("nothing to export as there are no applications",
 * apiserver/facades/client/bundle/bundle.go), which is an empty model here.
 */
async function exportBundle(target: JujuTarget): Promise<string> {
    try {
        return (await runJuju(jujuOptions(target), ["export-bundle", "-m", target.modelRef])).stdout;
    } catch (error) {
        if (error instanceof JujuError && /nothing to export as there are no applications/.test(error.detail)) return "applications: {}\n";
        throw error;
    }
}

/** The control plane's name before the model was read: what check has (its olds are inputs). */
const CONTROL_PLANE = "kubernetes-control-plane";

/**
 * Deploys the bundle with the generated overlays and changes it in place on day 2. Waiting for the
 * model to settle is the Settled resource's: from the moment `juju deploy` succeeds the stack owns
 * what it deployed, so a failed wait is followed by a wait, not a second deploy, and a destroy
 * removes the applications.
 */
export class DeploymentProvider implements pulumi.dynamic.ResourceProvider {
    /**
     * Refuses what cannot change in place, and lists the operations up will run for this change
     * (`jujuOperations`, in the inputs the preview shows, and printed as lines): first what puts
     * back a hand edit a refresh saw, then the change's own. Nothing is asked of Juju when nothing Juju knows about
     * changed or drifted; otherwise one `juju status` (and, for a channel change, the channel
     * options an upgrade skips when already set).
     */
    async check(olds: Partial<StoredDeployment>, news: DeploymentInputs): Promise<pulumi.dynamic.CheckResult> {
        const stored = migrateDeployment(olds);
        const failures = deploymentChangeProblems(stored, news);
        // The charm's service-cidr as deployed: a grown serviceCidr leaves it (see DeploymentOutputs).
        const charmServiceCidr =
            stored.charmServiceCidr ?? (stored.families ? serviceCidrOf({ families: stored.families }) : serviceCidrOf(news));
        const modelView = declaredViewOf(news, charmServiceCidr, CONTROL_PLANE);
        const planned = (jujuOperations: string[]): CheckedDeployment => ({
            ...news,
            charmServiceCidr,
            jujuOperations,
            ...(modelView ? { modelView } : {}),
        });
        if (failures.length > 0) return { inputs: planned([]), failures };
        if (!isDeployed(stored)) return { inputs: planned([describeOperation(deployCall(news))]) };
        const drifted = driftRecorded(stored, charmServiceCidr, CONTROL_PLANE);
        if (!touchesJuju(stored, news) && !drifted) return { inputs: planned([]) };
        const live = await readLiveModel(news, stored.channel !== news.channel);
        const controlPlaneApp = controlPlaneApplication(live.status) ?? CONTROL_PLANE;
        const restore = drifted ? await restoreOf(stored, news, charmServiceCidr, controlPlaneApp, live.status) : undefined;
        if (restore && restore.refusals.length > 0) return { inputs: planned([]), failures: restore.refusals };
        const plan = planDeploymentChange(stored, news, live, restore?.operations);
        const operations = plan.steps.map((step) => describeOperation(step.operation));
        sayOperations(news, operations, plan.notes);
        return { inputs: planned(operations) };
    }

    async create(inputs: DeploymentInputs): Promise<pulumi.dynamic.CreateResult> {
        // Asked together: the client's version, what the model holds, and that it is still this stack's model.
        const [, , before] = await askedTogether(ensureSupportedJuju(jujuOptions(inputs)), verifyModel(inputs), jujuStatus(inputs));
        const present = Object.keys(before.applications ?? {});
        const adopted = inputs.expectedApplications.every((app) => present.includes(app));
        if (adopted) say(inputs, "the bundle's applications are already deployed (earlier, interrupted run); taking them over");
        else await deploy(inputs);
        const deployed = await jujuStatus(inputs);
        const controlPlaneApp = controlPlaneApplication(deployed) ?? "kubernetes-control-plane";
        const outs: DeploymentOutputs = {
            ...inputs,
            overlay: overlayOf(inputs),
            controlPlaneApp,
            generation: generationOf(inputs),
            charmServiceCidr: serviceCidrOf(inputs),
            jujuOperations: adopted ? [] : [describeOperation(deployCall(inputs))],
            revisions: statusRevisions(deployed),
        };
        return { id: `${inputs.modelRef}/${inputs.bundle}`, outs };
    }

    /**
     * Reads the model with one `juju export-bundle` and reports what differs from the deployment as
     * declared (`juju diff-bundle`'s view: channels, the options ck-dualstack sets, units and their
     * machines), one line each. The live view goes into the outputs and into the inputs, so the
     * next preview shows each difference by name and lists what puts it back. Charm revisions are
     * compared with those recorded and the live ones recorded (the engine shows old → new outputs):
     * a charm refreshed by hand on its channel is kept, never refreshed back.
     */
    async read(id: string, stored: StoredDeployment): Promise<pulumi.dynamic.ReadResult> {
        const props = migrateDeployment(stored);
        try {
            const declared = declaredViewOf(props, props.charmServiceCidr, props.controlPlaneApp);
            if (!declared) return { id, props };
            const [, exported] = await askedTogether(ownModelOrGone(props), exportBundle(props));
            const modelView = liveView(exported, declared);
            const revisions = liveRevisions(exported, Object.keys(declared.applications));
            for (const line of describeDrift(modelDiff(declared, modelView))) say(props, `differs from the deployment: ${line}`);
            for (const line of describeRevisionDrift(props.revisions, revisions, modelView, declared)) say(props, line);
            return { id, props: { ...props, modelView, revisions }, inputs: { ...inputsOf(props), modelView } };
        } catch (error) {
            if (isGone(error)) return {};
            throw error;
        }
    }

    /** Nothing is ever replaced: what cannot change in place is refused in check. */
    async diff(_id: string, stored: StoredDeployment, news: CheckedDeployment): Promise<pulumi.dynamic.DiffResult> {
        const olds = migrateDeployment(stored);
        const changes =
            touchesJuju(olds, news) ||
            (["jujuPath", "modelRef", "modelUuid"] as const).some((key) => olds[key] !== news[key]) ||
            serviceCidrOf(olds) !== serviceCidrOf(news) ||
            JSON.stringify(olds.nodes) !== JSON.stringify(news.nodes) ||
            olds.generation !== generationOf(news) ||
            // After a refresh: the model as read against the deployment as declared; inputs of an
            // earlier version (refresh's diff passes the stored inputs as news) have no view, so
            // it is computed from them.
            viewsDiffer(news.modelView ?? declaredViewOf(news, olds.charmServiceCidr, olds.controlPlaneApp), olds.modelView);
        const moving = olds.nodes && news.nodes ? balancerNodeMove(olds.nodes, news.nodes) : undefined;
        if (moving) say(news, moving);
        return { changes, replaces: [], deleteBeforeReplace: true };
    }

    /**
     * Everything in place, never a redeploy: the change is planned as check planned it (from the
     * model as it is now) and run step by step, each operation recorded in `jujuOperations`; a
     * change Juju does not see (how the model is referred to, the service ranges the cluster's
     * ServiceCIDR object serves) is only recorded.
     */
    async update(_id: string, stored: StoredDeployment, news: CheckedDeployment): Promise<pulumi.dynamic.UpdateResult> {
        const olds = migrateDeployment(stored);
        const outs = (jujuOperations: string[]): DeploymentOutputs => ({
            ...olds,
            ...news,
            overlay: overlayOf(news),
            generation: generationOf(news),
            charmServiceCidr: olds.charmServiceCidr,
            jujuOperations,
            modelView: news.modelView ?? declaredViewOf(news, olds.charmServiceCidr, olds.controlPlaneApp),
        });
        const drifted = driftRecorded(olds, olds.charmServiceCidr, olds.controlPlaneApp);
        if (!touchesJuju(olds, news) && !drifted) return { outs: outs([]) };
        const upgrading = olds.channel !== news.channel;
        // Asked together: the model as it is now, and that it is still this stack's (before any change).
        const [, live] = await askedTogether(verifyModel(news), readLiveModel(news, upgrading));
        if (upgrading) refuseUnhealthy(live.status, news.channel);
        const restore = drifted ? await restoreOf(olds, news, olds.charmServiceCidr, olds.controlPlaneApp, live.status) : undefined;
        if (restore && restore.refusals.length > 0) throw new Error(restore.refusals.map((r) => `${r.property}: ${r.reason}`).join("; "));
        const plan = planDeploymentChange(olds, news, live, restore?.operations);
        for (const note of plan.notes) say(news, note);
        const log = (line: string) => say(news, line);
        const nodes = nodeSteps(news, olds.controlPlaneApp, log);
        const context = {
            controlPlaneApp: olds.controlPlaneApp,
            waitSettled: (accept: (m: string) => boolean) => waitSettled(news, accept),
            say: log,
            nodes,
        };
        const { ran, etcdSnapshot } = await runPlan(news, plan.steps, context);
        if (upgrading) await finishUpgrade(news, [olds.controlPlaneApp, "kubernetes-worker"], nodes.uncordon);
        // Only `juju refresh` moves a charm's revision: a plan without one keeps the record (and its status call).
        const refreshed = plan.steps.some(({ operation }) => operation.kind === "juju" && operation.command === "refresh");
        const revisions = refreshed ? { revisions: statusRevisions(await jujuStatus(news)) } : {};
        return { outs: { ...outs(ran), ...revisions, ...(etcdSnapshot ? { etcdSnapshot } : {}) } };
    }

    /**
     * Removes every application gracefully (their stop hooks run); what is still there after
     * `removeGraceMinutes` is forced, each named with the units that held it.
     */
    async delete(_id: string, stored: StoredDeployment): Promise<void> {
        const props = migrateDeployment(stored);
        await ignoringGone(async () => {
            // A model re-created under the same name is not this stack's: ours is gone, nothing to remove.
            await ownModelOrGone(props);
            const apps = Object.keys((await jujuStatus(props)).applications ?? {});
            if (apps.length === 0) return;
            const forced = await removeGracefully(props, {
                kind: "application",
                names: apps,
                flags: ["--destroy-storage"],
                graceMs: props.removeGraceMinutes * 60_000,
                pollMs: props.pollSeconds * 1000,
                say: (line) => say(props, line),
            });
            say(props, `removed ${apps.join(", ")}${forced.length > 0 ? ` (forced: ${forced.join(", ")})` : ""}`);
        });
    }
}
