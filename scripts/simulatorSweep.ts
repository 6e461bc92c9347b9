// Stops whatever the Juju simulator still runs (after an interrupted run) and clears its state.
import * as fs from "fs";
import * as path from "path";
import { SimState, serverPids } from "../simulator/state";

const home = process.env.CK_JUJU_SIM_HOME ?? path.resolve(__dirname, "..", ".sandbox", "juju-sim");
const stateFile = path.join(home, "state.json");
if (fs.existsSync(stateFile)) {
    const state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as SimState;
    for (const [name, model] of Object.entries(state.models)) {
        for (const pid of model.apiserver ? serverPids(model.apiserver) : []) {
            try {
                if (pid) process.kill(pid, "SIGKILL");
            } catch {
                // already gone
            }
        }
        console.log(`simulator: cleared model ${name}`);
    }
}
fs.rmSync(home, { recursive: true, force: true });
