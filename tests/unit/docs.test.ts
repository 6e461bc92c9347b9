// The docs a user reads: a README that can be scanned, links that lead somewhere, and a config reference and
// Pulumi.yaml that say what components/config/keys.ts says (npm run docs writes both from it).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS } from "../../components/config/keys";
import { GENERATED, regenerated } from "../../scripts/docs";
import { keyReference, withKeyReference, wrap } from "../../scripts/lib/configDocs";

const ROOT = path.resolve(__dirname, "..", "..");
const DOCS = [
    "README.md",
    ...fs
        .readdirSync(path.join(ROOT, "docs"))
        .filter((name) => name.endsWith(".md"))
        .map((name) => `docs/${name}`),
];

function withoutCodeBlocks(markdown: string): string {
    return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "");
}

/** The text outside fenced code blocks and code spans, where a link is a link. */
function prose(markdown: string): string {
    return withoutCodeBlocks(markdown).replace(/`[^`\n]*`/g, "");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
    return heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-");
}

function anchorsOf(markdown: string): Set<string> {
    const headings = withoutCodeBlocks(markdown).match(/^#{1,6} .*$/gm) ?? [];
    return new Set(headings.map((heading) => anchorOf(heading.replace(/^#+ /, "").replace(/`/g, ""))));
}

/** Every relative link target in a markdown file: `[text](target)`, outside code. */
function relativeLinks(markdown: string): string[] {
    return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]).filter((target) => !/^[a-z]+:/.test(target));
}

describe("README and docs/", () => {
    it("keep the README short enough to scan: under 200 lines, none over 120 characters outside code", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        assert.ok(readme.split("\n").length < 200, `README.md has ${readme.split("\n").length} lines`);
        for (const line of prose(readme).split("\n")) assert.ok(line.length <= 120, `README.md line over 120 characters: ${line}`);
    });

    it("link only to files and headings that exist", () => {
        let checked = 0;
        for (const doc of DOCS) {
            const text = fs.readFileSync(path.join(ROOT, doc), "utf8");
            for (const target of relativeLinks(text)) {
                const [file, anchor] = target.split("#");
                const resolved = file === "" ? path.join(ROOT, doc) : path.resolve(path.dirname(path.join(ROOT, doc)), file);
                assert.ok(fs.existsSync(resolved), `${doc} links to ${target}, which does not exist`);
                if (anchor !== undefined) {
                    const anchors = anchorsOf(fs.readFileSync(resolved, "utf8"));
                    assert.ok(anchors.has(anchor), `${doc} links to ${target}: no such heading in ${path.relative(ROOT, resolved)}`);
                }
                checked++;
            }
        }
        assert.ok(checked > 20, `only ${checked} links found: the link pattern is broken`);
    });

    it("name only npm scripts that package.json has", () => {
        const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
            .scripts;
        for (const doc of DOCS) {
            const named = fs.readFileSync(path.join(ROOT, doc), "utf8").matchAll(/npm (?:run ([\w-]+(?::[\w-]+)*)|(test)\b)/g);
            for (const [, run, test] of named) assert.ok((run ?? test) in scripts, `${doc} names npm ${run ? `run ${run}` : test}`);
        }
    });

    it("link every docs/ file from the README", () => {
        const links = new Set(relativeLinks(fs.readFileSync(path.join(ROOT, "README.md"), "utf8")).map((target) => target.split("#")[0]));
        for (const doc of DOCS.filter((name) => name !== "README.md")) assert.ok(links.has(doc), `README.md does not link ${doc}`);
    });
});

describe("pointers into the docs from code", () => {
    function sources(dir: string): string[] {
        return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
            const rel = `${dir}/${entry.name}`;
            if (entry.isDirectory()) return entry.name === "fixtures" ? [] : sources(rel);
            return /\.(ts|js|sh)$|^[a-z-]+$/.test(entry.name) ? [rel] : [];
        });
    }

    it("name docs pages that exist, and sections those pages have", () => {
        let checked = 0;
        for (const file of ["index.ts", ...["components", "scripts", "simulator", "tests"].flatMap(sources)]) {
            const text = fs.readFileSync(path.join(ROOT, file), "utf8");
            for (const [, page, section] of text.matchAll(/\b(README|docs\/[\w-]+\.md)(?:'s)?(?:,? "([^"]+)")?/g)) {
                const target = path.join(ROOT, page === "README" ? "README.md" : page);
                assert.ok(fs.existsSync(target), `${file} points at ${page}, which does not exist`);
                if (section !== undefined) {
                    const anchors = anchorsOf(fs.readFileSync(target, "utf8"));
                    assert.ok(anchors.has(anchorOf(section)), `${file} points at ${page}, "${section}": no such section`);
                }
                checked++;
            }
        }
        assert.ok(checked > 5, `only ${checked} pointers found: the pattern is broken`);
    });
});

describe("docs/ipv6-known-issues.md", () => {
    /**
     * Each `- Code:` or `- Test(s):` item cites files by link; every `code span` and "quoted test name" after a
     * link must be in that file, so a renamed function or test cannot leave a citation behind.
     */
    it("cites only names the linked code and tests hold", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs", "ipv6-known-issues.md"), "utf8");
        const items = doc.split(/\n(?=- )|\n\n/).filter((item) => /^- (Code|Tests?):/.test(item));
        const flat = (text: string) => text.replace(/\s+/g, " ");
        let checked = 0;
        for (const item of items) {
            let cited: { file: string; text: string } | undefined;
            for (const [, link, code, quote] of item.matchAll(/\[[^\]]*\]\(([^)]+)\)|`([^`]+)`|"([^"]+)"/g)) {
                if (link) {
                    const file = path.resolve(ROOT, "docs", link);
                    cited = { file: path.relative(ROOT, file), text: flat(fs.readFileSync(file, "utf8")) };
                    continue;
                }
                const name = flat(code ?? quote);
                assert.ok(cited, `${name} is cited before any file: ${item}`);
                assert.ok(cited.text.includes(name), `docs/ipv6-known-issues.md cites ${name} in ${cited.file}, which does not hold it`);
                checked++;
            }
        }
        assert.ok(checked > 30, `only ${checked} citations found: the pattern is broken`);
    });
});

describe("npm run docs", () => {
    for (const { file } of GENERATED) {
        it(`has written ${file} from components/config/keys.ts (run npm run docs after editing keys.ts)`, async () => {
            assert.equal(fs.readFileSync(path.join(ROOT, file), "utf8"), await regenerated(file));
        });
    }

    it("documents every key with its type, default and description, in keys.ts order", () => {
        const reference = fs.readFileSync(path.join(ROOT, "docs", "configuration.md"), "utf8").replace(/\n +/g, " ");
        let last = -1;
        for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
            const line = `- \`${key}\` (${spec.type}, default \`${JSON.stringify(spec.default)}\`): ${spec.description}`;
            const at = reference.indexOf(line);
            assert.ok(at > last, `docs/configuration.md does not say, after the previous key: ${line}`);
            last = at;
        }
    });

    it("replaces only what lies between the markers, and refuses a file without them", () => {
        const text =
            "# Title\n\nhand-written\n\n<!-- BEGIN generated from components/config/keys.ts by `npm run docs`: do not edit -->\nstale\n<!-- END generated -->\n\nmore\n";
        const keys = { only: { type: "integer", default: 3, description: "One key" } } as const;
        assert.equal(
            withKeyReference(text, keys),
            "# Title\n\nhand-written\n\n<!-- BEGIN generated from components/config/keys.ts by `npm run docs`: do not edit -->\n\n" +
                `${keyReference(keys)}\n\n<!-- END generated -->\n\nmore\n`,
        );
        assert.equal(keyReference(keys), "- `only` (integer, default `3`): One key");
        assert.throws(() => withKeyReference("# no markers\n", keys), /markers are missing/);
    });

    it("wraps long descriptions without splitting a code span", () => {
        const wrapped = wrap("aaa `b c d` eee fff", 9, "  ");
        assert.deepEqual(wrapped.split("\n"), ["aaa", "  `b c d`", "  eee fff"]);
    });
});
