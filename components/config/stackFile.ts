import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { NAMESPACE } from "./keys";
import { ownConfig } from "./ownKeys";
import { Problem, formatProblem } from "./validate";

/**
 * Why `stack` cannot name a stack file, or undefined: Pulumi's stack names are letters, digits,
 * `-`, `_` and `.` (pulumi sdk/go/common/tokens, "stack names may only contain alphanumeric,
 * hyphens, underscores, or periods"), and `npm run plan` writes to `out/<stack>/`, so a name of
 * dots only, or one with a slash, would read and write outside the project.
 */
export function stackNameProblem(stack: string): string | undefined {
    if (/^[A-Za-z0-9_.-]{1,100}$/.test(stack) && !/^\.+$/.test(stack)) return undefined;
    return `stack name ${JSON.stringify(stack.length > 60 ? `${stack.slice(0, 60)}…` : stack)} is not a Pulumi stack name: use at most 100 letters, digits, '-', '_' and '.' (not dots alone)`;
}

/** A value of the stack file as the engine hands it to a program (lists as JSON), or why it cannot be one. */
function engineValue(value: unknown): { text: string } | { rule: string; secret?: boolean } {
    if (typeof value === "string") return { text: value };
    if (typeof value === "number" || typeof value === "boolean") return { text: String(value) };
    if (Array.isArray(value)) return { text: JSON.stringify(value) };
    if (value === null || value === undefined) {
        return { rule: "has no value (null): the engine refuses a key without one; give a value, or remove the key to take the default" };
    }
    if (typeof value === "object" && Object.keys(value).length === 1 && "secure" in value) {
        return {
            rule: "is a secret (secure:), which npm run plan cannot decrypt (it reads the stack file without the engine); run pulumi preview to validate it",
            secret: true,
        };
    }
    return { rule: "is a map; ck-dualstack keys take a string, a number, true or false, or a list of strings" };
}

/**
 * What is wrong with a file js-yaml refused, and where: its `reason` and `mark` (js-yaml 4
 * lib/exception.js) but never its `message`, which appends a snippet of the file's lines around the
 * error, and a private key pasted unquoted into sshPublicKey is what breaks the YAML there.
 */
function yamlErrorText(error: unknown): string {
    if (!(error instanceof yaml.YAMLException)) return "the YAML parser failed";
    // The constructor leaves mark out when a caller gives none; every parser error has one.
    const mark = error.mark as yaml.Mark | undefined;
    return mark ? `${error.reason} (line ${mark.line + 1}, column ${mark.column + 1})` : error.reason;
}

/**
 * Raw config values of a stack as `Pulumi.<stack>.yaml` holds them, as strings the way the engine
 * hands them to a program (lists as JSON), and every problem of the file itself: not YAML (the
 * parser's reason and line, with the file named), no `config:` map, values the engine would refuse or that
 * cannot be read without it (secrets), and keys that look like ours misspelt (ownKeys.ts). No engine
 * and no credentials are needed. Throws when there is no such stack file.
 */
export function readStackFileChecked(projectDir: string, stack: string): { raw: Record<string, string>; problems: Problem[] } {
    const nameProblem = stackNameProblem(stack);
    if (nameProblem) throw new Error(nameProblem);
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new Error(`no stack file ${file}; stacks: ${listStacks(projectDir).join(", ")}`);
    let doc: unknown;
    try {
        doc = yaml.load(fs.readFileSync(file, "utf8"));
    } catch (error) {
        throw new Error(`${file} is not valid YAML: ${yamlErrorText(error)}`);
    }
    const config = (doc as { config?: unknown } | null)?.config;
    if (doc === null || doc === undefined || typeof doc !== "object" || Array.isArray(doc) || config === undefined || config === null) {
        throw new Error(
            `${file} holds no config: map, so nothing says which cloud to plan for; set at least the cloud (pulumi config set ${NAMESPACE}:cloud sandbox, or write 'config:' with '${NAMESPACE}:cloud: sandbox')`,
        );
    }
    if (typeof config !== "object" || Array.isArray(config)) {
        throw new Error(
            `${file}: config: must be a map of 'namespace:key: value' lines, not ${Array.isArray(config) ? "a list" : "a single value"}`,
        );
    }
    const all: Record<string, string> = {};
    const problems: Problem[] = [];
    for (const [fullKey, value] of Object.entries(config)) {
        const read = engineValue(value);
        if ("text" in read) all[fullKey] = read.text;
        else if (fullKey.startsWith(`${NAMESPACE}:`)) {
            problems.push({ key: fullKey.slice(NAMESPACE.length + 1), value: read.secret ? "" : JSON.stringify(value), ...read });
        }
    }
    const own = ownConfig(all);
    return { raw: own.raw, problems: [...problems, ...own.problems] };
}

/** readStackFileChecked for callers that only take a good file: throws with the problems, one a line. */
export function readStackFile(projectDir: string, stack: string): Record<string, string> {
    const { raw, problems } = readStackFileChecked(projectDir, stack);
    if (problems.length > 0) {
        throw new Error(`Pulumi.${stack}.yaml:\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}`);
    }
    return raw;
}

export function listStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((name) => /^Pulumi\.(.+)\.yaml$/.exec(name)?.[1])
        .filter((name): name is string => name !== undefined);
}
