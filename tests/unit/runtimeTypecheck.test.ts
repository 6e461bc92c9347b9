// The program runs transpiled only (issue 23): the type check belongs to `npm test`, not to every
// preview and up. @pulumi/pulumi's run.js (cmd/run/run.js, 3.248) passes ts-node transpileOnly from
// PULUMI_NODEJS_TRANSPILE_ONLY, else from `noCheck` in the compilerOptions of the tsconfig that
// PULUMI_NODEJS_TSCONFIG_PATH names (Pulumi.yaml runtime.options.tsconfig), read by
// tsutils.loadTypeScriptCompilerOptions without following `extends`; else ts-node type-checks.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";

const ROOT = path.resolve(__dirname, "..", "..");
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));

describe("the program's TypeScript at run time", () => {
    it("is transpiled only under the engine, while tsc --noEmit still checks every file", () => {
        const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
            main: string;
            runtime: { options: { typescript: boolean; tsconfig?: string } };
        };
        const runtimeConfig = project.runtime.options.tsconfig;
        assert.ok(runtimeConfig, "Pulumi.yaml runtime.options.tsconfig is not set: the engine would type-check the program on every run");
        const runtime = readJson(runtimeConfig);
        assert.equal(runtime.compilerOptions?.noCheck, true, `${runtimeConfig} must set compilerOptions.noCheck itself`);
        assert.equal(runtime.extends, "./tsconfig.json", "same compiler settings as the checked build");
        assert.deepEqual(runtime.files, [project.main]);
        const checked = readJson("tsconfig.json");
        assert.notEqual(checked.compilerOptions.noCheck, true, "tsconfig.json must keep type checking for npm test");
        assert.ok((checked.include as string[]).includes(project.main));
    });
});
