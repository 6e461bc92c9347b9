// Bundles out of and against the model: `juju export-bundle` and `juju diff-bundle`, as Juju 3.6
// prints them (issue 21 point 4). Sources, wallyworld/juju branch 3.6 @ 87e38e5f62be:
// cmd/juju/model/exportbundle.go; apiserver/facades/client/bundle/bundle.go
// ExportBundle, fillBundleData, bundleDataApplications, bundleDataMachines, bundleDataRelations;
// cmd/juju/application/diffbundle.go; cmd/juju/application/bundle/bundle.go BuildModelRepresentation;
// core/bundle/changes/diff.go BuildDiff; github.com/juju/charm/v12 v12.0.2 overlay.go applyOverlay.
// Not modelled, each said where it matters: constraints and annotations (the simulator stores
// none), per-endpoint expose, storage, resources, bindings, containers; a model's relations are
// its bundle's relations between the applications it still has (the simulator changes none).
import * as fs from "fs";
import * as yaml from "js-yaml";
import { charmData } from "../charmData";
import { charmOf } from "../charms";
import { Args, Command, JujuExit, flag, out, readStateModel } from "../context";
import { SimApplication, SimModel } from "../state";
import { reap } from "./applications";

/** The base every simulated application and machine runs (status.ts BASE): ubuntu@24.04, series noble. */
const DEFAULT_BASE = "ubuntu@24.04/stable";
const SERIES = "noble";

/**
 * Map keys in the order the YAML encoder Juju uses writes them (github.com/juju/yaml v2, as
 * gopkg.in/yaml.v2 sorter.go keyList.Less): rune by rune, two letters by code point, a non-letter
 * before a letter, runs of digits compared as numbers (machine "2" before "10").
 */
export function yamlKeyOrder(a: string, b: string): number {
    const [ar, br] = [[...a], [...b]];
    const letter = (c: string) => /\p{L}/u.test(c);
    const digit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
    for (let i = 0; i < ar.length && i < br.length; i++) {
        if (ar[i] === br[i]) continue;
        const [al, bl] = [letter(ar[i]), letter(br[i])];
        if (al && bl) return ar[i] < br[i] ? -1 : 1;
        if (al || bl) return bl ? -1 : 1;
        let [an, bn] = [0, 0];
        if (ar[i] === "0" || br[i] === "0") {
            for (let j = i - 1; j >= 0 && digit(ar[j]); j--) {
                if (ar[j] !== "0") {
                    [an, bn] = [1, 1];
                    break;
                }
            }
        }
        let ai = i;
        for (; digit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
        let bi = i;
        for (; digit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
        if (an !== bn) return an < bn ? -1 : 1;
        if (ai !== bi) return ai < bi ? -1 : 1;
        return ar[i] < br[i] ? -1 : 1;
    }
    return ar.length - br.length;
}

/** A Go map as the encoder writes it: its keys in yamlKeyOrder. */
function sortedMap<T>(map: Record<string, T>): Record<string, T> {
    return Object.fromEntries(
        Object.keys(map)
            .sort(yamlKeyOrder)
            .map((key) => [key, map[key]]),
    );
}

/** YAML as juju/yaml v2 writes it: 2-space indent, sequences not indented under their key, "0" quoted. */
export const goYaml = (doc: unknown) => yaml.dump(doc, { noArrayIndent: true, quotingType: '"', lineWidth: -1 });

/**
 * A stored setting as the controller holds it: `juju config` stores values parsed by the option's
 * type (charm/v12 config.go ParseSettingsStrings), so an int is 5, a boolean true.
 */
function typedSetting(charm: string, option: string, text: string): unknown {
    const type = charmOf(charm).options[option]?.type;
    if (type === "int") return Number.parseInt(text, 10);
    if (type === "float") return Number(text);
    if (type === "boolean") return text.toLowerCase() === "true";
    return text;
}

const storedSettings = (app: SimApplication) =>
    Object.fromEntries(Object.entries(app.options).map(([key, text]) => [key, typedSetting(app.charm, key, text)]));

/** Principal units in unit-name string order, as the exporter reads them (state/migration_export.go: Sort("name")). */
const unitsByName = (app: SimApplication) =>
    Object.entries(app.units)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, unit]) => unit);

/**
 * The model's relations: its bundle's, between applications it still has, in the bundle's order
 * (state relation docs are in creation order, state/state.go; deploy creates the bundle's in its order).
 */
function modelRelations(model: SimModel): [string, string][] {
    const present = (end: string) => model.applications[end.split(":")[0]] !== undefined;
    const seen = new Set<string>();
    return Object.values(charmData().bundles)
        .flatMap((bundle) => bundle.relations)
        .filter((pair) => pair.every(present) && !seen.has(pair.join(" ")) && seen.add(pair.join(" ")));
}

/** The model, finished removals gone (as status shows it), read without writing the state. */
function currentModel(args: Args): SimModel {
    const model = readStateModel(flag(args, "-m", "--model"));
    reap(model);
    return model;
}

/** gnuflag refuses a flag the command does not define: an Init error (exit 2). */
function checkFlags(args: Args, known: readonly string[]): void {
    const unknown = Object.keys(args.flags).find((name) => !["-m", "--model", ...known].includes(name));
    if (unknown) throw new JujuExit(`ERROR option provided but not defined: ${unknown.replace(/^-+/, "")}`, 2);
}

/** cmd.CheckEmpty: `unrecognized args: ["x"]` (exit 2). */
function checkNoMoreArgs(extra: readonly string[]): void {
    if (extra.length > 0) throw new JujuExit(`ERROR unrecognized args: [${extra.map((a) => JSON.stringify(a)).join(" ")}]`, 2);
}

/**
 * The bundle `juju export-bundle` prints for `model` (bundle.go fillBundleData, bundleOutput key
 * order): default-base (and series with includeSeries), applications, machines, relations.
 */
export function exportBundle(model: SimModel, flags: { includeCharmDefaults: boolean; includeSeries: boolean }): string {
    if (Object.keys(model.applications).length === 0) throw new JujuExit("ERROR nothing to export as there are no applications");
    const hosting = new Set<string>();
    const applications: Record<string, Record<string, unknown>> = {};
    for (const [name, app] of Object.entries(model.applications)) {
        const options: Record<string, unknown> = storedSettings(app);
        // --include-charm-defaults: every other option with its default, null included (bundle.go:539-558).
        if (flags.includeCharmDefaults) {
            for (const [option, spec] of Object.entries(charmOf(app.charm).options))
                if (!(option in options)) options[option] = spec.default ?? null;
        }
        // charm v12 ApplicationSpec field order; empty fields omitted (omitempty).
        const spec: Record<string, unknown> = { charm: app.charm, channel: app.channel, revision: app.revision ?? 1 };
        const units = app.subordinateTo ? [] : unitsByName(app);
        if (units.length > 0) {
            spec.num_units = units.length;
            spec.to = units.map((unit) => unit.machine);
            for (const unit of units) hosting.add(unit.machine);
        }
        if (app.exposed) spec.expose = true;
        if (Object.keys(options).length > 0) spec.options = sortedMap(options);
        applications[name] = spec;
    }
    // Only machines hosting an exported unit; {} when there is nothing to say of one (bundle.go:679-716).
    const machines = Object.fromEntries([...hosting].map((id) => [id, {}]));
    const relations = modelRelations(model);
    return goYaml({
        "default-base": DEFAULT_BASE,
        ...(flags.includeSeries ? { series: SERIES } : {}),
        applications: sortedMap(applications),
        ...(hosting.size > 0 ? { machines: sortedMap(machines) } : {}),
        ...(relations.length > 0 ? { relations } : {}),
    });
}

/** A bundle as charm v12 reads it (bundledata.go BundleData), the fields diff-bundle compares. */
interface BundleApp {
    charm?: string;
    channel?: string;
    revision?: number;
    series?: string;
    num_units?: number;
    to?: string[];
    expose?: boolean;
    "exposed-endpoints"?: Record<string, { "expose-to-spaces"?: string[]; "expose-to-cidrs"?: string[] } | null>;
    options?: Record<string, unknown>;
    annotations?: Record<string, string>;
    constraints?: string;
}
interface BundleDoc {
    series?: string;
    applications?: Record<string, BundleApp | null>;
    machines?: Record<string, { series?: string; annotations?: Record<string, string> } | null>;
    relations?: string[][];
}

const readYaml = (file: string, what: string): BundleDoc => {
    try {
        return (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as BundleDoc;
    } catch (e) {
        throw new JujuExit(`ERROR cannot read ${what} ${file}: ${(e as Error).message.split("\n")[0]}`);
    }
};

/** The bundle a name or file stands for: a local file first, else the Charmhub bundle (diffbundle.go bundleDataSource). */
function baseBundle(ref: string): BundleDoc {
    if (fs.existsSync(ref)) return readYaml(ref, "bundle");
    const known = charmData().bundles[ref];
    if (!known) throw new JujuExit(`ERROR cannot resolve charm or bundle "${ref}": charm or bundle not found`);
    const applications = Object.fromEntries(
        Object.entries(known.applications).map(([name, app]) => [
            name,
            {
                charm: app.charm,
                channel: app.channel,
                ...(app.numUnits !== undefined ? { num_units: app.numUnits } : {}),
                ...(app.expose ? { expose: true } : {}),
                options: { ...app.options },
            },
        ]),
    );
    return { ...(known.series ? { series: known.series } : {}), applications, relations: known.relations.map((pair) => [...pair]) };
}

/**
 * Overlays applied in order (charm v12 overlay.go applyOverlay): an application set to nothing is
 * removed with its relations; a new one is added; otherwise its fields merge, maps per key (a null
 * value deletes the key), scalars and lists overwritten; relations appended; machines replaced.
 */
export function applyOverlays(base: BundleDoc, overlays: readonly BundleDoc[]): BundleDoc {
    const bundle: BundleDoc = { ...base, applications: { ...base.applications }, relations: [...(base.relations ?? [])] };
    const apps = bundle.applications!;
    for (const overlay of overlays) {
        for (const [name, spec] of Object.entries(overlay.applications ?? {})) {
            if (!spec || Object.keys(spec).length === 0) {
                delete apps[name];
                bundle.relations = bundle.relations!.filter((pair) => !pair.some((end) => end === name || end.startsWith(`${name}:`)));
                continue;
            }
            const merged: Record<string, unknown> = { ...(apps[name] ?? {}) };
            for (const [field, value] of Object.entries(spec)) {
                const current = merged[field];
                if (value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
                    const map: Record<string, unknown> = { ...(current as Record<string, unknown> | undefined) };
                    for (const [key, v] of Object.entries(value)) {
                        if (v === null || (typeof v === "object" && Object.keys(v as object).length === 0)) delete map[key];
                        else map[key] = v;
                    }
                    merged[field] = map;
                } else merged[field] = value;
            }
            apps[name] = merged as BundleApp;
        }
        if (overlay.series) bundle.series = overlay.series;
        bundle.relations!.push(...(overlay.relations ?? []));
        if (overlay.machines) bundle.machines = overlay.machines;
    }
    return bundle;
}

type Side<T> = { bundle: T; model: T };
const differ = <T>(bundle: T, model: T): Side<T> | undefined => (bundle === model ? undefined : { bundle, model });

/** Option values compared as Juju 3.6.19+ does (PR #21557, #22061): by value, so 60 equals 60.0. */
const sameValue = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/** The model's options as BuildModelRepresentation reads them: every option whose source is not "unset", defaults included. */
function modelOptions(app: SimApplication): Record<string, unknown> {
    const options: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(charmOf(app.charm).options)) {
        if (spec.default !== undefined && spec.default !== null) options[name] = spec.default;
    }
    return { ...options, ...storedSettings(app) };
}

/** Exposed endpoints of an effective expose without any: `""` to 0.0.0.0/0 and ::/0 (diff.go:113-138). */
const ALL_ENDPOINTS = { "": { expose_to_cidrs: ["0.0.0.0/0", "::/0"] } };

function applicationDiff(name: string, bundle: BundleDoc, app: SimApplication, annotations: boolean): Record<string, unknown> {
    const spec = bundle.applications![name]!;
    const bundleOptions = spec.options ?? {};
    const model = modelOptions(app);
    const options = Object.fromEntries(
        [...new Set([...Object.keys(bundleOptions), ...Object.keys(model)])]
            .sort(yamlKeyOrder)
            .filter((key) => !sameValue(bundleOptions[key] ?? null, model[key] ?? null))
            .map((key) => [key, { bundle: bundleOptions[key] ?? null, model: model[key] ?? null }]),
    );
    const bundleEndpoints = Object.fromEntries(
        Object.entries(spec["exposed-endpoints"] ?? {}).map(([ep, e]) => [
            ep,
            {
                ...(e?.["expose-to-spaces"] ? { expose_to_spaces: e["expose-to-spaces"] } : {}),
                ...(e?.["expose-to-cidrs"] ? { expose_to_cidrs: e["expose-to-cidrs"] } : {}),
            },
        ]),
    );
    const bundleExposed = spec.expose === true || Object.keys(bundleEndpoints).length > 0;
    const [bundleEps, modelEps] = [
        Object.keys(bundleEndpoints).length > 0 ? bundleEndpoints : bundleExposed ? ALL_ENDPOINTS : {},
        app.exposed ? ALL_ENDPOINTS : {},
    ] as const;
    const exposedEndpoints = Object.fromEntries(
        [...new Set([...Object.keys(bundleEps), ...Object.keys(modelEps)])]
            .sort(yamlKeyOrder)
            .filter(
                (ep) =>
                    JSON.stringify((bundleEps as Record<string, unknown>)[ep]) !==
                    JSON.stringify((modelEps as Record<string, unknown>)[ep]),
            )
            .map((ep) => [
                ep,
                { bundle: (bundleEps as Record<string, unknown>)[ep] ?? null, model: (modelEps as Record<string, unknown>)[ep] ?? null },
            ]),
    );
    // No annotations are stored on the model side (not modelled).
    const annotationDiff = Object.fromEntries(
        Object.keys(spec.annotations ?? {})
            .sort(yamlKeyOrder)
            .map((key) => [key, { bundle: String(spec.annotations![key]), model: "" }]),
    );
    const units = Object.keys(app.units).length;
    // ApplicationDiff field order (diff.go:400-432); a bundle without revision compares -1 (diff.go:159-163).
    const diff: Record<string, unknown> = {
        charm: differ(spec.charm ?? "", app.charm),
        series: differ(spec.series || bundle.series || "", SERIES),
        channel: differ(spec.channel ?? "", app.channel),
        revision: differ(spec.revision ?? -1, app.revision ?? 1),
        // Subordinates have no num_units compared (diff.go:168-175); machine models no placement.
        num_units: app.subordinateTo ? undefined : differ(spec.num_units ?? 0, units),
        expose: differ(bundleExposed, app.exposed),
        exposed_endpoints: Object.keys(exposedEndpoints).length > 0 ? exposedEndpoints : undefined,
        options: Object.keys(options).length > 0 ? options : undefined,
        annotations: annotations && Object.keys(annotationDiff).length > 0 ? annotationDiff : undefined,
        // Raw strings (diff.go:155); the simulator stores no constraints, so the model side is "".
        constraints: differ(spec.constraints ?? "", ""),
    };
    return Object.fromEntries(Object.entries(diff).filter(([, v]) => v !== undefined));
}

/** A relation as diff.go compares it: its two endpoints in order, a missing endpoint name empty. */
function canonicalRelation(pair: readonly string[]): string[] {
    return pair
        .map((end) => (end.includes(":") ? end : `${end}:`))
        .sort((a, b) => {
            const [[aa, ae], [ba, be]] = [a.split(":"), b.split(":")];
            return aa !== ba ? (aa < ba ? -1 : 1) : ae < be ? -1 : ae > be ? 1 : 0;
        });
}

/**
 * What `juju diff-bundle` prints for `bundle` (overlays applied) against `model` (diff.go BuildDiff):
 * applications, machines (bundle ids mapped through `machineMap`, identity otherwise), relations;
 * `{}` when nothing differs.
 */
export function diffBundle(
    bundle: BundleDoc,
    model: SimModel,
    options: { machineMap: Record<string, string>; annotations: boolean },
): string {
    const bundleApps = bundle.applications ?? {};
    const applications: Record<string, unknown> = {};
    for (const name of [...new Set([...Object.keys(bundleApps), ...Object.keys(model.applications)])].sort(yamlKeyOrder)) {
        const app = model.applications[name];
        const diff = !bundleApps[name]
            ? { missing: "bundle" }
            : !app
              ? { missing: "model" }
              : applicationDiff(name, bundle, app, options.annotations);
        if (Object.keys(diff).length > 0) applications[name] = diff;
    }
    const machines: Record<string, unknown> = {};
    const unseen = new Set(Object.keys(model.machines));
    for (const [bundleId, spec] of Object.entries(bundle.machines ?? {})) {
        const modelId = options.machineMap[bundleId] ?? bundleId;
        unseen.delete(modelId);
        if (!model.machines[modelId]) {
            machines[modelId] = { missing: "model" };
            continue;
        }
        const annotations = options.annotations
            ? Object.fromEntries(Object.entries(spec?.annotations ?? {}).map(([k, v]) => [k, { bundle: v, model: "" }]))
            : {};
        const series = differ(spec?.series || bundle.series || "", SERIES);
        const diff = { ...(Object.keys(annotations).length > 0 ? { annotations } : {}), ...(series ? { series } : {}) };
        if (Object.keys(diff).length > 0) machines[modelId] = diff;
    }
    for (const id of unseen) machines[id] = { missing: "bundle" };
    const key = (pair: readonly string[]) => pair.join(" ");
    const [fromBundle, fromModel] = [(bundle.relations ?? []).map(canonicalRelation), modelRelations(model).map(canonicalRelation)];
    const [inBundle, inModel] = [new Set(fromBundle.map(key)), new Set(fromModel.map(key))];
    const byEndpoints = (a: string[], b: string[]) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
    const bundleAdditions = fromBundle
        .filter((pair, i) => !inModel.has(key(pair)) && fromBundle.findIndex((p) => key(p) === key(pair)) === i)
        .sort(byEndpoints);
    const modelAdditions = fromModel.filter((pair) => !inBundle.has(key(pair))).sort(byEndpoints);
    const relations = {
        ...(bundleAdditions.length > 0 ? { "bundle-additions": bundleAdditions } : {}),
        ...(modelAdditions.length > 0 ? { "model-additions": modelAdditions } : {}),
    };
    return goYaml({
        ...(Object.keys(applications).length > 0 ? { applications } : {}),
        ...(Object.keys(machines).length > 0 ? { machines: sortedMap(machines) } : {}),
        ...(Object.keys(relations).length > 0 ? { relations } : {}),
    });
}

/**
 * `--map-machines`: `existing` and/or `<bundle-id>=<machine-id>,...`, both top-level machine ids
 * (cmd/juju/application/deploy.go parseMachineMap); an error is an Init error (exit 2).
 */
export function parseMachineMap(value: string): Record<string, string> {
    const mapping: Record<string, string> = {};
    const topLevel = (id: string) => /^\d+$/.test(id);
    for (const part of value.split(",").map((p) => p.trim())) {
        if (part === "" || part === "existing") continue;
        const ids = part.split("=");
        const fail = (why: string) => new JujuExit(`ERROR error in --map-machines: ${why}`, 2);
        if (ids.length !== 2) throw fail(`expected "existing" or "<bundle-id>=<machine-id>", got "${part}"`);
        const [bundleId, machineId] = ids.map((id) => id.trim());
        if (!topLevel(bundleId)) throw fail(`bundle-id "${bundleId}" is not a top level machine id`);
        if (!topLevel(machineId)) throw fail(`machine-id "${machineId}" is not a top level machine id`);
        mapping[bundleId] = machineId;
    }
    return mapping;
}

export const bundleCommands: Record<string, Command> = {
    "export-bundle": {
        mutating: () => false,
        run: async (args) => {
            checkFlags(args, ["--filename", "--include-charm-defaults", "--include-series"]);
            checkNoMoreArgs(args.positional);
            const text = exportBundle(currentModel(args), {
                includeCharmDefaults: flag(args, "--include-charm-defaults") === "true",
                includeSeries: flag(args, "--include-series") === "true",
            });
            const file = flag(args, "--filename");
            if (!file) return void process.stdout.write(text);
            fs.writeFileSync(file, text, { mode: 0o600 });
            out(`Bundle successfully exported to ${file}`);
        },
    },
    "diff-bundle": {
        mutating: () => false,
        run: async (args) => {
            checkFlags(args, ["--overlay", "--map-machines", "--annotations", "--channel", "--base", "--series", "--arch"]);
            if (flag(args, "--base") && flag(args, "--series"))
                throw new JujuExit("ERROR --series and --base cannot be specified together", 2);
            const [ref, ...extra] = args.positional;
            if (!ref) throw new JujuExit("ERROR no bundle specified", 2);
            // "existing is always assumed" (diffbundle.go bundleDiffDoc).
            const machineMap = parseMachineMap(flag(args, "--map-machines") ?? "");
            checkNoMoreArgs(extra);
            const overlays = (args.flags["--overlay"] ?? []).map((file) => readYaml(file, "overlay"));
            const bundle = applyOverlays(baseBundle(ref), overlays);
            process.stdout.write(
                diffBundle(bundle, currentModel(args), { machineMap, annotations: flag(args, "--annotations") === "true" }),
            );
        },
    },
};
