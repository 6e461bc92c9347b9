// Applications: deploy (a bundle with overlays onto existing machines), config, remove-application.
import * as fs from "fs";
import * as yaml from "js-yaml";
import { charmData } from "../charmData";
import { charmOf, optionProblem, optionValue } from "../charms";
import { apiHost, restartApiServer, startApiServer } from "../cluster";
import {
    Command,
    JujuExit,
    env,
    err,
    flag,
    getModel,
    modelKey,
    out,
    readStateModel,
    inHookError,
    refuseNoWaitWithoutForce,
    refuseWithoutPrompt,
    reportRemovals,
    seconds,
    sleep,
} from "../context";
import { SimApplication, SimModel, SimUnit, shownSettleAt, withState } from "../state";
import { teardown } from "./models";

type Overlay = {
    applications?: Record<string, { charm?: string; options?: Record<string, unknown>; num_units?: number; to?: string[] } | null>;
    machines?: Record<string, unknown>;
};

/** kubeapi-load-balancer's `loadbalancer-ips`, where the charm hands the API out. */
export const balancerIps = (model: SimModel) => model.applications["kubeapi-load-balancer"]?.options["loadbalancer-ips"] ?? "";

const revision = () => Number(env("CHARM_REVISION", "1"));

/**
 * Ends removals whose time has come: a dying unit or application goes, and so do the machines left
 * hosting no principal unit, manual ones included (apiserver/facades/client/application
 * DestroyApplication schedules machine removal for machines whose last principal unit is removed;
 * state/unit.go: the last principal leaving a machine makes the machine dying). A unit whose hook
 * is failing does not run its stop hooks, so a graceful removal waits for it; `--force` ignores
 * "operational errors (e.g. hook failures)" (remove-application's help, cmd/juju/application/
 * removeapplication.go). A removed manual machine's host keeps its agent (state.ts SimHost).
 */
export function reap(model: SimModel, now = Date.now()): void {
    const vacated = new Set<string>();
    const due = (thing: { life?: string; removeAt?: number }) => thing.life === "dying" && (thing.removeAt ?? 0) <= now;
    const stuck = (name: string, unit: SimUnit, forced?: boolean) => !forced && !unit.forced && inHookError(name, unit.settleAt, now);
    for (const [name, app] of Object.entries(model.applications)) {
        for (const [unitName, unit] of Object.entries(app.units)) {
            if (!(due(unit) || due(app)) || stuck(unitName, unit, app.forced)) continue;
            delete app.units[unitName];
            vacated.add(unit.machine);
        }
        if (!due(app) || Object.keys(app.units).length > 0) continue;
        if (name === "kubernetes-control-plane") teardown(model);
        delete model.applications[name];
    }
    const hosting = (id: string) => Object.values(model.applications).some((app) => Object.values(app.units).some((u) => u.machine === id));
    for (const [id, machine] of Object.entries(model.machines)) {
        if ((vacated.has(id) || due(machine)) && !hosting(id)) delete model.machines[id];
    }
}

/**
 * After `juju config <app> channel=...`: `juju config` returns before the units' config-changed hooks
 * run, and until a unit's hook ends it shows what it showed before (state.ts QueuedHook): the control
 * plane and workers show the upgrade gate only at the end of their reconcile (charm-lib-kubernetes-snaps
 * install(), SNAPS:674-677, after `snap info` of every snap), etcd shows nothing of its snap refresh
 * (layer-etcd etcd.py snap_install). Each unit is gated on its own (reference/charms/upgrade.md §2):
 * unit i waits for CONFIG_SECONDS/2 plus i quarter seconds, then runs its hook for CONFIG_SECONDS/2.
 */
function queueChannelHooks(app: SimApplication): void {
    const now = Date.now();
    const half = seconds("CONFIG_SECONDS", 1) / 2;
    const names = Object.keys(app.units).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    names.forEach((name, i) => {
        const unit = app.units[name];
        const previousSettleAt = shownSettleAt(unit, now);
        const startAt = Math.max(unit.settleAt, now + half + i * 250);
        unit.settleAt = startAt + half;
        unit.hook = { name: "config-changed", startAt, endAt: unit.settleAt, previousSettleAt };
    });
}

/**
 * The `channel` option of the control plane and workers: the Kubernetes snaps' channel, gated by the
 * upgrade action (charm-lib-kubernetes-snaps). etcd's `channel` is its own snap's, refreshed in
 * config-changed without a gate (layer-etcd etcd.py snap_install), so it is none of this.
 */
export function snapChannelOf(app: SimApplication): string | undefined {
    return ["kubernetes-control-plane", "kubernetes-worker"].includes(app.charm)
        ? optionValue(app.charm, app.options, "channel")
        : undefined;
}

/** Every option the bundle and the overlays set, per application (overlays win, in order). */
function mergedOptions(bundleName: string, overlays: Overlay[]): Record<string, Record<string, unknown>> {
    const bundle = charmData().bundles[bundleName];
    const merged: Record<string, Record<string, unknown>> = {};
    for (const [app, spec] of Object.entries(bundle.applications)) merged[app] = { ...spec.options };
    for (const overlay of overlays) {
        for (const [app, spec] of Object.entries(overlay.applications ?? {})) {
            if (!merged[app] && !spec?.charm) {
                throw new JujuExit(
                    `ERROR cannot deploy bundle: application "${app}" from the overlay is not in the bundle and names no charm`,
                );
            }
            Object.assign((merged[app] ??= {}), spec?.options ?? {});
        }
    }
    return merged;
}

/**
 * The first option problem of an application, worded as Juju 3.6 reports it from the controller
 * (charm/v12 config.go `unknown option %q`, wrapped by cmd/juju/application/bundle/bundlehandler.go
 * "cannot deploy application %q" for a new one and "cannot update options for application %q:
 * parsing settings for application" for an existing one).
 */
function optionsProblem(app: string, charm: string, options: Record<string, unknown>, existing: boolean): string | undefined {
    for (const [option, value] of Object.entries(options)) {
        const problem = optionProblem(charm, option, value, false);
        if (problem) {
            return existing
                ? `cannot update options for application "${app}": parsing settings for application: ${problem}`
                : `cannot deploy application "${app}": ${problem}`;
        }
    }
    return undefined;
}

const asText = (options: Record<string, unknown>) => Object.fromEntries(Object.entries(options).map(([k, v]) => [k, String(v)]));

async function deploy(args: Parameters<Command["run"]>[0]): Promise<void> {
    const ref = flag(args, "-m", "--model");
    const bundleName = args.positional[0];
    if (!bundleName) throw new JujuExit("ERROR no charm name specified");
    if (bundleName.startsWith(".") || bundleName.startsWith("/") || bundleName.startsWith("-")) {
        throw new JujuExit(`ERROR the simulator deploys Charmhub bundles only, not "${bundleName}"`);
    }
    // charmhub: an unknown name is "charm or bundle not found".
    if (!charmData().bundles[bundleName])
        throw new JujuExit(`ERROR cannot resolve charm or bundle "${bundleName}": charm or bundle not found`);
    if (flag(args, "--map-machines") !== "existing")
        throw new JujuExit("ERROR the simulator deploys onto enlisted machines only: pass --map-machines=existing");
    const channel = flag(args, "--channel") ?? "stable";
    const overlays = (args.flags["--overlay"] ?? []).map((file) => {
        try {
            return (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as Overlay;
        } catch (e) {
            throw new JujuExit(`ERROR cannot read overlay ${file}: ${(e as Error).message.split("\n")[0]}`);
        }
    });
    const options = mergedOptions(bundleName, overlays);
    const model = readStateModel(ref);
    for (const overlay of overlays) {
        for (const id of Object.keys(overlay.machines ?? {})) {
            if (!model.machines[id])
                throw new JujuExit(`ERROR cannot deploy bundle: machine ${id} does not exist in the model (--map-machines=existing)`);
        }
    }
    const bundle = charmData().bundles[bundleName].applications;
    const placement = (app: string) => overlays.reduce<string[]>((to, overlay) => overlay.applications?.[app]?.to ?? to, []);
    // A bundle onto existing applications (core/bundle/changes): charms whose channel or revision
    // differ are refreshed (a channel switch only with --force), options differing from the
    // bundle's are set back to them, and units are added for placements without one.
    const changes: string[] = [];
    for (const app of Object.keys(bundle)) {
        const live = model.applications[app];
        // An application the bundle exposes is exposed after it is deployed, and again if it was
        // unexposed (core/bundle/changes: ExposeChange, described as below in changes.go).
        const expose =
            bundle[app].expose && !live?.exposed ? [`- expose all endpoints of ${app} and allow access from CIDRs 0.0.0.0/0 and ::/0`] : [];
        if (!live) {
            changes.push(`- deploy application ${app} from charm-hub on ubuntu@24.04 with ${channel}`, ...expose);
            continue;
        }
        if (live.life === "dying") throw new JujuExit(`ERROR cannot deploy bundle: application "${app}" is being removed`);
        // core/bundle/changes handlers.go: a channel switch is refused without --force.
        if (live.channel !== channel && !flag(args, "--force")) {
            throw new JujuExit(
                `ERROR cannot deploy bundle: application "${app}": upgrades not supported across channels (existing: "${live.channel}", requested: "${channel}"); use --force to override`,
            );
        }
        if (live.channel !== channel || (live.revision ?? 1) !== revision())
            changes.push(`- upgrade ${app} from charm-hub using charm ${app} for base ubuntu@24.04 from channel ${channel}`);
        const reset = Object.entries(asText(options[app] ?? {})).filter(([k, v]) => optionValue(live.charm, live.options, k) !== v);
        if (reset.length > 0) changes.push(`- set application options for ${app}: ${reset.map(([k, v]) => `${k}=${v}`).join(" ")}`);
        changes.push(...expose);
        const placed = new Set(Object.values(live.units).map((unit) => unit.machine));
        for (const machine of placement(app).filter((m) => !placed.has(m))) changes.push(`- add unit ${app}/? to new machine ${machine}`);
    }
    if (changes.length === 0) {
        err(`Located bundle "${bundleName}" in charm-hub, revision ${revision()}\nNo changes to apply.`);
        return;
    }
    if (flag(args, "--dry-run")) {
        err(`Changes to deploy bundle:\n${changes.join("\n")}`);
        return;
    }
    err(`Located bundle "${bundleName}" in charm-hub, revision ${revision()}\nExecuting changes:\n${changes.join("\n")}`);
    // The call takes DEPLOY_SECONDS in all, its own work (certificates, processes) included.
    const doneAt = Date.now() + seconds("DEPLOY_SECONDS", 1);
    // Changes run in order and stop at the first failure; what ran before it stays (bundlehandler.go).
    // Applications are deployed (or updated) first, units added after all of them.
    const failure = await withState(async (state) => {
        const live = getModel(state, ref);
        const settleAt = doneAt + seconds("SETTLE_SECONDS", 3);
        for (const [appName, spec] of Object.entries(bundle)) {
            const existing = live.applications[appName];
            const problem = optionsProblem(appName, spec.charm, options[appName] ?? {}, existing !== undefined);
            if (problem) return problem;
            const wanted = asText(options[appName] ?? {});
            if (!existing) {
                live.applications[appName] = {
                    charm: spec.charm,
                    channel,
                    revision: revision(),
                    options: wanted,
                    units: {},
                    subordinateTo: spec.subordinateTo,
                    exposed: spec.expose === true,
                };
                continue;
            }
            if (spec.expose) existing.exposed = true;
            const refreshed = existing.channel !== channel || (existing.revision ?? 1) !== revision();
            existing.channel = channel;
            existing.revision = revision();
            Object.assign(existing.options, wanted);
            // Units run upgrade-charm or config-changed hooks again.
            for (const unit of Object.values(existing.units)) if (refreshed || Object.keys(wanted).length > 0) unit.settleAt = settleAt;
        }
        for (const [appName, app] of Object.entries(live.applications)) {
            if (!bundle[appName]) continue;
            const placed = new Set(Object.values(app.units).map((unit) => unit.machine));
            let next = Math.max(-1, ...Object.keys(app.units).map((name) => Number(name.split("/")[1]))) + 1;
            for (const machine of placement(appName).filter((m) => !placed.has(m))) {
                app.units[`${appName}/${next}`] = { machine, settleAt, leader: next === 0, snapChannel: snapChannelOf(app) };
                next++;
            }
        }
        const serviceCidr = live.applications["kubernetes-control-plane"]?.options["service-cidr"];
        const { controller, name } = modelKey(state, ref);
        if (serviceCidr && !live.apiserver)
            live.apiserver = await startApiServer(`${controller}-${name}`, serviceCidr, apiHost(serviceCidr, balancerIps(live)));
        return undefined;
    });
    if (failure) throw new JujuExit(`ERROR cannot deploy bundle: ${failure}`);
    await sleep(doneAt - Date.now());
    err("Deploy of bundle completed.");
}

export const applicationCommands: Record<string, Command> = {
    deploy: { mutating: (args) => !args.flags["--dry-run"], run: deploy },
    refresh: {
        mutating: () => true,
        run: async (args) => {
            const ref = flag(args, "-m", "--model");
            const [appName] = args.positional;
            const said = await withState((state) => {
                const model = getModel(state, ref);
                const app = model.applications[appName];
                if (!app) throw new JujuExit(`ERROR application "${appName}" not found (not found)`);
                const channel = flag(args, "--channel") ?? app.channel;
                // cmd/juju/application/refresher.go: nothing newer on the channel is reported, not an
                // error (refresh.go logs `charm "x": already up-to-date` and returns nil).
                if (channel === app.channel && (app.revision ?? 1) >= revision()) return `charm "${app.charm}": already up-to-date`;
                app.channel = channel;
                app.revision = Math.max(revision(), (app.revision ?? 1) + 1);
                // Every unit, subordinates through their principals, runs upgrade-charm.
                const settleAt = Date.now() + seconds("SETTLE_SECONDS", 3);
                const principals = app.subordinateTo ? app.subordinateTo.map((p) => model.applications[p]).filter(Boolean) : [app];
                for (const principal of principals)
                    for (const unit of Object.values(principal.units)) unit.settleAt = Math.max(unit.settleAt, settleAt);
                return `Added charm-hub charm "${app.charm}", revision ${app.revision} in channel ${channel}, to the model`;
            });
            err(said);
        },
    },
    config: {
        mutating: (args) => args.positional.some((p) => p.includes("=")) || flag(args, "--reset") !== undefined,
        run: async (args) => {
            const ref = flag(args, "-m", "--model");
            const [appName, ...rest] = args.positional;
            await withState(async (state) => {
                const model = getModel(state, ref);
                const app = model.applications[appName];
                // apiserver/facades/client/application: `application %q not found`.
                if (!app) throw new JujuExit(`ERROR application "${appName}" not found (not found)`);
                const settings = rest.filter((p) => p.includes("="));
                // cmd/juju/config: `--reset key[,key...]` sets options back to the charm's defaults.
                const reset = (args.flags["--reset"] ?? []).flatMap((keys) => keys.split(",")).filter(Boolean);
                const unknown = reset.find((key) => !(key in charmOf(app.charm).options));
                if (unknown) throw new JujuExit(`ERROR unknown option "${unknown}"`);
                for (const key of reset) delete app.options[key];
                if (settings.length === 0 && reset.length > 0) {
                    for (const unit of Object.values(app.units))
                        unit.settleAt = Math.max(unit.settleAt, Date.now() + seconds("CONFIG_SECONDS", 1));
                    return;
                }
                if (settings.length === 0) {
                    if (rest[0]) {
                        if (!(rest[0] in charmOf(app.charm).options))
                            throw new JujuExit(`ERROR key "${rest[0]}" not found in "${appName}" application config or charm settings.`);
                        out(optionValue(app.charm, app.options, rest[0]));
                    } else {
                        out(
                            JSON.stringify({
                                application: appName,
                                charm: app.charm,
                                settings: Object.fromEntries(
                                    Object.entries(app.options).map(([k, v]) => [k, { value: v, source: "user" }]),
                                ),
                            }),
                        );
                    }
                    return;
                }
                const pairs = settings.map((kv) => [kv.split("=")[0], kv.slice(kv.indexOf("=") + 1)] as const);
                const problems = pairs.map(([k, v]) => optionProblem(app.charm, k, v, true)).filter((p): p is string => p !== undefined);
                if (problems.length > 0) throw new JujuExit(`ERROR ${problems.join("; ")}`);
                const channelChanged = pairs.some(([k, v]) => k === "channel" && optionValue(app.charm, app.options, k) !== v);
                for (const [k, v] of pairs) app.options[k] = v;
                // The charm's config-changed hook runs on every unit.
                if (channelChanged) queueChannelHooks(app);
                else
                    for (const unit of Object.values(app.units))
                        unit.settleAt = Math.max(unit.settleAt, Date.now() + seconds("CONFIG_SECONDS", 1));
                // kube-apiserver restarts when its range or the address it is reached on changes.
                const server = model.apiserver;
                const serviceCidr = model.applications["kubernetes-control-plane"]?.options["service-cidr"] ?? server?.serviceCidr ?? "";
                const host = apiHost(serviceCidr, balancerIps(model));
                if (server && (serviceCidr !== server.serviceCidr || host !== server.host)) {
                    model.apiserver = restartApiServer(server, serviceCidr, host);
                }
            });
        },
    },
    "remove-application": {
        mutating: () => true,
        run: async (args) => {
            const ref = flag(args, "-m", "--model");
            refuseWithoutPrompt(args, "application removal");
            refuseNoWaitWithoutForce(args);
            const forced = flag(args, "--force") !== undefined;
            // Removal is not instant: applications show as dying for REMOVE_SECONDS (real removals take minutes).
            const removeAt = Date.now() + seconds("REMOVE_SECONDS", 2);
            const lines = await withState((state) => {
                const model = getModel(state, ref);
                const said: string[] = [];
                for (const app of args.positional) {
                    const live = model.applications[app];
                    // cmd/juju/application/removeapplication.go prints a per-application failure.
                    if (!live) {
                        said.push(`ERROR removing application ${app} failed: application "${app}" not found`);
                        continue;
                    }
                    live.life = "dying";
                    // --force --no-wait skips waiting for clean-up, but the clean-up itself still runs (state cleanups).
                    live.removeAt = Math.min(live.removeAt ?? removeAt, removeAt);
                    live.forced ||= forced;
                    said.push(`will remove application ${app}`, ...Object.keys(live.units).map((unit) => `- will remove unit ${unit}`));
                }
                return said;
            });
            reportRemovals(lines);
        },
    },
};
