// `simulatorSweep.ts [stack]` (npm run sandbox:destroy runs it after `pulumi destroy`): stops what
// the Juju simulator still runs for the stack's model (after an interrupted run, or one started
// before the checkout was moved) and removes that model's files and state (simulator/sweep.ts).
// Other models in the same simulator home, and the home itself, stay.
import { NotASandboxStack, ROOT, assertSandboxStack, stackModel } from "./lib/sandbox";
import { sweepModel } from "../simulator/sweep";

async function main(stackName: string): Promise<void> {
    // Another cloud's stack may name the same model: its name is no reason to touch a sandbox's.
    assertSandboxStack(ROOT, stackName);
    const { controller, model } = stackModel(ROOT, stackName);
    const report = await sweepModel(controller, model);
    for (const { pid, binary } of report.notOurs)
        console.log(`simulator: left pid ${pid} alone: the state lists it as ${binary} of ${report.model}, but it runs something else`);
    const stopped = report.stopped.map(({ pid, binary }) => `${binary} (${pid})`).join(", ");
    console.log(`simulator: cleared model ${report.model}${stopped ? `; stopped ${stopped}` : ""}`);
}

main(process.argv[2] ?? "sandbox").catch((error: Error) => {
    console.error(error instanceof NotASandboxStack ? error.message : `simulator sweep: ${error.message}`);
    process.exitCode = 1;
});
