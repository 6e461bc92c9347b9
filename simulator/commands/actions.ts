// Actions: `juju run <unit|app/leader> <action>` (Juju 3 syntax). Only actions the charm defines
// (reference/charms/actions.yaml) are accepted; of those, the simulator carries out the ones
// ck-dualstack uses.
import { charmOf } from "../charms";
import { apiServerReady, kubeconfigFor } from "../cluster";
import { Command, JujuExit, err, flag, modelKey, out, readStateModel, since } from "../context";
import { readState } from "../state";
import { balancerIps } from "./applications";

export const actionCommands: Record<string, Command> = {
    run: {
        mutating: (args) => args.positional[1] !== "get-kubeconfig",
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
