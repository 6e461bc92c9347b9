// `juju status --format=json` in Juju 3.6's shape and size (reference/juju-status-iaas-3.6.4.json):
// the keys, their order and their omission follow cmd/juju/status/formatted.go (Juju 3.6; fields
// tagged omitempty are left out when empty), the values apiserver/facades/client/client/status.go.
// Juju writes compact JSON: juju/cmd output.go FormatJson is json.Marshal plus a newline.
import { optionValue, registryProblem } from "../charms";
import { apiServerReady } from "../cluster";
import { Command, JujuExit, VERSION, env, faultUnits, flag, hookErrorMs, inHookError, modelKey, out } from "../context";
import { syncKubernetes } from "../kubelets";
import { QueuedHook, SimApplication, SimModel, SimUnit, hostnameOf, pendingHook, readState, shownSettleAt, withState } from "../state";
import { reap, snapChannelOf } from "./applications";

const pad = (n: number) => String(n).padStart(2, "0");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Go's `Z07:00`: "Z" in UTC, the offset otherwise. */
function zone(date: Date): string {
    const offset = -date.getTimezoneOffset();
    return offset === 0 ? "Z" : `${offset < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
}

/**
 * A status time as the client prints it without --utc: local time in Go's layout
 * "02 Jan 2006 15:04:05Z07:00" (cmd/juju/common/format.go FormatTime), e.g. the capture's
 * "09 Jun 2025 11:14:50+12:00". The deployment waiter reads it with the controller's timestamp
 * (components/juju/status.ts quietForMs).
 */
function since(ms: number): string {
    const d = new Date(ms);
    return `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone(d)}`;
}

/** The controller's timestamp: Go's "15:04:05Z07:00" in local time (format.go FormatTimeAsTimestamp). */
function timestamp(ms: number): string {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone(d)}`;
}

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
    apiReadySince: number | undefined,
    machine?: string,
    snapChannel?: string,
    portConflict?: PortConflict,
) {
    // `since` is when the status last changed (the controller records it with each change,
    // state/status.go): the hooks' end, or later for what changes without a hook of the unit's own.
    // Not recorded: when a port refusal ended because its holder left (reconcilePorts); such a unit
    // shows its hooks' end, earlier than a controller would (the waiter never counts from before
    // the last poll that saw the unit unsettled).
    const errorFor = hookErrorMs(unit);
    const recoveredAt = errorFor ? settleAt + errorFor : settleAt;
    // The agent's since is its last hook's end; a workload status its charm set later (in an
    // update-status hook, which leaves the agent's since alone: worker/uniter/operation/runhook.go)
    // has its own.
    const status = (workload: string, message: string, agent: string, agentMessage = "", agentAt = settleAt, workloadAt = agentAt) => ({
        "workload-status": { current: workload, ...(message ? { message } : {}), since: since(workloadAt) },
        "juju-status": { current: agent, ...(agentMessage ? { message: agentMessage } : {}), since: since(agentAt), version: VERSION },
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
    if (inHookError(unit, settleAt, now)) {
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
    if (portConflict) return status(portConflict.workload, portConflict.message, "idle");
    if (app === "kubernetes-control-plane" && apiReadySince === undefined)
        return status("waiting", "Waiting for kube-apiserver to start", "idle", "", recoveredAt);
    // The 1.35 ops charms settle on active "Ready" (charm-lib-contextual-status, reference/charms/upgrade.md
    // §2); "Kubernetes worker running." was the old reactive charms' message. The control plane's
    // turns active once its kube-apiserver answers.
    const activeAt = app === "kubernetes-control-plane" ? Math.max(recoveredAt, apiReadySince ?? 0) : recoveredAt;
    return status("active", "Ready", "idle", "", recoveredAt, activeAt);
}

/**
 * A unit's status while a hook it queued has not ended (state.ts QueuedHook): what it showed before,
 * its agent `executing` "running <hook> hook" once the hook started (Juju's agent status while a hook
 * runs), its `since` then. The workload status stays: the ops charms set none before the hook ends.
 */
function whileHookPending(before: UnitDoc, hook: QueuedHook, now: number): UnitDoc {
    if (now < hook.startAt) return before;
    return {
        ...before,
        "juju-status": { current: "executing", message: `running ${hook.name} hook`, since: since(hook.startAt), version: VERSION },
    };
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

/** An endpoint a charm declares: its interface, and whether it is container-scoped or a peer endpoint. */
type Endpoint = { interface: string; container?: true; peer?: true };

const global = (name: string) => ({ interface: name });
const container = (name: string) => ({ interface: name, container: true as const });
const peer = (name: string) => ({ interface: name, peer: true as const });

/**
 * The endpoints (provides, requires, peers) of the bundle's charms, from their metadata at the
 * commits reference/charms/README.md lists: kubernetes-worker charmcraft.yaml @13f83e10ae27,
 * kubernetes-control-plane charmcraft.yaml @74b6883d8acd, kubeapi-load-balancer charmcraft.yaml
 * @8655d67d3f9a, calico metadata.yaml @c4ead7c46132, containerd src/metadata.yaml @82d0953638ba,
 * easyrsa src/metadata.yaml @57d36c3a0f9a, etcd src/metadata.yaml @84033234a04f plus the layers
 * `charm build` merges into it (layer:tls-client `certificates`, layer:nagios `nrpe-external-master`).
 * Juju's implicit juju-info endpoint is in neither the bindings nor the relations (the capture).
 */
const ENDPOINTS: Record<string, Record<string, Endpoint>> = {
    "kubernetes-worker": {
        cni: container("kubernetes-cni"),
        "container-runtime": container("container-runtime"),
        "cos-agent": global("cos_agent"),
        "ingress-proxy": global("http"),
        aws: global("aws-integration"),
        gcp: global("gcp-integration"),
        azure: global("azure-integration"),
        certificates: global("tls-certificates"),
        "kube-control": global("kube-control"),
        tokens: global("tokens"),
        coordinator: peer("coordinator"),
    },
    "kubernetes-control-plane": {
        cni: container("kubernetes-cni"),
        "container-runtime": container("container-runtime"),
        "cos-agent": global("cos_agent"),
        "kube-control": global("kube-control"),
        tokens: global("tokens"),
        "ceph-client": global("ceph-client"),
        aws: global("aws-integration"),
        gcp: global("gcp-integration"),
        azure: global("azure-integration"),
        openstack: global("openstack-integration"),
        "keystone-credentials": global("keystone-credentials"),
        certificates: global("tls-certificates"),
        "dns-provider": global("kube-dns"),
        etcd: global("etcd"),
        ha: global("hacluster"),
        "loadbalancer-external": global("loadbalancer"),
        "loadbalancer-internal": global("loadbalancer"),
        "external-cloud-provider": global("external_cloud_provider"),
        "vault-kv": global("vault-kv"),
        coordinator: peer("coordinator"),
        peer: peer("kubernetes-control-plane-peer"),
    },
    "kubeapi-load-balancer": {
        "lb-consumers": global("loadbalancer"),
        "cos-agent": global("cos_agent"),
        apiserver: global("http"),
        certificates: global("tls-certificates"),
        ha: global("hacluster"),
    },
    etcd: {
        db: global("etcd"),
        proxy: global("etcd-proxy"),
        prometheus: global("prometheus-manual"),
        grafana: global("grafana-dashboard"),
        "nrpe-external-master": container("nrpe-external-master"),
        certificates: global("tls-certificates"),
        cluster: peer("etcd"),
    },
    easyrsa: { client: global("tls-certificates") },
    calico: { etcd: global("etcd"), cni: container("kubernetes-cni") },
    containerd: {
        containerd: container("container-runtime"),
        "docker-registry": global("docker-registry"),
        untrusted: container("untrusted-container-runtime"),
    },
};

/** The bundle's relations (reference/charmed-kubernetes/bundle-1.35.yaml `relations`), as `app:endpoint` pairs. */
const BUNDLE_RELATIONS: [string, string][] = [
    ["kubernetes-control-plane:loadbalancer-external", "kubeapi-load-balancer:lb-consumers"],
    ["kubernetes-control-plane:loadbalancer-internal", "kubeapi-load-balancer:lb-consumers"],
    ["kubernetes-control-plane:kube-control", "kubernetes-worker:kube-control"],
    ["kubernetes-control-plane:certificates", "easyrsa:client"],
    ["etcd:certificates", "easyrsa:client"],
    ["kubernetes-control-plane:etcd", "etcd:db"],
    ["kubernetes-worker:certificates", "easyrsa:client"],
    ["kubeapi-load-balancer:certificates", "easyrsa:client"],
    ["calico:etcd", "etcd:db"],
    ["calico:cni", "kubernetes-control-plane:cni"],
    ["calico:cni", "kubernetes-worker:cni"],
    ["containerd:containerd", "kubernetes-worker:container-runtime"],
    ["containerd:containerd", "kubernetes-control-plane:container-runtime"],
];

/** Go's string order (encoding/json sorts map keys so; set.SortedValues sorts names so). */
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type RelationEntry = { "related-application": string; interface: string; scope: string };

/**
 * An application's `relations`: per endpoint of its own, the applications on the other side
 * (sorted, each once) with the relation's interface and scope, as status.go
 * processApplicationRelations and formatter.go processApplicationRelations build them. Juju relates
 * every peer endpoint to the application itself at deploy (scope global); a relation is
 * container-scoped when either endpoint is (the capture's juju-info relations).
 */
function relationsOf(appName: string, app: SimApplication, model: SimModel): Record<string, RelationEntry[]> {
    const endpoints = ENDPOINTS[app.charm] ?? {};
    const related: Record<string, RelationEntry[]> = {};
    const add = (endpoint: string, other: string, entry: Endpoint, otherEntry?: Endpoint) => {
        const list = (related[endpoint] ??= []);
        if (list.some((r) => r["related-application"] === other)) return;
        list.push({
            "related-application": other,
            interface: entry.interface,
            scope: entry.container || otherEntry?.container ? "container" : "global",
        });
        list.sort((x, y) => byteOrder(x["related-application"], y["related-application"]));
    };
    for (const [endpoint, entry] of Object.entries(endpoints)) if (entry.peer) add(endpoint, appName, entry);
    for (const pair of BUNDLE_RELATIONS) {
        const [a, b] = pair.map((end) => end.split(":") as [string, string]);
        for (const [[mine, endpoint], [other, otherEndpoint]] of [
            [a, b],
            [b, a],
        ]) {
            const otherApp = model.applications[other];
            if (mine !== appName || !otherApp || !endpoints[endpoint]) continue;
            add(endpoint, other, endpoints[endpoint], ENDPOINTS[otherApp.charm]?.[otherEndpoint]);
        }
    }
    return Object.fromEntries(Object.entries(related).sort(([x], [y]) => byteOrder(x, y)));
}

/**
 * `endpoint-bindings`: every endpoint the charm declares, plus the default "", bound to the model's
 * default space; status.go fetchAllApplicationsAndUnits leaves out an application whose only binding is
 * "" on alpha (the capture's ubuntu applications). A manual model has only the alpha space.
 */
function bindingsOf(app: SimApplication): Record<string, string> | undefined {
    const endpoints = Object.keys(ENDPOINTS[app.charm] ?? {}).sort();
    return endpoints.length === 0 ? undefined : Object.fromEntries(["", ...endpoints].map((e) => [e, "alpha"]));
}

/**
 * The ports a principal unit's charm opens and closes on every reconcile, for its config and
 * relations (subordinates here open none):
 * - kubernetes-worker: opens 80 and 443 with `ingress` on, closes both with it off
 *   (src/charm.py _configure_nginx_ingress_controller, worker @13f83e10ae27 and main @b702c963);
 * - kubernetes-control-plane: opens 6443 (src/charm.py manage_ports, APISERVER_PORT, @74b6883d8acd);
 * - kubeapi-load-balancer: one per port the control plane requests over lb-consumers, 443
 *   (loadbalancer-external) and 6443 (loadbalancer-internal) (src/charm.py _manage_ports, @8655d67d3f9a);
 * - etcd: its `port` option, default 2379 (reactive/etcd.py open_port(bag.port), @84033234a04f).
 * easyrsa, calico and containerd open none.
 */
function portClaims(app: SimApplication, model: SimModel): { open: string[]; close: string[] } {
    switch (app.charm) {
        case "kubernetes-worker":
            return optionValue(app.charm, app.options, "ingress") === "true"
                ? { open: ["80/tcp", "443/tcp"], close: [] }
                : { open: [], close: ["80/tcp", "443/tcp"] };
        case "kubernetes-control-plane":
            return { open: ["6443/tcp"], close: [] };
        case "kubeapi-load-balancer":
            return model.applications["kubernetes-control-plane"] ? { open: ["443/tcp", "6443/tcp"], close: [] } : { open: [], close: [] };
        case "etcd":
            return { open: [`${optionValue(app.charm, app.options, "port")}/tcp`], close: [] };
        default:
            return { open: [], close: [] };
    }
}

/** What a charm shows when Juju refuses one of its port changes. */
interface PortConflict {
    readonly workload: string;
    readonly message: string;
}

/**
 * The status each ops charm queues when its open_port/close_port hook tool fails (ops ModelError,
 * caught by charm-lib-contextual-status on_error, which turns it into a ReconcilerError: no hook
 * error, and the reconcile runs again on every hook): worker `@status.on_error(WaitingStatus("Waiting
 * to configure ingress controller"))` (src/charm.py L192), kubeapi-load-balancer "Waiting to restart
 * Nginx" (src/charm.py L261), control plane "Waiting to manage port" (src/charm.py L723-726).
 * etcd is a reactive charm: charmhelpers' open_port runs the hook tool with check_call, so the
 * hook itself fails.
 */
const PORT_CONFLICT_STATUS: Record<string, PortConflict> = {
    "kubernetes-worker": { workload: "waiting", message: "Waiting to configure ingress controller" },
    "kubeapi-load-balancer": { workload: "waiting", message: "Waiting to restart Nginx" },
    "kubernetes-control-plane": { workload: "waiting", message: "Waiting to manage port" },
};

/** Each settled principal unit's ports on its machine, and the conflict that stops its reconcile. */
interface UnitPorts {
    readonly held: string[];
    readonly conflict?: PortConflict;
}

/** Every principal unit of the model with its application, in the order their hooks finished (ties by name). */
function unitsByHookOrder(model: SimModel): { name: string; app: SimApplication; unit: SimUnit }[] {
    return Object.values(model.applications)
        .flatMap((app) => Object.entries(app.units).map(([name, unit]) => ({ name, app, unit })))
        .sort((a, b) => a.unit.settleAt - b.unit.settleAt || byteOrder(a.name, b.name));
}

/**
 * Brings the machines' opened ports (kept in the state: Juju records each unit's opened ranges per
 * machine, state/machine_ports_ops.go) up to what each unit's reconcile does now, in hook order: a
 * port nobody holds is opened for the unit that claims it, and a unit keeps the ports it opened
 * until its charm closes them (or it leaves). A unit still installing or in a failing hook changes
 * nothing; one that is refused keeps what it holds (the reconcile stops at the refusal).
 */
function reconcilePorts(model: SimModel, now: number): void {
    const holders = (model.openPorts ??= {});
    const units = unitsByHookOrder(model);
    const live = new Set(units.map((u) => `${u.unit.machine}/${u.name}`));
    for (const [machine, ports] of Object.entries(holders)) {
        for (const [port, unit] of Object.entries(ports)) if (!live.has(`${machine}/${unit}`)) delete ports[port];
    }
    for (const { name, app, unit } of units) {
        if (now < unit.settleAt || inHookError(name, unit.settleAt, now) || portConflict(model, name, app, unit)) continue;
        const ports = (holders[unit.machine] ??= {});
        const claims = portClaims(app, model);
        for (const port of claims.open) ports[port] ??= name;
        for (const [port, holder] of Object.entries(ports)) if (holder === name && !claims.open.includes(port)) delete ports[port];
    }
}

/**
 * The refusal that stops a unit's reconcile, if any: Juju refuses to open or close a range another
 * unit on the machine holds (juju/juju worker/uniter/runner/context/ports.go: `cannot open %v (unit
 * %q): port range conflicts with %v (unit %q)`, `cannot close ...` likewise; closing a range nobody
 * holds is a no-op). The hook tool's own error goes to the unit's log; the unit shows its charm's
 * status for it, and the reconcile runs again, and is refused again, on every hook.
 */
function portConflict(model: SimModel, name: string, app: SimApplication, unit: SimUnit): PortConflict | undefined {
    const ports = model.openPorts?.[unit.machine] ?? {};
    const claims = portClaims(app, model);
    const refused = [...claims.open, ...claims.close].some((port) => ports[port] !== undefined && ports[port] !== name);
    return refused ? (PORT_CONFLICT_STATUS[app.charm] ?? { workload: "error", message: 'hook failed: "update-status"' }) : undefined;
}

/** What status shows of each principal unit's ports: those it holds, and its refusal. */
function machinePorts(model: SimModel): Map<string, UnitPorts> {
    const result = new Map<string, UnitPorts>();
    for (const { name, app, unit } of unitsByHookOrder(model)) {
        const ports = model.openPorts?.[unit.machine] ?? {};
        const held = Object.keys(ports).filter((port) => ports[port] === name);
        result.set(name, { held, conflict: portConflict(model, name, app, unit) });
    }
    return result;
}

type UnitDoc = ReturnType<typeof unitStatus>;

/** `open-ports` when the charm has opened any: not while installing, nor after a failed hook. */
function portsField(unit: UnitDoc, ports: UnitPorts | undefined): { "open-ports"?: string[] } {
    const current = unit["workload-status"].current;
    if (current === "maintenance" || current === "error" || !ports || ports.held.length === 0) return {};
    return { "open-ports": ports.held };
}

/**
 * A machine's NIC as the machine agent reports it: its MAC in the 00:16:3e prefix the capture's
 * machines have, made unique per machine from its id; one gateway per address on the device,
 * joined by a space (status.go makeMachineStatus), the IPv4 one for every address as in the
 * capture ("10.103.56.1 10.103.56.1"), taken as the .1 of the address's /24.
 */
function networkInterface(id: string, ipAddresses: string[]): object {
    const n = Number(id);
    const mac = ["00", "16", "3e", (n >> 16) & 255, (n >> 8) & 255, n & 255]
        .map((b) => (typeof b === "number" ? b.toString(16).padStart(2, "0") : b))
        .join(":");
    const ipv4 = ipAddresses.find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a));
    const gateway = ipv4 ? ipAddresses.map(() => ipv4.replace(/\.\d+$/, ".1")).join(" ") : undefined;
    return { "ip-addresses": ipAddresses, "mac-address": mac, ...(gateway ? { gateway } : {}), space: "alpha", "is-up": true };
}

/** The base every application and machine runs: the bundle's `series: noble`. */
const BASE = { name: "ubuntu", channel: "24.04" };

function renderStatus(name: string, controller: string, model: SimModel, apiReadySince: number | undefined): object {
    const now = Date.now();
    const down = downMachines();
    const machines: Record<string, object> = {};
    for (const [id, machine] of Object.entries(model.machines)) {
        const started = now >= machine.readyAt;
        // core/status: a machine agent that stopped talking to the controller is "down".
        const agent = down.has(id)
            ? { current: "down", message: "agent is not communicating with the server", since: since(machine.readyAt), version: VERSION }
            : { current: started ? "started" : "pending", since: since(machine.readyAt), version: VERSION };
        // A manual machine: instance id "manual:<host>" (environs/manual ManualInstancePrefix), no
        // display-name, hardware as sshprovisioner detects it (arch, cores, mem), the instance poller's
        // "Manually provisioned machine" (internal/worker/instancepoller/worker.go).
        machines[id] = {
            "juju-status": agent,
            hostname: hostnameOf(id),
            "dns-name": machine.address,
            "ip-addresses": machine.ipAddresses,
            "instance-id": `manual:${machine.address}`,
            "machine-status": { current: "running", message: "Manually provisioned machine", since: since(machine.readyAt) },
            "modification-status": { current: "applied", since: since(machine.readyAt) },
            base: BASE,
            "network-interfaces": { eth0: networkInterface(id, machine.ipAddresses) },
            constraints: "arch=amd64",
            hardware: "arch=amd64 cores=2 mem=8192M",
        };
    }
    const applications: Record<string, object> = {};
    const ports = machinePorts(model);
    const subordinateCounters: Record<string, number> = {};
    const subordinatesOf = (principal: string) =>
        Object.entries(model.applications).filter(([, app]) => app.subordinateTo?.includes(principal));
    const charmFields = (app: SimApplication) => ({
        charm: app.charm,
        base: BASE,
        "charm-origin": "charmhub",
        "charm-name": app.charm,
        "charm-rev": app.revision ?? 1,
        "charm-channel": app.channel,
        exposed: app.exposed,
        // Exposing every endpoint stores "" to all addresses (apiserver/facades/client/application
        // Expose, as clients before 2.9 did); formatted.go prints it after `exposed`.
        ...(app.exposed ? { "exposed-endpoints": { "": { "expose-to-cidrs": ["0.0.0.0/0", "::/0"] } } } : {}),
        ...(app.life ? { life: app.life } : {}),
    });
    const relationFields = (appName: string, app: SimApplication) => {
        const relations = relationsOf(appName, app, model);
        return Object.keys(relations).length > 0 ? { relations } : {};
    };
    const bindingFields = (app: SimApplication) => {
        const bindings = bindingsOf(app);
        return bindings ? { "endpoint-bindings": bindings } : {};
    };
    for (const [appName, app] of Object.entries(model.applications)) {
        if (app.subordinateTo) {
            applications[appName] = {
                ...charmFields(app),
                "application-status": { current: "active", since: since(now) },
                ...relationFields(appName, app),
                "subordinate-to": app.subordinateTo,
                ...bindingFields(app),
            };
            continue;
        }
        const units: Record<string, object> = {};
        for (const [unitName, unit] of Object.entries(app.units)) {
            units[unitName] = principalUnit(unitName, appName, unit);
        }
        const statuses = Object.values(units) as { "workload-status": { current: string; message?: string } }[];
        const worst = statuses.find((u) => u["workload-status"].current !== "active")?.["workload-status"] ?? { current: "active" };
        applications[appName] = {
            ...charmFields(app),
            "application-status": { ...worst, since: since(now) },
            ...relationFields(appName, app),
            units,
            ...bindingFields(app),
        };
    }
    // Unit keys in formatted.go's order: workload-status, juju-status, leader, machine (principals
    // only), open-ports, public-address, subordinates (each without machine, under its principal).
    function principalUnit(unitName: string, appName: string, unit: SimUnit): object {
        const subordinates: Record<string, object> = {};
        // Subordinates (calico, containerd) open no port.
        // A hook the principal has queued changes nothing its subordinates show.
        const settledAt = shownSettleAt(unit, now);
        for (const [subName] of subordinatesOf(appName)) {
            const n = (subordinateCounters[subName] = (subordinateCounters[subName] ?? -1) + 1);
            const status = unitStatus(`${subName}/${n}`, subName, settledAt, now, model, apiReadySince, unit.machine);
            subordinates[`${subName}/${n}`] = {
                ...status,
                ...(n === 0 ? { leader: true } : {}),
                "public-address": model.machines[unit.machine]?.address,
            };
        }
        const unitPorts = ports.get(unitName);
        const hook = pendingHook(unit, now);
        const status = hook
            ? // Before its queued hook ends the unit shows what it showed before: it has not seen the new
              // option values yet (no upgrade gate), and its agent runs the hook from `startAt`.
              whileHookPending(
                  unitStatus(
                      unitName,
                      appName,
                      hook.previousSettleAt,
                      now,
                      model,
                      apiReadySince,
                      unit.machine,
                      undefined,
                      unitPorts?.conflict,
                  ),
                  hook,
                  now,
              )
            : unitStatus(unitName, appName, unit.settleAt, now, model, apiReadySince, unit.machine, unit.snapChannel, unitPorts?.conflict);
        return {
            ...status,
            ...(unit.leader ? { leader: true } : {}),
            machine: unit.machine,
            ...portsField(status, unitPorts),
            "public-address": model.machines[unit.machine]?.address,
            ...(Object.keys(subordinates).length > 0 ? { subordinates } : {}),
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
            // The model's SLA level, "unsupported" unless set (the capture; formatted.go modelStatus).
            sla: "unsupported",
        },
        machines,
        applications,
        storage: {},
        controller: { timestamp: timestamp(now) },
    };
}

export const statusCommands: Record<string, Command> = {
    status: {
        mutating: () => false,
        run: async (args) => {
            const ref = flag(args, "-m", "--model");
            const { key, controller, name } = modelKey(readState(), ref);
            // Finished removals leave the model before status shows it (the controller's cleanup worker);
            // once kube-apiserver answers, settled units' kubelets register their Nodes.
            let apiReadySince: number | undefined;
            const model = await withState(async (state) => {
                const live = state.models[key];
                if (live) {
                    reap(live);
                    reconcilePorts(live, Date.now());
                    if (live.apiserver) {
                        const ready = await apiServerReady(live.apiserver);
                        live.apiserver.readySince = ready ? (live.apiserver.readySince ?? Date.now()) : undefined;
                        apiReadySince = live.apiserver.readySince;
                    }
                    if (apiReadySince !== undefined) await syncKubernetes(live, downMachines());
                }
                return live;
            });
            if (!model) throw new JujuExit(`ERROR model ${controller}:admin/${name} not found`);
            out(JSON.stringify(renderStatus(name, controller, model, apiReadySince)));
        },
    },
};
