import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { NAMESPACE } from "./keys";

/**
 * Raw config values of a stack as `Pulumi.<stack>.yaml` holds them, as strings the way the
 * engine hands them to a program (lists as JSON). No engine and no credentials are needed.
 */
export function readStackFile(projectDir: string, stack: string): Record<string, string> {
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new Error(`no stack file ${file}; stacks: ${listStacks(projectDir).join(", ")}`);
    const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const raw: Record<string, string> = {};
    for (const [fullKey, value] of Object.entries(doc.config ?? {})) {
        if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
        const key = fullKey.slice(NAMESPACE.length + 1);
        raw[key] = typeof value === "string" ? value : Array.isArray(value) ? JSON.stringify(value) : String(value);
    }
    return raw;
}

export function listStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((name) => /^Pulumi\.(.+)\.yaml$/.exec(name)?.[1])
        .filter((name): name is string => name !== undefined);
}
