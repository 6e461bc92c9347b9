// What `pulumi destroy` says of a machine whose model is already gone (issue 22, point 7): it was
// already gone, never "machine N removed", and the destroy goes on.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MachineProvider } from "../../components/juju/providers/machine";
import { FakeJuju, statusDoc } from "../support/fakeJuju";
import { machineInputs } from "../support/machineInputs";

const fakes: FakeJuju[] = [];
function fake(script: ConstructorParameters<typeof FakeJuju>[0]): FakeJuju {
    const f = new FakeJuju(script);
    fakes.push(f);
    return f;
}

/** What a delete printed (providers report progress on the console; common.ts progress). */
async function printed(action: () => Promise<unknown>): Promise<string[]> {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => lines.push(args.join(" "));
    try {
        await action();
    } finally {
        console.log = log;
    }
    return lines;
}

const outputs = (jujuPath: string, modelUuid?: string) => ({ ...machineInputs(jujuPath, modelUuid), machineId: "4" });

before(() => {
    process.env.CK_JUJU_BACKOFF_MS = "1";
});
after(() => fakes.forEach((f) => f.remove()));

describe("deleting a machine that is already gone", () => {
    it("says the machine was already gone when its model no longer exists", async () => {
        // Juju 3.6 for a model the controller no longer has (cmd/modelcmd: `model %q not found`).
        const f = fake({
            models: [{ stdout: JSON.stringify({ models: [] }) }],
            status: [{ stderr: "ERROR model lxd:admin/ck not found\n", code: 1 }],
        });
        const lines = await printed(() => new MachineProvider().delete("ck/4", outputs(f.path, "uuid-1")));
        assert.ok(!f.calls().some((c) => c[0] === "remove-machine"));
        assert.ok(!lines.some((line) => /machine 4 removed/.test(line)), lines.join("\n"));
        assert.ok(
            lines.some((line) => /machine 4 was already gone: model lxd:ck not found/.test(line)),
            lines.join("\n"),
        );
        // An older stack's machine, recorded without the model's UUID: status is where Juju says so.
        const legacy = fake({ status: [{ stderr: "ERROR model lxd:admin/ck not found\n", code: 1 }] });
        const legacyLines = await printed(() => new MachineProvider().delete("ck/4", outputs(legacy.path)));
        assert.ok(
            legacyLines.some((line) => /machine 4 was already gone: .*not found/.test(line)),
            legacyLines.join("\n"),
        );
        assert.ok(!legacyLines.some((line) => /machine 4 removed/.test(line)), legacyLines.join("\n"));
    });

    it("leaves a model re-created under the same name alone: this stack's machine went with its model", async () => {
        const f = fake({
            models: [{ stdout: JSON.stringify({ models: [{ "short-name": "ck", "model-uuid": "uuid-2" }] }) }],
            status: [{ stdout: statusDoc({}, { "4": "10.0.0.20" }) }],
        });
        const lines = await printed(() => new MachineProvider().delete("ck/4", outputs(f.path, "uuid-1")));
        assert.ok(!f.calls().some((c) => c[0] === "remove-machine"), "nothing removed from another model");
        assert.ok(
            lines.some((line) => /machine 4 was already gone: model lxd:ck is now model uuid-2/.test(line)),
            lines.join("\n"),
        );
    });

    it("says the machine was already gone when Juju removed it with its last unit", async () => {
        const f = fake({ status: [{ stdout: statusDoc({}) }] });
        const lines = await printed(() => new MachineProvider().delete("ck/4", outputs(f.path)));
        assert.ok(
            lines.some((line) => /machine 4 was already gone/.test(line)),
            lines.join("\n"),
        );
        assert.ok(!lines.some((line) => /machine 4 removed/.test(line)), lines.join("\n"));
    });
});
