// Actions: `juju run <unit|app/leader> <action>` (Juju 3 syntax). Only actions the charm defines
// (reference/charms/actions.yaml) are accepted; of those, the simulator carries out the ones
// ck-dualstack uses.
import { charmOf } from "../charms";
import { apiServerReady, kubeconfigFor } from "../cluster";
import { Command, JujuExit, err, flag, getModel, modelKey, out, readStateModel, seconds, since } from "../context";
import { readState, withState } from "../state";
import { balancerIps, snapChannelOf } from "./applications";

/**
 * The control plane's and workers' `upgrade` action (src/actions/upgrade.py of both charms, via
 * charm-lib-kubernetes-snaps upgrade_snaps): refreshes the Kubernetes snaps to the `channel` option,
 * which clears the "Needs manual upgrade" block; the unit then reconciles (UPGRADE_SECONDS).
 */
async function upgrade(ref: string | undefined, appName: string, unitName: string): Promise<void> {
    const channel = await withState((state) => {
        const app = getModel(state, ref).applications[appName];
        const unit = app.units[unitName];
        const wanted = snapChannelOf(app) ?? "";
        unit.snapChannel = wanted;
        unit.settleAt = Math.max(unit.settleAt, Date.now() + seconds("UPGRADE_SECONDS", 1));
        return wanted;
    });
    const at = since(Date.now());
    out(
        JSON.stringify({
            [unitName]: {
                id: "1",
                results: { result: `Successfully upgraded Kubernetes snaps to the ${channel}.`, "return-code": 0 },
                status: "completed",
                timing: { completed: at, enqueued: at, started: at },
                unit: unitName,
            },
        }),
    );
}

export const actionCommands: Record<string, Command> = {
    run: {
        mutating: (args) => !args.positional.includes("get-kubeconfig"),
        run: async (args) => {
            const ref = flag(args, "-m", "--model");
            const [target, action, ...params] = args.positional;
            if (!target || !action) throw new JujuExit("ERROR no unit or action specified");
            // cmd/juju/action/run.go: what follows the action name are key[.key...]=value parameters whose
            // keys are lower-case names (a flag after `--` is taken for one, and is not a valid key).
            const malformed = params.find(
                (param) => !/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*=/.test(param),
            );
            if (malformed)
                throw new JujuExit(
                    `ERROR key "${malformed.split("=")[0]}" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens`,
                    2,
                );
            const appName = target.split("/")[0];
            const model = readStateModel(ref);
            const { name } = modelKey(readState(), ref);
            const app = model.applications[appName];
            // apiserver/facades/client/action operation.go: an unknown application schedules no task; juju
            // says so on stderr and exits 0 (cmd/juju/action/common.go).
            if (!app) {
                err(`Operation 1 failed to schedule any tasks:\ncould not determine leader for "${appName}"`);
                return;
            }
            const unit = target.endsWith("/leader") ? Object.entries(app.units).find(([, u]) => u.leader)?.[0] : target;
            if (!unit || !app.units[unit]) throw new JujuExit(`ERROR unit "${target}" not found`);
            if (!charmOf(app.charm).actions.includes(action)) {
                throw new JujuExit(
                    `ERROR invalid action name "${action}" for application "${appName}" (its charm defines: ${charmOf(app.charm).actions.join(", ")})`,
                );
            }
            if (action === "upgrade") return upgrade(ref, appName, unit);
            if (action !== "get-kubeconfig") throw new JujuExit(`ERROR the simulator does not carry out action "${action}"`);
            const at = since(Date.now());
            const ready = model.apiserver ? await apiServerReady(model.apiserver) : false;
            const timing = { completed: at, enqueued: at, started: at };
            const result =
                ready && model.apiserver
                    ? {
                          id: "1",
                          results: { kubeconfig: kubeconfigFor(model.apiserver, name, balancerIps(model)), "return-code": 0 },
                          status: "completed",
                          timing,
                          unit,
                      }
                    : { id: "1", message: "kube-apiserver is not running", results: { "return-code": 1 }, status: "failed", timing, unit };
            out(JSON.stringify({ [unit]: result }));
            if (result.status === "failed") throw new JujuExit(`ERROR the following task failed:\n id "1" with return code 1`);
        },
    },
};
