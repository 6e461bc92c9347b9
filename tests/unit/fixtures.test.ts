// The repository stands on its own (issue 20): what the tests check against lives in tests/fixtures,
// each file named with its upstream source in tests/fixtures/README.md, and no code or test builds
// a path to a folder beside the checkout (the `shared/` reference folder it was developed next to).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";

const ROOT = path.resolve(__dirname, "..", "..");
const FIXTURES = path.join(ROOT, "tests", "fixtures");

/** Files under a folder, relative to it, skipping what is not the project's own. */
function filesUnder(dir: string, skip: readonly string[] = []): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        if (skip.includes(entry.name)) return [];
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? filesUnder(full, skip).map((file) => `${entry.name}/${file}`) : [entry.name];
    });
}

describe("test fixtures", () => {
    it("are in the repository, each named with its upstream source in the README", () => {
        const readme = fs.readFileSync(path.join(FIXTURES, "README.md"), "utf8");
        const files = filesUnder(FIXTURES).filter((file) => file !== "README.md");
        for (const needed of [
            "juju-status-iaas-3.6.4.json",
            "charmed-kubernetes/bundle-1.35.yaml",
            "charmed-kubernetes/ipv4-ipv6-overlay.yaml",
            "charms/actions.yaml",
        ]) {
            assert.ok(files.includes(needed), `tests/fixtures/${needed} is missing`);
        }
        for (const file of files) {
            const named =
                file.startsWith("charms/") && file.endsWith(".yaml") && file !== "charms/actions.yaml" ? "charms/<charm>.yaml" : file;
            assert.ok(readme.includes(`\`${named}\``), `tests/fixtures/README.md does not name ${file}`);
        }
    });

    it("hold every charm of the bundle, each with the repository and commit it was taken from", () => {
        const bundle = yaml.load(fs.readFileSync(path.join(FIXTURES, "charmed-kubernetes", "bundle-1.35.yaml"), "utf8")) as {
            applications: Record<string, { charm: string }>;
        };
        const actions = yaml.load(fs.readFileSync(path.join(FIXTURES, "charms", "actions.yaml"), "utf8")) as Record<
            string,
            { source: { repo: string; commit: string } }
        >;
        for (const { charm } of Object.values(bundle.applications)) {
            const schema = yaml.load(fs.readFileSync(path.join(FIXTURES, "charms", `${charm}.yaml`), "utf8")) as { source: string };
            assert.match(schema.source, /^charmed-kubernetes\/[a-z-]+@\S+ [0-9a-f]{12} /, charm);
            assert.match(actions[charm].source.commit, /^[0-9a-f]{40}$/, charm);
        }
        const status = JSON.parse(fs.readFileSync(path.join(FIXTURES, "juju-status-iaas-3.6.4.json"), "utf8")) as {
            model: { version: string };
        };
        assert.equal(status.model.version, "3.6.4");
    });

    it("are all that is read: no code or test builds a path to a folder beside the checkout", () => {
        const sources = filesUnder(ROOT, ["node_modules", ".git", ".sandbox", "out", "fixtures"]).filter((file) =>
            /\.(ts|js|mjs|cjs|sh)$|^package\.json$/.test(file),
        );
        assert.ok(sources.length > 50, `only ${sources.length} source files found`);
        const outside = sources.filter((file) =>
            /["']shared["']|\.\.\/shared\b|\/work\/shared/.test(fs.readFileSync(path.join(ROOT, file), "utf8")),
        );
        assert.deepEqual(outside, []);
    });
});
