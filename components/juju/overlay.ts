import { FamilyPlan } from "../net/families";

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
    /**
     * kubeapi-load-balancer's `loadbalancer-ips` (space-separated), when clients and workers must
     * reach the API on those addresses (its IPv6 address, for an API reached over IPv6).
     */
    readonly loadbalancerIps?: string;
    /** kubernetes-worker `ingress` as the operator set it; undefined keeps the charm's default. */
    readonly workerIngress?: boolean;
}

/** Calico's encapsulation between nodes, as the charmed-kubernetes bundle sets it (bundle.yaml, calico options). */
const CALICO_VXLAN = "Always";

/** Calico NATs pod traffic leaving the pools to the node's address: the charm's default (tests/fixtures/charms/calico.yaml `nat-outgoing`), pinned. */
const CALICO_NAT_OUTGOING = true;

/** A list of ranges as calico's `cidr` and the control plane's `service-cidr` take it: comma-separated, preferred first. */
export function cidrOption(cidrs: readonly string[]): string {
    return cidrs.join(",");
}

type Applications = Record<string, { options: Record<string, string | boolean> }>;

/**
 * The dual-stack overlay in the seed's shape: calico `cidr` and control-plane `service-cidr`,
 * plus what this placement needs. Only options the charms have (tests/fixtures/charms/), since Juju
 * refuses a bundle that sets an option a charm does not have:
 * - `image-registry` exists on calico and kubernetes-control-plane only (the worker takes its
 *   registry from the control plane over `kube-control`);
 * - the API is reached through kubeapi-load-balancer, so every control-plane unit serves: an API
 *   reached over IPv6 sets the balancer's own `loadbalancer-ips` (the address it hands clients on
 *   443 and workers on 6443), never the control plane's, whose first address would bypass it;
 * - the worker's `ingress` is left to the charm's default unless the operator sets it: the
 *   balancer has a machine of its own, so the worker's 80 and 443 clash with nothing;
 * - calico's `vxlan` is pinned to `Always`, the value the charmed-kubernetes bundle sets (the charm
 *   defaults to `Never`, tests/fixtures/charms/calico.yaml): pod traffic between nodes is VXLAN
 *   between node addresses, for the IPv6 pool too, so nodes only send from their own addresses and
 *   the clouds keep the source/destination check on. Stacks deployed before this pin got `Always`
 *   from the bundle, so nothing changes on them (the Deployment diffs no overlay option but those
 *   it sets with `juju config`);
 * - calico's `nat-outgoing` is pinned to `true`, the charm's default: pod traffic to outside the
 *   pools leaves from the node's own address, the other half of why the source/destination check
 *   stays on. Stacks deployed before this pin run the default `true`, so nothing changes on them either.
 */
export function dualStackOverlay(options: OverlayOptions): { description: string; applications: Applications } {
    const calico: Record<string, string | boolean> = {
        cidr: cidrOption(options.families.podCidrs),
        vxlan: CALICO_VXLAN,
        "nat-outgoing": CALICO_NAT_OUTGOING,
    };
    const controlPlane: Record<string, string> = { "service-cidr": cidrOption(options.families.serviceCidrs) };
    if (needsImageRegistry(options.channel)) {
        calico["image-registry"] = IMAGE_REGISTRY;
        controlPlane["image-registry"] = IMAGE_REGISTRY;
    }
    const applications: Applications = {
        calico: { options: calico },
        "kubernetes-control-plane": { options: controlPlane },
    };
    if (options.workerIngress !== undefined) applications["kubernetes-worker"] = { options: { ingress: options.workerIngress } };
    if (options.loadbalancerIps) applications["kubeapi-load-balancer"] = { options: { "loadbalancer-ips": options.loadbalancerIps } };
    return { description: `ck-dualstack overlay: Charmed Kubernetes ${options.families.mode}.`, applications };
}

/** `workerIngress` as the overlay takes it: empty keeps the charm's default. */
export function workerIngressOf(setting: string): boolean | undefined {
    return setting === "" ? undefined : setting === "true";
}

/** A machine enlisted in the model, as the placement overlay sees it. */
export interface PlacedMachine {
    readonly id: string;
    readonly roles: readonly string[];
}

/**
 * Maps the bundle's applications onto enlisted machines (deployed with --map-machines=existing):
 * control plane, etcd and easyrsa on control-plane machines; workers on worker machines;
 * kubeapi-load-balancer alone on the load-balancer machine, as Canonical's bundle gives it a
 * machine of its own. It listens on 443 and 6443 (charm-kubeapi-load-balancer src/charm.py: one
 * server per port the control plane asks for), kube-apiserver holds 6443 and the worker opens 443
 * with ingress and closes it without, on every reconcile; Juju refuses to open or close a port
 * another unit on the machine holds (juju/juju worker/uniter/runner/context/ports.go), so a shared
 * machine never settles.
 */
export function placementOverlay(machines: readonly PlacedMachine[]): {
    machines: Record<string, Record<string, never>>;
    applications: Record<string, { num_units: number; to: string[] }>;
} {
    const withRole = (role: string) => machines.filter((m) => m.roles.includes(role)).map((m) => m.id);
    const [controlPlane, workers, balancers] = [withRole("control-plane"), withRole("worker"), withRole("load-balancer")];
    if (controlPlane.length === 0 || workers.length === 0 || balancers.length !== 1) {
        throw new Error("placement needs at least one control-plane machine, one worker machine and exactly one load-balancer machine");
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
            "kubeapi-load-balancer": on(balancers),
            "kubernetes-worker": on(workers),
        },
    };
}
