// Machines: add-machine ssh: (manual provisioning) and remove-machine.
import { Command, JujuExit, env, err, flag, getModel, readStateModel, refuseWithoutPrompt, seconds, sleep } from "../context";
import { withState } from "../state";

export const machineCommands: Record<string, Command> = {
    "add-machine": {
        mutating: () => true,
        run: async (args) => {
            const ref = flag(args, "-m", "--model");
            const target = /^ssh:(?:([^@]+)@)?(.+)$/.exec(args.positional[0] ?? "");
            if (!target) throw new JujuExit("ERROR the simulator only enlists existing hosts: add-machine ssh:[user@]host");
            // environs/manual/sshprovisioner: a host that already runs a machine agent is refused.
            if (Object.values(readStateModel(ref).machines).some((m) => m.address === target[2])) {
                throw new JujuExit("ERROR machine is already provisioned");
            }
            await sleep(seconds("MACHINE_SECONDS", 1));
            const id = await withState((state) => {
                const model = getModel(state, ref);
                const id = String(model.nextMachine++);
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
            await withState((state) => {
                const model = getModel(state, flag(args, "-m", "--model"));
                for (const id of args.positional) {
                    // apiserver/facades/client/machinemanager: an unknown machine is "machine N not found".
                    if (!model.machines[id]) throw new JujuExit(`ERROR removing machine failed: machine ${id} not found`);
                    const hosted = Object.entries(model.applications).flatMap(([, app]) =>
                        Object.entries(app.units)
                            .filter(([, u]) => u.machine === id)
                            .map(([name]) => name),
                    );
                    // Without --force, a machine that hosts units is refused (machinemanager DestroyMachineWithParams).
                    if (hosted.length > 0 && !flag(args, "--force")) {
                        throw new JujuExit(`ERROR removing machine ${id} failed: machine ${id} has unit "${hosted[0]}" assigned`);
                    }
                    delete model.machines[id];
                    for (const app of Object.values(model.applications)) {
                        for (const [unit, u] of Object.entries(app.units)) if (u.machine === id) delete app.units[unit];
                    }
                }
            });
            err(`removing machine ${args.positional.join(", ")}`);
        },
    },
};
