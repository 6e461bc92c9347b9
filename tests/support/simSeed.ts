// A settled Charmed Kubernetes model written straight into the Juju simulator's state (no deploy, no
// real etcd or kube-apiserver), with a fake Kubernetes API standing in for the control plane's: the
// simulator's get-kubeconfig points at it, and drain, cordon and the Node Ready checks reach it. For
// unit tests of what runs against a live cluster (upgrades, actions) without the toolchain.
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { charmData } from "../../simulator/charmData";
import { makeCertificates } from "../../simulator/cluster";
import type { SimModel, SimState, SimUnit } from "../../simulator/state";

/** One request the fake Kubernetes API answered. */
export interface KubeRequest {
    at: number;
    method: string;
    path: string;
    body?: Record<string, unknown>;
}

interface FakeNode {
    metadata: { name: string; annotations: Record<string, string> };
    spec: { unschedulable?: boolean };
    status: { conditions: { type: string; status: string }[] };
}

/** A Kubernetes API over https answering what upgrades and drains ask: nodes, their pods, evictions. */
export interface FakeKubeApi {
    readonly port: number;
    /** Holds ca.crt (localhost in both families), as the simulator's cluster folder does. */
    readonly dir: string;
    readonly token: string;
    readonly requests: KubeRequest[];
    readonly nodes: Map<string, FakeNode>;
    close(): Promise<void>;
}

/** Starts the fake API with these nodes, each Ready and running one replicated pod. */
export async function fakeKubeApi(nodeNames: string[]): Promise<FakeKubeApi> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-kube-api-"));
    makeCertificates(dir);
    const token = "fake-admin-token";
    const requests: KubeRequest[] = [];
    const nodes = new Map<string, FakeNode>(
        nodeNames.map((name) => [
            name,
            { metadata: { name, annotations: {} }, spec: {}, status: { conditions: [{ type: "Ready", status: "True" }] } },
        ]),
    );
    // One ReplicaSet pod per node; evicted pods are gone.
    const pods = new Map(nodeNames.map((name) => [`web-${name}`, name]));
    const server = https.createServer(
        { key: fs.readFileSync(path.join(dir, "apiserver.key")), cert: fs.readFileSync(path.join(dir, "apiserver.crt")) },
        (req, res) => {
            let text = "";
            req.on("data", (chunk) => (text += chunk));
            req.on("end", () => {
                const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
                const url = new URL(req.url ?? "/", "https://localhost");
                requests.push({ at: Date.now(), method: req.method ?? "", path: url.pathname + url.search, body });
                const send = (status: number, doc: object) => {
                    res.writeHead(status, { "Content-Type": "application/json" });
                    res.end(JSON.stringify(doc));
                };
                if (url.pathname === "/readyz") return send(200, {});
                const node = /^\/api\/v1\/nodes\/([^/]+)$/.exec(url.pathname);
                if (node) {
                    const found = nodes.get(decodeURIComponent(node[1]));
                    if (!found) return send(404, { message: `nodes "${node[1]}" not found` });
                    if (req.method === "PATCH") {
                        const patch = body as {
                            metadata?: { annotations?: Record<string, string | null> };
                            spec?: { unschedulable?: boolean };
                        };
                        for (const [key, value] of Object.entries(patch.metadata?.annotations ?? {})) {
                            if (value === null) delete found.metadata.annotations[key];
                            else found.metadata.annotations[key] = value;
                        }
                        if (patch.spec && "unschedulable" in patch.spec) found.spec.unschedulable = patch.spec.unschedulable;
                    }
                    return send(200, found);
                }
                if (url.pathname === "/api/v1/pods") {
                    const on = (url.searchParams.get("fieldSelector") ?? "").replace("spec.nodeName=", "");
                    const items = [...pods]
                        .filter(([, where]) => where === on)
                        .map(([name]) => ({
                            metadata: {
                                name,
                                namespace: "default",
                                uid: name,
                                ownerReferences: [{ kind: "ReplicaSet", name: "web", controller: true }],
                            },
                            status: { phase: "Running" },
                        }));
                    return send(200, { items, metadata: {} });
                }
                const pod = /^\/api\/v1\/namespaces\/default\/pods\/([^/]+)(\/eviction)?$/.exec(url.pathname);
                if (pod) {
                    if (!pods.has(pod[1])) return send(404, { message: "not found" });
                    if (pod[2]) {
                        pods.delete(pod[1]);
                        return send(201, {});
                    }
                    return send(200, { metadata: { name: pod[1], namespace: "default", uid: pod[1] } });
                }
                send(404, { message: `the fake API has no ${url.pathname}` });
            });
        },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as AddressInfo).port,
        dir,
        token,
        requests,
        nodes,
        close: () =>
            new Promise((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
                fs.rmSync(dir, { recursive: true, force: true });
            }),
    };
}

/** A process that stands for the cluster's etcd and kube-apiserver in the state (alive; nothing else). */
export function standInProcess(): ChildProcess {
    return spawn("sleep", ["3600"], { stdio: "ignore" });
}

export interface SeedOptions {
    /** The charms' channel and the Kubernetes snaps' (e.g. 1.34/stable). */
    readonly channel: string;
    /** etcd's `channel` option; absent: the charm's default (auto). */
    readonly etcdChannel?: string;
    readonly api: FakeKubeApi;
    /** A live pid for the state's etcd, kube-apiserver and controllers. */
    readonly pid: number;
    readonly workers?: number;
}

/**
 * Writes `controller:model` into the simulator state at CK_JUJU_SIM_HOME, settled: machine 0 the
 * control plane with etcd and easyrsa, 1 the balancer, 2.. the workers, the bundle's applications at
 * `channel`, every Node registered (machines' host names sim-<id>).
 */
export function seedModel(simHome: string, key: string, options: SeedOptions): SimModel {
    const bundle = charmData().bundles["charmed-kubernetes"].applications;
    const workers = options.workers ?? 2;
    const settled = Date.now() - 60_000;
    const machine = (address: string) => ({ address, user: "ubuntu", ipAddresses: [address, "::1"], readyAt: settled });
    const machines: SimModel["machines"] = { "0": machine("127.0.1.10"), "1": machine("127.0.3.10") };
    for (let i = 0; i < workers; i++) machines[String(2 + i)] = machine(`127.0.2.${10 + i}`);
    const unit = (id: string, leader: boolean): SimUnit => ({ machine: id, settleAt: settled, leader });
    const placement: Record<string, string[]> = {
        etcd: ["0"],
        easyrsa: ["0"],
        "kubernetes-control-plane": ["0"],
        "kubeapi-load-balancer": ["1"],
        "kubernetes-worker": Object.keys(machines).slice(2),
    };
    const serviceCidr = "10.152.183.0/24,fd00:c00b:2::/112";
    const applications: SimModel["applications"] = {};
    for (const [name, spec] of Object.entries(bundle)) {
        applications[name] = {
            charm: spec.charm,
            channel: options.channel,
            revision: 1,
            options: Object.fromEntries(Object.entries(spec.options).map(([k, v]) => [k, String(v)])),
            units: Object.fromEntries((placement[name] ?? []).map((id, i) => [`${name}/${i}`, unit(id, i === 0)])),
            ...(spec.subordinateTo ? { subordinateTo: spec.subordinateTo } : {}),
            // As the bundle's deploy leaves them (commands/applications.ts deploy).
            exposed: spec.expose === true,
        };
    }
    // Every application on the charms' channel; the Kubernetes snaps and their option on it too.
    for (const [name, app] of Object.entries(applications)) {
        if (name === "kubernetes-control-plane" || name === "kubernetes-worker") {
            app.options.channel = options.channel;
            for (const u of Object.values(app.units)) u.snapChannel = options.channel;
        }
        if (name === "etcd") {
            if (options.etcdChannel === undefined) delete app.options.channel;
            else app.options.channel = options.etcdChannel;
        }
    }
    applications.calico.options.cidr = "192.168.0.0/16,fd00:c00b:1::/112";
    applications["kubernetes-control-plane"].options["service-cidr"] = serviceCidr;
    applications["kubernetes-control-plane"].options["image-registry"] = "ghcr.io/canonical/cdk";
    applications.calico.options["image-registry"] = "ghcr.io/canonical/cdk";
    const model: SimModel = {
        uuid: "seeded-uuid",
        config: {},
        machines,
        nextMachine: Object.keys(machines).length,
        applications,
        apiserver: {
            etcdPid: options.pid,
            apiserverPid: options.pid,
            apiserverArgs: [],
            host: "127.0.0.1",
            port: options.api.port,
            token: options.api.token,
            dir: options.api.dir,
            serviceCidr,
            startedAt: settled,
            controllers: {
                clusterCidr: applications.calico.options.cidr,
                controllerManagerPid: options.pid,
                schedulerPid: options.pid,
                kwokPid: options.pid,
            },
        },
        kubeNodes: ["0", ...Object.keys(machines).slice(2)],
    };
    fs.mkdirSync(simHome, { recursive: true });
    const state: SimState = { models: { [key]: model } };
    fs.writeFileSync(path.join(simHome, "state.json"), JSON.stringify(state, null, 2));
    return model;
}
