// The deployment as declared and the model as Juju exports it, side by side (issue 21): what
// `pulumi refresh` reports as drift, in `juju diff-bundle`'s shape, and how `up` puts the model back
// in place, or why it must not. Pure: the caller runs `juju export-bundle` and `juju status`.
// Juju 3.6 sources (wallyworld/juju branch 3.6 @ 87e38e5f62be): export-bundle in
// apiserver/facades/client/bundle/bundle.go `bundleDataApplications`; diff-bundle in
// core/bundle/changes/diff.go `BuildDiff`/`diffApplication`.
import * as yaml from "js-yaml";
import { Operation } from "./operations";
import { PlacedMachine, placementOverlay } from "./overlay";
import { JujuStatus } from "./status";

export interface ApplicationView {
    /** The charm channel (export-bundle `channel`, status `charm-channel`). */
    readonly channel: string;
    /** The options ck-dualstack sets on it, as strings as `juju config <app> <key>` prints them; absent when unset in the model. */
    readonly options: Readonly<Record<string, string>>;
    /** The machines of its units, numerically sorted; [] for subordinates. */
    readonly machines: readonly string[];
    /**
     * Live only, and only when `liveView` was given `juju status`: its principal units by name, each
     * with its machine. export-bundle names machines but no units (`to` holds one machine per unit),
     * and `juju remove-unit` takes unit names.
     */
    readonly units?: Readonly<Record<string, string>>;
}

export interface ModelView {
    readonly applications: Readonly<Record<string, ApplicationView>>;
}

/** The application the overlays name the control plane; an upgraded cluster may call it kubernetes-master. */
const OVERLAY_CONTROL_PLANE = "kubernetes-control-plane";

const byMachineId = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

/** As `juju config <app> <key>` prints an option value: YAML's true, 5 and strings alike as text. */
const optionText = (value: unknown) => String(value);

/**
 * A channel as Juju 3.6 reports it: a bare risk gets the `latest` track (charm v12 channel.go
 * `Normalize` keeps `latest`; the 3.6.4 status capture shows `latest/stable`).
 */
export function normalizedChannel(channel: string): string {
    return /^(stable|candidate|beta|edge)(\/|$)/.test(channel) ? `latest/${channel}` : channel;
}

/** What the deployment declares. */
export function declaredView(args: {
    channel: string;
    /** dualStackOverlay(...) output. */
    overlay: object;
    machines: readonly PlacedMachine[];
    expectedApplications: readonly string[];
    charmServiceCidr: string;
    controlPlaneApp: string;
}): ModelView {
    const overlayApps = (args.overlay as { applications?: Record<string, { options?: Record<string, unknown> }> }).applications ?? {};
    const placement = placementOverlay(args.machines).applications as Record<string, { to: string[] }>;
    // The overlays name the control plane kubernetes-control-plane; the model's may be kubernetes-master.
    const overlayName = (app: string) => (app === args.controlPlaneApp ? OVERLAY_CONTROL_PLANE : app);
    const applications: Record<string, ApplicationView> = {};
    for (const app of args.expectedApplications) {
        const options = Object.fromEntries(
            Object.entries(overlayApps[overlayName(app)]?.options ?? {}).map(([key, value]) => [key, optionText(value)]),
        );
        // A grown serviceCidr leaves the charm's option as deployed (DeploymentOutputs.charmServiceCidr).
        if (app === args.controlPlaneApp) options["service-cidr"] = args.charmServiceCidr;
        // The API's address is ck-dualstack's whether or not the overlay sets it: unset means the
        // charm's default, "" (tests/fixtures/charms/kubeapi-load-balancer.yaml).
        if (app === "kubeapi-load-balancer") options["loadbalancer-ips"] ??= "";
        const machines = [...(placement[overlayName(app)]?.to ?? [])].sort(byMachineId);
        applications[app] = { channel: args.channel, options, machines };
    }
    return { applications };
}

/** The parts of `juju export-bundle`'s YAML read here (charm v12 bundledata.go ApplicationSpec). */
interface ExportedApplication {
    readonly channel?: string;
    /** A Charmhub charm's revision, split out of its URL (bundle.go:504-529). */
    readonly revision?: number;
    readonly to?: unknown[];
    readonly options?: Record<string, unknown>;
}

/**
 * The applications of export-bundle's first YAML document. Juju 3.6 appends a second one,
 * `--- # overlay.yaml`, with what only an overlay can say (offers, per-endpoint expose) whenever it
 * is not empty (apiserver/facades/client/bundle/bundle.go `ExportBundle`, via charm v12
 * `ExtractBaseAndOverlayParts`); everything read here is in the base document.
 */
const exportedApplications = (exportBundleYaml: string): Record<string, ExportedApplication | null> =>
    ((yaml.loadAll(exportBundleYaml)[0] ?? {}) as { applications?: Record<string, ExportedApplication | null> }).applications ?? {};

/** Each of `apps`' charm revision as `juju export-bundle` prints it; apps without one (absent, local charms) are left out. */
export function liveRevisions(exportBundleYaml: string, apps: readonly string[]): Record<string, number> {
    const exported = exportedApplications(exportBundleYaml);
    return Object.fromEntries(
        apps.flatMap((app) => {
            const revision = exported[app]?.revision;
            return typeof revision === "number" ? [[app, revision]] : [];
        }),
    );
}

/**
 * One line per application whose charm revision differs from the one recorded, on the channel
 * `live` has it on (a charm on another channel is reported and refused by channel instead). The
 * live revision is adopted, not reverted: Juju refreshes charms forward, and going back is the
 * operator's `juju refresh <app> --revision <recorded>`. Nothing without a record (earlier versions).
 */
export function describeRevisionDrift(
    recorded: Readonly<Record<string, number>> | undefined,
    revisions: Readonly<Record<string, number>>,
    live: ModelView,
    declared: ModelView,
): string[] {
    if (!recorded) return [];
    return Object.entries(revisions).flatMap(([app, revision]) => {
        const [was, channel] = [recorded[app], live.applications[app]?.channel];
        const sameChannel =
            channel !== undefined && normalizedChannel(channel) === normalizedChannel(declared.applications[app]?.channel ?? "");
        if (was === undefined || was === revision || !sameChannel) return [];
        return [
            `${app}: charm revision ${revision} in the model, ${was} recorded: refreshed by hand on ${channel}; kept (Juju refreshes charms forward; to go back: \`juju refresh ${app} --revision ${was}\`)`,
        ];
    });
}

/**
 * The model as plain `juju export-bundle` prints it (no --include-charm-defaults: `options` holds
 * only the stored settings, so an option reset by hand is absent), restricted to the applications
 * and option keys `declared` names. Applications the model has and `declared` lacks are left out:
 * they were added by hand beside the deployment (monitoring, storage) and are not its to restore.
 * `status` (`juju status --format=json`), when given, adds each application's units by name.
 */
export function liveView(exportBundleYaml: string, declared: ModelView, status?: JujuStatus): ModelView {
    const exported = exportedApplications(exportBundleYaml);
    const applications: Record<string, ApplicationView> = {};
    for (const [app, wanted] of Object.entries(declared.applications)) {
        const spec = exported[app];
        if (!spec) continue;
        const options: Record<string, string> = {};
        for (const key of Object.keys(wanted.options)) {
            const value = spec.options?.[key];
            if (value !== undefined && value !== null) options[key] = optionText(value);
            // Not stored: the charm's default, which `juju config <app> <key>` prints; "" for those declared "".
            else if (wanted.options[key] === "") options[key] = "";
        }
        // `to`: one entry per unit, its machine id, or lxd:<parent> for a container (bundle.go:577-594).
        const machines = (spec.to ?? []).map(String).sort(byMachineId);
        const statusUnits = status?.applications?.[app]?.units;
        const units = statusUnits
            ? Object.fromEntries(Object.entries(statusUnits).map(([name, unit]) => [name, unit.machine ?? ""]))
            : undefined;
        applications[app] = { channel: spec.channel ?? "", options, machines, ...(units ? { units } : {}) };
    }
    return { applications };
}

/** One difference: the bundle (declared) side and the model (live) side, as diff-bundle prints it. */
export interface SideBySide<T> {
    readonly bundle: T;
    readonly model: T;
}

/**
 * One application's differences, in diff-bundle's key order (diff.go ApplicationDiff: missing,
 * channel, num_units, options). `machines` is ck-dualstack's own: diff-bundle compares no unit
 * placement on machine models (diff.go:176-178 only for kubernetes bundles), but a unit moved by
 * hand matters here.
 */
export interface ApplicationDiff {
    /** "model": declared, not in the model; "bundle": in the model, not declared. Nothing else then. */
    readonly missing?: "bundle" | "model";
    readonly channel?: SideBySide<string>;
    /** Principals only (diff.go:168-175 skips subordinates). */
    readonly num_units?: SideBySide<number>;
    readonly machines?: SideBySide<readonly string[]>;
    /** An option unset on one side is null there (diff.go:315-338). */
    readonly options?: Readonly<Record<string, SideBySide<string | null>>>;
}

/** `{}` when the model is as declared (diff-bundle prints `{}` then). */
export interface ModelDiff {
    readonly applications?: Readonly<Record<string, ApplicationDiff>>;
}

function applicationDiff(declared: ApplicationView, live: ApplicationView): ApplicationDiff {
    const diff: {
        channel?: SideBySide<string>;
        num_units?: SideBySide<number>;
        machines?: SideBySide<readonly string[]>;
        options?: Record<string, SideBySide<string | null>>;
    } = {};
    if (normalizedChannel(declared.channel) !== normalizedChannel(live.channel))
        diff.channel = { bundle: declared.channel, model: live.channel };
    if (declared.machines.length !== live.machines.length)
        diff.num_units = { bundle: declared.machines.length, model: live.machines.length };
    if (declared.machines.join() !== live.machines.join()) diff.machines = { bundle: declared.machines, model: live.machines };
    const keys = [...new Set([...Object.keys(declared.options), ...Object.keys(live.options)])].sort();
    const options = keys
        .map((key) => [key, { bundle: declared.options[key] ?? null, model: live.options[key] ?? null }] as const)
        .filter(([, side]) => side.bundle !== side.model);
    if (options.length > 0) diff.options = Object.fromEntries(options);
    return diff;
}

/** Differences in `juju diff-bundle`'s shape: applications sorted by name, only those that differ. */
export function modelDiff(declared: ModelView, live: ModelView): ModelDiff {
    const names = [...new Set([...Object.keys(declared.applications), ...Object.keys(live.applications)])].sort();
    const applications: Record<string, ApplicationDiff> = {};
    for (const app of names) {
        const [wanted, found] = [declared.applications[app], live.applications[app]];
        const diff: ApplicationDiff = !found ? { missing: "model" } : !wanted ? { missing: "bundle" } : applicationDiff(wanted, found);
        if (Object.keys(diff).length > 0) applications[app] = diff;
    }
    return Object.keys(applications).length > 0 ? { applications } : {};
}

const machineList = (machines: readonly string[]) => (machines.length > 0 ? `machines ${machines.join(", ")}` : "no machine");

/** One line per difference, naming the application, the key, the declared and the live value. */
export function describeDrift(diff: ModelDiff): string[] {
    const lines: string[] = [];
    for (const [app, d] of Object.entries(diff.applications ?? {})) {
        if (d.missing === "model") lines.push(`${app}: declared, but not in the model (removed by hand)`);
        if (d.missing === "bundle") lines.push(`${app}: in the model, not declared`);
        if (d.channel) lines.push(`${app} charm channel: declared ${d.channel.bundle}, live ${d.channel.model} (refreshed by hand)`);
        if (d.machines) {
            lines.push(
                `${app} units: declared ${d.machines.bundle.length} on ${machineList(d.machines.bundle)}, live ${d.machines.model.length} on ${machineList(d.machines.model)}`,
            );
        }
        for (const [key, side] of Object.entries(d.options ?? {})) {
            const live = side.model === null ? "unset (the charm's default applies)" : JSON.stringify(side.model);
            lines.push(`${app} option ${key}: declared ${side.bundle === null ? "unset" : JSON.stringify(side.bundle)}, live ${live}`);
        }
    }
    return lines;
}

/** What an application removed by hand took with it, and how an operator brings it back. */
function removedApplication(app: string, declared: ApplicationView): string {
    const to = declared.machines.join(",");
    const deploy = `juju deploy ${app} --channel ${declared.channel}${to ? ` -n ${declared.machines.length} --to ${to}` : ""}`;
    const after =
        "then integrate it as the charmed-kubernetes bundle does, `juju config` the options ck-dualstack declares, and run pulumi refresh and pulumi up";
    switch (app) {
        case "etcd":
            // layer-etcd src/actions.yaml `restore`: leader only, from the `snapshot` resource, into one unit (backups.md).
            return `etcd held the cluster's datastore (every Kubernetes object and Secret); a new etcd starts empty, so ck-dualstack does not redeploy it. Steps: \`juju deploy etcd --channel ${declared.channel} --to ${declared.machines[0] ?? "<machine>"}\` (one unit), integrate it (etcd:certificates easyrsa:client, kubernetes-control-plane:etcd etcd:db, calico:etcd etcd:db), \`juju attach-resource etcd snapshot=<the last snapshot, e.g. the Deployment's etcdSnapshot output>\`, \`juju run etcd/leader restore\`, \`juju add-unit etcd --to\` the other control-plane machines, then pulumi refresh and pulumi up`;
        case "easyrsa":
            // layer-easyrsa src/actions.yaml `backup`/`restore name=`: the PKI is kept on the unit.
            return `easyrsa held the cluster's CA; a new easyrsa issues a new CA, and every certificate signed by the old one (etcd, the API, kubelets, kubeconfigs) stops being trusted, so ck-dualstack does not redeploy it. Steps: \`${deploy}\`, copy a backup of the old PKI onto it (\`juju scp <backup> easyrsa/leader:\`) and \`juju run easyrsa/leader restore name=<backup>\`, ${after}`;
        case "kubernetes-control-plane":
        case "kubernetes-master":
            return `${app} was the control plane (the API servers, their service-account keys and the credentials in every kubeconfig); a new one issues new credentials, so ck-dualstack does not redeploy it. Steps: \`${deploy}\`, ${after}; kubeconfigs must then be fetched again`;
        default:
            return `${app} was removed from the running cluster; ck-dualstack changes a live cluster in place and never deploys an application over it. Steps: \`${deploy}\`, ${after}`;
    }
}

/** Why a charm on another channel than declared is not refreshed back, and the two ways on. */
function channelRefusal(app: string, declared: string, live: string): string {
    return `${app} runs charm channel ${live}, refreshed by hand; the deployment declares ${declared}. ck-dualstack does not refresh a charm back (charm downgrades are not an upgrade path, and a newer charm is not undone in place). Either set ck-dualstack:channel to ${live} and run pulumi up, which goes through the upgrade path (docs/day-two.md, "Upgrading one minor version"), or refresh it back by hand: \`juju refresh ${app} --channel ${declared}\`, then pulumi refresh`;
}

/** Units on `machine` by name, in unit-number order (newest last). */
function unitsOn(app: string, live: ApplicationView, machine: string): string[] {
    if (!live.units) throw new Error(`restoring ${app}'s units needs their names: pass juju status to liveView`);
    return Object.entries(live.units)
        .filter(([, on]) => on === machine)
        .map(([name]) => name)
        .sort(byMachineId);
}

/**
 * How up puts the model back in place, or why it must not. Options edited or reset by hand get
 * their declared values back with one `juju config` per application; a declared machine without
 * its unit gets `juju add-unit --to`; units on machines not declared (or a second unit on a
 * declared one: the newest goes) get `juju remove-unit`, after every unit is added. Never a
 * redeploy: an application removed by hand, or a charm on another channel, is refused instead.
 * No unit is added to a declared machine the model no longer has: Juju removes a machine with its
 * last principal unit (state/unit.go destroyHostOps), so a worker unit removed by hand takes its
 * machine along, and that machine is enlisted again (a new id) by its Machine resource, whose unit
 * the deployment's own placement change adds. The model's machines are `modelMachines` (the ids
 * `juju status` lists) when given, else those hosting a unit of an application in `live`. A charm
 * on `upgradingTo` (the channel the change upgrades to) is not refused: an interrupted upgrade.
 * Units are counted by name when `live` has them (the same reading as the names removed).
 */
export function restoreOperations(
    declared: ModelView,
    live: ModelView,
    modelMachines?: readonly string[],
    upgradingTo?: string,
): { operations: Operation[]; refusals: { property: string; reason: string }[] } {
    const config: Operation[] = [];
    const added: Operation[] = [];
    const removed: Operation[] = [];
    const refusals: { property: string; reason: string }[] = [];
    const inModel = new Set(modelMachines ?? Object.values(live.applications).flatMap((view) => view.machines));
    for (const [app, wanted] of Object.entries(declared.applications)) {
        const found = live.applications[app];
        if (!found) {
            refusals.push({ property: "expectedApplications", reason: removedApplication(app, wanted) });
            continue;
        }
        // A charm already on the channel being upgraded to is the upgrade in progress (an interrupted
        // up): the upgrade plan skips it, so it is not drift.
        const onTarget = upgradingTo !== undefined && normalizedChannel(upgradingTo) === normalizedChannel(found.channel);
        if (normalizedChannel(wanted.channel) !== normalizedChannel(found.channel) && !onTarget) {
            refusals.push({ property: "channel", reason: channelRefusal(app, wanted.channel, found.channel) });
        }
        const settings = Object.entries(wanted.options)
            .filter(([key, value]) => found.options[key] !== value)
            .map(([key, value]) => `${key}=${value}`);
        if (settings.length > 0) config.push({ kind: "juju", command: "config", positional: [app, ...settings] });
        const count = (machines: readonly string[], machine: string) => machines.filter((m) => m === machine).length;
        const liveMachines = found.units ? Object.values(found.units) : found.machines;
        for (const machine of [...new Set([...wanted.machines, ...liveMachines])].sort(byMachineId)) {
            const gone = !inModel.has(machine);
            const [want, have] = [gone ? 0 : count(wanted.machines, machine), count(liveMachines, machine)];
            for (let i = have; i < want; i++)
                added.push({ kind: "juju", command: "add-unit", positional: [app], flags: ["--to", machine] });
            if (have > want) {
                for (const unit of unitsOn(app, found, machine).slice(want - have))
                    removed.push({ kind: "juju", command: "remove-unit", positional: [unit] });
            }
        }
    }
    return { operations: [...config, ...added, ...removed], refusals };
}
