import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
    JujuStatus,
    controlPlaneApplication,
    describeUnit,
    flattenUnits,
    interpretStatus,
    machineByAddress,
    parseSince,
    quietForMs,
} from "../../components/juju/status";
import { statusDoc } from "../support/fakeJuju";

const capture = JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "fixtures", "juju-status-iaas-3.6.4.json"), "utf8")) as JujuStatus;

describe("juju status interpretation (real 3.6.4 capture)", () => {
    it("finds subordinate units that appear only under their principals", () => {
        assert.deepEqual(
            flattenUnits(capture).map((u) => `${u.name}:${u.subordinate}`),
            ["nrpe/1:true", "nrpe/2:true", "ubun2/0:false", "ubuntu/1:false"],
        );
    });

    it("reports blocked subordinates with their message and is not settled", () => {
        const view = interpretStatus(capture, ["ubuntu", "ubun2", "nrpe"]);
        assert.equal(view.settled, false);
        assert.deepEqual(
            view.blocked.map((u) => `${u.name}: ${u.message}`),
            ["nrpe/1: Nagios server not configured or related", "nrpe/2: Nagios server not configured or related"],
        );
        assert.equal(view.unitErrors.length, 0);
        assert.match(view.summary, /2\/4 units settled; waiting on nrpe\/1 \(blocked\/idle: Nagios server/);
    });

    it("finds machines by any of their addresses, IPv6 included", () => {
        assert.equal(machineByAddress(capture, "10.103.56.129"), "2");
        assert.equal(machineByAddress(capture, "fd42:63bf:36e0:2d9b:216:3eff:fe37:b62f"), "1");
        assert.equal(machineByAddress(capture, "10.9.9.9"), undefined);
    });
});

describe("juju status interpretation (scripted)", () => {
    it("settles only when every unit and subordinate is active and idle and no application is missing", () => {
        const settled = JSON.parse(
            statusDoc({ "kubernetes-worker/0": { workload: "active", subordinates: { "calico/0": { workload: "active" } } } }),
        );
        assert.equal(interpretStatus(settled, ["kubernetes-worker", "calico"]).settled, true);
        assert.equal(interpretStatus(settled, ["kubernetes-worker", "calico", "etcd"]).settled, false);
        const executing = JSON.parse(
            statusDoc({
                "kubernetes-worker/0": { workload: "active", subordinates: { "calico/0": { workload: "active", agent: "executing" } } },
            }),
        );
        assert.equal(interpretStatus(executing, ["kubernetes-worker", "calico"]).settled, false);
    });

    it("names a subordinate in error with its message", () => {
        const doc = JSON.parse(
            statusDoc({
                "kubernetes-worker/0": {
                    workload: "active",
                    subordinates: { "calico/0": { workload: "error", message: 'hook failed: "install"' } },
                },
            }),
        );
        assert.deepEqual(interpretStatus(doc, []).unitErrors.map(describeUnit), ['calico/0 (error/idle: hook failed: "install")']);
    });

    it("treats status-error entries as pending, with the error text", () => {
        const doc: JujuStatus = {
            applications: {
                etcd: {
                    units: { "etcd/0": { "workload-status": { "status-error": "cannot get status" }, "juju-status": { current: "idle" } } },
                },
            },
        };
        const view = interpretStatus(doc, ["etcd"]);
        assert.equal(view.settled, false);
        assert.match(view.pending[0], /etcd\/0 \(unknown\/idle: status error: cannot get status\)/);
        const unitError: JujuStatus = { applications: { etcd: { units: { "etcd/0": { "status-error": "unit gone" } } } } };
        assert.match(interpretStatus(unitError, []).pending[0], /status error: unit gone/);
    });

    it("reports machines in error", () => {
        const doc: JujuStatus = {
            machines: { "3": { "juju-status": { current: "error", message: "ssh: connection refused" }, "dns-name": "10.0.0.9" } },
        };
        assert.deepEqual(interpretStatus(doc, []).machineErrors, ["machine 3 (10.0.0.9): ssh: connection refused"]);
    });

    it("reports machines down and agents lost (core/status Down, Lost) and is not settled while any is", () => {
        const doc = JSON.parse(
            statusDoc(
                {
                    "etcd/0": { workload: "active" },
                    "etcd/1": { workload: "unknown", agent: "lost", message: "agent lost, see 'juju show-status-log etcd/1'" },
                },
                {
                    "0": "10.0.0.5",
                },
            ),
        ) as { machines: Record<string, { "juju-status": object }> };
        doc.machines["0"]["juju-status"] = { current: "down", message: "agent is not communicating with the server" };
        const view = interpretStatus(doc as JujuStatus, ["etcd"]);
        assert.equal(view.settled, false);
        assert.deepEqual(
            [...view.unreachable.values()],
            [
                "machine 0 (10.0.0.5) is down: agent is not communicating with the server",
                "unit etcd/1 agent lost: agent lost, see 'juju show-status-log etcd/1'",
            ],
        );
    });

    it("accepts the legacy control-plane name", () => {
        assert.equal(controlPlaneApplication({ applications: { "kubernetes-master": {} } }), "kubernetes-master");
        assert.equal(controlPlaneApplication({ applications: { "kubernetes-control-plane": {} } }), "kubernetes-control-plane");
        assert.equal(controlPlaneApplication({ applications: {} }), undefined);
    });
});

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number) => String(n).padStart(2, "0");

/** `ms` in the client's layouts at a zone `offsetMinutes` east of UTC (cmd/juju/common/format.go FormatTime, FormatTimeAsTimestamp). */
function goTimes(ms: number, offsetMinutes: number): { since: string; timestamp: string } {
    const d = new Date(ms + offsetMinutes * 60_000);
    const zone =
        offsetMinutes === 0
            ? "Z"
            : `${offsetMinutes < 0 ? "-" : "+"}${two(Math.floor(Math.abs(offsetMinutes) / 60))}:${two(Math.abs(offsetMinutes) % 60)}`;
    const clock = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}${zone}`;
    return { since: `${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${clock}`, timestamp: clock };
}

/** A status whose units changed last at `changedAt`, answered by the controller at `answeredAt`. */
function answeredAt(changedAt: number, answered: number, offsetMinutes: number): JujuStatus {
    const doc = JSON.parse(statusDoc({ "etcd/0": { workload: "active", subordinates: { "calico/0": { workload: "active" } } } })) as object;
    const since = goTimes(changedAt, offsetMinutes).since;
    const text = JSON.stringify(doc).replace(/"since":"[^"]*"/g, `"since":${JSON.stringify(since)}`);
    return { ...(JSON.parse(text) as JujuStatus), controller: { timestamp: goTimes(answered, offsetMinutes).timestamp } };
}

describe("how long the model has been quiet, by the controller's clock", () => {
    it("reads the real capture's times: its latest change and the controller's timestamp", () => {
        assert.equal(parseSince("09 Jun 2025 11:14:50+12:00"), Date.parse("2025-06-08T23:14:50Z"));
        // --utc (or JUJU_STATUS_ISO_TIME): "2006-01-02 15:04:05Z", and the timestamp without a zone.
        assert.equal(parseSince("2025-06-08 23:14:50Z"), Date.parse("2025-06-08T23:14:50Z"));
        assert.equal(parseSince("yesterday"), undefined);
        const latest = Math.max(...flattenUnits(capture).flatMap((unit) => [parseSince(unit.since)!, parseSince(unit.agentSince)!]));
        // The capture answered at 12:11:53+12:00.
        assert.equal(quietForMs(capture), Date.parse("2025-06-09T00:11:53Z") - latest);
    });

    it("counts from the latest change of any unit, subordinates and agents included", () => {
        const status = answeredAt(Date.parse("2026-11-25T12:00:00Z"), Date.parse("2026-11-25T12:00:30Z"), 0);
        const calico = status.applications!.etcd.units!["etcd/0"].subordinates!["calico/0"];
        const later = { ...calico, "juju-status": { ...calico["juju-status"], since: "25 Nov 2026 12:00:20Z" } };
        const units = { "etcd/0": { ...status.applications!.etcd.units!["etcd/0"], subordinates: { "calico/0": later } } };
        assert.equal(quietForMs({ ...status, applications: { ...status.applications, etcd: { units } } }), 10_000);
    });

    it("is unknown without the controller's timestamp or with a time it cannot read", () => {
        assert.equal(quietForMs(JSON.parse(statusDoc({ "etcd/0": { workload: "active" } })) as JujuStatus), undefined);
        const status = answeredAt(0, 1000, 0);
        assert.equal(quietForMs({ ...status, controller: { timestamp: "noon" } }), undefined);
        assert.equal(quietForMs({ ...status, controller: { timestamp: "00:00:03" } }), 3000);
    });

    it("counts a change stamped after the answer (another HA controller's clock ahead) as no quiet", () => {
        const answered = Date.parse("2026-11-25T12:00:00Z");
        assert.equal(quietForMs(answeredAt(answered + 3000, answered, 60)), 0);
    });

    it("gives the quiet time to the second in any zone, across midnight, for quiets under half a day", () => {
        fc.assert(
            fc.property(
                fc.integer({ min: Date.parse("2020-01-01T00:00:00Z") / 1000, max: Date.parse("2035-01-01T00:00:00Z") / 1000 }),
                fc.integer({ min: 0, max: 43_199 }),
                fc.integer({ min: -12 * 60, max: 14 * 60 }).map((minutes) => minutes - (minutes % 15)),
                (changedSeconds, quietSeconds, offset) => {
                    const changed = changedSeconds * 1000;
                    assert.equal(quietForMs(answeredAt(changed, changed + quietSeconds * 1000, offset)), quietSeconds * 1000);
                },
            ),
        );
    });
});
