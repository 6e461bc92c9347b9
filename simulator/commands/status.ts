// `juju status --format=json` in Juju 3.6's shape (reference/juju-status-iaas-3.6.4.json).
import { registryProblem } from "../charms";
import { apiServerReady } from "../cluster";
import { Command, JujuExit, VERSION, env, faultUnits, flag, modelKey, out, since } from "../context";
import { syncKubernetes } from "../kubelets";
import { SimModel, hostnameOf, readState, withState } from "../state";
import { reap, snapChannelOf } from "./applications";

/**
 * A unit's status now. Hooks run until `settleAt` (maintenance/executing). Faults: UNIT_ERROR
 * (a hook fails; with UNIT_ERROR_SECONDS it recovers after that long, as Juju retries failed
 * hooks with backoff: worker/uniter, model config `automatically-retry-hooks`), BLOCKED, UNIT_LOST.
 */
function unitStatus(
    unit: string,
    app: string,
    settleAt: number,
    now: number,
    model: SimModel,
    apiReady: boolean,
    machine?: string,
    snapChannel?: string,
) {
    const status = (workload: string, message: string, agent: string, agentMessage = "") => ({
        "workload-status": { current: workload, ...(message ? { message } : {}), since: since(settleAt) },
        "juju-status": { current: agent, ...(agentMessage ? { message: agentMessage } : {}), since: since(settleAt), version: VERSION },
    });
    const installing = now < settleAt;
    // apiserver/common/unitstatus.go: an agent the controller stopped hearing from is "lost" (not
    // while it installs); unit agents run in their machine's agent, so a machine down loses them too.
    const machineDown = machine !== undefined && downMachines().has(machine);
    if (!installing && (faultUnits("UNIT_LOST").has(unit) || machineDown)) {
        return status("unknown", `agent lost, see 'juju show-status-log ${unit}'`, "lost", "agent is not communicating with the server");
    }
    if (installing) {
        return {
            "workload-status": { current: "maintenance", message: "installing charm software", since: since(now) },
            "juju-status": { current: "executing", message: "running install hook", since: since(now), version: VERSION },
        };
    }
    const errorUnits = faultUnits("UNIT_ERROR");
    const errorFor = Number(env("UNIT_ERROR_SECONDS", "0")) * 1000;
    if (errorUnits.has(unit) && (errorFor === 0 || now < settleAt + errorFor)) {
        // Juju retries the failed hook (retrystrategy: 5 s doubling to 5 min); during a retry the unit
        // shows executing, not error.
        if (Math.floor((now - settleAt) / 1000) % 5 === 4) {
            return {
                "workload-status": { current: "maintenance", message: "retrying install", since: since(now) },
                "juju-status": { current: "executing", message: "running install hook", since: since(now), version: VERSION },
            };
        }
        return status("error", errorUnits.get(unit) || 'hook failed: "install"', "idle");
    }
    const application = model.applications[app];
    // charm-lib-kubernetes-snaps install(): a `channel` whose major.minor differs from the installed
    // snaps blocks the unit until the upgrade action runs (reference/charms/upgrade.md, SNAPS:674-677).
    const wanted = application && snapChannelOf(application);
    if (snapChannel && wanted && minorOf(snapChannel) !== minorOf(wanted)) return status("blocked", UPGRADE_GATE, "idle");
    const blockedUnits = faultUnits("BLOCKED");
    if (blockedUnits.has(unit)) return status("blocked", blockedUnits.get(unit) || "simulated block", "idle");
    const registry =
        application &&
        (registryProblem(application.charm, application.options) ??
            (app === "kubernetes-worker" ? controlPlaneRegistry(model) : undefined));
    if (registry) return status("blocked", registry, "idle");
    if (app === "kubernetes-control-plane" && !apiReady) return status("waiting", "Waiting for kube-apiserver to start", "idle");
    // The 1.35 ops charms settle on active "Ready" (charm-lib-contextual-status, reference/charms/upgrade.md
    // §2); "Kubernetes worker running." was the old reactive charms' message.
    return status("active", "Ready", "idle");
}

/** The upgrade gate's literal message (ops charms, with a full stop). */
const UPGRADE_GATE = "Needs manual upgrade, run the upgrade action.";

const minorOf = (channel: string) => /^(\d+\.\d+)/.exec(channel)?.[1] ?? channel;

/** Machines whose agents are down (CK_JUJU_SIM_MACHINE_DOWN). */
const downMachines = () => new Set(env("MACHINE_DOWN", "").split(",").filter(Boolean));

/** Workers pull from the registry the control plane hands them over kube-control. */
function controlPlaneRegistry(model: SimModel): string | undefined {
    const cp = model.applications["kubernetes-control-plane"];
    return cp ? registryProblem(cp.charm, cp.options) : undefined;
}

async function renderStatus(name: string, controller: string, model: SimModel): Promise<object> {
    const now = Date.now();
    const apiReady = model.apiserver ? await apiServerReady(model.apiserver) : false;
    const down = downMachines();
    const machines: Record<string, object> = {};
    for (const [id, machine] of Object.entries(model.machines)) {
        const started = now >= machine.readyAt;
        // core/status: a machine agent that stopped talking to the controller is "down".
        const agent = down.has(id)
            ? { current: "down", message: "agent is not communicating with the server", since: since(machine.readyAt), version: VERSION }
            : { current: started ? "started" : "pending", since: since(machine.readyAt), version: VERSION };
        machines[id] = {
            "juju-status": agent,
            hostname: hostnameOf(id),
            "dns-name": machine.address,
            "ip-addresses": machine.ipAddresses,
            "instance-id": `manual:${machine.address}`,
            "machine-status": { current: "running", message: "Manually provisioned machine", since: since(machine.readyAt) },
            "modification-status": { current: "applied", since: since(machine.readyAt) },
            base: { name: "ubuntu", channel: "24.04" },
            "network-interfaces": {
                eth0: {
                    "ip-addresses": machine.ipAddresses,
                    "mac-address": "00:16:3e:00:00:0" + id.slice(-1),
                    space: "alpha",
                    "is-up": true,
                },
            },
            constraints: "arch=amd64",
            hardware: "arch=amd64 cores=2 mem=8192M",
        };
    }
    const applications: Record<string, object> = {};
    const subordinateCounters: Record<string, number> = {};
    const subordinatesOf = (principal: string) =>
        Object.entries(model.applications).filter(([, app]) => app.subordinateTo?.includes(principal));
    for (const [appName, app] of Object.entries(model.applications)) {
        const life = app.life ? { life: app.life } : {};
        if (app.subordinateTo) {
            applications[appName] = {
                charm: app.charm,
                "charm-channel": app.channel,
                "charm-rev": app.revision ?? 1,
                exposed: false,
                ...life,
                "application-status": { current: "active", since: since(now) },
                "subordinate-to": app.subordinateTo,
            };
            continue;
        }
        const units: Record<string, object> = {};
        for (const [unitName, unit] of Object.entries(app.units)) {
            const subordinates: Record<string, object> = {};
            for (const [subName] of subordinatesOf(appName)) {
                const n = (subordinateCounters[subName] = (subordinateCounters[subName] ?? -1) + 1);
                subordinates[`${subName}/${n}`] = {
                    ...unitStatus(`${subName}/${n}`, subName, unit.settleAt, now, model, apiReady, unit.machine),
                    ...(n === 0 ? { leader: true } : {}),
                    "public-address": model.machines[unit.machine]?.address,
                };
            }
            units[unitName] = {
                ...unitStatus(unitName, appName, unit.settleAt, now, model, apiReady, unit.machine, unit.snapChannel),
                ...(unit.leader ? { leader: true } : {}),
                machine: unit.machine,
                "public-address": model.machines[unit.machine]?.address,
                ...(Object.keys(subordinates).length > 0 ? { subordinates } : {}),
            };
        }
        const statuses = Object.values(units) as { "workload-status": { current: string; message?: string } }[];
        const worst = statuses.find((u) => u["workload-status"].current !== "active")?.["workload-status"] ?? { current: "active" };
        applications[appName] = {
            charm: app.charm,
            "charm-origin": "charmhub",
            "charm-name": app.charm,
            "charm-rev": app.revision ?? 1,
            "charm-channel": app.channel,
            exposed: app.exposed,
            ...life,
            "application-status": { ...worst, since: since(now) },
            units,
        };
    }
    return {
        model: {
            name,
            type: "iaas",
            controller,
            cloud: "manual",
            region: "default",
            version: VERSION,
            "model-status": { current: "available", since: since(now) },
        },
        machines,
        applications,
        storage: {},
        controller: { timestamp: new Date(now).toISOString().slice(11, 19) },
    };
}

export const statusCommands: Record<string, Command> = {
    status: {
        mutating: () => false,
        run: async (args) => {
            const ref = flag(args, "-m", "--model");
            const { key, controller, name } = modelKey(readState(), ref);
            // Finished removals leave the model before status shows it (the controller's cleanup worker);
            // settled units' kubelets register their Nodes.
            const model = await withState(async (state) => {
                const live = state.models[key];
                if (live) {
                    reap(live);
                    await syncKubernetes(live, downMachines());
                }
                return live;
            });
            if (!model) throw new JujuExit(`ERROR model ${controller}:admin/${name} not found`);
            out(JSON.stringify(await renderStatus(name, controller, model)));
        },
    },
};
