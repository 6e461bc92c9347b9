/** The charmed-kubernetes bundle as the simulator knows it (applications, subordinates, defaults). */
export interface SimCharm {
    readonly subordinateTo?: string[];
    readonly defaults: Record<string, string>;
}

const RETIRED_REGISTRY = "rocks.canonical.com:443/cdk";

export const CHARMED_KUBERNETES: Record<string, SimCharm> = {
    calico: { subordinateTo: ["kubernetes-control-plane", "kubernetes-worker"], defaults: { cidr: "192.168.0.0/16", vxlan: "Always" } },
    containerd: { subordinateTo: ["kubernetes-control-plane", "kubernetes-worker"], defaults: {} },
    easyrsa: { defaults: {} },
    etcd: { defaults: { channel: "3.4/stable" } },
    "kubeapi-load-balancer": { defaults: {} },
    "kubernetes-control-plane": {
        defaults: { "service-cidr": "10.152.183.0/24", "loadbalancer-ips": "", "image-registry": RETIRED_REGISTRY },
    },
    "kubernetes-worker": { defaults: { "image-registry": RETIRED_REGISTRY } },
};

/** Bundles the simulator can deploy. */
export const BUNDLES: Record<string, Record<string, SimCharm>> = { "charmed-kubernetes": CHARMED_KUBERNETES };

/** What a charm whose images come from the retired registry says (the registry is gone since 2026-08-31). */
export function registryProblem(options: Record<string, string>): string | undefined {
    return options["image-registry"] === RETIRED_REGISTRY
        ? `image pull failed: ${RETIRED_REGISTRY} is gone; set image-registry=ghcr.io/canonical/cdk`
        : undefined;
}
