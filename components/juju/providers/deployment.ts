import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import type * as pulumi from "@pulumi/pulumi";
import { serviceCidrChangeProblem } from "../../net/serviceRange";
import { planFamilies } from "../../plan/families";
import { PlacedMachine, dualStackOverlay, placementOverlay } from "../../plan/overlay";
import { ensureSupportedJuju, runJuju } from "../cli";
import { controlPlaneApplication } from "../status";
import { waitForSettled } from "../waiter";
import { JujuTarget, ignoringGone, isGone, jujuOptions, jujuStatus, progress } from "./common";

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
    /** Applications the bundle deploys, subordinates included. */
    readonly expectedApplications: string[];
    readonly pollSeconds: number;
    readonly settledPolls: number;
    readonly timeoutMinutes: number;
    readonly blockedGraceMinutes: number;
}

export interface DeploymentOutputs extends DeploymentInputs {
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
    const [dualStack, placement] = writeOverlays(inputs);
    progress(
        `deployment ${inputs.modelRef}`,
        `juju deploy ${inputs.bundle} --channel ${inputs.channel} with the dual-stack and placement overlays`,
    );
    await runJuju({ ...jujuOptions(inputs), timeoutMs: 30 * 60_000 }, [
        "deploy",
        inputs.bundle,
        "--channel",
        inputs.channel,
        "--overlay",
        dualStack,
        "--overlay",
        placement,
        "--map-machines=existing",
        "-m",
        inputs.modelRef,
    ]);
}

async function waitSettled(inputs: DeploymentInputs): Promise<DeploymentOutputs> {
    const { view, status: last } = await waitForSettled({
        poll: () => jujuStatus(inputs),
        expectedApplications: inputs.expectedApplications,
        pollMs: inputs.pollSeconds * 1000,
        settledPolls: inputs.settledPolls,
        timeoutMs: inputs.timeoutMinutes * 60_000,
        blockedGraceMs: inputs.blockedGraceMinutes * 60_000,
        log: (line) => progress(`deployment ${inputs.modelRef}`, line),
    });
    const controlPlaneApp = controlPlaneApplication(last) ?? "kubernetes-control-plane";
    return { ...inputs, overlay: overlayOf(inputs), controlPlaneApp, unitCount: view.units.length };
}

async function liveOption(inputs: JujuTarget, app: string, key: string): Promise<string> {
    return (await runJuju(jujuOptions(inputs), ["config", "-m", inputs.modelRef, app, key])).stdout.trim();
}

/** Deploys the bundle with the generated overlays and waits until the model has settled. */
export class DeploymentProvider implements pulumi.dynamic.ResourceProvider {
    async check(olds: Partial<DeploymentOutputs>, news: DeploymentInputs): Promise<pulumi.dynamic.CheckResult> {
        if (olds.serviceCidr && olds.serviceCidr !== news.serviceCidr) {
            const problem = serviceCidrChangeProblem(olds.serviceCidr, news.serviceCidr);
            if (problem) return { inputs: news, failures: [{ property: "serviceCidr", reason: problem }] };
        }
        return { inputs: news };
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
        const outs = await waitSettled(inputs);
        return { id: `${inputs.modelRef}/${inputs.bundle}`, outs };
    }

    /** Reports the live options so `pulumi refresh` shows drift. */
    async read(id: string, props: DeploymentOutputs): Promise<pulumi.dynamic.ReadResult> {
        try {
            const app = props.controlPlaneApp;
            const [podCidr, serviceCidr, loadbalancerIps] = await Promise.all([
                liveOption(props, "calico", "cidr"),
                liveOption(props, app, "service-cidr"),
                liveOption(props, app, "loadbalancer-ips"),
            ]);
            return { id, props: { ...props, podCidr, serviceCidr, loadbalancerIps } };
        } catch (error) {
            if (isGone(error)) return {};
            throw error;
        }
    }

    async diff(_id: string, olds: DeploymentOutputs, news: DeploymentInputs): Promise<pulumi.dynamic.DiffResult> {
        const replaces = (["modelRef", "bundle", "channel", "podCidr"] as const).filter((key) => olds[key] !== news[key]);
        const inPlace = (["serviceCidr", "loadbalancerIps"] as const).filter((key) => olds[key] !== news[key]);
        const placementChanged = JSON.stringify(olds.machines) !== JSON.stringify(news.machines);
        const changes = replaces.length > 0 || inPlace.length > 0 || placementChanged;
        return { changes, replaces, deleteBeforeReplace: true };
    }

    /** Service range growth and other options go in place with `juju config`; new machines by redeploying. */
    async update(_id: string, olds: DeploymentOutputs, news: DeploymentInputs): Promise<pulumi.dynamic.UpdateResult> {
        const settings: string[] = [];
        if (olds.serviceCidr !== news.serviceCidr) settings.push(`service-cidr=${news.serviceCidr}`);
        if (olds.loadbalancerIps !== news.loadbalancerIps) settings.push(`loadbalancer-ips=${news.loadbalancerIps}`);
        if (settings.length > 0) {
            progress(`deployment ${news.modelRef}`, `juju config ${olds.controlPlaneApp} ${settings.join(" ")}`);
            await runJuju(jujuOptions(news), ["config", "-m", news.modelRef, olds.controlPlaneApp, ...settings]);
        }
        if (JSON.stringify(olds.machines) !== JSON.stringify(news.machines)) await deploy(news);
        return { outs: await waitSettled(news) };
    }

    async delete(_id: string, props: DeploymentOutputs): Promise<void> {
        await ignoringGone(async () => {
            const apps = Object.keys((await jujuStatus(props)).applications ?? {});
            if (apps.length === 0) return;
            await runJuju(jujuOptions(props), [
                "remove-application",
                "-m",
                props.modelRef,
                ...apps,
                "--destroy-storage",
                "--force",
                "--no-wait",
                "--no-prompt",
            ]);
            progress(`deployment ${props.modelRef}`, `removed ${apps.join(", ")}`);
        });
    }
}
