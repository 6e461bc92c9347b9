// Units: add-unit (onto an existing machine) and remove-unit.
import { Command, JujuExit, flag, getModel, refuseNoWaitWithoutForce, refuseWithoutPrompt, reportRemovals, seconds } from "../context";
import { withState } from "../state";
import { snapChannelOf } from "./applications";

export const unitCommands: Record<string, Command> = {
    "add-unit": {
        mutating: () => true,
        run: async (args) => {
            const ref = flag(args, "-m", "--model");
            const [appName] = args.positional;
            const targets = (flag(args, "--to") ?? "").split(",").filter(Boolean);
            const count = Number(flag(args, "-n", "--num-units") ?? String(Math.max(1, targets.length)));
            // cmd/juju/application/addunit.go prints nothing on success.
            await withState((state) => {
                const model = getModel(state, ref);
                const app = model.applications[appName];
                // apiserver/facades/client/application: `application %q not found`.
                if (!app) throw new JujuExit(`ERROR application "${appName}" not found (not found)`);
                if (app.subordinateTo) throw new JujuExit(`ERROR cannot add units to subordinate application "${appName}"`);
                if (targets.length !== count)
                    throw new JujuExit("ERROR the simulator places every unit: give --to with one machine per unit");
                let next = Math.max(-1, ...Object.keys(app.units).map((name) => Number(name.split("/")[1]))) + 1;
                for (const machine of targets) {
                    // The placement directive must name a machine of the model (core/instance placement).
                    if (!model.machines[machine])
                        throw new JujuExit(`ERROR adding units to machine ${machine}: machine ${machine} not found`);
                    const settleAt = Date.now() + seconds("SETTLE_SECONDS", 3);
                    app.units[`${appName}/${next}`] = {
                        machine,
                        settleAt,
                        leader: Object.keys(app.units).length === 0,
                        snapChannel: snapChannelOf(app),
                    };
                    next++;
                }
            });
        },
    },
    "remove-unit": {
        mutating: () => true,
        run: async (args) => {
            const ref = flag(args, "-m", "--model");
            refuseWithoutPrompt(args, "unit removal");
            refuseNoWaitWithoutForce(args);
            const forced = flag(args, "--force") !== undefined;
            // Removal takes time: the unit shows until its stop hooks ran (REMOVE_SECONDS).
            const removeAt = Date.now() + seconds("REMOVE_SECONDS", 2);
            const lines = await withState((state) => {
                const model = getModel(state, ref);
                return args.positional.map((unitName) => {
                    const unit = model.applications[unitName.split("/")[0]]?.units[unitName];
                    // apiserver/facades/client/application DestroyUnit: `unit %q does not exist`.
                    if (!unit) return `ERROR removing unit ${unitName} failed: unit "${unitName}" does not exist`;
                    unit.life = "dying";
                    unit.removeAt = Math.min(unit.removeAt ?? removeAt, removeAt);
                    unit.forced ||= forced;
                    return `will remove unit ${unitName}`;
                });
            });
            reportRemovals(lines);
        },
    },
};
