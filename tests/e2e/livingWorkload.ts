// What an operator checks first on a cluster that really runs nginx: every pod Running on a worker
// with one address per family from the configured pod ranges, IPv4 first (a kubelet lists a pod's
// addresses with its node-ip's family first, kubernetes pkg/kubelet/kubelet_pods.go sortPodIPs, and
// the charms give node-ip as IPv4 then IPv6 whichever family the cluster prefers); `nginx6` with
// IPv6 endpoints only, the dual-stack Service with both; and the stack outputs saying the same.
// Shared by the IPv4- and IPv6-preferred sandboxes.
import assert from "node:assert/strict";
import { Cidr, Family, cidrContainsAddress, familyOf, parseAddress, parseCidr } from "../../components/net/cidr";
import { kubeGet } from "../support/kube";

interface PodDoc {
    metadata: { name: string };
    spec: { nodeName?: string };
    status: { phase?: string; podIPs?: { ip: string }[] };
}
interface NodeDoc {
    metadata: { name: string; labels?: Record<string, string> };
    spec: { taints?: { key: string; effect: string }[] };
}
interface SliceDoc {
    addressType: string;
    endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
}

/** True when `address` lies in `cidr` (both as text). */
export const within = (cidr: string, address: string) => {
    const parsed = parseAddress(address)!;
    return cidrContainsAddress(parseCidr(cidr) as Cidr, parsed.family, parsed.value);
};

/** Polls until `check` passes (the controllers and the endpoint slices settle within seconds). */
async function eventually(check: () => Promise<void>, seconds = 30): Promise<void> {
    for (let deadline = Date.now() + seconds * 1000; ; ) {
        try {
            return await check();
        } catch (error) {
            if (Date.now() > deadline) throw error;
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
    }
}

export interface LivingWorkloadExpectations {
    readonly kubeconfig: string;
    /** The configured pod ranges (any order). */
    readonly podCidrs: readonly string[];
    readonly replicas: number;
    /** The stack outputs `nginxPods` and `nginxEndpoints`. */
    readonly outputs: { nginxPods: unknown; nginxEndpoints: unknown };
}

export async function assertLivingWorkload(expected: LivingWorkloadExpectations): Promise<void> {
    const { kubeconfig, podCidrs, replicas } = expected;
    // The order pods list their addresses in: the node-ip's family (IPv4) first.
    const ranges = [...podCidrs].sort((a, b) => Number(familyOf(a) === "IPv6") - Number(familyOf(b) === "IPv6"));
    const families = ranges.map((cidr) => familyOf(cidr));
    const nodes = (await kubeGet<{ items: NodeDoc[] }>(kubeconfig, "/api/v1/nodes")).body.items;
    const nodeByName = new Map(nodes.map((node) => [node.metadata.name, node]));
    // Charmed Kubernetes taints its control-plane nodes; every node has its own pod ranges.
    const controlPlane = nodes.filter((node) => node.metadata.labels?.["juju-application"] === "kubernetes-control-plane");
    assert.ok(controlPlane.length > 0, "no control-plane node registered");
    for (const node of controlPlane)
        assert.ok(node.spec.taints?.some((t) => t.key === "node-role.kubernetes.io/control-plane" && t.effect === "NoSchedule"));

    const pods = (await kubeGet<{ items: PodDoc[] }>(kubeconfig, "/api/v1/namespaces/default/pods?labelSelector=run%3Dnginxdualstack")).body
        .items;
    assert.equal(pods.length, replicas, pods.map((pod) => pod.metadata.name).join(", "));
    const podAddresses: string[] = [];
    for (const pod of pods) {
        const ips = (pod.status.podIPs ?? []).map((entry) => entry.ip);
        const where = `${pod.metadata.name} on ${pod.spec.nodeName}: ${ips.join(", ")}`;
        assert.equal(pod.status.phase, "Running", where);
        assert.deepEqual(
            ips.map((ip) => familyOf(ip)),
            families,
            `one address per family, IPv4 first: ${where}`,
        );
        ips.forEach((ip, i) => assert.ok(within(ranges[i], ip), `${ip} is outside the pod range ${ranges[i]}: ${where}`));
        const node = nodeByName.get(pod.spec.nodeName ?? "");
        assert.ok(node && !controlPlane.includes(node), `a pod runs on the control plane or nowhere: ${where}`);
        podAddresses.push(...ips);
    }

    const slicesOf = async (service: string) =>
        (
            await kubeGet<{ items: SliceDoc[] }>(
                kubeconfig,
                `/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D${service}`,
            )
        ).body.items;
    const readyByFamily = (slices: SliceDoc[]) => {
        const found: Record<string, string[]> = {};
        for (const slice of slices)
            for (const endpoint of slice.endpoints ?? [])
                if (endpoint.conditions?.ready !== false) (found[slice.addressType] ??= []).push(...endpoint.addresses);
        for (const list of Object.values(found)) list.sort();
        return found;
    };
    const byFamily = (family: Family) => podAddresses.filter((ip) => familyOf(ip) === family).sort();
    // The endpoint slice controller follows the pods within moments of their readiness.
    await eventually(async () => {
        assert.deepEqual(readyByFamily(await slicesOf("nginx6")), { IPv6: byFamily("IPv6") }, "nginx6 has IPv6 endpoints only");
        if (families.length === 2) {
            assert.deepEqual(
                readyByFamily(await slicesOf("nginx-dualstack")),
                { IPv4: byFamily("IPv4"), IPv6: byFamily("IPv6") },
                "the dual-stack Service has endpoint slices of both families",
            );
        }
    });

    // The stack outputs tell the same story.
    const outputPods = expected.outputs.nginxPods as Record<string, { ips: string[]; node: string; phase: string }>;
    assert.deepEqual(Object.keys(outputPods).sort(), pods.map((pod) => pod.metadata.name).sort());
    for (const pod of pods) {
        assert.deepEqual(
            outputPods[pod.metadata.name].ips,
            (pod.status.podIPs ?? []).map((entry) => entry.ip),
        );
    }
    const outputEndpoints = expected.outputs.nginxEndpoints as Record<string, { IPv4: string[]; IPv6: string[] }>;
    const sorted = (list: string[]) => [...list].sort();
    assert.deepEqual(sorted(outputEndpoints.nginx6.IPv6), byFamily("IPv6"));
    assert.deepEqual(outputEndpoints.nginx6.IPv4, []);
    if (families.length === 2) {
        assert.deepEqual(sorted(outputEndpoints["nginx-dualstack"].IPv4), byFamily("IPv4"));
        assert.deepEqual(sorted(outputEndpoints["nginx-dualstack"].IPv6), byFamily("IPv6"));
    }
}
