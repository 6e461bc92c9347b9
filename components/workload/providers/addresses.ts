import type * as pulumi from "@pulumi/pulumi";
import { ApiUnreachableError, Connection, apiError, connectionFrom, request } from "../../kube/api";
import {
    FamilyEndpoints,
    PodAddresses,
    endpointsSettled,
    labelSelector,
    podAddresses,
    serviceEndpoints,
    SERVICE_NAME_LABEL,
} from "../addresses";

export interface WorkloadAddressesInputs {
    /** Credentials for the API (kept secret by the resource; never printed). */
    readonly kubeconfig: string;
    readonly namespace: string;
    /** The labels the Deployment's pods carry. */
    readonly podLabels: Record<string, string>;
    /** The Services whose EndpointSlices are read. */
    readonly services: string[];
    /** Changes with every rollout of the Deployment, so the addresses are read again. */
    readonly revision: string;
}

export interface WorkloadAddressesOutputs extends WorkloadAddressesInputs {
    readonly pods: Record<string, PodAddresses>;
    readonly serviceEndpoints: Record<string, FamilyEndpoints>;
}

const LABEL = "workload addresses";
/** How long create and update wait for the EndpointSlices to catch up with the pods. */
const SETTLE_MS = 60_000;
const POLL_MS = 2_000;

const INPUT_KEYS = ["kubeconfig", "namespace", "podLabels", "services", "revision"] as const;

async function list(connection: Connection, what: string, path: string): Promise<unknown> {
    const response = await request(connection, "GET", path);
    if (response.status !== 200) throw apiError(connection, `listing ${what}`, response);
    return response.body;
}

/** The IP families of each Service that answers (`spec.ipFamilies`); a missing one is left out. */
async function familiesOf(connection: Connection, inputs: WorkloadAddressesInputs): Promise<Record<string, string[]>> {
    const families: Record<string, string[]> = {};
    for (const service of inputs.services) {
        const response = await request(
            connection,
            "GET",
            `/api/v1/namespaces/${encodeURIComponent(inputs.namespace)}/services/${encodeURIComponent(service)}`,
        );
        const ipFamilies = (response.body as { spec?: { ipFamilies?: unknown } } | undefined)?.spec?.ipFamilies;
        if (response.status === 200 && Array.isArray(ipFamilies)) families[service] = ipFamilies.map(String);
    }
    return families;
}

/** The pods and the Services' EndpointSlices, as the API has them now. */
async function snapshot(connection: Connection, inputs: WorkloadAddressesInputs): Promise<{ pods: unknown; slices: { items: unknown[] } }> {
    const namespace = encodeURIComponent(inputs.namespace);
    const selector = labelSelector(inputs.podLabels);
    const pods = await list(
        connection,
        `the pods ${selector} in ${inputs.namespace}`,
        `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`,
    );
    const items: unknown[] = [];
    for (const service of inputs.services) {
        const slices = (await list(
            connection,
            `the EndpointSlices of Service ${inputs.namespace}/${service}`,
            `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices?labelSelector=${encodeURIComponent(`${SERVICE_NAME_LABEL}=${service}`)}`,
        )) as { items?: unknown };
        if (Array.isArray(slices.items)) items.push(...slices.items);
    }
    return { pods, slices: { items } };
}

/**
 * Reads the addresses; with `settleMs`, first waits (bounded) until the Services' endpoints match the
 * ready pods, and reports it when they still do not.
 */
async function readAddresses(inputs: WorkloadAddressesInputs, settleMs: number, pollMs = POLL_MS): Promise<WorkloadAddressesOutputs> {
    const connection = connectionFrom(inputs.kubeconfig, LABEL);
    const deadline = Date.now() + settleMs;
    // A dual-stack Service's slices of each family appear one by one: wait for every family it has.
    const families = settleMs > 0 ? await familiesOf(connection, inputs) : {};
    for (;;) {
        const { pods: podList, slices } = await snapshot(connection, inputs);
        const pods = podAddresses(podList);
        const settled = endpointsSettled(pods, slices, inputs.services, families);
        if (settled || Date.now() >= deadline) {
            if (!settled && settleMs > 0) {
                console.log(
                    `${LABEL}: the Services' endpoints did not match the ready pods within ${settleMs / 1000} s; showing them as they are`,
                );
            }
            return { ...inputs, pods, serviceEndpoints: serviceEndpoints(slices, inputs.services) };
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
    }
}

/** Why a refresh or a preview stopped when the API did not answer, and what the operator can do. */
export function unreachableMessage(error: Error, operation: "refresh" | "preview"): string {
    return (
        `${error.message}: the cluster may be down or unreachable, so the ${operation} stops; nothing was changed and the state keeps what it had. ` +
        "Run it again once the API answers. If the cluster is gone for good, `pulumi destroy` removes the stack " +
        "(the Kubernetes objects go with the Juju model), or PULUMI_K8S_DELETE_UNREACHABLE=true for one refresh drops them from the state"
    );
}

/** The operator's switch for a cluster gone for good (the Kubernetes provider's own). */
const clusterGoneForGood = () => process.env.PULUMI_K8S_DELETE_UNREACHABLE === "true";

/**
 * Asks the API server for its version, so that a preview (or up) during an outage says so: the
 * Kubernetes provider previews an unreachable cluster silently, as unchanged. Any answer, even an
 * error status, means it is reachable. The new kubeconfig is asked when known, else the stored one.
 */
async function assertReachable(news: Partial<WorkloadAddressesInputs>, olds: WorkloadAddressesOutputs): Promise<void> {
    if (clusterGoneForGood()) return;
    let connection: Connection | undefined;
    for (const kubeconfig of [news.kubeconfig, olds.kubeconfig]) {
        try {
            connection = connectionFrom(kubeconfig ?? "", LABEL);
            break;
        } catch {
            // unknown in a preview, or not a kubeconfig: try the stored one
        }
    }
    if (!connection) return;
    try {
        await request(connection, "GET", "/version");
    } catch (error) {
        if (error instanceof ApiUnreachableError) throw new Error(unreachableMessage(error, "preview"));
        throw error;
    }
}

/** The nginx pods' addresses and the Services' endpoints by family, read over the Kubernetes API. */
export class WorkloadAddressesProvider implements pulumi.dynamic.ResourceProvider {
    /** `pollMs`: how often a waiting create or update lists again. */
    constructor(private readonly pollMs = POLL_MS) {}

    async create(inputs: WorkloadAddressesInputs): Promise<pulumi.dynamic.CreateResult> {
        return { id: `${inputs.namespace}/${labelSelector(inputs.podLabels)}`, outs: await readAddresses(inputs, SETTLE_MS, this.pollMs) };
    }

    /**
     * What the cluster says now. An API that does not answer is an outage until the operator says
     * otherwise: the refresh fails, saying so, and the state keeps the resource. Only with
     * PULUMI_K8S_DELETE_UNREACHABLE=true (the Kubernetes provider's own switch for a cluster that is
     * gone for good) is it dropped, as the provider then drops the Kubernetes objects.
     */
    async read(id: string, props: WorkloadAddressesOutputs): Promise<pulumi.dynamic.ReadResult> {
        try {
            return { id, props: await readAddresses(props, 0) };
        } catch (error) {
            if (!(error instanceof ApiUnreachableError)) throw error;
            if (clusterGoneForGood()) return {};
            throw new Error(unreachableMessage(error, "refresh"));
        }
    }

    /** What changed; first, whether the API answers at all (a preview during an outage fails, saying so). */
    async diff(_id: string, olds: WorkloadAddressesOutputs, news: WorkloadAddressesInputs): Promise<pulumi.dynamic.DiffResult> {
        await assertReachable(news, olds);
        const changed = INPUT_KEYS.filter((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
        return { changes: changed.length > 0 };
    }

    async update(_id: string, _olds: WorkloadAddressesOutputs, news: WorkloadAddressesInputs): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: await readAddresses(news, SETTLE_MS, this.pollMs) };
    }

    /** Nothing to remove: the addresses were only read. */
    async delete(): Promise<void> {}
}
