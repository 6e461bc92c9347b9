import { FamilyPlan } from "./families";

/** Registry that replaced rocks.canonical.com (gone since 2026-08-31). */
export const IMAGE_REGISTRY = "ghcr.io/canonical/cdk";

/** Charms of 1.35 and older still default to rocks.canonical.com and need the registry set. */
export function needsImageRegistry(channel: string): boolean {
    const match = /^(\d+)\.(\d+)\//.exec(channel);
    if (!match) return false;
    const [major, minor] = [Number(match[1]), Number(match[2])];
    return major < 1 || (major === 1 && minor <= 35);
}

/** The options the deployment sets on each application. */
export interface OverlayOptions {
    readonly families: FamilyPlan;
    readonly channel: string;
    /** Space-separated `loadbalancer-ips`, when the API must be reached on those addresses. */
    readonly loadbalancerIps?: string;
}

type Applications = Record<string, { options: Record<string, string> }>;

/**
 * The dual-stack overlay in the seed's shape: calico `cidr` and control-plane `service-cidr`,
 * plus the image registry and `loadbalancer-ips` where the deployment needs them.
 */
export function dualStackOverlay(options: OverlayOptions): { description: string; applications: Applications } {
    const controlPlane: Record<string, string> = { "service-cidr": options.families.serviceCidrs.join(",") };
    const worker: Record<string, string> = {};
    if (needsImageRegistry(options.channel)) {
        controlPlane["image-registry"] = IMAGE_REGISTRY;
        worker["image-registry"] = IMAGE_REGISTRY;
    }
    if (options.loadbalancerIps) controlPlane["loadbalancer-ips"] = options.loadbalancerIps;
    const applications: Applications = {
        calico: { options: { cidr: options.families.podCidrs.join(",") } },
        "kubernetes-control-plane": { options: controlPlane },
    };
    if (Object.keys(worker).length > 0) applications["kubernetes-worker"] = { options: worker };
    return { description: `ck-dualstack overlay: Charmed Kubernetes ${options.families.mode}.`, applications };
}

/** A machine enlisted in the model, as the placement overlay sees it. */
export interface PlacedMachine {
    readonly id: string;
    readonly roles: readonly string[];
}

/**
 * Maps the bundle's applications onto enlisted machines (deployed with --map-machines=existing):
 * control plane, etcd, easyrsa and the API load balancer on control-plane machines, workers on
 * worker machines.
 */
export function placementOverlay(machines: readonly PlacedMachine[]): {
    machines: Record<string, Record<string, never>>;
    applications: Record<string, { num_units: number; to: string[] }>;
} {
    const controlPlane = machines.filter((m) => m.roles.includes("control-plane")).map((m) => m.id);
    const workers = machines.filter((m) => m.roles.includes("worker")).map((m) => m.id);
    if (controlPlane.length === 0 || workers.length === 0) {
        throw new Error("placement needs at least one control-plane and one worker machine");
    }
    // etcd needs an odd member count for quorum; extra control-plane nodes beyond it go without.
    const etcd = controlPlane.slice(0, controlPlane.length % 2 === 0 ? controlPlane.length - 1 : controlPlane.length);
    const on = (ids: string[]) => ({ num_units: ids.length, to: ids });
    return {
        machines: Object.fromEntries(machines.map((m) => [m.id, {}])),
        applications: {
            "kubernetes-control-plane": on(controlPlane),
            etcd: on(etcd),
            easyrsa: on([controlPlane[0]]),
            "kubeapi-load-balancer": on([controlPlane[0]]),
            "kubernetes-worker": on(workers),
        },
    };
}
