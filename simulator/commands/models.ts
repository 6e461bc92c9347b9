// Models and controllers: add-model, show-model, model-config, destroy-model, controllers, switch.
import * as crypto from "crypto";
import { stopApiServer } from "../cluster";
import {
    Command,
    JujuExit,
    checkController,
    currentController,
    err,
    flag,
    getModel,
    knownControllers,
    modelKey,
    out,
    refuseWithoutPrompt,
    seconds,
    sleep,
} from "../context";
import { SimModel, readState, withState } from "../state";

/** Stops what a model runs (its simulated control plane). */
export function teardown(model: SimModel): void {
    stopApiServer(model.apiserver);
    model.apiserver = undefined;
    model.kubeNodes = undefined;
}

export const modelCommands: Record<string, Command> = {
    "add-model": {
        mutating: () => true,
        run: async (args) => {
            const name = args.positional[0];
            if (!name) throw new JujuExit("ERROR model name not specified");
            await withState((state) => {
                const controller = checkController(flag(args, "-c", "--controller") ?? currentController(state));
                const key = `${controller}:${name}`;
                // apiserver/facades/controller/modelmanager: a second model of that name for the user fails.
                if (state.models[key]) throw new JujuExit(`ERROR failed to create new model: model "${name}" for admin already exists`);
                const config = Object.fromEntries(
                    (args.flags["--config"] ?? []).map((kv) => [kv.split("=")[0], kv.slice(kv.indexOf("=") + 1)]),
                );
                state.models[key] = { uuid: crypto.randomUUID(), config, machines: {}, nextMachine: 0, applications: {} };
                if (!flag(args, "--no-switch")) state.currentController = controller;
            });
            err(`Added '${name}' model on manual/default with credential 'sim' for user 'admin'`);
        },
    },
    "show-model": {
        mutating: () => false,
        run: async (args) => {
            const state = readState();
            const { controller, name } = modelKey(state, args.positional[0]);
            const model = getModel(state, args.positional[0]);
            // cmd/juju/model/show.go: a map from the model's short name to its details.
            out(
                JSON.stringify({
                    [name]: {
                        name: `admin/${name}`,
                        "short-name": name,
                        "model-uuid": model.uuid,
                        "controller-name": controller,
                        "model-type": "iaas",
                        life: "alive",
                        status: { current: "available" },
                    },
                }),
            );
        },
    },
    "model-config": {
        mutating: (args) => args.positional.some((p) => p.includes("=")),
        run: async (args) => {
            await withState((state) => {
                const model = getModel(state, flag(args, "-m", "--model"));
                const settings = args.positional.filter((p) => p.includes("="));
                for (const kv of settings) model.config[kv.split("=")[0]] = kv.slice(kv.indexOf("=") + 1);
                if (settings.length === 0) {
                    const entries = Object.entries(model.config).map(([k, v]) => [k, { Value: v, Source: "model" }]);
                    out(JSON.stringify({ "default-base": { Value: "ubuntu@24.04", Source: "default" }, ...Object.fromEntries(entries) }));
                }
            });
        },
    },
    "destroy-model": {
        mutating: () => true,
        run: async (args) => {
            const ref = args.positional[0];
            getModel(readState(), ref);
            refuseWithoutPrompt(args, "model destruction");
            err("Destroying model");
            // destroy-model waits until the model is gone (cmd/juju/model/destroy.go, "Waiting for model
            // to be removed"); removing its applications and machines takes a while.
            await sleep(seconds("DESTROY_SECONDS", 1));
            await withState((state) => {
                const { key } = modelKey(state, ref);
                const model = state.models[key];
                if (model) teardown(model);
                delete state.models[key];
            });
            err("Waiting for model to be removed....\nModel destroyed.");
        },
    },
    models: {
        mutating: () => false,
        run: async (args) => {
            const state = readState();
            const controller = checkController(flag(args, "-c", "--controller") ?? currentController(state));
            // cmd/juju/controller/listmodels.go (json): `models`, each with name, short-name and model-uuid.
            const models = Object.entries(state.models)
                .filter(([key]) => key.startsWith(`${controller}:`))
                .map(([key, model]) => {
                    const name = key.slice(controller.length + 1);
                    return {
                        name: `admin/${name}`,
                        "short-name": name,
                        "model-uuid": model.uuid,
                        "controller-name": controller,
                        type: "iaas",
                        life: "alive",
                    };
                });
            out(JSON.stringify({ models }));
        },
    },
    controllers: {
        mutating: () => false,
        run: async () => {
            const state = readState();
            // cmd/juju/controller/listcontrollersconverters.go: `controllers` and `current-controller`.
            const controllers = Object.fromEntries(
                knownControllers().map((name) => [
                    name,
                    { cloud: "manual", region: "default", "agent-version": "3.6.4", uuid: name, user: "admin", access: "superuser" },
                ]),
            );
            out(JSON.stringify({ controllers, "current-controller": currentController(state) }));
        },
    },
    switch: {
        mutating: () => true,
        run: async (args) => {
            const target = args.positional[0];
            if (!target) {
                out(`${currentController(readState())}:admin/default`);
                return;
            }
            const previous = await withState((state) => {
                const before = currentController(state);
                state.currentController = checkController(target.split(":")[0]);
                return before;
            });
            // cmd/juju/commands/switch.go logs "OLD -> NEW" on stderr.
            err(`${previous} -> ${target}`);
        },
    },
};
