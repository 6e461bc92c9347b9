// Day-2 planning, pure: which changes a live cluster can take in place, and in which steps.
// Sources: Canonical's 1.35 upgrade page and the charms, gathered in tests/fixtures/charms/upgrade.md.

/** A node as the configuration names it (known at preview, unlike its machine id). */
export interface NodeRole {
    readonly name: string;
    readonly roles: readonly string[];
}

/** A machine enlisted in the model, with the roles of its node. */
export interface PlacedMachineRef {
    readonly id: string;
    readonly roles: readonly string[];
}

/** The upgrade gate the 1.35 control-plane and worker charms show after `juju config channel=<new minor>`. */
export const UPGRADE_GATE = "Needs manual upgrade, run the upgrade action.";

/** Whether a unit's status (juju status --format=json) shows the upgrade gate. */
export const showsUpgradeGate = (unit: { readonly "workload-status"?: { current?: string; message?: string } } | undefined): boolean =>
    unit?.["workload-status"]?.current === "blocked" && unit["workload-status"].message === UPGRADE_GATE;

/**
 * Canonical's documented order for a minor upgrade (upgrade.md §1): infrastructure (containerd,
 * etcd, easyrsa, the CNI), then kubeapi-load-balancer, then the control plane, then the workers.
 * The last two also get their `channel` option set and the `upgrade` action run on each unit.
 */
export const UPGRADE_ORDER = [
    "containerd",
    "etcd",
    "easyrsa",
    "calico",
    "kubeapi-load-balancer",
    "kubernetes-control-plane",
    "kubernetes-worker",
] as const;

/** Applications whose `channel` option is the Kubernetes snaps' channel, gated by the upgrade action. */
export const SNAP_UPGRADED = ["kubernetes-control-plane", "kubernetes-worker"] as const;

/** major.minor of a channel like 1.35/stable, as numbers. */
function minorOf(channel: string): [number, number] | undefined {
    const match = /^(\d+)\.(\d+)\//.exec(channel);
    return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/**
 * Why a channel change cannot be made in place, or undefined when it can: a downgrade (snaps and
 * etcd data do not go back), or a jump of more than one minor version (Canonical upgrades one
 * minor at a time).
 */
export function channelChangeProblem(from: string, to: string): string | undefined {
    const [a, b] = [minorOf(from), minorOf(to)];
    if (!a || !b || from === to) return undefined;
    if (b[0] < a[0] || (b[0] === a[0] && b[1] < a[1])) {
        return `${to} is older than the running ${from}: Charmed Kubernetes cannot be downgraded in place (snaps and etcd data do not go back); restore from a backup instead. Set ck-dualstack:channel back to ${from}`;
    }
    if (b[0] !== a[0] || b[1] > a[1] + 1) {
        return `${from} to ${to} skips a minor version; Canonical's upgrades go one minor version at a time. Upgrade to ${a[0]}.${a[1] + 1}/${to.split("/")[1]} first`;
    }
    return undefined;
}

/**
 * Why a change of nodes cannot be made in place, or undefined when it can. Only workers come and
 * go: the control plane carries etcd's quorum and the CA (easyrsa, on the first control-plane
 * node), and the load-balancer node carries kubeapi-load-balancer, whose address every client and
 * worker uses. A stack of an older version, which had no load-balancer node (the balancer was on
 * the first worker), gains one: the balancer moves onto it in place (migrations.ts balancerMove).
 */
export function nodeChangeProblem(olds: readonly NodeRole[], news: readonly NodeRole[]): string | undefined {
    const names = (nodes: readonly NodeRole[], role: string) => nodes.filter((n) => n.roles.includes(role)).map((n) => n.name);
    const [oldCp, newCp] = [names(olds, "control-plane"), names(news, "control-plane")];
    if (oldCp.join() !== newCp.join()) {
        return `the control-plane nodes would change from ${oldCp.join(", ")} to ${newCp.join(", ")}; they carry etcd's quorum and the CA (easyrsa on ${oldCp[0]}), which ck-dualstack does not move in place. Set ck-dualstack:controlPlaneCount (or the control-plane hosts) back`;
    }
    const [oldLb, newLb] = [names(olds, "load-balancer"), names(news, "load-balancer")];
    if (oldLb.length > 0 && oldLb.join() !== newLb.join()) {
        return `the load-balancer node ${oldLb.join(", ")} carries kubeapi-load-balancer, the API endpoint of every client and worker; it cannot be removed or replaced in place. Keep it in ck-dualstack:hosts`;
    }
    return undefined;
}

/** Worker machines to add units to, and worker machines whose units go, between two placements. */
export function workerChanges(
    olds: readonly PlacedMachineRef[],
    news: readonly PlacedMachineRef[],
): { added: string[]; removed: string[] } {
    const workers = (machines: readonly PlacedMachineRef[]) => machines.filter((m) => m.roles.includes("worker")).map((m) => m.id);
    const [before, after] = [workers(olds), workers(news)];
    return { added: after.filter((id) => !before.includes(id)), removed: before.filter((id) => !after.includes(id)) };
}
