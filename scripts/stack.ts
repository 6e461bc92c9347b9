// Drives the sandbox stack: up | preview | refresh | destroy. Called by scripts/sandbox.sh.
import * as fs from "fs";
import * as path from "path";
import { ROOT, encryptedOutputs, openStack } from "./lib/sandbox";

const print = (line: string) => process.stdout.write(line);
const color = process.stdout.isTTY ? "always" : "never";

async function main(command: string, stackName: string): Promise<number> {
    const stack = await openStack(stackName);
    switch (command) {
        case "up": {
            const result = await stack.up({ onOutput: print, color });
            const outDir = path.join(ROOT, "out", stackName);
            fs.mkdirSync(outDir, { recursive: true });
            fs.writeFileSync(path.join(outDir, "outputs.json"), `${JSON.stringify(encryptedOutputs(stack), null, 2)}\n`);
            console.log(`\nStack outputs (secrets shown as [secret]; also in out/${stackName}/outputs.json, secrets encrypted):`);
            for (const [key, output] of Object.entries(result.outputs)) {
                console.log(`  ${key}: ${output.secret ? "[secret]" : JSON.stringify(output.value)}`);
            }
            return 0;
        }
        case "preview":
            await stack.preview({ onOutput: print, color });
            return 0;
        case "refresh":
            await stack.refresh({ onOutput: print, color });
            return 0;
        case "destroy":
            await stack.destroy({ onOutput: print, color });
            return 0;
        default:
            console.error("usage: stack.ts up|preview|refresh|destroy [stack]");
            return 2;
    }
}

main(process.argv[2] ?? "", process.argv[3] ?? "sandbox").then(
    (code) => (process.exitCode = code),
    (error: Error) => {
        // The engine already streamed the details above; errors from before it started are new.
        const streamed = /Command failed with exit code/.test(error.message);
        console.error(streamed ? `\n${process.argv[2]} failed: see the messages above.` : `\n${error.message}`);
        process.exitCode = 1;
    },
);
