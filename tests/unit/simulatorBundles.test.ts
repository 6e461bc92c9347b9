// The simulator's `juju export-bundle` and `juju diff-bundle` (issue 21 point 4), against Juju 3.6's
// own tests (wallyworld/juju 3.6 @ 87e38e5f62be): apiserver/facades/client/bundle/bundle_test.go
// (export shapes), cmd/juju/application/diffbundle_test.go and core/bundle/changes/diff_test.go
// (diff shapes), and the issues' reproducers (juju/juju#12641, #21532). Every change made through
// the simulator's CLI must show in both.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import * as yaml from "js-yaml";
import { BUNDLE_APPLICATIONS } from "../../components/juju/JujuCluster";
import { dualStackOverlay, placementOverlay } from "../../components/juju/overlay";
import { planFamilies } from "../../components/net/families";
import { yamlKeyOrder } from "../../simulator/commands/bundles";
import { FakeKubeApi, seedModel } from "../support/simSeed";

const ROOT = path.resolve(__dirname, "..", "..");
const JUJU = path.join(ROOT, "simulator", "juju");
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "ck-sim-bundles-"));
const SIM_HOME = path.join(WORK, "sim");
const MODEL = "sim:bundles";
const ENV: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CK_JUJU_SIM_"))),
    CK_JUJU_SIM_HOME: SIM_HOME,
    // Removals end at once, hooks take no time: what is asserted is the model, not its timing.
    CK_JUJU_SIM_REMOVE_SECONDS: "0",
    CK_JUJU_SIM_SETTLE_SECONDS: "0",
    CK_JUJU_SIM_CONFIG_SECONDS: "0",
};

function juju(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(JUJU, args, { env: ENV });
        let [stdout, stderr] = ["", ""];
        child.stdout.on("data", (chunk) => (stdout += chunk));
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}

async function ok(...args: string[]): Promise<string> {
    const run = await juju(...args);
    assert.equal(run.code, 0, `juju ${args.join(" ")}: ${run.stderr}`);
    return run.stdout;
}

/** A file under the work folder holding `doc` as YAML (the overlays as deployment.ts writes them). */
function file(name: string, doc: unknown): string {
    const target = path.join(WORK, name);
    fs.writeFileSync(target, typeof doc === "string" ? doc : yaml.dump(doc, { lineWidth: -1 }));
    return target;
}

beforeEach(() => {
    fs.rmSync(SIM_HOME, { recursive: true, force: true });
    // The bundle deployed and settled: machine 0 control plane, etcd, easyrsa; 1 the balancer; 2, 3 workers.
    // No control-plane processes: the state names none (service-cidr edits restart nothing).
    const model = seedModel(SIM_HOME, MODEL, { channel: "1.35/stable", etcdChannel: "3.4/stable", api: {} as FakeKubeApi, pid: 0 });
    delete model.apiserver;
    fs.writeFileSync(path.join(SIM_HOME, "state.json"), JSON.stringify({ models: { [MODEL]: model } }));
});
after(() => fs.rmSync(WORK, { recursive: true, force: true }));

describe("juju export-bundle as Juju 3.6 prints it", () => {
    it("prints the stored settings, units in unit-name order with their machines, the machines hosting them, the relations", async () => {
        const exported = yaml.load(await ok("export-bundle", "-m", MODEL)) as Record<string, unknown>;
        // bundle.go bundleOutput order: default-base, applications, machines, relations.
        assert.deepEqual(Object.keys(exported), ["default-base", "applications", "machines", "relations"]);
        const apps = exported.applications as Record<string, Record<string, unknown>>;
        // charm v12 ApplicationSpec order, subordinates without num_units/to (bundle_test.go TestExportCharmhubBundle).
        assert.deepEqual(Object.keys(apps["kubernetes-worker"]), ["charm", "channel", "revision", "num_units", "to", "expose", "options"]);
        assert.deepEqual(apps.calico, {
            charm: "calico",
            channel: "1.35/stable",
            revision: 1,
            options: { cidr: "192.168.0.0/16,fd00:c00b:1::/112", "image-registry": "ghcr.io/canonical/cdk", vxlan: "Always" },
        });
        assert.deepEqual(exported.machines, { "0": {}, "1": {}, "2": {}, "3": {} });
        // The bundle exposes the balancer and the workers (bundle-1.35.yaml `expose: true`).
        assert.deepEqual(
            Object.keys(apps).filter((app) => apps[app].expose === true),
            ["kubeapi-load-balancer", "kubernetes-worker"],
        );
        assert.deepEqual((exported.relations as string[][])[0], [
            "kubernetes-control-plane:loadbalancer-external",
            "kubeapi-load-balancer:lb-consumers",
        ]);
    });

    it("writes as juju/yaml v2 does: sequences under their key unindented, machine ids quoted, options typed", async () => {
        await ok("config", "-m", MODEL, "calico", "veth-mtu=1400", "nat-outgoing=false");
        const text = await ok("export-bundle", "-m", MODEL);
        assert.match(text, /^ {4}to:\n {4}- "2"\n {4}- "3"\n/m);
        assert.match(text, /^machines:\n {2}"0": \{\}\n {2}"1": \{\}\n/m);
        assert.match(text, /^relations:\n- - kubernetes-control-plane:loadbalancer-external\n {2}- kubeapi-load-balancer:lb-consumers\n/m);
        // An int option is 1400 and a boolean false in the bundle, as the controller stores them.
        assert.match(text, /^ {6}nat-outgoing: false\n/m);
        assert.match(text, /^ {6}veth-mtu: 1400\n/m);
    });

    it("lists units in unit-name string order (kubernetes-worker/10 before /2), as the exporter sorts them", async () => {
        for (let i = 0; i < 9; i++) await ok("add-unit", "-m", MODEL, "kubernetes-worker", "--to", "0");
        await ok("add-unit", "-m", MODEL, "kubernetes-worker", "--to", "1"); // kubernetes-worker/11
        const to = (yaml.load(await ok("export-bundle", "-m", MODEL)) as { applications: Record<string, { to: string[] }> }).applications[
            "kubernetes-worker"
        ].to;
        // /0 on 2, /1 on 3, /10 and /11 before /2 ... /9.
        assert.deepEqual(to, ["2", "3", "0", "1", "0", "0", "0", "0", "0", "0", "0", "0"]);
    });

    it("adds every other option with its default under --include-charm-defaults (null where the charm has none), series under --include-series", async () => {
        const exported = yaml.load(await ok("export-bundle", "-m", MODEL, "--include-charm-defaults", "--include-series")) as {
            series: string;
            applications: Record<string, { options: Record<string, unknown> }>;
        };
        assert.equal(exported.series, "noble");
        const calico = exported.applications.calico.options;
        assert.equal(calico.vxlan, "Always", "the stored setting");
        assert.equal(calico["nat-outgoing"], true, "the default");
        assert.equal(calico["veth-mtu"], null, "no default");
        assert.deepEqual(Object.keys(calico), [...Object.keys(calico)].sort(yamlKeyOrder));
    });

    it("writes --filename 0600 and says so; refuses arguments (exit 2) and an empty model (exit 1)", async () => {
        const target = path.join(WORK, "exported.yaml");
        assert.equal(await ok("export-bundle", "-m", MODEL, "--filename", target), `Bundle successfully exported to ${target}\n`);
        assert.equal(fs.statSync(target).mode & 0o777, 0o600);
        assert.deepEqual(await juju("export-bundle", "-m", MODEL, "extra"), {
            code: 2,
            stdout: "",
            stderr: 'ERROR unrecognized args: ["extra"]\n',
        });
        await ok("remove-application", "-m", MODEL, "--no-prompt", ...BUNDLE_APPLICATIONS);
        assert.deepEqual(await juju("export-bundle", "-m", MODEL), {
            code: 1,
            stdout: "",
            stderr: "ERROR nothing to export as there are no applications\n",
        });
    });
});

describe("juju deploy of the charmed-kubernetes bundle", () => {
    it("exposes what the bundle exposes, saying so as Juju does (core/bundle/changes ExposeChange)", async () => {
        await ok("add-model", "--no-switch", "-c", "sim", "--", "exposing");
        const deployed = await juju(
            "deploy",
            "-m",
            "sim:exposing",
            "--channel",
            "1.35/stable",
            "--map-machines=existing",
            "--",
            "charmed-kubernetes",
        );
        assert.equal(deployed.code, 0, deployed.stderr);
        const exposing = deployed.stderr.split("\n").filter((line) => line.startsWith("- expose "));
        assert.deepEqual(exposing, [
            "- expose all endpoints of kubeapi-load-balancer and allow access from CIDRs 0.0.0.0/0 and ::/0",
            "- expose all endpoints of kubernetes-worker and allow access from CIDRs 0.0.0.0/0 and ::/0",
        ]);
        const status = JSON.parse(await ok("status", "-m", "sim:exposing", "--format=json")) as {
            applications: Record<string, { exposed: boolean; "exposed-endpoints"?: unknown }>;
        };
        assert.deepEqual(
            Object.keys(status.applications).filter((app) => status.applications[app].exposed),
            ["kubeapi-load-balancer", "kubernetes-worker"],
        );
        assert.deepEqual(status.applications["kubernetes-worker"]["exposed-endpoints"], {
            "": { "expose-to-cidrs": ["0.0.0.0/0", "::/0"] },
        });
    });
});

describe("juju diff-bundle as Juju 3.6 prints it", () => {
    it("prints {} for the model's own export with charm defaults and series (juju/juju#12641, #21532)", async () => {
        const exported = file("own.yaml", await ok("export-bundle", "-m", MODEL, "--include-charm-defaults", "--include-series"));
        assert.equal(await ok("diff-bundle", "-m", MODEL, exported), "{}\n");
    });

    it("shows every hand change made through the CLI: juju config set and reset, add-unit, remove-unit, refresh, remove-application", async () => {
        const exported = file("before.yaml", await ok("export-bundle", "-m", MODEL, "--include-charm-defaults", "--include-series"));
        await ok("config", "-m", MODEL, "calico", "cidr=10.9.0.0/16");
        await ok("config", "-m", MODEL, "calico", "--reset", "vxlan");
        await ok("add-unit", "-m", MODEL, "kubernetes-control-plane", "--to", "2");
        await ok("remove-unit", "-m", MODEL, "--no-prompt", "kubernetes-worker/1");
        await ok("refresh", "-m", MODEL, "containerd", "--channel", "1.36/stable");
        await ok("remove-application", "-m", MODEL, "--no-prompt", "easyrsa");
        // diffbundle_test.go TestHandlesOverlays's shape: options per key with both sides, missing, machines, relations.
        assert.equal(
            await ok("diff-bundle", "-m", MODEL, exported),
            [
                "applications:",
                "  calico:",
                "    options:",
                "      cidr:",
                "        bundle: 192.168.0.0/16,fd00:c00b:1::/112",
                "        model: 10.9.0.0/16",
                "      vxlan:",
                "        bundle: Always",
                "        model: Never",
                "  containerd:",
                "    channel:",
                "      bundle: 1.35/stable",
                "      model: 1.36/stable",
                "    revision:",
                "      bundle: 1",
                "      model: 2",
                "  easyrsa:",
                "    missing: model",
                "  kubernetes-control-plane:",
                "    num_units:",
                "      bundle: 1",
                "      model: 2",
                "  kubernetes-worker:",
                "    num_units:",
                "      bundle: 2",
                "      model: 1",
                // The worker's machine went with its last principal unit (applications.ts reap).
                "machines:",
                '  "3":',
                "    missing: model",
                "relations:",
                "  bundle-additions:",
                "  - - easyrsa:client",
                "    - etcd:certificates",
                "  - - easyrsa:client",
                "    - kubeapi-load-balancer:certificates",
                "  - - easyrsa:client",
                "    - kubernetes-control-plane:certificates",
                "  - - easyrsa:client",
                "    - kubernetes-worker:certificates",
                "",
            ].join("\n"),
        );
    });

    it("composes the bundle name with the overlays as deployment.ts deploys it, with Juju's quirks: revision -1, defaults on the model side, no IaaS placement", async () => {
        const families = planFamilies("192.168.0.0/16,fd00:c00b:1::/112", "10.152.183.0/24,fd00:c00b:2::/112");
        const dualStack = file("dual-stack.yaml", dualStackOverlay({ families, channel: "1.35/stable" }));
        const placed = [
            { id: "0", roles: ["control-plane"] },
            { id: "1", roles: ["load-balancer"] },
            { id: "2", roles: ["worker"] },
            { id: "3", roles: ["worker"] },
        ];
        const placement = file("placement.yaml", placementOverlay(placed));
        const args = [
            "diff-bundle",
            "-m",
            MODEL,
            "--overlay",
            dualStack,
            "--overlay",
            placement,
            "--map-machines=existing",
            "--",
            "charmed-kubernetes",
        ];
        const diff = yaml.load(await ok(...args)) as {
            applications: Record<string, Record<string, unknown>>;
            machines?: unknown;
            relations?: unknown;
        };
        // diff.go:159-163: a bundle without revisions compares -1 with every application's revision.
        for (const app of Object.values(diff.applications)) assert.deepEqual(app.revision, { bundle: -1, model: 1 });
        // bundle.go applicationConfigValue: options at their default are on the model side.
        assert.deepEqual((diff.applications.calico.options as Record<string, unknown>)["nat-outgoing"], undefined, "the overlay sets it");
        assert.deepEqual((diff.applications.calico.options as Record<string, unknown>).ipip, { bundle: null, model: "Never" });
        assert.equal(diff.machines, undefined, "the placement overlay's machines are the model's");
        assert.ok(
            Object.values(diff.applications).every((app) => app.expose === undefined && app.exposed_endpoints === undefined),
            "exposed as the bundle says",
        );
        assert.equal(diff.relations, undefined);
        // A unit moved to another machine shows nothing (diff.go:176-178; diff_test.go TestModelMissingMachine).
        await ok("add-unit", "-m", MODEL, "kubernetes-worker", "--to", "0");
        await ok("remove-unit", "-m", MODEL, "--no-prompt", "kubernetes-worker/0");
        const moved = yaml.load(await ok(...args)) as { applications: Record<string, Record<string, unknown>>; machines?: unknown };
        assert.equal(moved.applications["kubernetes-worker"].num_units, undefined);
        assert.deepEqual(moved.machines, { "2": { missing: "model" } });
    });

    it("removes an application an overlay empties, with its relations, and maps machines (diffbundle_test.go TestMachineMap)", async () => {
        const exported = file("own2.yaml", await ok("export-bundle", "-m", MODEL, "--include-charm-defaults", "--include-series"));
        const dropEasyrsa = file("drop.yaml", "applications:\n  easyrsa:\n");
        const diff = yaml.load(await ok("diff-bundle", "-m", MODEL, exported, "--overlay", dropEasyrsa, "--map-machines", "3=2")) as {
            applications: unknown;
            machines: unknown;
            relations: { "model-additions": string[][] };
        };
        assert.deepEqual(diff.applications, { easyrsa: { missing: "bundle" } });
        // Bundle machine 3 stands for model machine 2; model machine 3 then has no bundle machine.
        assert.deepEqual(diff.machines, { "3": { missing: "bundle" } });
        assert.equal(diff.relations["model-additions"].length, 4);
    });

    it("exits 2 for usage errors and 1 for run errors, ERROR on stderr, nothing on stdout (juju/cmd Main)", async () => {
        assert.deepEqual(await juju("diff-bundle", "-m", MODEL), { code: 2, stdout: "", stderr: "ERROR no bundle specified\n" });
        assert.deepEqual(await juju("diff-bundle", "-m", MODEL, "charmed-kubernetes", "x"), {
            code: 2,
            stdout: "",
            stderr: 'ERROR unrecognized args: ["x"]\n',
        });
        assert.deepEqual(await juju("diff-bundle", "-m", MODEL, "--map-machines", "a=1", "charmed-kubernetes"), {
            code: 2,
            stdout: "",
            stderr: 'ERROR error in --map-machines: bundle-id "a" is not a top level machine id\n',
        });
        assert.equal((await juju("diff-bundle", "-m", MODEL, "--format", "json", "charmed-kubernetes")).code, 2, "no --format");
        const missingOverlay = await juju("diff-bundle", "-m", MODEL, "--overlay", path.join(WORK, "absent.yaml"), "charmed-kubernetes");
        assert.equal(missingOverlay.code, 1);
        assert.match(missingOverlay.stderr, /^ERROR /);
    });
});

describe("map keys in juju/yaml v2's order", () => {
    it("compares runs of digits as numbers and puts a non-letter before a letter (yaml.v2 sorter.go keyList.Less)", () => {
        assert.deepEqual(["10", "2", "1"].sort(yamlKeyOrder), ["1", "2", "10"]);
        assert.deepEqual(["kubernetes-worker", "kubeapi-load-balancer", "kubernetes-control-plane"].sort(yamlKeyOrder), [
            "kubeapi-load-balancer",
            "kubernetes-control-plane",
            "kubernetes-worker",
        ]);
        assert.ok(yamlKeyOrder("a-b", "ab") < 0, "'-' is no letter: it goes first");
    });
});
