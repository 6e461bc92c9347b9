import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import type * as pulumi from "@pulumi/pulumi";
import { serviceCidrChangeProblem } from "../../net/serviceRange";
import { planFamilies } from "../../plan/families";
import { PlacedMachine, dualStackOverlay, placementOverlay } from "../../plan/overlay";
import { ensureSupportedJuju, runJuju, runJujuJson } from "../cli";
import { NodeRole, SNAP_UPGRADED, UPGRADE_GATE, UPGRADE_ORDER, channelChangeProblem, nodeChangeProblem, workerChanges } from "../dayTwo";
import { controlPlaneApplication } from "../status";
import { waitForSettled } from "../waiter";
import { JujuTarget, getKubeconfig, ignoringGone, isGone, jujuOptions, jujuStatus, progress, verifyModel } from "./common";

export interface DeploymentInputs extends JujuTarget {
    readonly bundle: string;
    readonly channel: string;
    /** Calico `cidr`. */
    readonly podCidr: string;
    /** Control-plane `service-cidr`. */
    readonly serviceCidr: string;
    /** Space-separated `loadbalancer-ips`; empty when the API is reached on IPv4. */
    readonly loadbalancerIps: string;
    /** Enlisted machines and their roles, for the placement overlay. */
    readonly machines: PlacedMachine[];
    /** The nodes by name and role, known at preview: what may change in place is decided on them. */
    readonly nodes?: NodeRole[];
    /** Applications the bundle deploys, subordinates included. */
    readonly expectedApplications: string[];
    readonly pollSeconds: number;
    /** How long every unit must stay active and idle to count as settled. */
    readonly idleSeconds: number;
    readonly timeoutMinutes: number;
    readonly blockedGraceMinutes: number;
    /** How long a unit may stay in error while Juju retries its hooks. */
    readonly errorGraceMinutes: number;
    /** How long `juju status` may keep failing transiently during a wait. */
    readonly outageMinutes: number;
    /** How long a machine may stay down or an agent lost during a wait. */
    readonly downGraceMinutes: number;
}

export interface DeploymentOutputs extends DeploymentInputs {
    /**
     * The control plane's `service-cidr` as deployed. A grown `serviceCidr` leaves it as it is: the
     * charm puts the first address of each range in the API certificate and derives the cluster DNS
     * address from it, while the `kubernetes` Service keeps its address from the default ServiceCIDR;
     * the grown range is added as a ServiceCIDR object instead (components/cluster/ServiceRange.ts).
     */
    readonly charmServiceCidr?: string;
    /** The dual-stack overlay that was deployed. */
    readonly overlay: object;
    readonly controlPlaneApp: string;
    readonly unitCount: number;
}

function overlayOf(inputs: DeploymentInputs) {
    return dualStackOverlay({
        families: planFamilies(inputs.podCidr, inputs.serviceCidr),
        channel: inputs.channel,
        loadbalancerIps: inputs.loadbalancerIps || undefined,
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

async function waitSettled(inputs: DeploymentInputs, acceptBlocked?: (message: string) => boolean): Promise<DeploymentOutputs> {
    const { view, status: last } = await waitForSettled({
        acceptBlocked,
        poll: () => jujuStatus(inputs, 1),
        expectedApplications: inputs.expectedApplications,
        pollMs: inputs.pollSeconds * 1000,
        idlePeriodMs: inputs.idleSeconds * 1000,
        timeoutMs: inputs.timeoutMinutes * 60_000,
        blockedGraceMs: inputs.blockedGraceMinutes * 60_000,
        errorGraceMs: inputs.errorGraceMinutes * 60_000,
        outageLimitMs: inputs.outageMinutes * 60_000,
        downGraceMs: inputs.downGraceMinutes * 60_000,
        log: (line) => progress(`deployment ${inputs.modelRef}`, line),
    });
    const controlPlaneApp = controlPlaneApplication(last) ?? "kubernetes-control-plane";
    return { ...inputs, overlay: overlayOf(inputs), controlPlaneApp, unitCount: view.units.length };
}

async function liveOption(inputs: JujuTarget, app: string, key: string): Promise<string> {
    return (await runJuju(jujuOptions(inputs), ["config", "-m", inputs.modelRef, "--", app, key])).stdout.trim();
}

/** One `juju config <application> key=value ...` call. */
interface ConfigChange {
    readonly application: string;
    readonly settings: string[];
}

/** The `juju config` calls that take a deployed cluster from `olds` to `news`, in place. */
function jujuChanges(olds: DeploymentOutputs, news: DeploymentInputs): ConfigChange[] {
    const changes: ConfigChange[] = [];
    if (olds.loadbalancerIps !== news.loadbalancerIps) {
        changes.push({ application: "kubeapi-load-balancer", settings: [`loadbalancer-ips=${news.loadbalancerIps}`] });
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
    if (olds.serviceCidr && olds.serviceCidr !== news.serviceCidr) {
        const problem = serviceCidrChangeProblem(olds.serviceCidr, news.serviceCidr);
        if (problem) problems.push({ property: "serviceCidr", reason: problem });
    }
    if (olds.podCidr && olds.podCidr !== news.podCidr) {
        problems.push({
            property: "podCidr",
            reason: `the calico charm does not re-address its IP pools in place (${olds.podCidr} is live); changing the pod range needs a manual migration (README, "Changing the pod range"). Set ck-dualstack:podCidr back to ${olds.podCidr}`,
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

const say = (inputs: DeploymentInputs, line: string) => progress(`deployment ${inputs.modelRef}`, line);

/**
 * A channel upgrade in Canonical's documented order (upgrade.md §1): `juju refresh --channel` of
 * each application, waiting for it to settle; for the control plane and the workers, then their
 * `channel` option (units block with the upgrade gate) and the `upgrade` action on each unit, one
 * at a time. Steps already done (an interrupted run) are skipped, so a re-run converges.
 */
async function upgradeChannel(news: DeploymentInputs, controlPlaneApp: string): Promise<void> {
    const juju = jujuOptions(news);
    const gate = (message: string) => message === UPGRADE_GATE;
    for (const step of UPGRADE_ORDER) {
        const app = step === "kubernetes-control-plane" ? controlPlaneApp : step;
        const live = (await jujuStatus(news)).applications?.[app];
        if (!live) continue;
        if (live["charm-channel"] !== news.channel) {
            say(news, `upgrading: juju refresh ${app} --channel ${news.channel}`);
            await runJuju({ ...juju, timeoutMs: 30 * 60_000 }, ["refresh", "-m", news.modelRef, "--channel", news.channel, "--", app]);
            await waitSettled(news, gate);
        }
        if (!(SNAP_UPGRADED as readonly string[]).includes(step)) continue;
        if ((await liveOption(news, app, "channel")) !== news.channel) {
            say(news, `upgrading: juju config ${app} channel=${news.channel} (units wait for the upgrade action)`);
            await runJuju(juju, ["config", "-m", news.modelRef, "--", app, `channel=${news.channel}`]);
            // Until config-changed has run, the units do not show the gate yet.
            await waitSettled(news, gate);
        }
        const units = Object.keys((await jujuStatus(news)).applications?.[app]?.units ?? {}).sort((a, b) =>
            a.localeCompare(b, undefined, { numeric: true }),
        );
        for (const unit of units) {
            const now = (await jujuStatus(news)).applications?.[app]?.units?.[unit];
            if (now?.["workload-status"]?.current !== "blocked" || now["workload-status"].message !== UPGRADE_GATE) continue;
            say(news, `upgrading: juju run ${unit} upgrade`);
            // A failed action still exits 0 (the charm calls event.fail; juju run fails only on a return
            // code), so the result itself says whether the unit was upgraded.
            type Results = Record<string, { status?: unknown; message?: unknown }>;
            const run = ["run", "-m", news.modelRef, "--wait=10m", "--", unit, "upgrade"];
            const result = Object.values(await runJujuJson<Results>({ ...juju, timeoutMs: 15 * 60_000 }, run))[0];
            if (result?.status !== "completed") {
                throw new Error(
                    `the upgrade action on ${unit} did not complete (${String(result?.status ?? "no result")}: ${String(result?.message ?? "no message").slice(0, 300)}); the unit stays blocked until it does`,
                );
            }
            await waitSettled(news, gate);
        }
    }
}

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
    const { drainNode, deleteNode } = await import("../drain");
    if (node && kubeconfig) {
        say(news, `draining node ${node} (${unit}) before removing it`);
        await drainNode({ kubeconfig, node, timeoutMs: DRAIN_TIMEOUT_MS, log: (line) => say(news, line) });
    }
    say(news, `juju remove-unit ${unit}`);
    await runJuju(jujuOptions(news), ["remove-unit", "-m", news.modelRef, "--no-prompt", "--", unit]);
    const deadline = Date.now() + news.timeoutMinutes * 60_000;
    while ((await jujuStatus(news)).applications?.["kubernetes-worker"]?.units?.[unit]) {
        if (Date.now() > deadline) throw new Error(`${unit} was still being removed after ${news.timeoutMinutes} min`);
        await new Promise((resolve) => setTimeout(resolve, news.pollSeconds * 1000));
    }
    if (node && kubeconfig) await deleteNode({ kubeconfig, node, log: (line) => say(news, line) });
}

/** How long a drain may take before the removal fails (PodDisruptionBudgets may hold it). */
const DRAIN_TIMEOUT_MS = 10 * 60_000;

/** Deploys the bundle with the generated overlays and waits until the model has settled. */
export class DeploymentProvider implements pulumi.dynamic.ResourceProvider {
    async check(olds: Partial<DeploymentOutputs>, news: DeploymentInputs): Promise<pulumi.dynamic.CheckResult> {
        const failures = deploymentChangeProblems(olds, news);
        return failures.length > 0 ? { inputs: news, failures } : { inputs: news };
    }

    async create(inputs: DeploymentInputs): Promise<pulumi.dynamic.CreateResult> {
        await ensureSupportedJuju(jujuOptions(inputs));
        const present = Object.keys((await jujuStatus(inputs)).applications ?? {});
        if (inputs.expectedApplications.every((app) => present.includes(app))) {
            progress(
                `deployment ${inputs.modelRef}`,
                "the bundle's applications are already deployed (earlier, interrupted run); waiting for them",
            );
        } else {
            await deploy(inputs);
        }
        const outs = { ...(await waitSettled(inputs)), charmServiceCidr: inputs.serviceCidr };
        return { id: `${inputs.modelRef}/${inputs.bundle}`, outs };
    }

    /** Reports the live options so `pulumi refresh` shows drift. */
    async read(id: string, props: DeploymentOutputs): Promise<pulumi.dynamic.ReadResult> {
        try {
            const app = props.controlPlaneApp;
            const [podCidr, charmServiceCidr, loadbalancerIps] = await Promise.all([
                liveOption(props, "calico", "cidr"),
                liveOption(props, app, "service-cidr"),
                liveOption(props, "kubeapi-load-balancer", "loadbalancer-ips"),
            ]);
            return { id, props: { ...props, podCidr, charmServiceCidr, loadbalancerIps } };
        } catch (error) {
            if (isGone(error)) return {};
            throw error;
        }
    }

    /** Nothing is ever replaced: what cannot change in place is refused in check. */
    async diff(_id: string, olds: DeploymentOutputs, news: DeploymentInputs): Promise<pulumi.dynamic.DiffResult> {
        const changes =
            jujuChanges(olds, news).length > 0 ||
            placementChanged(olds, news) ||
            (["jujuPath", "modelRef", "modelUuid", "channel", "serviceCidr"] as const).some((key) => olds[key] !== news[key]) ||
            JSON.stringify(olds.nodes) !== JSON.stringify(news.nodes);
        return { changes, replaces: [], deleteBeforeReplace: true };
    }

    /**
     * Everything in place, never a redeploy: a channel upgrade in Canonical's order, service range
     * growth and the balancer's `loadbalancer-ips` with `juju config`, workers added with
     * `add-unit` and removed after a drain with `remove-unit`.
     */
    async update(_id: string, olds: DeploymentOutputs, news: DeploymentInputs): Promise<pulumi.dynamic.UpdateResult> {
        const settings = jujuChanges(olds, news);
        const workers = workerChanges(olds.machines, news.machines);
        const upgrading = olds.channel !== news.channel;
        if (settings.length === 0 && workers.added.length === 0 && workers.removed.length === 0 && !upgrading) {
            // Only how the model or the nodes are referred to, or the service ranges the cluster's
            // ServiceCIDR object serves, changed: record it, touch nothing in Juju.
            return { outs: { ...olds, ...news, overlay: overlayOf(news), charmServiceCidr: olds.charmServiceCidr ?? olds.serviceCidr } };
        }
        await verifyModel(news);
        if (upgrading) await upgradeChannel(news, olds.controlPlaneApp);
        for (const change of settings) {
            progress(`deployment ${news.modelRef}`, `juju config ${change.application} ${change.settings.join(" ")}`);
            await runJuju(jujuOptions(news), ["config", "-m", news.modelRef, "--", change.application, ...change.settings]);
        }
        for (const machine of workers.added) {
            progress(`deployment ${news.modelRef}`, `juju add-unit kubernetes-worker --to ${machine}`);
            await runJuju(jujuOptions(news), ["add-unit", "-m", news.modelRef, "--to", machine, "--", "kubernetes-worker"]);
        }
        for (const machine of workers.removed) await removeWorker(news, machine, olds.controlPlaneApp);
        return { outs: { ...(await waitSettled(news)), charmServiceCidr: olds.charmServiceCidr ?? olds.serviceCidr } };
    }

    async delete(_id: string, props: DeploymentOutputs): Promise<void> {
        await ignoringGone(async () => {
            await verifyModel(props);
            const apps = Object.keys((await jujuStatus(props)).applications ?? {});
            if (apps.length === 0) return;
            await runJuju(jujuOptions(props), [
                "remove-application",
                "-m",
                props.modelRef,
                "--destroy-storage",
                "--force",
                "--no-wait",
                "--no-prompt",
                "--",
                ...apps,
            ]);
            progress(`deployment ${props.modelRef}`, `removed ${apps.join(", ")}`);
        });
    }
}
