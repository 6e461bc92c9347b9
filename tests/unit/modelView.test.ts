// The deployment as declared against the model as `juju export-bundle` prints it (issue 21 points
// 2 and 3): what refresh reports, in `juju diff-bundle`'s shape, and what up runs to put it back.
// Export shapes follow Juju 3.6's apiserver/facades/client/bundle/bundle_test.go
// (TestExportCharmhubBundle, ...WithCharmDefaults); diff shapes core/bundle/changes/diff_test.go.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import * as yaml from "js-yaml";
import { planFamilies } from "../../components/net/families";
import {
    ApplicationView,
    ModelView,
    declaredView,
    describeDrift,
    liveView,
    modelDiff,
    restoreOperations,
} from "../../components/juju/modelView";
import { describeOperation } from "../../components/juju/operations";
import { PlacedMachine, dualStackOverlay } from "../../components/juju/overlay";

const APPS = ["calico", "containerd", "easyrsa", "etcd", "kubeapi-load-balancer", "kubernetes-control-plane", "kubernetes-worker"];
const families = planFamilies("192.168.0.0/16,fd00:c00b:1::/112", "10.152.183.0/24,fd00:c00b:2::/112");
const machines: PlacedMachine[] = [
    { id: "0", roles: ["control-plane"] },
    { id: "1", roles: ["load-balancer"] },
    { id: "2", roles: ["worker"] },
    { id: "10", roles: ["worker"] },
    { id: "9", roles: ["worker"] },
];

function declared(overrides: { controlPlaneApp?: string; charmServiceCidr?: string } = {}): ModelView {
    const controlPlaneApp = overrides.controlPlaneApp ?? "kubernetes-control-plane";
    return declaredView({
        channel: "1.35/stable",
        overlay: dualStackOverlay({ families, channel: "1.35/stable" }),
        machines,
        expectedApplications: APPS.map((app) => (app === "kubernetes-control-plane" ? controlPlaneApp : app)),
        charmServiceCidr: overrides.charmServiceCidr ?? "10.152.183.0/24,fd00:c00b:2::/112",
        controlPlaneApp,
    });
}

/** An export as Juju 3.6 writes it for the deployed model (charm, channel, revision, num_units, to, options, constraints). */
function exported(edit: (apps: Record<string, Record<string, unknown>>) => void = () => undefined): string {
    const principal = (to: string[], options?: Record<string, unknown>) => ({
        charm: "x",
        channel: "1.35/stable",
        revision: 1,
        num_units: to.length,
        to,
        ...(options ? { options } : {}),
        constraints: "arch=amd64",
    });
    const apps: Record<string, Record<string, unknown>> = {
        calico: {
            charm: "calico",
            channel: "1.35/stable",
            revision: 1,
            options: {
                cidr: "192.168.0.0/16,fd00:c00b:1::/112",
                "image-registry": "ghcr.io/canonical/cdk",
                "nat-outgoing": true,
                vxlan: "Always",
            },
        },
        containerd: { charm: "containerd", channel: "1.35/stable", revision: 1 },
        easyrsa: principal(["0"]),
        etcd: principal(["0"], { channel: "3.4/stable" }),
        "kubeapi-load-balancer": principal(["1"]),
        "kubernetes-control-plane": principal(["0"], {
            channel: "1.35/stable",
            "image-registry": "ghcr.io/canonical/cdk",
            "service-cidr": "10.152.183.0/24,fd00:c00b:2::/112",
        }),
        // Units in unit-name string order (state/migration_export.go: w/10 before w/2).
        "kubernetes-worker": principal(["10", "2", "9"], { channel: "1.35/stable" }),
        "cos-agent": { charm: "grafana-agent", channel: "latest/stable", revision: 3 },
    };
    edit(apps);
    return yaml.dump({
        "default-base": "ubuntu@24.04/stable",
        applications: apps,
        machines: { "0": {}, "1": {}, "10": {}, "2": {}, "9": {} },
    });
}

const workerStatus = (units: Record<string, string>) => ({
    applications: { "kubernetes-worker": { units: Object.fromEntries(Object.entries(units).map(([n, m]) => [n, { machine: m }])) } },
});

describe("the declared view", () => {
    it("holds the overlay's options as juju config prints them, the placement's machines in number order, the deployed service-cidr", () => {
        const view = declared({ charmServiceCidr: "10.152.183.0/24" });
        assert.deepEqual(view.applications.calico, {
            channel: "1.35/stable",
            options: {
                cidr: "192.168.0.0/16,fd00:c00b:1::/112",
                vxlan: "Always",
                "nat-outgoing": "true",
                "image-registry": "ghcr.io/canonical/cdk",
            },
            machines: [],
        });
        assert.deepEqual(view.applications["kubernetes-worker"].machines, ["2", "9", "10"]);
        // A grown serviceCidr leaves the charm's option as deployed.
        assert.equal(view.applications["kubernetes-control-plane"].options["service-cidr"], "10.152.183.0/24");
        assert.deepEqual(Object.keys(view.applications).sort(), APPS);
    });

    it("gives a control plane called kubernetes-master the overlay's control-plane options and machines", () => {
        const view = declared({ controlPlaneApp: "kubernetes-master" });
        assert.equal(view.applications["kubernetes-master"].options["image-registry"], "ghcr.io/canonical/cdk");
        assert.deepEqual(view.applications["kubernetes-master"].machines, ["0"]);
    });
});

describe("the live view and its diff", () => {
    it("is {} against an export of the model as deployed, applications added beside it left out", () => {
        const live = liveView(exported(), declared());
        assert.deepEqual(modelDiff(declared(), live), {});
        assert.equal(live.applications["cos-agent"], undefined);
        assert.deepEqual(describeDrift(modelDiff(declared(), live)), []);
    });

    it("shows a hand `juju config` and a reset option in diff-bundle's shape, bundle and model sides, null when unset", () => {
        const live = liveView(
            exported((apps) => {
                const calico = apps.calico.options as Record<string, unknown>;
                calico.cidr = "10.9.0.0/16";
                delete calico["nat-outgoing"]; // juju config calico --reset nat-outgoing
            }),
            declared(),
        );
        assert.deepEqual(modelDiff(declared(), live), {
            applications: {
                calico: {
                    options: {
                        cidr: { bundle: "192.168.0.0/16,fd00:c00b:1::/112", model: "10.9.0.0/16" },
                        "nat-outgoing": { bundle: "true", model: null },
                    },
                },
            },
        });
        assert.deepEqual(describeDrift(modelDiff(declared(), live)), [
            'calico option cidr: declared "192.168.0.0/16,fd00:c00b:1::/112", live "10.9.0.0/16"',
            'calico option nat-outgoing: declared "true", live unset (the charm\'s default applies)',
        ]);
    });

    it("reports options per key on both sides as diff_test.go TestApplicationOptions does", () => {
        const view = (options: Record<string, string>): ModelView => ({
            applications: { prometheus: { channel: "stable", options, machines: [] } },
        });
        // diff_test.go:705-756: bundle {griffin, travis: glasses, clint: hat} vs model {griffin, justin: tshirt, clint: scarf}.
        const diff = modelDiff(
            view({ griffin: "x", travis: "glasses", clint: "hat" }),
            view({ griffin: "x", justin: "tshirt", clint: "scarf" }),
        );
        assert.deepEqual(diff, {
            applications: {
                prometheus: {
                    options: {
                        clint: { bundle: "hat", model: "scarf" },
                        justin: { bundle: null, model: "tshirt" },
                        travis: { bundle: "glasses", model: null },
                    },
                },
            },
        });
    });

    it("names a removed application, a hand refresh and units moved, with declared and live values", () => {
        const live = liveView(
            exported((apps) => {
                delete apps.etcd;
                apps.containerd.channel = "1.36/stable";
                apps["kubernetes-worker"].to = ["0", "10", "9"];
                apps["kubernetes-worker"].num_units = 3;
            }),
            declared(),
        );
        const diff = modelDiff(declared(), live);
        assert.deepEqual(diff, {
            applications: {
                containerd: { channel: { bundle: "1.35/stable", model: "1.36/stable" } },
                etcd: { missing: "model" },
                "kubernetes-worker": { machines: { bundle: ["2", "9", "10"], model: ["0", "9", "10"] } },
            },
        });
        assert.deepEqual(describeDrift(diff), [
            "containerd charm channel: declared 1.35/stable, live 1.36/stable (refreshed by hand)",
            "etcd: declared, but not in the model (removed by hand)",
            "kubernetes-worker units: declared 3 on machines 2, 9, 10, live 3 on machines 0, 9, 10",
        ]);
    });

    it("counts units of principals only (diff.go skips num_units of subordinates) and takes `stable` as latest/stable", () => {
        const live = liveView(
            exported((apps) => void (apps["kubernetes-worker"].to = ["10", "2", "3", "9"])),
            declared(),
        );
        assert.deepEqual(modelDiff(declared(), live).applications?.["kubernetes-worker"]?.num_units, { bundle: 3, model: 4 });
        const channelOnly = (channel: string): ModelView => ({ applications: { ubuntu: { channel, options: {}, machines: [] } } });
        assert.deepEqual(modelDiff(channelOnly("stable"), channelOnly("latest/stable")), {});
    });
});

describe("restoring the model", () => {
    it("sets edited and reset options back, adds and removes units by name, refuses a removed application and a hand refresh, never redeploys", () => {
        const live = liveView(
            exported((apps) => {
                const calico = apps.calico.options as Record<string, unknown>;
                calico.cidr = "10.9.0.0/16";
                delete calico["nat-outgoing"];
                (apps["kubernetes-control-plane"].options as Record<string, unknown>)["service-cidr"] = "10.100.0.0/16";
                delete apps.etcd;
                apps.containerd.channel = "1.36/stable";
                // worker/3 added by hand on machine 0, the unit on machine 2 removed by hand.
                apps["kubernetes-worker"].to = ["0", "10", "9"];
            }),
            declared(),
            workerStatus({ "kubernetes-worker/1": "9", "kubernetes-worker/2": "10", "kubernetes-worker/3": "0" }),
        );
        // Machine 2 is still in the model (juju status lists it).
        const { operations, refusals } = restoreOperations(declared(), live, ["0", "1", "2", "9", "10"]);
        assert.deepEqual(operations.map(describeOperation), [
            "juju config calico cidr=192.168.0.0/16,fd00:c00b:1::/112 nat-outgoing=true",
            "juju config kubernetes-control-plane service-cidr=10.152.183.0/24,fd00:c00b:2::/112",
            "juju add-unit kubernetes-worker --to 2",
            "juju remove-unit kubernetes-worker/3",
        ]);
        assert.deepEqual(
            refusals.map((r) => r.property),
            ["channel", "expectedApplications"],
        );
        assert.match(
            refusals[0].reason,
            /containerd runs charm channel 1\.36\/stable.*declares 1\.35\/stable.*ck-dualstack:channel to 1\.36\/stable.*juju refresh containerd --channel 1\.35\/stable/,
        );
        assert.match(
            refusals[1].reason,
            /etcd held the cluster's datastore.*juju attach-resource etcd snapshot=.*juju run etcd\/leader restore/,
        );
    });

    it("names what easyrsa and the control plane held when they are removed", () => {
        const live = liveView(
            exported((apps) => {
                delete apps.easyrsa;
                delete apps["kubernetes-control-plane"];
            }),
            declared(),
        );
        const reasons = restoreOperations(declared(), live).refusals.map((r) => r.reason);
        assert.match(reasons[0], /easyrsa held the cluster's CA.*juju run easyrsa\/leader restore name=/);
        assert.match(reasons[1], /kubernetes-control-plane was the control plane/);
    });

    it("adds no unit to a declared machine the model no longer has (Juju removed it with its last unit), as status or the units say", () => {
        const live = liveView(
            exported((apps) => void (apps["kubernetes-worker"].to = ["10", "9"])),
            declared(),
            workerStatus({ "kubernetes-worker/1": "9", "kubernetes-worker/2": "10" }),
        );
        assert.deepEqual(restoreOperations(declared(), live, ["0", "1", "9", "10"]).operations, []);
        assert.deepEqual(restoreOperations(declared(), live).operations, [], "no unit of the model is on machine 2");
        assert.deepEqual(restoreOperations(declared(), live, ["0", "1", "2", "9", "10"]).operations.map(describeOperation), [
            "juju add-unit kubernetes-worker --to 2",
        ]);
    });

    it("reads the base document when export-bundle appends an overlay document (offers, per-endpoint expose)", () => {
        const overlay =
            "--- # overlay.yaml\napplications:\n  kubernetes-worker:\n    offers:\n      ingress:\n        endpoints: [ingress-proxy]\n";
        const live = liveView(exported() + overlay, declared());
        assert.deepEqual(modelDiff(declared(), live), {});
    });

    it("does not refuse a charm already on the channel being upgraded to (an interrupted upgrade), and still refuses another", () => {
        const live = liveView(
            exported((apps) => void (apps.containerd.channel = "1.36/stable")),
            declared(),
        );
        assert.deepEqual(restoreOperations(declared(), live, undefined, "1.36/stable").refusals, []);
        assert.match(
            restoreOperations(declared(), live, undefined, "1.35/stable").refusals[0].reason,
            /containerd runs charm channel 1.36/,
        );
    });

    it("counts units by name from the same reading as their names: a unit removed since export removes no declared unit", () => {
        const stale = liveView(
            exported((apps) => void (apps["kubernetes-worker"].to = ["10", "2", "2", "9"])),
            declared(),
            workerStatus({ "kubernetes-worker/0": "2", "kubernetes-worker/1": "9", "kubernetes-worker/2": "10" }),
        );
        assert.deepEqual(restoreOperations(declared(), stale).operations, []);
    });

    it("removes the newest of two units on one machine, and needs juju status to name units", () => {
        const live = liveView(
            exported((apps) => void (apps["kubernetes-worker"].to = ["10", "2", "2", "9"])),
            declared(),
            workerStatus({
                "kubernetes-worker/0": "2",
                "kubernetes-worker/1": "9",
                "kubernetes-worker/2": "10",
                "kubernetes-worker/11": "2",
            }),
        );
        assert.deepEqual(restoreOperations(declared(), live).operations.map(describeOperation), ["juju remove-unit kubernetes-worker/11"]);
        const unnamed = liveView(
            exported((apps) => void (apps["kubernetes-worker"].to = ["10", "2", "2", "9"])),
            declared(),
        );
        assert.throws(() => restoreOperations(declared(), unnamed), /pass juju status to liveView/);
    });

    it("leaves the model as declared after its operations, for any options and units changed by hand", () => {
        const machineId = fc.constantFrom("0", "1", "2", "3", "9", "10", "11");
        const handEdited = fc.record({
            options: fc.dictionary(
                fc.constantFrom("cidr", "vxlan", "nat-outgoing", "image-registry"),
                fc.option(fc.constantFrom("a", "true", "Never")),
            ),
            machines: fc.array(machineId, { maxLength: 6 }),
        });
        fc.assert(
            fc.property(handEdited, (edit) => {
                const wanted = declared();
                const base = wanted.applications["kubernetes-worker"];
                const options = { ...wanted.applications.calico.options };
                for (const [key, value] of Object.entries(edit.options)) {
                    if (value === null) delete options[key];
                    else options[key] = value;
                }
                const units = Object.fromEntries(edit.machines.map((m, i) => [`kubernetes-worker/${i}`, m]));
                const live: ModelView = {
                    applications: {
                        ...wanted.applications,
                        calico: { ...wanted.applications.calico, options },
                        "kubernetes-worker": { ...base, machines: [...edit.machines].sort((a, b) => Number(a) - Number(b)), units },
                    },
                };
                const { operations, refusals } = restoreOperations(wanted, live, ["0", "1", "2", "3", "9", "10", "11"]);
                assert.deepEqual(refusals, []);
                assert.deepEqual(modelDiff(wanted, applied(live, operations.map(describeOperation))), {});
            }),
        );
    });
});

/** The model after `juju config`, `add-unit --to` and `remove-unit` lines, as the simulator applies them. */
function applied(view: ModelView, lines: string[]): ModelView {
    const options = new Map(Object.entries(view.applications).map(([app, v]) => [app, { ...v.options }]));
    const units = new Map(Object.entries(view.applications).map(([app, v]) => [app, { ...(v.units ?? {}) }]));
    let next = 100;
    for (const line of lines) {
        const [, command, target, ...rest] = line.split(" ");
        if (command === "config") for (const kv of rest) options.get(target)![kv.split("=")[0]] = kv.slice(kv.indexOf("=") + 1);
        else if (command === "add-unit") units.get(target)![`${target}/${next++}`] = rest[1];
        else if (command === "remove-unit") delete units.get(target.split("/")[0])![target];
        else assert.fail(`not an in-place operation: ${line}`);
    }
    const machinesOf = (app: string, v: ApplicationView) =>
        v.units ? Object.values(units.get(app)!).sort((a, b) => Number(a) - Number(b)) : v.machines;
    return {
        applications: Object.fromEntries(
            Object.entries(view.applications).map(([app, v]) => [app, { ...v, options: options.get(app)!, machines: machinesOf(app, v) }]),
        ),
    };
}
