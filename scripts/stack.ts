// The sandbox driver: `pulumi up | preview | refresh | destroy --stack <stack>` in the project
// folder, as docs/sandbox.md tells users, with the sandbox's local backend and public passphrase.
// Called by scripts/sandbox.sh. Refuses any stack whose cloud is not `sandbox`.
import * as fs from "fs";
import * as path from "path";
import {
    NotASandboxStack,
    PendingOperation,
    ROOT,
    assertSandboxStack,
    clearStalePendingOperations,
    encryptedOutputs,
    exportEncrypted,
    pulumi,
} from "./lib/sandbox";

const COMMANDS: Record<string, string[]> = {
    up: ["up", "--yes"],
    preview: ["preview"],
    refresh: ["refresh", "--yes"],
    destroy: ["destroy", "--yes"],
};

/** What became of the pending operations a killed update left. */
function reportPending(stackName: string, { cleared, left }: { cleared: PendingOperation[]; left: PendingOperation[] }): void {
    for (const op of cleared)
        console.log(`sandbox: cleared the stale pending ${op.type.replace(/ing$/, "e")} of ${op.resource.urn}: it exists now`);
    if (left.length > 0)
        console.log(
            `sandbox: ${left.length} pending operation(s) name resources this program no longer has (${left.map((op) => op.resource.urn).join(", ")}); ` +
                `if they do not exist, drop them with: pulumi refresh --clear-pending-creates --yes --stack ${stackName} ` +
                `(with the sandbox's settings: docs/sandbox.md, "Troubleshooting")`,
        );
}

function main(command: string, stackName: string): number {
    const args = COMMANDS[command];
    if (!args) {
        console.error("usage: stack.ts up|preview|refresh|destroy [stack]");
        return 2;
    }
    assertSandboxStack(ROOT, stackName);
    // The first run creates the stack in the local backend (its config is Pulumi.<stack>.yaml).
    const select = pulumi(["stack", "select", "--create", stackName], { capture: true });
    if (select.error) throw select.error;
    if (select.status !== 0) {
        console.error(select.stderr);
        return select.status ?? 1;
    }
    const interrupted = command === "up" ? (exportEncrypted({ name: stackName }).pending_operations ?? []) : [];
    if (interrupted.length > 0)
        console.log(
            `sandbox: the last update of ${stackName} was stopped before it finished; pulumi warns about its ` +
                `${interrupted.length} pending operation(s) below. This up creates or adopts those resources, ` +
                "and the driver then clears the record of each that exists.\n",
        );
    const run = pulumi([...args, "--stack", stackName]);
    if (run.error) throw run.error;
    if (run.signal) {
        console.error(
            `\nsandbox: pulumi ${command} --stack ${stackName} was stopped by ${run.signal} before it finished. ` +
                `Run it again: the next run stops the plugins it left and clears its pending operations (docs/sandbox.md, "Troubleshooting").`,
        );
        return 1;
    }
    if (run.status !== 0) {
        console.error(`\nsandbox: pulumi ${command} --stack ${stackName} failed (exit ${run.status}): see pulumi's messages above.`);
        return run.status ?? 1;
    }
    if (command === "up") {
        reportPending(stackName, clearStalePendingOperations({ name: stackName }));
        const outDir = path.join(ROOT, "out", stackName);
        fs.mkdirSync(outDir, { recursive: true });
        fs.writeFileSync(path.join(outDir, "outputs.json"), `${JSON.stringify(encryptedOutputs({ name: stackName }), null, 2)}\n`);
        console.log(
            `\nStack outputs are in out/${stackName}/outputs.json (secrets encrypted); read them with the CLI (docs/sandbox.md, "Sandbox").`,
        );
    }
    return 0;
}

// Ctrl-C reaches the pulumi child too (same process group): let it cancel the update cleanly, and
// keep this driver until it has, rather than returning to the prompt while pulumi still runs.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => undefined);

try {
    process.exitCode = main(process.argv[2] ?? "", process.argv[3] ?? "sandbox");
} catch (error) {
    console.error(error instanceof NotASandboxStack ? error.message : `sandbox: ${(error as Error).message}`);
    process.exitCode = 1;
}
