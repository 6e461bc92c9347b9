// The etcd snapshot Canonical's upgrade page asks for before anything is upgraded
// (reference/charms/upgrade.md §1 step 2 and §5, from kubernetes-docs pages/k8s/backups.md): the etcd
// charm's `snapshot` action on the leader, then the archive copied off the unit with `juju scp`, as
// the action's own `copy.cmd` result says.
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runJuju } from "./cli";
import { JujuTarget, describeTask, jujuOptions, runAction } from "./providers/common";

/**
 * Where snapshots are kept on the operator's machine: `<base>/ck-dualstack/etcd-snapshots/<model>`,
 * only the operator's (0700). The base is the one a snap-confined juju can write into, as for the
 * overlays (design.md: a snap juju reads neither /tmp nor hidden folders in $HOME; its scp writes
 * where it reads): ~/snap/juju/common when that exists, else ~/.local/share;
 * CK_DUALSTACK_SNAPSHOT_DIR overrides the base.
 */
export function snapshotDirectory(modelRef: string): string {
    const snapCommon = path.join(os.homedir(), "snap", "juju", "common");
    const base =
        process.env.CK_DUALSTACK_SNAPSHOT_DIR ?? (fs.existsSync(snapCommon) ? snapCommon : path.join(os.homedir(), ".local", "share"));
    return path.join(base, "ck-dualstack", "etcd-snapshots", modelRef.replace(/[^A-Za-z0-9_.-]/g, "_"));
}

/** A nested result value (`snapshot.path` comes back as {snapshot: {path}}: action-set nests dotted keys). */
function resultAt(results: Record<string, unknown>, dotted: string): unknown {
    return dotted
        .split(".")
        .reduce<unknown>(
            (value, key) => (typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined),
            results,
        );
}

/**
 * Takes a snapshot with etcd's `snapshot` action on the leader (layer-etcd src/actions/snapshot:
 * v3 keys by default, into /home/ubuntu/etcd-snapshots on the unit; results snapshot.path,
 * snapshot.sha256, snapshot.size, copy.cmd), copies it into snapshotDirectory with
 * `juju scp -m <model> -- <unit>:<path> <dir>`, checks its sha256 against the action's, and returns
 * its local path. The archive holds every key of the cluster, Secrets included: it stays 0600.
 */
export async function takeEtcdSnapshot(target: JujuTarget, say: (line: string) => void): Promise<string> {
    say("etcd snapshot: juju run etcd/leader snapshot (Canonical's upgrade page asks for one before anything is upgraded)");
    const task = await runAction(target, "etcd/leader", "snapshot", { waitMinutes: 10 });
    if (task.status !== "completed") {
        throw new Error(
            `the etcd snapshot failed on ${describeTask(task)}; nothing was upgraded. Fix etcd (juju status etcd, juju show-task) and run pulumi up again`,
        );
    }
    const remote = resultAt(task.results, "snapshot.path");
    const sha256 = resultAt(task.results, "snapshot.sha256");
    const size = resultAt(task.results, "snapshot.size");
    if (typeof remote !== "string" || typeof sha256 !== "string") {
        throw new Error(
            `the etcd snapshot action on ${task.unit} completed without snapshot.path and snapshot.sha256 in its results; nothing was upgraded`,
        );
    }
    const dir = snapshotDirectory(target.modelRef);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    say(`etcd snapshot: ${task.unit}:${remote} (${typeof size === "string" ? size : "size unknown"}); juju scp into ${dir}`);
    await runJuju({ ...jujuOptions(target), timeoutMs: 30 * 60_000 }, ["scp", "-m", target.modelRef, "--", `${task.unit}:${remote}`, dir]);
    const local = path.join(dir, path.posix.basename(remote));
    if (!fs.existsSync(local)) throw new Error(`juju scp of ${task.unit}:${remote} left no ${local}; nothing was upgraded`);
    fs.chmodSync(local, 0o600);
    const copied = createHash("sha256").update(fs.readFileSync(local)).digest("hex");
    if (copied !== sha256) {
        throw new Error(
            `the copy of ${task.unit}:${remote} at ${local} has sha256 ${copied}, not the ${sha256} the snapshot action reported; nothing was upgraded. Take the snapshot again (pulumi up)`,
        );
    }
    say(
        `etcd snapshot saved: ${local} (sha256 ${sha256}); restore it as Canonical's backup page says (into a new single-unit etcd: attach it as the snapshot resource, then the restore action)`,
    );
    return local;
}
