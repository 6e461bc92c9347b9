/** A status value as `juju status --format=json` prints it; any entry may be a status error. */
export interface StatusValue {
    readonly current?: string;
    readonly message?: string;
    readonly since?: string;
    readonly "status-error"?: string;
}

export interface UnitStatus {
    readonly "workload-status"?: StatusValue;
    readonly "juju-status"?: StatusValue;
    readonly leader?: boolean;
    readonly machine?: string;
    readonly "public-address"?: string;
    readonly subordinates?: Record<string, UnitStatus>;
    readonly "status-error"?: string;
}

export interface MachineStatus {
    readonly "juju-status"?: StatusValue;
    readonly "machine-status"?: StatusValue;
    readonly "dns-name"?: string;
    readonly "ip-addresses"?: string[];
    readonly "instance-id"?: string;
    readonly hostname?: string;
    readonly "status-error"?: string;
}

export interface ApplicationStatus {
    readonly "application-status"?: StatusValue;
    readonly units?: Record<string, UnitStatus>;
    readonly "subordinate-to"?: string[];
    readonly "charm-channel"?: string;
    /** The charm's revision, from its URL (cmd/juju/status/formatted.go applicationStatus). */
    readonly "charm-rev"?: number;
    readonly "status-error"?: string;
}

/** The parts of `juju status --format=json` that ck-dualstack reads. */
export interface JujuStatus {
    readonly model?: { name?: string; version?: string };
    /** The controller's time of the answer, e.g. "12:11:53+12:00". */
    readonly controller?: { timestamp?: string };
    readonly machines?: Record<string, MachineStatus>;
    readonly applications?: Record<string, ApplicationStatus>;
}

/** One unit, principal or subordinate, flattened. */
export interface UnitView {
    readonly name: string;
    readonly workload: string;
    readonly agent: string;
    readonly message: string;
    /** The agent's own message (e.g. why it is lost). */
    readonly agentMessage?: string;
    readonly since?: string;
    /** Since when the agent shows what it shows (e.g. idle since its last hook ended). */
    readonly agentSince?: string;
    readonly subordinate: boolean;
}

/** What the deployment waiter needs to know about one status poll. */
export interface StatusView {
    readonly units: UnitView[];
    /** Units in error, described with their messages: Juju retries failed hooks, so they get a grace. */
    readonly unitErrors: UnitView[];
    /** Machines in (provisioning) error: nothing retries those, so the wait fails at once. */
    readonly machineErrors: string[];
    /**
     * Machines whose agent is `down` and units whose agent is `lost` (the controller no longer
     * hears from them: a host that is off or unreachable), keyed by what they are.
     */
    readonly unreachable: Map<string, string>;
    /** Units whose workload is blocked (allowed only for a grace period). */
    readonly blocked: UnitView[];
    /** Units neither settled nor in error, described with what they wait for. */
    readonly pending: string[];
    /** Applications expected but absent from the model. */
    readonly missingApplications: string[];
    /** Every expected application has units and every unit is active and idle. */
    readonly settled: boolean;
    /** e.g. "9/12 units settled; waiting on calico/1 (maintenance: Configuring)". */
    readonly summary: string;
}

function valueOf(status: StatusValue | undefined): { current: string; message: string } {
    if (!status) return { current: "unknown", message: "" };
    if (status["status-error"]) return { current: "unknown", message: `status error: ${status["status-error"]}` };
    return { current: status.current ?? "unknown", message: status.message ?? "" };
}

function flattenUnit(name: string, unit: UnitStatus, subordinate: boolean, out: UnitView[]): void {
    if (unit["status-error"]) {
        out.push({ name, workload: "unknown", agent: "unknown", message: `status error: ${unit["status-error"]}`, subordinate });
    } else {
        const workload = valueOf(unit["workload-status"]);
        const agent = valueOf(unit["juju-status"]);
        out.push({
            name,
            workload: workload.current,
            agent: agent.current,
            message: workload.message || agent.message,
            agentMessage: agent.message,
            since: unit["workload-status"]?.since,
            agentSince: unit["juju-status"]?.since,
            subordinate,
        });
    }
    for (const [subName, sub] of Object.entries(unit.subordinates ?? {})) flattenUnit(subName, sub, true, out);
}

/** Every unit of the model, subordinates included (they appear only under their principals). */
export function flattenUnits(status: JujuStatus): UnitView[] {
    const units: UnitView[] = [];
    for (const app of Object.values(status.applications ?? {})) {
        for (const [name, unit] of Object.entries(app.units ?? {})) flattenUnit(name, unit, false, units);
    }
    return units.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

/** `error/idle: hook failed: "install"` */
export function describeState(unit: UnitView): string {
    return `${unit.workload}/${unit.agent}${unit.message ? `: ${unit.message}` : ""}`;
}

/** `etcd/0 (error/idle: hook failed: "install")` */
export function describeUnit(unit: UnitView): string {
    return `${unit.name} (${describeState(unit)})`;
}

/** Whether the unit's workload or agent is in error (a failed hook). */
export const inError = (unit: UnitView) => unit.workload === "error" || unit.agent === "error";

/**
 * Reads one status poll against the applications the bundle should have. Subordinate
 * applications have no units of their own; they count as present once any principal
 * carries one of their units.
 */
export function interpretStatus(status: JujuStatus, expectedApplications: readonly string[]): StatusView {
    const units = flattenUnits(status);
    const machineErrors: string[] = [];
    const unreachable = new Map<string, string>();
    for (const [id, machine] of Object.entries(status.machines ?? {})) {
        const agent = valueOf(machine["juju-status"]);
        const instance = valueOf(machine["machine-status"]);
        const where = machine["dns-name"] ?? "no address";
        if (agent.current === "error" || instance.current === "error" || instance.current === "provisioning error") {
            machineErrors.push(`machine ${id} (${where}): ${agent.message || instance.message || "error"}`);
        }
        // core/status: a machine agent the controller no longer hears from shows as "down".
        if (agent.current === "down")
            unreachable.set(
                `machine ${id}`,
                `machine ${id} (${where}) is down: ${agent.message || "agent is not communicating with the server"}`,
            );
    }
    for (const unit of units) {
        // core/status: a unit agent the controller no longer hears from shows as "lost".
        if (unit.agent === "lost")
            unreachable.set(`unit ${unit.name}`, `unit ${unit.name} agent lost: ${unit.agentMessage || unit.message || "no message"}`);
    }
    const unitErrors = units.filter(inError);
    const present = new Set(units.map((unit) => unit.name.split("/")[0]));
    const missingApplications = expectedApplications.filter((app) => !present.has(app));
    const isSettled = (unit: UnitView) => unit.workload === "active" && unit.agent === "idle";
    const blocked = units.filter((unit) => unit.workload === "blocked");
    const pending = units.filter((unit) => !isSettled(unit) && !inError(unit)).map(describeUnit);
    const settledCount = units.filter(isSettled).length;
    const settled =
        units.length > 0 &&
        settledCount === units.length &&
        missingApplications.length === 0 &&
        machineErrors.length === 0 &&
        unreachable.size === 0;
    const waiting = [...missingApplications.map((app) => `${app} (no units yet)`), ...pending, ...unitErrors.map(describeUnit)];
    const summary = settled
        ? `${settledCount}/${units.length} units active and idle`
        : `${settledCount}/${units.length} units settled; waiting on ${waiting.slice(0, 4).join(", ")}${waiting.length > 4 ? ` and ${waiting.length - 4} more` : ""}`;
    return { units, unitErrors, machineErrors, unreachable, blocked, pending: waiting, missingApplications, settled, summary };
}

/** The control-plane application's name: renamed in 1.24, kept by clusters upgraded in place. */
export function controlPlaneApplication(status: JujuStatus): string | undefined {
    const apps = status.applications ?? {};
    return ["kubernetes-control-plane", "kubernetes-master"].find((name) => name in apps);
}

/** The machine enlisted from this address, if any (for adopting after an interrupted run). */
export function machineByAddress(status: JujuStatus, address: string): string | undefined {
    for (const [id, machine] of Object.entries(status.machines ?? {})) {
        if (machine["dns-name"] === address || (machine["ip-addresses"] ?? []).includes(address)) return id;
    }
    return undefined;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const ZONE = String.raw`(Z|[+-]\d{2}:\d{2})`;
const SINCE = new RegExp(String.raw`^(\d{2}) (${MONTHS.join("|")}) (\d{4}) (\d{2}:\d{2}:\d{2})${ZONE}$`);
// With --utc (or JUJU_STATUS_ISO_TIME) the timestamp is "15:04:05", in UTC, without a zone.
const TIMESTAMP = new RegExp(String.raw`^(\d{2}):(\d{2}):(\d{2})${ZONE}?$`);
const ISO_SINCE = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})Z$/;
const DAY_MS = 86_400_000;

/**
 * A status `since` in epoch ms: Go's "02 Jan 2006 15:04:05Z07:00" in the client's zone, or
 * "2006-01-02 15:04:05Z" with --utc (cmd/juju/common/format.go FormatTime).
 */
export function parseSince(text: string | undefined): number | undefined {
    const local = SINCE.exec(text ?? "");
    const utc = ISO_SINCE.exec(text ?? "");
    const ms = local
        ? Date.parse(`${local[3]}-${String(MONTHS.indexOf(local[2]) + 1).padStart(2, "0")}-${local[1]}T${local[4]}${local[5]}`)
        : utc
          ? Date.parse(`${utc[1]}T${utc[2]}Z`)
          : NaN;
    return Number.isNaN(ms) ? undefined : ms;
}

const zoneMs = (zone: string | undefined) =>
    zone === undefined || zone === "Z"
        ? 0
        : (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;

/**
 * The latest change of any unit's workload or agent status (subordinates included), in ms since the
 * epoch by the controller's clock, as its `since` stamps say (whole seconds). Undefined when a unit
 * has no readable `since`, or there are no units.
 */
export function lastChangeAt(status: JujuStatus): number | undefined {
    const units = flattenUnits(status);
    const changes = units.flatMap((unit) => [parseSince(unit.since), parseSince(unit.agentSince)]);
    if (units.length === 0 || changes.some((at) => at === undefined)) return undefined;
    return Math.max(...(changes as number[]));
}

/**
 * How long the model has been quiet by the controller's clock: from the latest change of any
 * unit's workload or agent status (subordinates included; an agent's `since` moves with every hook
 * it runs) to `controller.timestamp`, the controller's time of the answer, which carries no date
 * (Go's "15:04:05Z07:00", cmd/juju/common/format.go FormatTimeAsTimestamp): the answer is taken to
 * be within a day of that change, so a longer quiet counts short, never long (a change stamped up to
 * half a day after the answer counts as no quiet). Both times come from
 * the controller's clock (apiserver/common/setstatus.go stamps each status as it arrives;
 * apiserver/facades/client/client/status.go FullStatus asks state.ControllerTimestamp), so the
 * client's clock does not matter; in HA, two controllers' clocks may differ by their skew. Undefined
 * when a time is missing or unreadable.
 */
export function quietForMs(status: JujuStatus): number | undefined {
    const clock = TIMESTAMP.exec(status.controller?.timestamp ?? "");
    const latest = lastChangeAt(status);
    if (!clock || latest === undefined) return undefined;
    const offset = zoneMs(clock[4]);
    const dayStart = Math.floor((latest + offset) / DAY_MS) * DAY_MS - offset;
    const answeredAt = dayStart + ((Number(clock[1]) * 60 + Number(clock[2])) * 60 + Number(clock[3])) * 1000;
    // A change stamped after the answer (another HA controller's clock ahead) is no quiet at all;
    // only one half a day or more ahead is the next day's answer.
    if (answeredAt >= latest) return answeredAt - latest;
    return latest - answeredAt < DAY_MS / 2 ? 0 : answeredAt + DAY_MS - latest;
}
