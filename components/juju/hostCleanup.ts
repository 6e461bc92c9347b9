// Juju leaves a removed manual machine's agent on its host (juju/juju worker/machiner/machiner.go
// stops the agent; /etc/systemd/system/jujud-machine-N.service and /var/lib/juju stay), and
// `add-machine ssh:` refuses a host whose service list holds jujud-machine (environs/manual/
// sshprovisioner checkProvisioned: "machine is already provisioned"). Juju writes its own clean-up
// script on every machine it provisions (cloudconfig/userdatacfg_unix.go ConfigureJuju:
// /sbin/remove-juju-services; juju PR #10877, LP#1851489), which is what runs here. It removes
// Juju's agent only: the charms' snaps and their data stay (etcd's under /var/snap/etcd; layer-etcd's
// stop hook only unregisters the member), which a host joining another cluster must not keep.
import { spawn } from "child_process";

/** Juju's clean-up script on every machine it provisioned. */
export const REMOVE_JUJU_SERVICES = "/sbin/remove-juju-services";

/**
 * What runs on the host: the script when it is there (a host already cleaned has none left to run;
 * `sudo -n` fails at once, saying why, where a password would be asked), then Juju's own test of a
 * provisioned host (environs/manual/sshprovisioner.go checkProvisioned: a jujud-machine service
 * among the systemd unit files), so success means `add-machine ssh:` will take the host again.
 */
const REMOTE_COMMAND =
    `if [ -x ${REMOVE_JUJU_SERVICES} ]; then sudo -n ${REMOVE_JUJU_SERVICES} || exit $?; fi; ` +
    `if systemctl list-unit-files --no-legend --no-pager -t service | grep -q jujud-machine; then ` +
    `echo "a jujud-machine service is still installed" >&2; exit 1; fi`;

/** The command an operator runs by hand when the program could not. */
export function manualCleanup(user: string, host: string): string {
    return `ssh ${user}@${host} sudo ${REMOVE_JUJU_SERVICES}`;
}

export interface HostCleanup {
    /** The SSH client. */
    readonly sshPath: string;
    readonly user: string;
    readonly host: string;
    readonly timeoutMs?: number;
}

/**
 * Runs Juju's clean-up on the host over SSH (non-interactive: keys only, no host-key prompt for a
 * host the Juju client already enlisted). Resolves with undefined when it ran, or with why not.
 */
export function cleanUpHost(cleanup: HostCleanup): Promise<string | undefined> {
    const args = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=15", "--", `${cleanup.user}@${cleanup.host}`, REMOTE_COMMAND];
    return new Promise((resolve) => {
        const child = spawn(cleanup.sshPath, args, { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-400)));
        const timer = setTimeout(() => child.kill("SIGKILL"), cleanup.timeoutMs ?? 120_000);
        child.on("error", (error) => {
            clearTimeout(timer);
            resolve(error.message);
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            resolve(
                code === 0 ? undefined : `${signal ? `killed by ${signal}` : `exit ${code}`}${stderr.trim() ? `: ${stderr.trim()}` : ""}`,
            );
        });
    });
}
