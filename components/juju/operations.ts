// What a change to the cluster will do, step by step, in the words an operator would type: preview
// lists these (issue 21), and up runs them in that order. Pure: rendering and argv only.

/**
 * One Juju call as an operator writes it, `juju <command> <positional...> <flags...>`; run with the
 * model named by `-m` and every positional after `--`, so a value never reads as a flag.
 */
export interface JujuCall {
    readonly kind: "juju";
    readonly command: string;
    /** Applications, units, `key=value` settings, in the order juju takes them. */
    readonly positional: readonly string[];
    /** Flags with their values, e.g. `["--to", "5"]` or `["--channel", "1.36/stable"]`. */
    readonly flags?: readonly string[];
}

/** A step on a Kubernetes Node through the API (components/kube/drain.ts), named as kubectl would do it. */
export interface NodeStep {
    readonly kind: "cordon" | "drain" | "uncordon" | "delete-node";
    readonly node: string;
}

/** etcd's snapshot action on a unit, copied to this machine (etcdSnapshot.ts). */
export interface SnapshotStep {
    readonly kind: "etcd-snapshot";
    readonly unit: string;
}

export type Operation = JujuCall | NodeStep | SnapshotStep;

/** The operation as one line an operator can read (and, for Juju calls, type). */
export function describeOperation(op: Operation): string {
    switch (op.kind) {
        case "juju":
            return ["juju", op.command, ...op.positional, ...(op.flags ?? [])].join(" ");
        case "etcd-snapshot":
            return `juju run ${op.unit} snapshot (etcd snapshot, copied to this machine)`;
        case "delete-node":
            return `kubectl delete node ${op.node}`;
        case "drain":
            return `kubectl drain ${op.node} --ignore-daemonsets --delete-emptydir-data`;
        default:
            return `kubectl ${op.kind} ${op.node}`;
    }
}

/** The argv that runs `call` against `modelRef`: flags before `--`, positionals after it. */
export function jujuArgv(call: JujuCall, modelRef: string): string[] {
    return [call.command, "-m", modelRef, ...(call.flags ?? []), "--", ...call.positional];
}
