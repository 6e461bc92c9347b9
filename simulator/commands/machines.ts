// Machines: add-machine ssh: (manual provisioning) and remove-machine.
import {
    Command,
    JujuExit,
    env,
    err,
    flag,
    getModel,
    modelKey,
    readStateModel,
    refuseNoWaitWithoutForce,
    refuseWithoutPrompt,
    reportRemovals,
    seconds,
    sleep,
} from "../context";
import { withState } from "../state";

export const machineCommands: Record<string, Command> = {
    "add-machine": {
        mutating: () => true,
        run: async (args) => {
            const ref = flag(args, "-m", "--model");
            const target = /^ssh:(?:([^@]+)@)?(.+)$/.exec(args.positional[0] ?? "");
            if (!target) throw new JujuExit("ERROR the simulator only enlists existing hosts: add-machine ssh:[user@]host");
            readStateModel(ref);
            // The call takes MACHINE_SECONDS in all, this process's start included, as deploy does
            // (commands/applications.ts): a real call's time is one Go binary's, not a Node.js start on top.
            await sleep(seconds("MACHINE_SECONDS", 1) - process.uptime() * 1000);
            const id = await withState((state) => {
                const model = getModel(state, ref);
                // environs/manual/sshprovisioner.go checkProvisioned: a host whose systemd service list
                // holds jujud-machine is refused (environs/manual/provisioner.go ErrProvisioned), whichever
                // model or controller enlisted it, until /sbin/remove-juju-services ran on it.
                const hosts = (state.hosts ??= {});
                if (hosts[target[2]]?.agentService) throw new JujuExit("ERROR machine is already provisioned");
                const id = String(model.nextMachine++);
                hosts[target[2]] = { agentService: `jujud-machine-${id}`, model: modelKey(state, ref).key };
                model.machines[id] = {
                    address: target[2],
                    user: target[1] ?? "ubuntu",
                    ipAddresses: [target[2], ...env("NODE_IPV6", "::1").split(",").filter(Boolean)],
                    readyAt: Date.now(),
                };
                return id;
            });
            err(`created machine ${id}`);
        },
    },
    "remove-machine": {
        mutating: () => true,
        run: async (args) => {
            refuseWithoutPrompt(args, "machine removal");
            refuseNoWaitWithoutForce(args);
            const force = flag(args, "--force") !== undefined;
            const removeAt = Date.now() + (force ? 0 : seconds("REMOVE_SECONDS", 2));
            const lines = await withState((state) => {
                const model = getModel(state, flag(args, "-m", "--model"));
                return args.positional.map((id) => {
                    const machine = model.machines[id];
                    // apiserver/facades/client/machinemanager: an unknown machine is "machine N not found",
                    // printed by cmd/juju/machine/remove.go as `removing machine failed: ...`.
                    if (!machine) return `ERROR removing machine failed: machine ${id} not found`;
                    const hosted = Object.values(model.applications).flatMap((app) =>
                        Object.entries(app.units)
                            .filter(([, u]) => u.machine === id)
                            .map(([name]) => name),
                    );
                    // Without --force, a machine that hosts units is refused (state/errors/machine.go, via
                    // cmd/juju/machine/remove.go: `removing machine failed: machine 1 has unit "etcd/0" assigned`).
                    if (hosted.length > 0 && !force) return `ERROR removing machine failed: machine ${id} has unit "${hosted[0]}" assigned`;
                    // The machine agent stops itself once the machine is dying (worker/machiner); the
                    // machine leaves the model when that is done (REMOVE_SECONDS), at once when forced.
                    machine.life = "dying";
                    machine.removeAt = Math.min(machine.removeAt ?? removeAt, removeAt);
                    for (const app of Object.values(model.applications)) {
                        for (const unit of Object.values(app.units)) {
                            if (unit.machine === id) Object.assign(unit, { life: "dying", removeAt, forced: true });
                        }
                    }
                    return `will remove machine ${id}`;
                });
            });
            reportRemovals(lines);
        },
    },
};
