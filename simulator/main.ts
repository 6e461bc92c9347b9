// ck-dualstack's Juju SIMULATOR. It is not Juju: it answers the juju commands ck-dualstack
// uses, in Juju 3.6's output formats, keeping state in CK_JUJU_SIM_HOME, and runs a real etcd
// and kube-apiserver for a deployed control plane. Faults are injected with CK_JUJU_SIM_*
// variables (README, "Juju simulator").
import * as crypto from "crypto";
import * as fs from "fs";
import * as yaml from "js-yaml";
import { BUNDLES, registryProblem } from "./bundle";
import { apiServerReady, kubeconfigFor, restartApiServer, startApiServer, stopApiServer } from "./cluster";
import { SimModel, SimState, bumpCounter, logCall, readState, withState } from "./state";

const VERSION = "3.6.4";
const env = (name: string, fallback: string) => process.env[`CK_JUJU_SIM_${name}`] ?? fallback;
const seconds = (name: string, fallback: number) => Number(env(name, String(fallback))) * 1000;

class JujuExit extends Error {
    constructor(
        message: string,
        readonly code = 1,
    ) {
        super(message);
    }
}

interface Args {
    positional: string[];
    flags: Record<string, string[]>;
}

const VALUE_FLAGS = new Set(["-m", "-c", "--config", "--channel", "--overlay", "--format", "--timeout", "--base"]);

function parseArgs(argv: string[]): Args {
    const args: Args = { positional: [], flags: {} };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg.startsWith("-")) {
            const eq = arg.indexOf("=");
            const [name, value] =
                eq > 0 && arg.startsWith("--")
                    ? [arg.slice(0, eq), arg.slice(eq + 1)]
                    : VALUE_FLAGS.has(arg)
                      ? [arg, argv[++i]]
                      : [arg, "true"];
            (args.flags[name] ??= []).push(value);
        } else args.positional.push(arg);
    }
    return args;
}

const flag = (args: Args, name: string) => args.flags[name]?.[args.flags[name].length - 1];

function modelName(ref: string | undefined): string {
    if (!ref) throw new JujuExit("ERROR no current model specified; use -m (the simulator has no current model)");
    const [controller, model] = ref.includes(":") ? ref.split(":", 2) : ["sim", ref];
    if (controller !== "sim") throw new JujuExit(`ERROR controller ${controller} not found`);
    return model.replace(/^admin\//, "");
}

function getModel(state: SimState, name: string): SimModel {
    const model = state.models[name];
    if (!model) throw new JujuExit(`ERROR model sim:admin/${name} not found`);
    return model;
}

const since = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const out = (text: string): void => void process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
const err = (text: string): void => void process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);

/** Units named by CK_JUJU_SIM_<name>, each `unit` or `unit=message`. */
function faultUnits(name: string): Map<string, string> {
    const entries = env(name, "").split(",").filter(Boolean);
    return new Map(entries.map((entry) => [entry.split("=")[0], entry.split("=")[1] ?? ""]));
}

function unitStatus(unit: string, app: string, settleAt: number, now: number, model: SimModel, apiReady: boolean) {
    const errorUnits = faultUnits("UNIT_ERROR");
    const blockedUnits = faultUnits("BLOCKED");
    const status = (workload: string, message: string, agent: string) => ({
        "workload-status": { current: workload, ...(message ? { message } : {}), since: since(settleAt) },
        "juju-status": { current: agent, since: since(settleAt), version: VERSION },
    });
    if (now < settleAt) {
        return {
            "workload-status": { current: "maintenance", message: "installing charm software", since: since(now) },
            "juju-status": { current: "executing", message: "running install hook", since: since(now), version: VERSION },
        };
    }
    if (errorUnits.has(unit)) return status("error", errorUnits.get(unit) || 'hook failed: "install"', "idle");
    if (blockedUnits.has(unit)) return status("blocked", blockedUnits.get(unit) || "simulated block", "idle");
    const problem = registryProblem(model.applications[app]?.options ?? {});
    if (problem && (app === "kubernetes-control-plane" || app === "kubernetes-worker")) return status("blocked", problem, "idle");
    if (app === "kubernetes-control-plane" && !apiReady) return status("waiting", "Waiting for kube-apiserver to start", "idle");
    const message =
        app === "kubernetes-control-plane"
            ? "Kubernetes control-plane running."
            : app === "kubernetes-worker"
              ? "Kubernetes worker running."
              : "Ready";
    return status("active", message, "idle");
}

async function renderStatus(name: string, model: SimModel): Promise<object> {
    const now = Date.now();
    const apiReady = model.apiserver ? await apiServerReady(model.apiserver) : false;
    const machines: Record<string, object> = {};
    for (const [id, machine] of Object.entries(model.machines)) {
        const started = now >= machine.readyAt;
        machines[id] = {
            "juju-status": { current: started ? "started" : "pending", since: since(machine.readyAt), version: VERSION },
            hostname: `sim-${id}`,
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
        if (app.subordinateTo) {
            applications[appName] = {
                charm: appName,
                "charm-channel": app.channel,
                exposed: false,
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
                    ...unitStatus(`${subName}/${n}`, subName, unit.settleAt, now, model, apiReady),
                    ...(n === 0 ? { leader: true } : {}),
                    "public-address": model.machines[unit.machine]?.address,
                };
            }
            units[unitName] = {
                ...unitStatus(unitName, appName, unit.settleAt, now, model, apiReady),
                ...(unit.leader ? { leader: true } : {}),
                machine: unit.machine,
                "public-address": model.machines[unit.machine]?.address,
                ...(Object.keys(subordinates).length > 0 ? { subordinates } : {}),
            };
        }
        const statuses = Object.values(units) as { "workload-status": { current: string; message?: string } }[];
        const worst = statuses.find((u) => u["workload-status"].current !== "active")?.["workload-status"] ?? { current: "active" };
        applications[appName] = {
            charm: appName,
            "charm-origin": "charmhub",
            "charm-name": appName,
            "charm-channel": app.channel,
            exposed: app.exposed,
            "application-status": { ...worst, since: since(now) },
            units,
        };
    }
    return {
        model: {
            name,
            type: "iaas",
            controller: "sim",
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

function teardown(model: SimModel): void {
    stopApiServer(model.apiserver);
    model.apiserver = undefined;
}

type Handler = (args: Args) => Promise<void>;

const COMMANDS: Record<string, { mutating: (args: Args) => boolean; run: Handler }> = {
    version: { mutating: () => false, run: async () => out(env("VERSION", `${VERSION}-genericlinux-amd64`)) },
    "add-model": {
        mutating: () => true,
        run: async (args) => {
            const name = args.positional[0];
            if (flag(args, "-c") && flag(args, "-c") !== "sim") throw new JujuExit(`ERROR controller ${flag(args, "-c")} not found`);
            await withState((state) => {
                if (state.models[name]) throw new JujuExit(`ERROR failed to create new model: model "${name}" for admin already exists`);
                const config = Object.fromEntries(
                    (args.flags["--config"] ?? []).map((kv) => [kv.split("=")[0], kv.slice(kv.indexOf("=") + 1)]),
                );
                state.models[name] = { uuid: crypto.randomUUID(), config, machines: {}, nextMachine: 0, applications: {} };
            });
            err(`Added '${name}' model on manual/default with credential 'sim' for user 'admin'`);
        },
    },
    "show-model": {
        mutating: () => false,
        run: async (args) => {
            const name = modelName(args.positional[0]);
            const model = getModel(readState(), name);
            out(
                JSON.stringify({
                    [name]: {
                        name: `admin/${name}`,
                        "short-name": name,
                        "model-uuid": model.uuid,
                        "controller-name": "sim",
                        "model-type": "iaas",
                        life: "alive",
                        status: { current: "available" },
                    },
                }),
            );
        },
    },
    "model-config": {
        mutating: (args) => args.positional.some((p) => p.includes("=")),
        run: async (args) => {
            const name = modelName(flag(args, "-m"));
            await withState((state) => {
                const model = getModel(state, name);
                const settings = args.positional.filter((p) => p.includes("="));
                for (const kv of settings) model.config[kv.split("=")[0]] = kv.slice(kv.indexOf("=") + 1);
                if (settings.length === 0) {
                    const entries = Object.entries(model.config).map(([k, v]) => [k, { Value: v, Source: "model" }]);
                    out(JSON.stringify({ "default-base": { Value: "ubuntu@24.04", Source: "default" }, ...Object.fromEntries(entries) }));
                }
            });
        },
    },
    "destroy-model": {
        mutating: () => true,
        run: async (args) => {
            const name = modelName(args.positional[0]);
            await withState((state) => {
                teardown(getModel(state, name));
                delete state.models[name];
            });
            err("Destroying model\nWaiting for model to be removed....\nModel destroyed.");
        },
    },
    "add-machine": {
        mutating: () => true,
        run: async (args) => {
            const name = modelName(flag(args, "-m"));
            const target = /^ssh:(?:([^@]+)@)?(.+)$/.exec(args.positional[0] ?? "");
            if (!target) throw new JujuExit("ERROR the simulator only enlists existing hosts: add-machine ssh:[user@]host");
            const enlisted = Object.values(getModel(readState(), name).machines).some((m) => m.address === target[2]);
            if (enlisted) throw new JujuExit("ERROR machine is already provisioned");
            await sleep(seconds("MACHINE_SECONDS", 1));
            const id = await withState((state) => {
                const model = getModel(state, name);
                const id = String(model.nextMachine++);
                const address = target[2];
                model.machines[id] = {
                    address,
                    user: target[1] ?? "ubuntu",
                    ipAddresses: [address, ...env("NODE_IPV6", "::1").split(",").filter(Boolean)],
                    readyAt: Date.now(),
                };
                return id;
            });
            err(`created machine ${id}`);
        },
    },
    "remove-machine": {
        mutating: () => true,
        run: async (args) => {
            const name = modelName(flag(args, "-m"));
            await withState((state) => {
                const model = getModel(state, name);
                for (const id of args.positional) {
                    if (!model.machines[id]) throw new JujuExit(`ERROR machine ${id} not found`);
                    delete model.machines[id];
                    for (const app of Object.values(model.applications)) {
                        for (const [unit, u] of Object.entries(app.units)) if (u.machine === id) delete app.units[unit];
                    }
                }
            });
            err(`removing machine ${args.positional.join(", ")}`);
        },
    },
    status: {
        mutating: () => false,
        run: async (args) => {
            const name = modelName(flag(args, "-m"));
            out(JSON.stringify(await renderStatus(name, getModel(readState(), name))));
        },
    },
    deploy: { mutating: (args) => !args.flags["--dry-run"], run: deploy },
    config: {
        mutating: (args) => args.positional.some((p) => p.includes("=")),
        run: async (args) => {
            const name = modelName(flag(args, "-m"));
            const [appName, ...rest] = args.positional;
            await withState(async (state) => {
                const model = getModel(state, name);
                const app = model.applications[appName];
                if (!app) throw new JujuExit(`ERROR application "${appName}" not found (model sim:admin/${name})`);
                const settings = rest.filter((p) => p.includes("="));
                if (settings.length === 0) {
                    if (rest[0]) out(app.options[rest[0]] ?? "");
                    else
                        out(
                            JSON.stringify({
                                application: appName,
                                charm: appName,
                                settings: Object.fromEntries(
                                    Object.entries(app.options).map(([k, v]) => [k, { value: v, source: "user" }]),
                                ),
                            }),
                        );
                    return;
                }
                for (const kv of settings) app.options[kv.split("=")[0]] = kv.slice(kv.indexOf("=") + 1);
                const serviceCidr = app.options["service-cidr"];
                if (
                    appName === "kubernetes-control-plane" &&
                    model.apiserver &&
                    serviceCidr &&
                    serviceCidr !== model.apiserver.serviceCidr
                ) {
                    model.apiserver = await restartApiServer(model.apiserver, serviceCidr);
                }
            });
        },
    },
    run: {
        mutating: (args) => args.positional[1] !== "get-kubeconfig",
        run: async (args) => {
            const name = modelName(flag(args, "-m"));
            const [target, action] = args.positional;
            const appName = target.split("/")[0];
            const model = getModel(readState(), name);
            const app = model.applications[appName];
            if (!app) throw new JujuExit(`ERROR application "${appName}" not found`);
            if (action !== "get-kubeconfig") throw new JujuExit(`ERROR action "${action}" not defined on application "${appName}"`);
            const unit = Object.entries(app.units).find(([, u]) => u.leader)?.[0] ?? Object.keys(app.units)[0];
            const at = since(Date.now());
            const ready = model.apiserver ? await apiServerReady(model.apiserver) : false;
            const result =
                ready && model.apiserver
                    ? {
                          id: "1",
                          results: { kubeconfig: kubeconfigFor(model.apiserver, name), "return-code": 0 },
                          status: "completed",
                          timing: { completed: at, enqueued: at, started: at },
                          unit,
                      }
                    : {
                          id: "1",
                          message: "kube-apiserver is not running",
                          results: { "return-code": 1 },
                          status: "failed",
                          timing: { completed: at, enqueued: at, started: at },
                          unit,
                      };
            out(JSON.stringify({ [unit]: result }));
            if (result.status === "failed") throw new JujuExit(`ERROR the following task failed:\n id "1" with return code 1`);
        },
    },
    "remove-application": {
        mutating: () => true,
        run: async (args) => {
            const name = modelName(flag(args, "-m"));
            await withState((state) => {
                const model = getModel(state, name);
                const missing = args.positional.filter((app) => !model.applications[app]);
                for (const app of args.positional) {
                    if (app === "kubernetes-control-plane") teardown(model);
                    delete model.applications[app];
                }
                if (missing.length === args.positional.length) throw new JujuExit(`ERROR application "${missing[0]}" not found`);
            });
            err(`will remove ${args.positional.join(", ")}`);
        },
    },
};

async function deploy(args: Args): Promise<void> {
    const name = modelName(flag(args, "-m"));
    const bundleName = args.positional[0];
    const bundle = BUNDLES[bundleName];
    if (!bundle)
        throw new JujuExit(`ERROR cannot deploy bundle: the simulator knows only ${Object.keys(BUNDLES).join(", ")}, not "${bundleName}"`);
    if (flag(args, "--map-machines") !== "existing")
        throw new JujuExit("ERROR the simulator deploys onto enlisted machines only: pass --map-machines=existing");
    const channel = flag(args, "--channel") ?? "stable";
    type Overlay = {
        applications?: Record<string, { options?: Record<string, string>; num_units?: number; to?: string[] }>;
        machines?: Record<string, unknown>;
    };
    const overlays = (args.flags["--overlay"] ?? []).map((file) => {
        try {
            return yaml.load(fs.readFileSync(file, "utf8")) as Overlay;
        } catch (e) {
            throw new JujuExit(`ERROR cannot read overlay ${file}: ${(e as Error).message}`);
        }
    });
    const model = getModel(readState(), name);
    for (const overlay of overlays) {
        for (const id of Object.keys(overlay.machines ?? {})) {
            if (!model.machines[id])
                throw new JujuExit(`ERROR cannot deploy bundle: machine ${id} does not exist in the model (--map-machines=existing)`);
        }
    }
    if (Object.keys(bundle).every((app) => model.applications[app])) {
        err(`Located bundle "${bundleName}" in charm-hub\nNo changes to apply.`);
        return;
    }
    if (flag(args, "--dry-run")) {
        err(
            `Changes to deploy bundle:\n${Object.keys(bundle)
                .map((app) => `- deploy application ${app}`)
                .join("\n")}`,
        );
        return;
    }
    err(`Located bundle "${bundleName}" in charm-hub, revision 1\nExecuting changes:`);
    // The call takes DEPLOY_SECONDS in all, its own work (certificates, processes) included.
    const doneAt = Date.now() + seconds("DEPLOY_SECONDS", 1);
    await withState(async (state) => {
        const live = getModel(state, name);
        const settleAt = doneAt + seconds("SETTLE_SECONDS", 3);
        for (const [appName, charm] of Object.entries(bundle)) {
            if (live.applications[appName]) continue;
            const options = { ...charm.defaults };
            let placement: string[] = [];
            for (const overlay of overlays) {
                Object.assign(options, overlay.applications?.[appName]?.options ?? {});
                placement = overlay.applications?.[appName]?.to ?? placement;
            }
            const units = Object.fromEntries(placement.map((machine, i) => [`${appName}/${i}`, { machine, settleAt, leader: i === 0 }]));
            live.applications[appName] = { charm: appName, channel, options, units, subordinateTo: charm.subordinateTo, exposed: false };
            err(`- deploy application ${appName} from charm-hub on ubuntu@24.04 with ${channel}`);
        }
        const serviceCidr = live.applications["kubernetes-control-plane"]?.options["service-cidr"];
        if (serviceCidr && !live.apiserver) live.apiserver = await startApiServer(name, serviceCidr);
    });
    await sleep(doneAt - Date.now());
    err("Deploy of bundle completed.");
}

/** Runs one juju command; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    const handler = command ? COMMANDS[command] : undefined;
    if (!handler) {
        err(
            `ERROR unrecognized command: juju ${command ?? ""} (this is ck-dualstack's Juju simulator; it answers only the commands ck-dualstack uses)`,
        );
        return 2;
    }
    const args = parseArgs(rest);
    logCall(argv, handler.mutating(args));
    try {
        const transient = Number(env("TRANSIENT_FAILURES", "0"));
        if (transient > 0 && bumpCounter("transient") <= transient) {
            throw new JujuExit("ERROR cannot connect to API: dial tcp 127.0.0.1:17070: connect: connection refused");
        }
        if (env("MODEL_GONE", "") === "1") {
            const ref = command === "destroy-model" || command === "show-model" ? args.positional[0] : flag(args, "-m");
            if (ref) {
                await withState((state) => {
                    const name = modelName(ref);
                    if (state.models[name]) teardown(state.models[name]);
                    delete state.models[name];
                });
            }
        }
        await handler.run(args);
        return 0;
    } catch (error) {
        if (error instanceof JujuExit) {
            err(error.message);
            return error.code;
        }
        err(`ERROR ${(error as Error).stack ?? String(error)}`);
        return 1;
    }
}
