import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
    JujuStatus,
    controlPlaneApplication,
    describeUnit,
    flattenUnits,
    interpretStatus,
    machineByAddress,
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
