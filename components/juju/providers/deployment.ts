import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import type * as pulumi from "@pulumi/pulumi";
import { serviceCidrChangeProblem } from "../../net/serviceRange";
import { splitList } from "../../net/cidr";
import { FamilyPlan } from "../../net/families";
import { PlacedMachine, cidrOption, dualStackOverlay, placementOverlay, workerIngressOf } from "../overlay";
import { createHash } from "crypto";
import { ensureSupportedJuju, runJuju } from "../cli";
import { NodeRole, channelChangeProblem, nodeChangeProblem, workerChanges } from "../dayTwo";
import { StoredDeployment, addBalancerUnit, balancerMove, balancerNodeMove, migrateDeployment, removeOldBalancer } from "../migrations";
import { removeGracefully } from "../removal";
import { SettlePolicy, waitUnderPolicy } from "../settle";
import { controlPlaneApplication } from "../status";
import { upgradeChannel } from "../upgrade";
import { JujuTarget, getKubeconfig, ignoringGone, isGone, jujuOptions, jujuStatus, liveOption, progress, verifyModel } from "./common";

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
}

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

function overlayOf(inputs: DeploymentInputs) {
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

function writeOverlays(inputs: DeploymentInputs): string[] {
    const dir = overlayDirectory(inputs.modelRef);
    fs.mkdirSync(dir, { recursive: true });
    const files = {
        "dual-stack.yaml": overlayOf(inputs),
        "placement.yaml": placementOverlay(inputs.machines),
    };
    return Object.entries(files).map(([name, doc]) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, yaml.dump(doc, { lineWidth: -1 }));
        return file;
    });
}

async function deploy(inputs: DeploymentInputs): Promise<void> {
    await verifyModel(inputs);
    const [dualStack, placement] = writeOverlays(inputs);
    progress(
        `deployment ${inputs.modelRef}`,
        `juju deploy ${inputs.bundle} --channel ${inputs.channel} with the dual-stack and placement overlays`,
    );
    await runJuju({ ...jujuOptions(inputs), timeoutMs: 30 * 60_000 }, [
        "deploy",
        "-m",
        inputs.modelRef,
        "--channel",
        inputs.channel,
        "--overlay",
        dualStack,
        "--overlay",
        placement,
        "--map-machines=existing",
        "--",
        inputs.bundle,
    ]);
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

/** One `juju config <application> [--reset key] key=value ...` call. */
interface ConfigChange {
    readonly application: string;
    readonly settings: string[];
    /** Options set back to the charm's default. */
    readonly reset?: string[];
}

/** The `juju config` calls that take a deployed cluster from `olds` to `news`, in place. */
function jujuChanges(olds: DeploymentOutputs, news: DeploymentInputs): ConfigChange[] {
    const changes: ConfigChange[] = [];
    if (olds.loadbalancerIps !== news.loadbalancerIps) {
        changes.push({ application: "kubeapi-load-balancer", settings: [`loadbalancer-ips=${news.loadbalancerIps}`] });
    }
    if (olds.workerIngress !== news.workerIngress) {
        // Empty: back to the charm's default (`juju config --reset`).
        const ingress = news.workerIngress;
        changes.push(
            ingress === ""
                ? { application: "kubernetes-worker", settings: [], reset: ["ingress"] }
                : { application: "kubernetes-worker", settings: [`ingress=${ingress}`] },
        );
    }
    return changes;
}

const placementChanged = (olds: DeploymentOutputs, news: DeploymentInputs) =>
    JSON.stringify(olds.machines) !== JSON.stringify(news.machines);

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

/** `juju remove-unit` without --force, waited for; forced only after the grace (removal.ts). */
const removeUnitGracefully = (news: DeploymentInputs, unit: string) =>
    removeGracefully(news, {
        kind: "unit",
        names: [unit],
        graceMs: news.removeGraceMinutes * 60_000,
        pollMs: news.pollSeconds * 1000,
        say: (line) => say(news, line),
    });

/**
 * Removes the worker on `machine` gracefully: drain its node through the Kubernetes API (the 1.35
 * worker charm has no pause action: kubernetes-docs#889), `remove-unit` (Juju then removes the
 * machine with its last principal unit), wait until it is gone, and delete the Node object.
 */
async function removeWorker(news: DeploymentInputs, machine: string, controlPlaneApp: string): Promise<void> {
    const status = await jujuStatus(news);
    const unit = Object.entries(status.applications?.["kubernetes-worker"]?.units ?? {}).find(([, u]) => u.machine === machine)?.[0];
    // The charm registers the node under its lower-cased host name (get_node_name()).
    const node = status.machines?.[machine]?.hostname?.toLowerCase();
    if (!unit) {
        say(news, `no kubernetes-worker unit on machine ${machine} (already removed)`);
        return;
    }
    const kubeconfig = node ? await getKubeconfig(news, controlPlaneApp) : undefined;
    const { drainNode, deleteNode } = await import("../../kube/drain");
    if (node && kubeconfig) {
        say(news, `draining node ${node} (${unit}) before removing it`);
        await drainNode({ kubeconfig, node, timeoutMs: DRAIN_TIMEOUT_MS, log: (line) => say(news, line) });
    }
    await removeUnitGracefully(news, unit);
    if (node && kubeconfig) await deleteNode({ kubeconfig, node, log: (line) => say(news, line) });
}

/** How long a drain may take before the removal fails (PodDisruptionBudgets may hold it). */
const DRAIN_TIMEOUT_MS = 10 * 60_000;

/**
 * Deploys the bundle with the generated overlays and changes it in place on day 2. Waiting for the
 * model to settle is the Settled resource's: from the moment `juju deploy` succeeds the stack owns
 * what it deployed, so a failed wait is followed by a wait, not a second deploy, and a destroy
 * removes the applications.
 */
export class DeploymentProvider implements pulumi.dynamic.ResourceProvider {
    async check(olds: Partial<StoredDeployment>, news: DeploymentInputs): Promise<pulumi.dynamic.CheckResult> {
        const failures = deploymentChangeProblems(migrateDeployment(olds), news);
        return failures.length > 0 ? { inputs: news, failures } : { inputs: news };
    }

    async create(inputs: DeploymentInputs): Promise<pulumi.dynamic.CreateResult> {
        await ensureSupportedJuju(jujuOptions(inputs));
        const present = Object.keys((await jujuStatus(inputs)).applications ?? {});
        if (inputs.expectedApplications.every((app) => present.includes(app))) {
            say(inputs, "the bundle's applications are already deployed (earlier, interrupted run); taking them over");
        } else {
            await deploy(inputs);
        }
        const controlPlaneApp = controlPlaneApplication(await jujuStatus(inputs)) ?? "kubernetes-control-plane";
        const outs: DeploymentOutputs = {
            ...inputs,
            overlay: overlayOf(inputs),
            controlPlaneApp,
            generation: generationOf(inputs),
            charmServiceCidr: serviceCidrOf(inputs),
        };
        return { id: `${inputs.modelRef}/${inputs.bundle}`, outs };
    }

    /** Reports the live options so `pulumi refresh` shows drift. */
    async read(id: string, stored: StoredDeployment): Promise<pulumi.dynamic.ReadResult> {
        const props = migrateDeployment(stored);
        try {
            const app = props.controlPlaneApp;
            const [podCidr, charmServiceCidr, loadbalancerIps] = await Promise.all([
                liveOption(props, "calico", "cidr"),
                liveOption(props, app, "service-cidr"),
                liveOption(props, "kubeapi-load-balancer", "loadbalancer-ips"),
            ]);
            // A pod range changed behind the stack shows as drift, refused at the next preview (check).
            const families = { ...props.families, podCidrs: splitList(podCidr) };
            const read: DeploymentOutputs = { ...props, families, charmServiceCidr, loadbalancerIps };
            return { id, props: read };
        } catch (error) {
            if (isGone(error)) return {};
            throw error;
        }
    }

    /** Nothing is ever replaced: what cannot change in place is refused in check. */
    async diff(_id: string, stored: StoredDeployment, news: DeploymentInputs): Promise<pulumi.dynamic.DiffResult> {
        const olds = migrateDeployment(stored);
        const changes =
            jujuChanges(olds, news).length > 0 ||
            placementChanged(olds, news) ||
            (["jujuPath", "modelRef", "modelUuid", "channel"] as const).some((key) => olds[key] !== news[key]) ||
            serviceCidrOf(olds) !== serviceCidrOf(news) ||
            JSON.stringify(olds.nodes) !== JSON.stringify(news.nodes) ||
            olds.generation !== generationOf(news);
        const moving = olds.nodes && news.nodes ? balancerNodeMove(olds.nodes, news.nodes) : undefined;
        if (moving) say(news, moving);
        return { changes, replaces: [], deleteBeforeReplace: true };
    }

    /**
     * Everything in place, never a redeploy: a channel upgrade in Canonical's order, service range
     * growth and the balancer's `loadbalancer-ips` with `juju config`, the balancer moved onto its
     * own machine (stacks of older versions), workers added with `add-unit` and removed after a drain
     * with `remove-unit`.
     */
    async update(_id: string, stored: StoredDeployment, news: DeploymentInputs): Promise<pulumi.dynamic.UpdateResult> {
        const olds = migrateDeployment(stored);
        const settings = jujuChanges(olds, news);
        const workers = workerChanges(olds.machines, news.machines);
        const move = balancerMove(olds.machines, news.machines);
        const upgrading = olds.channel !== news.channel;
        const outs = (): DeploymentOutputs => ({
            ...olds,
            ...news,
            overlay: overlayOf(news),
            generation: generationOf(news),
            charmServiceCidr: olds.charmServiceCidr,
        });
        if (settings.length === 0 && workers.added.length === 0 && workers.removed.length === 0 && !upgrading && !move) {
            // Only how the model or the nodes are referred to, or the service ranges the cluster's
            // ServiceCIDR object serves, changed: record it, touch nothing in Juju.
            return { outs: outs() };
        }
        await verifyModel(news);
        const upgraded = upgrading
            ? await upgradeChannel(news, olds.controlPlaneApp, (acceptBlocked) => waitSettled(news, acceptBlocked))
            : undefined;
        if (move) await addBalancerUnit(news, move, (line) => say(news, line));
        for (const change of settings) {
            const reset = (change.reset ?? []).flatMap((key) => ["--reset", key]);
            say(news, `juju config ${change.application} ${[...reset, ...change.settings].join(" ")}`);
            await runJuju(jujuOptions(news), ["config", "-m", news.modelRef, ...reset, "--", change.application, ...change.settings]);
        }
        if (move) await removeOldBalancer(news, move, (unit) => removeUnitGracefully(news, unit));
        for (const machine of workers.added) {
            say(news, `juju add-unit kubernetes-worker --to ${machine}`);
            await runJuju(jujuOptions(news), ["add-unit", "-m", news.modelRef, "--to", machine, "--", "kubernetes-worker"]);
        }
        for (const machine of workers.removed) await removeWorker(news, machine, olds.controlPlaneApp);
        return { outs: { ...outs(), ...(upgraded?.etcdSnapshot ? { etcdSnapshot: upgraded.etcdSnapshot } : {}) } };
    }

    /**
     * Removes every application gracefully (their stop hooks run); what is still there after
     * `removeGraceMinutes` is forced, each named with the units that held it.
     */
    async delete(_id: string, stored: StoredDeployment): Promise<void> {
        const props = migrateDeployment(stored);
        await ignoringGone(async () => {
            await verifyModel(props);
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
