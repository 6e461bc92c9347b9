// The hosts behind the simulated machines, as the simulated SSH client reaches them. Only what
// ck-dualstack runs on a host is answered: Juju's own clean-up script, which cloudconfig writes on
// every machine it provisions (juju/juju cloudconfig/userdatacfg_unix.go ConfigureJuju,
// /sbin/remove-juju-services): it stops, disables and deletes /etc/systemd/system/juju* (so the
// host no longer counts as provisioned: environs/manual/sshprovisioner.go checkProvisioned) and
// empties /var/lib/juju/{tools,db,dqlite,raft} and /var/run/juju.
import { err } from "./context";
import { withState } from "./state";

const CLEANUP = "/sbin/remove-juju-services";

/**
 * `ssh [-o opt]... [--] [user@]host command...` as OpenSSH parses it. Exit codes as ssh gives
 * them: 255 when the connection fails, otherwise the remote command's.
 */
export async function sshMain(argv: string[]): Promise<number> {
    const rest = [...argv];
    while (rest.length > 0 && rest[0].startsWith("-")) {
        const option = rest.shift()!;
        if (option === "--") break;
        if (option === "-o" || option === "-i" || option === "-p" || option === "-l") rest.shift();
    }
    const [destination, ...command] = rest;
    const host = destination?.replace(/^[^@]*@/, "");
    if (!host) {
        err("usage: ssh [-o option] destination [command]");
        return 255;
    }
    const remote = command.join(" ");
    return withState((state) => {
        const known = state.hosts?.[host];
        // A host the simulator never enlisted is no host it simulates: ssh cannot connect.
        if (!known) {
            err(`ssh: connect to host ${host} port 22: Connection refused`);
            return 255;
        }
        if (!remote.includes(CLEANUP)) {
            err(`simulated host ${host}: only ${CLEANUP} is simulated, not: ${remote}`);
            return 127;
        }
        delete known.agentService;
        return 0;
    });
}
