// The rest of a living sandbox cluster beside etcd and kube-apiserver: kube-controller-manager,
// kube-scheduler, and kwok standing in for the kubelets of the enlisted machines. Each Node is
// registered the way a kubelet registers itself once its charm has installed it, so the nginx
// Deployment really rolls out, with pod addresses from each node's pod ranges.
import * as fs from "fs";
import * as path from "path";
import { Cidr, formatCidr, isCidrError, parseCidr, splitList } from "../components/net/cidr";
import { nodeBlockPrefix } from "../components/net/nodeBlocks";
import { apiRequest, kubeconfigFor, startDetached } from "./cluster";
import { SimApiServer, SimModel, clusterDir, hostnameOf } from "./state";

/**
 * The controllers a Charmed Kubernetes control plane runs that the workload needs: rollouts
 * (deployment, replicaset), Service endpoints in both APIs, garbage collection (foreground
 * deletion), the default ServiceAccount, node pod ranges, node lifecycle (kube-apiserver's
 * TaintNodesByCondition admission registers every Node with the `node.kubernetes.io/not-ready`
 * taint, which only this controller lifts once the node is Ready) and taint-based eviction (a
 * separate controller since 1.34), pods of deleted nodes, namespace
 * and ServiceCIDR clean-up (names from kubernetes cmd/kube-controller-manager/names/controller_names.go).
 */
const CONTROLLER_MANAGER_CONTROLLERS = [
    "deployment-controller",
    "replicaset-controller",
    "endpoints-controller",
    "endpointslice-controller",
    "garbage-collector-controller",
    "serviceaccount-controller",
    "node-ipam-controller",
    "node-lifecycle-controller",
    "taint-eviction-controller",
    "pod-garbage-collector-controller",
    "namespace-controller",
    "service-cidr-controller",
];

/** Applications whose units run a kubelet (charm-kubernetes-control-plane and charm-kubernetes-worker both do). */
const KUBELET_APPS = ["kubernetes-control-plane", "kubernetes-worker"];

/**
 * kube-controller-manager's node IPAM flags for the calico `cidr`. Charmed Kubernetes does not run
 * node IPAM (charm-lib-kubernetes-snaps configure_controller_manager sets `cluster-cidr` only):
 * Calico IPAM hands each node blocks of its pool by affinity. Here node IPAM stands in for that, one
 * Calico block per node, so kwok gives each node's pods addresses of its own. The ranges are listed
 * IPv4 first: kwok lists a pod's addresses in its node's range order, and a real kubelet lists them
 * with the family of its first `--node-ip` first (kubernetes pkg/kubelet/kubelet_pods.go
 * sortPodIPs), which the charms give as IPv4 then IPv6 (charm-kubernetes-worker src/charm.py
 * `node_ip`, from layer-kubernetes-node-base address.py by_relation_preferred, IPv4 before IPv6),
 * whatever family the cluster prefers.
 */
export function nodeIpamArgs(clusterCidr: string): string[] {
    const ranges = splitList(clusterCidr)
        .map((text) => parseCidr(text))
        .filter((range): range is Cidr => !isCidrError(range))
        .sort((a, b) => (a.family === b.family ? 0 : a.family === "IPv4" ? -1 : 1));
    return [
        "--allocate-node-cidrs=true",
        `--cluster-cidr=${ranges.map((range) => formatCidr(range)).join(",")}`,
        ...ranges.map((range) => `--node-cidr-mask-size-${range.family === "IPv4" ? "ipv4" : "ipv6"}=${nodeBlockPrefix(range)}`),
    ];
}

/** The kubeconfig the control-plane components and kwok use: the admin's, at the simulated API's own address. */
function writeKubeconfig(server: SimApiServer): string {
    const file = path.join(clusterDir(server), "components.kubeconfig");
    fs.writeFileSync(file, kubeconfigFor(server, "components", ""), { mode: 0o600 });
    return file;
}

/** Where toolchain.sh put kwok's stages (its node and pod lifecycles); kwok has none built in. */
function kwokStages(): string {
    const file = process.env.CK_KWOK_STAGES ?? "";
    if (!file || !fs.existsSync(file)) throw new Error("CK_KWOK_STAGES does not name kwok's stages file; run scripts/toolchain.sh");
    return file;
}

/**
 * Starts kube-controller-manager, kube-scheduler and kwok against a ready kube-apiserver.
 * kube-controller-manager gives up when the API is not healthy within 10 s
 * (k8s.io/controller-manager app/helper.go WaitForAPIServer), hence "ready" first.
 */
function startControllers(server: SimApiServer, clusterCidr: string): SimApiServer["controllers"] {
    const kubeconfig = writeKubeconfig(server);
    const log = (name: string) => path.join(clusterDir(server), `${name}.log`);
    const common = [`--kubeconfig=${kubeconfig}`, "--leader-elect=false", "--secure-port=0"];
    return {
        clusterCidr,
        controllerManagerPid: startDetached(
            "kube-controller-manager",
            [...common, `--controllers=${CONTROLLER_MANAGER_CONTROLLERS.join(",")}`, ...nodeIpamArgs(clusterCidr)],
            log("kube-controller-manager"),
        ),
        schedulerPid: startDetached("kube-scheduler", common, log("kube-scheduler")),
        // Node leases as the kubelet keeps them (its nodeLeaseDurationSeconds defaults to 40,
        // pkg/kubelet/apis/config/v1beta1/defaults.go): without
        // renewals the node lifecycle controller marks every pod NotReady after its grace period.
        // kwok leaves leases off unless told.
        kwokPid: startDetached(
            "kwok",
            [`--kubeconfig=${kubeconfig}`, `--config=${kwokStages()}`, "--manage-all-nodes=true", "--node-lease-duration-seconds=40"],
            log("kwok"),
        ),
    };
}

/** The Node a kubelet registers for a machine: its host name, both addresses, the charm's labels and taints. */
export function nodeFor(name: string, app: string, addresses: string[]) {
    const controlPlane = app === "kubernetes-control-plane";
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
            name,
            labels: {
                // What a kubelet registers with (kubernetes pkg/kubelet/kubelet_node_status.go initialNode).
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                // The charms label their nodes with the application and charm (layer-kubernetes-node-base LabelMaker).
                "juju-application": app,
                "juju-charm": app,
                // kubernetes-control-plane's `labels` default (tests/fixtures/charms/kubernetes-control-plane.yaml).
                ...(controlPlane ? { "node-role.kubernetes.io/control-plane": "" } : {}),
            },
        },
        spec: {
            // kubernetes-control-plane's `register-with-taints` default (tests/fixtures/charms/kubernetes-control-plane.yaml).
            ...(controlPlane ? { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] } : {}),
        },
        status: {
            addresses: [...addresses.map((address) => ({ type: "InternalIP", address })), { type: "Hostname", address: name }],
            // The simulated machines' hardware (status: cores=2 mem=8192M) and the kubelet's default
            // maxPods (kubernetes pkg/kubelet/apis/config/v1beta1/defaults.go).
            capacity: { cpu: "2", memory: "8Gi", pods: "110" },
            allocatable: { cpu: "2", memory: "8Gi", pods: "110" },
        },
    };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Registers Nodes (all at once, as kubelets do) and waits until kube-controller-manager gave them
 * their pod ranges, so no pod is placed before (a real node is NotReady until its CNI is set up).
 * Returns the names that were registered with their ranges.
 */
async function registerNodes(server: SimApiServer, nodes: ReturnType<typeof nodeFor>[]): Promise<Set<string>> {
    const posted = await Promise.all(nodes.map((node) => apiRequest(server, "POST", "/api/v1/nodes", node)));
    const wanted = new Set(nodes.filter((_, i) => posted[i].status === 201 || posted[i].status === 409).map((node) => node.metadata.name));
    const ready = new Set<string>();
    for (const deadline = Date.now() + 15_000; ready.size < wanted.size && Date.now() < deadline; await sleep(100)) {
        const listed = await apiRequest(server, "GET", "/api/v1/nodes");
        for (const node of (listed.body.items ?? []) as { metadata: { name: string }; spec?: { podCIDRs?: string[] } }[]) {
            if (wanted.has(node.metadata.name) && (node.spec?.podCIDRs ?? []).length > 0) ready.add(node.metadata.name);
        }
    }
    return ready;
}

/**
 * Brings the cluster in line with the model, as the charms do, once kube-apiserver answers (the
 * caller has checked): the controllers run with the calico `cidr`; each settled unit's machine that
 * runs a kubelet gets its Node. Called with the state lock held (status polls drive it, as Juju's
 * hooks drive the charms).
 */
export async function syncKubernetes(model: SimModel, downMachines: Set<string>, now = Date.now()): Promise<void> {
    const server = model.apiserver;
    if (!server) return;
    const clusterCidr = model.applications.calico?.options.cidr ?? "";
    if (!server.controllers && clusterCidr) server.controllers = startControllers(server, clusterCidr);
    if (!server.controllers) return;
    const registered = new Set((model.kubeNodes ?? []).filter((id) => model.machines[id]));
    const pending = new Map<string, ReturnType<typeof nodeFor>>();
    for (const app of KUBELET_APPS) {
        const application = model.applications[app];
        if (!application || application.life === "dying") continue;
        for (const unit of Object.values(application.units)) {
            const machine = model.machines[unit.machine];
            if (!machine || registered.has(unit.machine) || unit.life === "dying" || now < unit.settleAt) continue;
            if (downMachines.has(unit.machine)) continue;
            pending.set(unit.machine, nodeFor(hostnameOf(unit.machine), app, machine.ipAddresses));
        }
    }
    if (pending.size > 0) {
        const done = await registerNodes(server, [...pending.values()]);
        for (const [id, node] of pending) if (done.has(node.metadata.name)) registered.add(id);
    }
    model.kubeNodes = [...registered];
}
