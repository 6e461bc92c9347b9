/**
 * What the cluster says of the nginx pods and Services, as stack outputs show it: each pod's
 * addresses by family, and each Service's ready endpoints by family. Pure: the WorkloadAddresses
 * provider lists the objects, these functions read them.
 *
 * Sources: Kubernetes API reference, core/v1 Pod (`spec.nodeName`, `status.phase`,
 * `status.conditions`, `status.podIPs`: "the first entry must match the podIP field", at most one
 * per family) and discovery.k8s.io/v1 EndpointSlice (`addressType` IPv4, IPv6 or FQDN, one family
 * per slice; `endpoints[].conditions.ready`: "a nil value should be interpreted as ready"; the
 * `kubernetes.io/service-name` label names the Service).
 */
import { familyOf, parseAddress } from "../net/cidr";

/** One pod, as the `nginxPods` stack output shows it. */
export interface PodAddresses {
    /** The node the pod is bound to; empty until scheduled. */
    node: string;
    /** `status.phase` (Pending, Running, ...); empty when the kubelet has not reported one. */
    phase: string;
    /** The pod's Ready condition is True. */
    ready: boolean;
    /** `status.podIPs` as the kubelet lists them: its node-ip's family first (kubelet_pods.go sortPodIPs). */
    ips: string[];
    IPv4?: string;
    IPv6?: string;
}

/** A Service's ready endpoint addresses per family, as the `nginxEndpoints` stack output shows them. */
export interface FamilyEndpoints {
    IPv4: string[];
    IPv6: string[];
}

/** The fields of a core/v1 Pod read here. */
interface PodJson {
    metadata?: { name?: string; deletionTimestamp?: string };
    spec?: { nodeName?: string };
    status?: {
        phase?: string;
        podIP?: string;
        podIPs?: { ip?: string }[];
        conditions?: { type?: string; status?: string }[];
    };
}

/** The fields of a discovery.k8s.io/v1 EndpointSlice read here. */
interface EndpointSliceJson {
    metadata?: { labels?: Record<string, string> };
    addressType?: string;
    endpoints?: { addresses?: string[]; conditions?: { ready?: boolean | null } }[] | null;
}

/** The label that names an EndpointSlice's Service. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

/** `key=value,...`, the API's labelSelector for pods carrying all of `labels`. */
export function labelSelector(labels: Readonly<Record<string, string>>): string {
    return Object.entries(labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(",");
}

function itemsOf<T>(list: unknown): T[] {
    const items = (list as { items?: unknown } | null | undefined)?.items;
    return Array.isArray(items) ? (items as T[]) : [];
}

/**
 * Each pod of a Pod list by name: node, phase, readiness and addresses. Pods being deleted
 * (`metadata.deletionTimestamp`) are left out: they are the previous rollout's, on their way out.
 */
export function podAddresses(list: unknown): Record<string, PodAddresses> {
    const pods: Record<string, PodAddresses> = {};
    for (const pod of itemsOf<PodJson>(list)) {
        const name = pod.metadata?.name;
        if (!name || pod.metadata?.deletionTimestamp) continue;
        const status = pod.status ?? {};
        // podIPs is the dual-stack field; podIP alone is what a single-family kubelet may report.
        const listed = (status.podIPs ?? []).map((entry) => entry.ip ?? "").filter((ip) => ip !== "");
        const ips = listed.length > 0 ? listed : status.podIP ? [status.podIP] : [];
        const entry: PodAddresses = {
            node: pod.spec?.nodeName ?? "",
            phase: status.phase ?? "",
            ready: (status.conditions ?? []).some((condition) => condition.type === "Ready" && condition.status === "True"),
            ips,
        };
        for (const family of ["IPv4", "IPv6"] as const) {
            const ip = ips.find((address) => familyOf(address) === family);
            if (ip !== undefined) entry[family] = ip;
        }
        pods[name] = entry;
    }
    return pods;
}

/** Ascending by numeric value within a family (10.0.0.9 before 10.0.0.10); anything unparsable last, by text. */
export function compareAddresses(a: string, b: string): number {
    const left = parseAddress(a);
    const right = parseAddress(b);
    if (left && right) {
        if (left.family !== right.family) return left.family === "IPv4" ? -1 : 1;
        return left.value < right.value ? -1 : left.value > right.value ? 1 : 0;
    }
    if (left) return -1;
    if (right) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Each Service's ready endpoint addresses by family, from EndpointSlice lists: slices grouped by
 * their `kubernetes.io/service-name` label and `addressType` (FQDN slices ignored), endpoints whose
 * `conditions.ready` is false left out, addresses unique and sorted. Every name in `services` is
 * present, with empty lists when no slice names it.
 */
export function serviceEndpoints(list: unknown, services: readonly string[] = []): Record<string, FamilyEndpoints> {
    const found = new Map<string, { IPv4: Set<string>; IPv6: Set<string> }>(
        services.map((service) => [service, { IPv4: new Set(), IPv6: new Set() }]),
    );
    for (const slice of itemsOf<EndpointSliceJson>(list)) {
        const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
        const family = slice.addressType;
        if (!service || (family !== "IPv4" && family !== "IPv6")) continue;
        if (!found.has(service)) found.set(service, { IPv4: new Set(), IPv6: new Set() });
        const addresses = found.get(service)![family];
        for (const endpoint of slice.endpoints ?? []) {
            if (endpoint.conditions?.ready === false) continue;
            for (const address of endpoint.addresses ?? []) addresses.add(address);
        }
    }
    return Object.fromEntries(
        [...found].map(([service, byFamily]) => [
            service,
            { IPv4: [...byFamily.IPv4].sort(compareAddresses), IPv6: [...byFamily.IPv6].sort(compareAddresses) },
        ]),
    );
}

/**
 * Whether the Services' endpoints have caught up with the pods, which the EndpointSlice controller
 * does a moment after the Deployment reports its rollout done: every Service in `services` has a
 * slice, and in each of its families (`spec.ipFamilies`, when known; else the families it has
 * slices of) exactly the ready pods' addresses of that family.
 */
export function endpointsSettled(
    pods: Readonly<Record<string, PodAddresses>>,
    sliceList: unknown,
    services: readonly string[],
    serviceFamilies: Readonly<Record<string, readonly string[]>> = {},
): boolean {
    const slices = itemsOf<EndpointSliceJson>(sliceList);
    const endpoints = serviceEndpoints(sliceList, services);
    const ready = Object.values(pods).filter((pod) => pod.ready);
    return services.every((service) => {
        const families = new Set(
            serviceFamilies[service] ??
                slices.filter((slice) => slice.metadata?.labels?.[SERVICE_NAME_LABEL] === service).map((slice) => slice.addressType),
        );
        if (families.size === 0) return false;
        return (["IPv4", "IPv6"] as const)
            .filter((family) => families.has(family))
            .every((family) => {
                const want = [...new Set(ready.flatMap((pod) => (pod[family] === undefined ? [] : [pod[family]])))].sort(compareAddresses);
                return JSON.stringify(endpoints[service][family]) === JSON.stringify(want);
            });
    });
}
