import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import { traceEvent, tracedMethod } from "./trace";

/** The project folder as this process sees it; never stored (see providerLoader). */
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** This file, relative to the project folder: what a stored provider loads. */
const THIS_FILE = "components/juju/lazyProvider.ts";

/** Inputs that carry no Juju meaning but were stored machine-specific by earlier versions. */
const MIGRATED_KEYS = ["__provider", "jujuPath"] as const;

/**
 * The text stored as a dynamic resource's `__provider`. @pulumi/pulumi's provider host loads it as
 * a module and calls its `handler()` for the provider (cmd/dynamic-provider/index.js getProvider,
 * with require-from-string; check, diff, create and update take it from the new inputs, read and
 * delete from the stored outputs). It finds the project folder and calls lazyProvider there, so it
 * names nothing that depends on where the checkout lives: the engine starts the provider host in the
 * folder of the program's main (pkg/engine/project.go getPwdMain; here the folder of Pulumi.yaml;
 * plugins start there, sdk/go/common/resource/plugin/plugin.go; checked end to end by moving a
 * checkout), the folder the host finds @pulumi/pulumi from too, and the search walks up from there.
 * A few hundred bytes, where @pulumi/pulumi's serialization of a provider object's closures
 * (dynamic/index.ts serializeProvider) stored 6.7 KB twice per resource, most of the state the
 * engine writes on every change (issue 23).
 *
 * Every stack's state depends on the names it uses: this file, its `lazyProvider(modulePath,
 * exportName)` export, components/tsCache.js and each provider's file and class (PROVIDERS). A
 * relative stored provider is never rewritten (see lazyProvider), so moving or renaming any of
 * them breaks read and delete of every existing stack.
 */
export function providerLoader(modulePath: string, exportName: string): string {
    const args = [modulePath, exportName].map((arg) => JSON.stringify(arg)).join(", ");
    return [
        "exports.handler = function () {",
        '    var path = require("path"), fs = require("fs");',
        `    for (var dir = process.cwd(); ; dir = path.dirname(dir)) {`,
        `        if (fs.existsSync(path.join(dir, ${JSON.stringify(THIS_FILE)})) && fs.existsSync(path.join(dir, "Pulumi.yaml"))) {`,
        '            require(path.join(dir, "components", "tsCache.js"));',
        `            return require(path.join(dir, ${JSON.stringify(THIS_FILE)})).lazyProvider(${args});`,
        "        }",
        "        if (path.dirname(dir) === dir)",
        `            throw new Error("ck-dualstack: cannot find ${THIS_FILE} from " + process.cwd() + " or above; run pulumi in the project folder");`,
        "    }",
        "};",
        "",
    ].join("\n");
}

let started = false;
/**
 * Once per provider process, at its first provider call: relative paths (a jujuPath like
 * simulator/juju) mean the project folder from here on, and a traced run records when the process
 * started (its uptime) and this first call.
 */
function startProviderProcess(): void {
    if (started) return;
    started = true;
    process.chdir(PROJECT_ROOT);
    traceEvent("provider-start", { uptimeMs: Math.round(process.uptime() * 1000) });
}

/**
 * A dynamic provider that loads its implementation (`exportName` from `modulePath`, relative to
 * the project folder) in the provider process, when a method first runs; providerLoader's text
 * calls it there.
 *
 * Stacks written by earlier versions stored @pulumi/pulumi's serialization of an older lazyProvider
 * as `__provider`, which read and delete still run: it loads the same files (components/tsCache.js,
 * trace.ts, the provider modules). The oldest of them captured absolute paths (`__provider`,
 * `jujuPath`): their diff says "update" when only those differ, and the update rewrites them
 * without running Juju, so a no-op `up` migrates a stack in place. A stored provider that names its
 * module relatively is kept when only its text differs: it loads the current modules all the same,
 * and an update of every dynamic resource would leave the Model's outputs unknown in a preview, so
 * that every Machine would preview as replaced.
 */
export function lazyProvider(modulePath: string, exportName: string): pulumi.dynamic.ResourceProvider {
    startProviderProcess();
    /** Loads the implementation and runs one of its methods, traced when the bench asks (trace.ts). */
    const traced = <T>(method: string, run: (provider: pulumi.dynamic.ResourceProvider) => Promise<T>): Promise<T> =>
        tracedMethod(exportName, method, async () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const Provider = require(path.join(PROJECT_ROOT, modulePath))[exportName];
            return run(new Provider());
        });
    /** Migrated keys whose stored value differs from the new input. */
    const stale = (olds: Record<string, unknown>, news: Record<string, unknown>): string[] =>
        MIGRATED_KEYS.filter((key) =>
            key === "__provider"
                ? // It captured the module's absolute path: a quoted string ending in "/<modulePath>".
                  key in news && String(olds[key]).includes(`/${modulePath}"`)
                : key in news && JSON.stringify(olds[key]) !== JSON.stringify(news[key]),
        );
    const realDiff = async (
        provider: pulumi.dynamic.ResourceProvider,
        id: string,
        olds: Record<string, unknown>,
        news: Record<string, unknown>,
    ): Promise<pulumi.dynamic.DiffResult> => (provider.diff ? provider.diff(id, olds, news) : {});
    return {
        check: async (olds, news) => traced("check", async (provider) => (provider.check ? provider.check(olds, news) : { inputs: news })),
        create: async (inputs) => traced("create", (provider) => provider.create(inputs)),
        read: async (id, props) => traced("read", async (provider) => (provider.read ? provider.read(id, props) : { id, props })),
        diff: async (id, olds, news) =>
            traced("diff", async (provider) => {
                const result = await realDiff(provider, id, olds, news);
                // An update that only rewrites the stored paths (see update).
                if (!result.changes && stale(olds, news).length > 0) return { ...result, changes: true };
                return result;
            }),
        update: async (id, olds, news) =>
            traced("update", async (provider) => {
                if (!(await realDiff(provider, id, olds, news)).changes) {
                    // Nothing Juju knows about changed: keep the outputs, take the new paths (the
                    // dynamic provider host stores the new __provider with them). No juju call.
                    const outs: Record<string, unknown> = { ...olds };
                    for (const key of stale(olds, news)) if (key !== "__provider") outs[key] = news[key];
                    return { outs };
                }
                return provider.update ? provider.update(id, olds, news) : { outs: news };
            }),
        delete: async (id, props) =>
            traced("delete", async (provider) => {
                if (provider.delete) await provider.delete(id, props);
            }),
    };
}

/** The modules of the program's dynamic providers as the compiler sees them (types only: they load in the provider process). */
interface ProviderModules {
    model: typeof import("./providers/model");
    machine: typeof import("./providers/machine");
    deployment: typeof import("./providers/deployment");
    settled: typeof import("./providers/settled");
    kubeconfig: typeof import("./providers/kubeconfig");
    workloadAddresses: typeof import("../workload/providers/addresses");
    authorizedKey: typeof import("./providers/authorizedKey");
}

type ProviderClass = new () => pulumi.dynamic.ResourceProvider;

/** The names under which a module exports a provider class. */
type ProviderExport<M> = { [E in keyof M]: M[E] extends ProviderClass ? E : never }[keyof M];

/**
 * Every dynamic provider: its file (resolved, not loaded) and the class it exports, checked by the
 * compiler against the module's exports. Stored states name the same files and classes (each
 * resource's `__provider`), so a provider keeps its file and class name (see providerLoader).
 */
const PROVIDERS = {
    model: { file: require.resolve("./providers/model"), exportName: "ModelProvider" },
    machine: { file: require.resolve("./providers/machine"), exportName: "MachineProvider" },
    deployment: { file: require.resolve("./providers/deployment"), exportName: "DeploymentProvider" },
    settled: { file: require.resolve("./providers/settled"), exportName: "SettledProvider" },
    kubeconfig: { file: require.resolve("./providers/kubeconfig"), exportName: "KubeconfigProvider" },
    workloadAddresses: { file: require.resolve("../workload/providers/addresses"), exportName: "WorkloadAddressesProvider" },
    authorizedKey: { file: require.resolve("./providers/authorizedKey"), exportName: "AuthorizedKeyProvider" },
} as const satisfies { [K in keyof ProviderModules]: { file: string; exportName: ProviderExport<ProviderModules[K]> } };

export type ProviderKind = keyof typeof PROVIDERS;

/** What a provider class's `create` takes. */
type CreateInputs<C> = C extends new () => { create(inputs: infer I): unknown } ? I : never;

/** The inputs of a kind's provider, as it reads them. */
export type ProviderInputs<K extends ProviderKind> = CreateInputs<
    ProviderModules[K][(typeof PROVIDERS)[K]["exportName"] & keyof ProviderModules[K]]
>;

/**
 * A dynamic resource's arguments, derived from its provider's inputs: the same fields, each of which
 * may be an Output, every one required (inputs are optional only where states of earlier versions
 * lack them). A field on one side only does not compile.
 */
export type ResourceArgs<K extends ProviderKind> = {
    readonly [F in keyof ProviderInputs<K>]-?: pulumi.Input<Exclude<ProviderInputs<K>[F], undefined>>;
};

/** What a resource of a kind stores as its provider (providerLoader): its file relative to the project folder, and its class. */
export function storedProvider(kind: ProviderKind): string {
    return providerLoader(path.relative(PROJECT_ROOT, PROVIDERS[kind].file), PROVIDERS[kind].exportName);
}

/** The registry, for the test that loads each provider as the provider process does. */
export const PROVIDER_FILES: Readonly<Record<ProviderKind, { readonly file: string; readonly exportName: string }>> = PROVIDERS;
