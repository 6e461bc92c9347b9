// The charms the simulator knows: each charm's config options (name, type, default) and action
// names, and the charmed-kubernetes 1.35 bundle. Built from the upstream copies in tests/fixtures
// (charms/*.yaml, taken from the charms' own repositories at the commits each file names, and
// charmed-kubernetes/bundle-1.35.yaml; tests/fixtures/README.md names every source) into
// charms.json beside this file, so the sandbox reads no YAML at run time. `npm run sim:charms`
// rebuilds it; a unit test fails when it drifts from the fixtures.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

/** A charm option's type as charm config declares it (charm/config.go: string, int, float, boolean). */
export type OptionType = "string" | "int" | "float" | "boolean";

export interface CharmOption {
    readonly type: OptionType;
    readonly default?: string | number | boolean | null;
}

export interface CharmData {
    /** Repository, branch, commit and file the options were read from. */
    readonly source: string;
    readonly options: Record<string, CharmOption>;
    readonly actions: string[];
}

export interface BundleApplication {
    readonly charm: string;
    readonly channel: string;
    readonly options: Record<string, string | number | boolean>;
    /** Units the bundle asks for; absent for subordinates (`juju diff-bundle` compares it). */
    readonly numUnits?: number;
    /** Principal applications a subordinate charm rides on (from the bundle's relations). */
    readonly subordinateTo?: string[];
    /** The bundle exposes it (`expose: true`: kubeapi-load-balancer and kubernetes-worker). */
    readonly expose?: true;
}

/** A Charmhub bundle as the simulator deploys and diffs it (simulator/commands/bundles.ts). */
export interface SimBundle {
    /** The bundle's top-level `series:`, the fallback `juju diff-bundle` compares (core/bundle/changes/diff.go). */
    readonly series?: string;
    readonly applications: Record<string, BundleApplication>;
    /** Its relations in the bundle's order, each `[app:endpoint, app:endpoint]`. */
    readonly relations: [string, string][];
}

export interface SimCharmData {
    readonly charms: Record<string, CharmData>;
    readonly bundles: Record<string, SimBundle>;
}

/**
 * Container-scoped endpoints of the bundle's subordinate charms (`scope: container` in their
 * metadata: charm-calico metadata.yaml `cni`, charm-containerd metadata.yaml `containerd`).
 */
const CONTAINER_SCOPED = ["calico:cni", "containerd:containerd"];

/** Builds the data from a reference folder laid out as tests/fixtures (charms/, charmed-kubernetes/). */
export function buildCharmData(referenceDir: string): SimCharmData {
    const charmsDir = path.join(referenceDir, "charms");
    const actions = yaml.load(fs.readFileSync(path.join(charmsDir, "actions.yaml"), "utf8")) as Record<
        string,
        { actions?: Record<string, unknown> }
    >;
    const charms: Record<string, CharmData> = {};
    for (const file of fs.readdirSync(charmsDir).sort()) {
        if (!file.endsWith(".yaml") || file === "actions.yaml") continue;
        const doc = yaml.load(fs.readFileSync(path.join(charmsDir, file), "utf8")) as {
            charm: string;
            source: string;
            options: Record<string, { type: OptionType; default?: CharmOption["default"] }> | null;
        };
        const options = Object.fromEntries(
            Object.entries(doc.options ?? {}).map(([name, option]) => [
                name,
                "default" in option ? { type: option.type, default: option.default } : { type: option.type },
            ]),
        );
        charms[doc.charm] = { source: doc.source, options, actions: Object.keys(actions[doc.charm]?.actions ?? {}).sort() };
    }
    const bundleDoc = yaml.load(fs.readFileSync(path.join(referenceDir, "charmed-kubernetes", "bundle-1.35.yaml"), "utf8")) as {
        name: string;
        series?: string;
        applications: Record<
            string,
            { charm: string; channel: string; options?: Record<string, string>; num_units?: number; expose?: boolean }
        >;
        relations: [string, string][];
    };
    const applications: Record<string, BundleApplication> = {};
    for (const [name, app] of Object.entries(bundleDoc.applications)) {
        // Subordinate charms have no units of their own (no num_units); their principals are the
        // applications on the other end of their container-scoped relations.
        const subordinateTo =
            app.num_units === undefined
                ? bundleDoc.relations
                      .filter((pair) => pair.some((end) => CONTAINER_SCOPED.includes(end) && end.split(":")[0] === name))
                      .map((pair) => pair.map((end) => end.split(":")[0]).find((other) => other !== name)!)
                      .filter((other, i, all) => all.indexOf(other) === i)
                      .sort()
                : undefined;
        applications[name] = {
            charm: app.charm,
            channel: app.channel,
            options: app.options ?? {},
            ...(app.num_units !== undefined ? { numUnits: app.num_units } : {}),
            ...(subordinateTo ? { subordinateTo } : {}),
            ...(app.expose === true ? { expose: true as const } : {}),
        };
    }
    const bundle: SimBundle = { ...(bundleDoc.series ? { series: bundleDoc.series } : {}), applications, relations: bundleDoc.relations };
    return { charms, bundles: { [bundleDoc.name]: bundle } };
}

export const CHARM_DATA_FILE = path.join(__dirname, "charms.json");

let cached: SimCharmData | undefined;
/** The committed data (charms.json). */
export function charmData(): SimCharmData {
    cached ??= JSON.parse(fs.readFileSync(CHARM_DATA_FILE, "utf8")) as SimCharmData;
    return cached;
}

if (require.main === module) {
    const reference = process.argv[2] ?? path.resolve(__dirname, "..", "tests", "fixtures");
    // Written as the project's prettier settings format it, so a rebuild from the same fixtures is no change.
    void (async () => {
        const prettier = await import("prettier");
        const options = await prettier.resolveConfig(CHARM_DATA_FILE);
        const text = await prettier.format(JSON.stringify(buildCharmData(reference), null, 4), { ...options, filepath: CHARM_DATA_FILE });
        fs.writeFileSync(CHARM_DATA_FILE, text);
        console.log(`wrote simulator/charms.json from ${path.relative(process.cwd(), reference) || "."}`);
    })();
}
