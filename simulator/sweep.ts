// What `npm run sandbox:destroy` leaves of one model once its stack is destroyed, or after an
// interrupted run: the model's control-plane processes, its folder, its hosts and its entries in
// the state. Nothing else in the simulator home is touched: another sandbox stack may share it.
import * as fs from "fs";
import * as path from "path";
import { currentController } from "./context";
import { processesNaming, stopOwnProcesses } from "./processes";
import { SimProcess, clusterDir, serverFolders, serverProcesses, simHome, withState } from "./state";

/** The programs a model's control plane runs (cluster.ts, kubelets.ts). */
const CLUSTER_BINARIES = ["kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler", "kwok"];

export interface SweepReport {
    /** The state key swept, `controller:model`. */
    readonly model: string;
    readonly stopped: SimProcess[];
    /** Listed in the state, but running something else: left alone. */
    readonly notOurs: SimProcess[];
    /** Host addresses whose simulated files and entries went. */
    readonly hosts: string[];
}

/**
 * Sweeps model `name` of `controller` (empty: the client's current one). Its processes are those
 * the state lists and any other naming its folder in this home or a former one (a moved checkout,
 * or a run killed before it wrote the state), each checked by its command line before any signal.
 */
export function sweepModel(controller: string, name: string): Promise<SweepReport> {
    return withState((state) => {
        const key = `${controller || currentController(state)}:${name}`;
        const model = state.models[key];
        // The folder startApiServer gives the model (commands/applications.ts), relative to the home.
        const server = model?.apiserver ?? { dir: path.join("clusters", key.replace(":", "-")) };
        const folders = serverFolders(server, [simHome(), ...(state.homes ?? [])]);
        const listed = model?.apiserver ? serverProcesses(model.apiserver) : [];
        const unlisted = processesNaming(CLUSTER_BINARIES, folders).filter((p) => !listed.some((l) => l.pid === p.pid));
        const { stopped, notOurs } = stopOwnProcesses([...listed, ...unlisted], folders);
        fs.rmSync(clusterDir(server), { recursive: true, force: true });
        const addresses = new Set(Object.values(model?.machines ?? {}).map((machine) => machine.address));
        const hosts = Object.entries(state.hosts ?? {})
            .filter(([address, host]) => host.model === key || (host.model === undefined && addresses.has(address)))
            .map(([address]) => address);
        for (const address of hosts) {
            delete state.hosts?.[address];
            fs.rmSync(path.join(simHome(), "hosts", address), { recursive: true, force: true });
        }
        delete state.models[key];
        return { model: key, stopped, notOurs, hosts };
    });
}
