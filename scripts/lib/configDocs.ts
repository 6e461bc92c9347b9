// The config reference and Pulumi.yaml's `config:` section, both generated from components/config/keys.ts,
// the one place a key's type, default and description are written. `npm run docs` writes them;
// tests/unit/docs.test.ts fails when a file differs from what these functions make of it.
import * as yaml from "js-yaml";
import * as prettier from "prettier";
import { CONFIG_KEYS, KeySpec } from "../../components/config/keys";

export const BEGIN_MARKER = "<!-- BEGIN generated from components/config/keys.ts by `npm run docs`: do not edit -->";
export const END_MARKER = "<!-- END generated -->";

/** Longest line the generator writes into prose (the docs' own limit). */
const LINE_WIDTH = 116;

/**
 * Words of `text` wrapped at `width`, breaking only at spaces outside `code spans`, so no code span is split
 * across lines; continuation lines start with `indent`.
 */
export function wrap(text: string, width: number, indent: string): string {
    const words: string[] = [];
    let inCode = false;
    for (const piece of text.split(" ")) {
        if (inCode) words[words.length - 1] += ` ${piece}`;
        else words.push(piece);
        if ((piece.match(/`/g) ?? []).length % 2 === 1) inCode = !inCode;
    }
    const lines: string[] = [];
    let line = "";
    for (const word of words) {
        const prefix = lines.length === 0 ? "" : indent;
        if (line !== "" && prefix.length + line.length + 1 + word.length > width) {
            lines.push(prefix + line);
            line = word;
        } else line = line === "" ? word : `${line} ${word}`;
    }
    lines.push((lines.length === 0 ? "" : indent) + line);
    return lines.join("\n");
}

function defaultText(spec: KeySpec): string {
    return `\`${JSON.stringify(spec.default)}\``;
}

/** The markdown list of every key, in keys.ts order: name, type, default, description. */
export function keyReference(keys: Record<string, KeySpec> = CONFIG_KEYS): string {
    return Object.entries(keys)
        .map(([key, spec]) => wrap(`- \`${key}\` (${spec.type}, default ${defaultText(spec)}): ${spec.description}`, LINE_WIDTH, "  "))
        .join("\n");
}

/** `markdown` with the text between the markers replaced by the key reference; throws when a marker is missing. */
export function withKeyReference(markdown: string, keys: Record<string, KeySpec> = CONFIG_KEYS): string {
    const begin = markdown.indexOf(BEGIN_MARKER);
    const end = markdown.indexOf(END_MARKER);
    if (begin < 0 || end < begin) throw new Error(`the generated section's markers are missing: ${BEGIN_MARKER} ... ${END_MARKER}`);
    return `${markdown.slice(0, begin + BEGIN_MARKER.length)}\n\n${keyReference(keys)}\n\n${markdown.slice(end)}`;
}

/** Pulumi.yaml's `config:` block: each key's type, description and default, arrays of strings. */
export function projectConfigBlock(keys: Record<string, KeySpec> = CONFIG_KEYS): string {
    const config = Object.fromEntries(
        Object.entries(keys).map(([key, spec]) => [
            key,
            {
                type: spec.type,
                description: spec.description,
                default: spec.default,
                ...(spec.type === "array" ? { items: { type: "string" } } : {}),
            },
        ]),
    );
    return yaml.dump({ config }, { indent: 4, lineWidth: -1, noRefs: true });
}

/**
 * `projectYaml` (Pulumi.yaml's text) with its top-level `config:` block replaced by the generated one; whatever
 * else the file holds, before or after it, is kept as written.
 */
export function withProjectConfig(projectYaml: string, keys: Record<string, KeySpec> = CONFIG_KEYS): string {
    const lines = projectYaml.split("\n");
    const start = lines.findIndex((line) => /^config:\s*$/.test(line));
    if (start < 0) return `${projectYaml.replace(/\n*$/, "\n")}${projectConfigBlock(keys)}`;
    const next = lines.findIndex((line, i) => i > start && /^\S/.test(line));
    const after = next < 0 ? "" : lines.slice(next).join("\n");
    const before = lines.slice(0, start).map((line) => `${line}\n`);
    return `${before.join("")}${projectConfigBlock(keys)}${after}`;
}

/** `text` as prettier formats `filepath` with the project's settings (.prettierrc.json), as `npm run lint` checks it. */
export async function formatted(text: string, filepath: string): Promise<string> {
    const options = (await prettier.resolveConfig(filepath)) ?? {};
    return prettier.format(text, { ...options, filepath });
}
