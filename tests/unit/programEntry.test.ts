// The program's entry (index.ts): the config is validated before the engine is asked anything, then
// the engine is asked to start the dynamic provider host before any resource is registered, so the
// host starts while the program's modules load and it runs (issue 23).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle } from "../support/mocks";

interface Request {
    getTok?(): string;
    getType?(): string;
}
type Monitor = Record<"invoke" | "registerResource", (req: Request, callback: (...args: unknown[]) => void) => void>;

/** Runs index.ts's program under mocks with `config`, recording what reached the engine, in order. */
async function runEntry(config: Record<string, string>): Promise<{ outcome: unknown; asked: string[] }> {
    installMocks(config);
    const asked: string[] = [];
    const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
    for (const method of ["invoke", "registerResource"] as const) {
        const original = monitor[method].bind(monitor);
        monitor[method] = (req, callback) => {
            asked.push(method === "invoke" ? `invoke ${req.getTok!()}` : `register ${req.getType!()}`);
            original(req, callback);
        };
    }
    const entry = require("../../index") as () => Promise<Record<string, unknown>>;
    const outcome = await entry().catch((error: unknown) => error);
    await settle();
    return { outcome, asked };
}

describe("the program's entry", () => {
    it("refuses a bad config before asking the engine anything", async () => {
        const { outcome, asked } = await runEntry({ cloud: "sandbox", workerCount: "-1" });
        assert.ok(outcome instanceof pulumi.RunError, String(outcome));
        assert.match((outcome as Error).message, /workerCount/);
        assert.deepEqual(asked, []);
    });

    it("asks the engine to start the dynamic provider host before registering anything", async () => {
        const { outcome, asked } = await runEntry({ cloud: "sandbox" });
        assert.ok(!(outcome instanceof Error), String(outcome));
        assert.equal(asked[0], "invoke pulumi-nodejs:dynamic:startHost");
        assert.ok(asked.some((line) => line === "register pulumi-nodejs:dynamic/juju:Model"));
    });
});
