// npm run docs: writes the config reference (docs/configuration.md, between its markers) and Pulumi.yaml's
// `config:` block from components/config/keys.ts; tests/unit/docs.test.ts checks both are up to date.
import * as fs from "fs";
import * as path from "path";
import { formatted, withKeyReference, withProjectConfig } from "./lib/configDocs";

const ROOT = path.resolve(__dirname, "..");

/** Each generated file: where it lives and what the generator makes of its current text. */
export const GENERATED: readonly { file: string; generate: (text: string) => string }[] = [
    { file: "docs/configuration.md", generate: (text) => withKeyReference(text) },
    { file: "Pulumi.yaml", generate: (text) => withProjectConfig(text) },
];

/** What `npm run docs` would write into `file` (relative to the project folder), formatted as prettier does. */
export async function regenerated(file: string, root = ROOT): Promise<string> {
    const entry = GENERATED.find((generated) => generated.file === file);
    if (!entry) throw new Error(`${file} is not generated`);
    const filepath = path.join(root, file);
    return formatted(entry.generate(fs.readFileSync(filepath, "utf8")), filepath);
}

async function main(): Promise<void> {
    for (const { file } of GENERATED) {
        const text = await regenerated(file);
        const filepath = path.join(ROOT, file);
        if (fs.readFileSync(filepath, "utf8") === text) console.log(`${file} is up to date`);
        else {
            fs.writeFileSync(filepath, text);
            console.log(`wrote ${file}`);
        }
    }
}

if (require.main === module) {
    main().catch((error: unknown) => {
        console.error(error instanceof Error ? error.message : String(error));
        process.exitCode = 1;
    });
}
