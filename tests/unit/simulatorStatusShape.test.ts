// The simulator's `juju status --format=json` at 30 workers has the real Juju 3.6 shape and size
// (issue 13), so what the deployment waiter pays to fetch and parse it is measured honestly. The
// yardstick is the real capture (tests/fixtures/juju-status-iaas-3.6.4.json): every machine, principal
// unit and subordinate carries its counterpart's keys, and weighs about as much in compact JSON
// (juju/cmd output.go FormatJson: json.Marshal and a newline).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { dualStackOverlay, placementOverlay } from "../../components/juju/overlay";
import { TWO_NODE_DEPLOYMENT } from "../support/deployment";

const ROOT = path.resolve(__dirname, "..", "..");
const JUJU = path.join(ROOT, "simulator", "juju");
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "ck-sim-status-shape-"));
const WORKERS = 30;
// Only this test's simulator settings: none of the caller's CK_JUJU_SIM_* (faults, versions) leak in.
const ENV: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CK_JUJU_SIM_"))),
    CK_JUJU_SIM_HOME: path.join(WORK, "sim"),
    CK_JUJU_SIM_CONTROLLERS: "sim",
    CK_JUJU_SIM_MACHINE_SECONDS: "0",
    CK_JUJU_SIM_DEPLOY_SECONDS: "0",
    CK_JUJU_SIM_SETTLE_SECONDS: "0",
    CK_JUJU_SIM_DESTROY_SECONDS: "0",
};

type Doc = Record<string, unknown>;
const CAPTURE = path.join(ROOT, "tests", "fixtures", "juju-status-iaas-3.6.4.json");
const capture = JSON.parse(fs.readFileSync(CAPTURE, "utf8")) as Record<string, Record<string, Doc>>;

function juju(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(JUJU, args, { env: { ...ENV, ...env } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => (stdout += chunk));
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}

async function ok(args: string[], env?: Record<string, string>): Promise<string> {
    const run = await juju(args, env);
    assert.equal(run.code, 0, `juju ${args.join(" ")}: ${run.stderr}`);
    return `${run.stdout}${run.stderr}`;
}

/** Enlists a host as the program does (add-machine ssh:), each with its own IPv6 address; returns the machine id. */
async function enlist(host: string, ipv6: string): Promise<string> {
    const said = await ok(["add-machine", "-m", "sim:shape", "--", `ssh:ubuntu@${host}`], { CK_JUJU_SIM_NODE_IPV6: ipv6 });
    return /created machine (\d+)/.exec(said)![1];
}

const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
const keys = (value: unknown) => Object.keys(value as Doc).sort();
const average = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const within25 = (actual: number, reference: number, what: string) =>
    assert.ok(Math.abs(actual - reference) <= reference / 4, `${what}: ${actual} bytes, the capture's ${reference.toFixed(0)} ±25%`);

/**
 * The keys the capture's counterpart has, with those Juju omits when empty (formatted.go omitempty)
 * set as this entry warrants: `leader` on the leader only, `open-ports` where the charm opened
 * ports, `subordinates` on principals that have any.
 */
function expectedKeys(counterpart: unknown, present: { leader?: boolean; "open-ports"?: boolean; subordinates?: boolean }): string[] {
    const wanted = new Set(keys(counterpart));
    for (const [key, on] of Object.entries(present)) {
        if (on) wanted.add(key);
        else wanted.delete(key);
    }
    return [...wanted].sort();
}

let raw: string;
let status: Record<string, Record<string, Doc>>;
let machineIds: string[];

before(async () => {
    await ok(["add-model", "--no-switch", "-c", "sim", "--", "shape"]);
    // One control-plane machine, then the workers, four juju processes at a time.
    const controlPlane = await enlist("127.0.1.10", "fd42:63bf:36e0:2d9b:216:3eff:fe00:1");
    const workers: string[] = [];
    let next = 0;
    const enlistNext = async (): Promise<void> => {
        for (let n = ++next; n <= WORKERS; n = ++next)
            workers[n - 1] = await enlist(`127.0.2.${n}`, `fd42:63bf:36e0:2d9b:216:3eff:fe01:${n.toString(16)}`);
    };
    await Promise.all([enlistNext(), enlistNext(), enlistNext(), enlistNext()]);
    const balancer = await enlist("127.0.3.10", "fd42:63bf:36e0:2d9b:216:3eff:fe02:1");
    machineIds = [controlPlane, ...workers, balancer];
    // The program's overlays (components/juju/overlay.ts), less the control plane's service-cidr: with it
    // the simulator starts a real etcd and kube-apiserver, which this test does not need.
    const options = dualStackOverlay({
        families: TWO_NODE_DEPLOYMENT.families,
        channel: TWO_NODE_DEPLOYMENT.channel,
    });
    delete options.applications["kubernetes-control-plane"].options["service-cidr"];
    const placement = placementOverlay([
        { id: controlPlane, roles: ["control-plane"] },
        ...workers.map((id) => ({ id, roles: ["worker"] })),
        { id: balancer, roles: ["load-balancer"] },
    ]);
    const files = [path.join(WORK, "options.yaml"), path.join(WORK, "placement.yaml")];
    fs.writeFileSync(files[0], JSON.stringify(options)); // JSON is YAML
    fs.writeFileSync(files[1], JSON.stringify(placement));
    await ok([
        "deploy",
        "-m",
        "sim:shape",
        "--overlay",
        files[0],
        "--overlay",
        files[1],
        "--map-machines=existing",
        "--channel",
        TWO_NODE_DEPLOYMENT.channel,
        "--",
        TWO_NODE_DEPLOYMENT.bundle,
    ]);
    raw = (await juju(["status", "-m", "sim:shape", "--format=json"])).stdout;
    status = JSON.parse(raw);
});

after(async () => {
    await juju(["destroy-model", "--no-prompt", "--", "sim:shape"]);
    fs.rmSync(WORK, { recursive: true, force: true });
});

describe(`the simulator's juju status at ${WORKERS} workers against the real 3.6.4 capture`, () => {
    const captureMachine = () => capture.machines["1"];
    const captureApp = (name: string) => capture.applications[name];
    const capturePrincipal = () => (captureApp("ubuntu").units as Record<string, Doc>)["ubuntu/1"];
    const captureSubordinate = () => (capturePrincipal().subordinates as Record<string, Doc>)["nrpe/1"];
    /** Charms that open ports with this overlay (the worker's ingress is on, the charm's default). */
    const OPENS_PORTS = new Set(["etcd", "kubeapi-load-balancer", "kubernetes-control-plane", "kubernetes-worker"]);

    it("has every enlisted machine, each with exactly the capture's machine keys, down to its NIC", () => {
        assert.deepEqual(Object.keys(status.machines).sort(), [...machineIds].sort());
        const reference = captureMachine();
        for (const [id, machine] of Object.entries(status.machines)) {
            assert.deepEqual(keys(machine), keys(reference), `machine ${id}`);
            for (const key of ["juju-status", "machine-status", "modification-status", "base"])
                assert.deepEqual(keys(machine[key]), keys(reference[key]), `machine ${id} ${key}`);
            const nics = machine["network-interfaces"] as Record<string, Doc>;
            assert.deepEqual(Object.keys(nics), ["eth0"]);
            assert.deepEqual(keys(nics.eth0), keys((reference["network-interfaces"] as Record<string, Doc>).eth0), `machine ${id} eth0`);
        }
    });

    it("gives principal units and their subordinates exactly the capture's unit keys", () => {
        let principals = 0;
        let subordinates = 0;
        for (const [appName, app] of Object.entries(status.applications)) {
            for (const [name, unit] of Object.entries((app.units ?? {}) as Record<string, Doc>)) {
                principals++;
                const subs = (unit.subordinates ?? {}) as Record<string, Doc>;
                const present = {
                    leader: name === `${appName}/0`,
                    "open-ports": OPENS_PORTS.has(appName),
                    subordinates: appName.startsWith("kubernetes-"),
                };
                assert.deepEqual(keys(unit), expectedKeys(capturePrincipal(), present), name);
                assert.deepEqual(keys(unit["juju-status"]), keys(capturePrincipal()["juju-status"]), `${name} juju-status`);
                for (const [subName, sub] of Object.entries(subs)) {
                    subordinates++;
                    const subPresent = { leader: subName.endsWith("/0"), "open-ports": false };
                    assert.deepEqual(keys(sub), expectedKeys(captureSubordinate(), subPresent), subName);
                    assert.deepEqual(keys(sub["juju-status"]), keys(captureSubordinate()["juju-status"]), `${subName} juju-status`);
                }
            }
        }
        // A worker per worker machine; the control plane, easyrsa and etcd on its machine; the balancer on
        // its own; calico and containerd on every kubelet.
        assert.equal(principals, WORKERS + 4);
        assert.equal(subordinates, 2 * (WORKERS + 1));
        // The ports the charms open (status.ts portClaims); the workers' ingress is on, the charm's default.
        const portsOf = (unit: string) => (status.applications[unit.split("/")[0]].units as Record<string, Doc>)[unit]["open-ports"];
        assert.deepEqual(portsOf("kubeapi-load-balancer/0"), ["443/tcp", "6443/tcp"]);
        assert.deepEqual(portsOf("kubernetes-worker/0"), ["80/tcp", "443/tcp"]);
        assert.deepEqual(portsOf("kubernetes-control-plane/0"), ["6443/tcp"]);
        assert.deepEqual(portsOf("etcd/0"), ["2379/tcp"]);
    });

    it("gives applications the capture's application keys", () => {
        for (const name of ["calico", "containerd"]) assert.deepEqual(keys(status.applications[name]), keys(captureApp("nrpe")), name);
        // Principal applications: the capture's, with endpoint-bindings (every bundle charm declares
        // endpoints; the capture's ubuntu charm declares none, so Juju leaves its bindings out) and
        // without the workload version, which the simulated charms do not set.
        const principal = [...keys(captureApp("ubuntu")).filter((k) => k !== "version"), "endpoint-bindings"].sort();
        for (const name of ["easyrsa", "etcd", "kubernetes-control-plane"])
            assert.deepEqual(keys(status.applications[name]), principal, name);
        // The bundle exposes these two; the capture's applications are not exposed, so print no
        // exposed-endpoints (formatted.go, omitempty).
        for (const name of ["kubeapi-load-balancer", "kubernetes-worker"])
            assert.deepEqual(keys(status.applications[name]), [...principal, "exposed-endpoints"].sort(), name);
    });

    it("weighs per machine and per worker unit (with its subordinates) within 25% of the capture", () => {
        assert.equal(raw, `${JSON.stringify(status)}\n`, "compact JSON and a newline, as Juju writes it");
        const machineReference = average(Object.values(capture.machines).map(size));
        for (const [id, machine] of Object.entries(status.machines)) within25(size(machine), machineReference, `machine ${id}`);
        // The capture's principals carry one subordinate, the workers two (calico, containerd): a
        // worker weighs a capture principal without its subordinates plus two capture subordinates.
        const principalAlone = average(
            ["ubuntu", "ubun2"].flatMap((app) =>
                Object.values(captureApp(app).units as Record<string, Doc>).map((u) => size({ ...u, subordinates: undefined })),
            ),
        );
        const subordinate = average(
            ["ubuntu", "ubun2"].flatMap((app) =>
                Object.values(captureApp(app).units as Record<string, Doc>).flatMap((u) => Object.values(u.subordinates as Doc).map(size)),
            ),
        );
        const workers = Object.entries(status.applications["kubernetes-worker"].units as Record<string, Doc>);
        assert.equal(workers.length, WORKERS);
        for (const [name, unit] of workers) {
            const subs = Object.keys(unit.subordinates as Doc).length;
            assert.equal(subs, 2, name);
            within25(size(unit), principalAlone + subs * subordinate, name);
        }
    });

    it("gives every machine its own MAC address", () => {
        const macs = Object.values(status.machines).map(
            (machine) => (machine["network-interfaces"] as Record<string, Doc>).eth0["mac-address"] as string,
        );
        assert.equal(new Set(macs).size, machineIds.length, `repeated MAC addresses: ${macs.join(" ")}`);
        for (const mac of macs) assert.match(mac, /^00:16:3e(:[0-9a-f]{2}){3}$/);
    });
});
