// npm run plan -- <stack>: validates Pulumi.<stack>.yaml offline and writes out/<stack>/.
import * as fs from "fs";
import * as path from "path";
import { ConfigError, loadConfig } from "../components/config/load";
import { readStackFileChecked, stackNameProblem } from "../components/config/stackFile";
import { renderPlan } from "./lib/renderPlan";

function main(): number {
    const stack = process.argv[2];
    // CK_DUALSTACK_PROJECT_DIR lets tests point at a copy of the project with other stack files.
    const projectDir = process.env.CK_DUALSTACK_PROJECT_DIR ?? path.resolve(__dirname, "..");
    if (!stack) {
        console.error("usage: npm run plan -- <stack>   (e.g. dev, openstack, sandbox)");
        return 2;
    }
    // The stack name becomes a folder under out/: one that is no stack name could lead outside it.
    const nameProblem = stackNameProblem(stack);
    if (nameProblem) {
        console.error(nameProblem);
        return 2;
    }
    try {
        const { raw, problems } = readStackFileChecked(projectDir, stack);
        const valid = loadConfig(raw, problems);
        const outDir = path.join(projectDir, "out", stack);
        fs.mkdirSync(outDir, { recursive: true });
        for (const [name, text] of Object.entries(renderPlan(valid, stack))) {
            fs.writeFileSync(path.join(outDir, name), text);
            console.log(`wrote ${path.relative(projectDir, path.join(outDir, name))}`);
        }
        console.log(
            `stack ${stack}: ${valid.families.mode}; pods ${valid.families.podCidrs.join(", ")}; services ${valid.families.serviceCidrs.join(", ")}`,
        );
        return 0;
    } catch (error) {
        console.error(error instanceof ConfigError || error instanceof Error ? error.message : String(error));
        return 1;
    }
}

process.exitCode = main();
