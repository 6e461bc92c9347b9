// Stacks written by earlier versions, brought to what this version expects: the shapes their state
// was stored in, and the one cluster layout they may still have (kubeapi-load-balancer on a worker).
// A provider reads stored state (olds in check, diff and update; props in read and delete) only
// through these functions, so a stack of any earlier version previews as no change unless something
// Juju knows about changed. (The stored provider and CLI paths are migrated by lazyProvider itself,
// which every resource's stored provider loads: see providerLoader.)
import type { NodeRole, PlacedMachineRef } from "./dayTwo";
import { planFamilies } from "../net/families";
import type { DeploymentOutputs } from "./providers/deployment";
import type { MachineOutputs } from "./providers/machine";

/** What earlier versions set where this version has an input: the worker's ingress (their overlay set it off) and the removal grace. */
const EARLIER_DEFAULTS = { workerIngress: "false", removeGraceMinutes: 10 } as const;

/** The Machine's removal settings of stacks that recorded none (the values earlier versions used). */
const EARLIER_MACHINE_DEFAULTS = { removeGraceMinutes: 10, pollSeconds: 2 } as const;

/**
 * A Deployment's state as any version stored it: before the family plan was an input, the ranges
 * were `podCidr` and `serviceCidr` (comma-separated, canonical); `workerIngress`,
 * `removeGraceMinutes`, `charmServiceCidr` and `nodes` came later.
 */
export type StoredDeployment = Omit<DeploymentOutputs, "families" | "workerIngress" | "removeGraceMinutes" | "charmServiceCidr"> &
    Partial<Pick<DeploymentOutputs, "families" | "workerIngress" | "removeGraceMinutes" | "charmServiceCidr">> & {
        readonly podCidr?: string;
        readonly serviceCidr?: string;
    };

/**
 * A stored Deployment in this version's shape. Old ranges become the family plan they were
 * planned from (the same ranges, so the generation digest and the diff see no change); what an
 * earlier version did not record takes the value it used. Partial states (check's olds; `{}` at
 * create) keep what they have.
 */
export function migrateDeployment(stored: StoredDeployment): DeploymentOutputs;
export function migrateDeployment(stored: Partial<StoredDeployment>): Partial<DeploymentOutputs>;
export function migrateDeployment(stored: Partial<StoredDeployment>): Partial<DeploymentOutputs> {
    if (Object.keys(stored).length === 0) return {};
    const { podCidr, serviceCidr, ...rest } = stored;
    const families = rest.families ?? (podCidr && serviceCidr ? planFamilies(podCidr, serviceCidr) : undefined);
    // Recorded since service ranges grow through a ServiceCIDR object; before, the charm had what was configured.
    const charmServiceCidr = rest.charmServiceCidr ?? serviceCidr;
    return {
        ...rest,
        ...(families ? { families } : {}),
        workerIngress: rest.workerIngress ?? EARLIER_DEFAULTS.workerIngress,
        removeGraceMinutes: rest.removeGraceMinutes ?? EARLIER_DEFAULTS.removeGraceMinutes,
        ...(charmServiceCidr ? { charmServiceCidr } : {}),
    };
}

/** A stored Machine with the removal settings earlier versions used when it recorded none. */
export function migrateMachine(
    stored: MachineOutputs,
): MachineOutputs & Required<Pick<MachineOutputs, "removeGraceMinutes" | "pollSeconds">> {
    return {
        ...stored,
        removeGraceMinutes: stored.removeGraceMinutes ?? EARLIER_MACHINE_DEFAULTS.removeGraceMinutes,
        pollSeconds: stored.pollSeconds ?? EARLIER_MACHINE_DEFAULTS.pollSeconds,
    };
}

// The balancer move. Earlier versions placed kubeapi-load-balancer on the first worker, where it
// never settles (the two charms claim 443); such a stack gains a load-balancer node, and the
// balancer moves there in place (planDeployment.ts): a unit is added on the load-balancer machine
// and waited for, then the options are set (the balancer's `loadbalancer-ips` while the old unit,
// the application's leader, still answers the control plane: only the leader answers lb-consumers
// requests, loadbalancer-interface provides.py), then the old unit is removed gracefully. The
// balancer keeps no data (its certificate comes from easyrsa, its servers from the control plane's
// requests), so nothing is lost.

/**
 * What a preview says of a stack of an older version gaining its load-balancer node (node names
 * and roles are known at preview; machine ids are not): what moves, and that nothing is redeployed.
 */
export function balancerNodeMove(olds: readonly NodeRole[], news: readonly NodeRole[]): string | undefined {
    const first = (nodes: readonly NodeRole[], role: string) => nodes.find((n) => n.roles.includes(role))?.name;
    const [from, to] = [first(olds, "worker"), first(news, "load-balancer")];
    if (first(olds, "load-balancer") !== undefined || from === undefined || to === undefined) return undefined;
    return `kubeapi-load-balancer moves in place from worker ${from}'s machine to the new load-balancer node ${to} (juju add-unit there, then a graceful remove-unit of the old unit; no application is redeployed, no data moves); kubernetes-worker's ingress then follows workerIngress`;
}

/**
 * The move of kubeapi-load-balancer off a worker onto the load-balancer machine, for a stack that
 * an older version placed on the first worker: undefined when nothing moves.
 */
export function balancerMove(
    olds: readonly PlacedMachineRef[],
    news: readonly PlacedMachineRef[],
): { from: string; to: string } | undefined {
    const balancer = (machines: readonly PlacedMachineRef[]) => machines.find((m) => m.roles.includes("load-balancer"))?.id;
    if (balancer(olds) !== undefined) return undefined;
    const to = balancer(news);
    const from = olds.find((m) => m.roles.includes("worker"))?.id;
    return to !== undefined && from !== undefined ? { from, to } : undefined;
}
