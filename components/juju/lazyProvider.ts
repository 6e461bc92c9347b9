import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";

/** The project folder as this process sees it; never serialized (see dynamicProvider). */
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** Inputs that carry no Juju meaning but were stored machine-specific by earlier versions. */
const MIGRATED_KEYS = ["__provider", "jujuPath"] as const;

/**
 * A dynamic provider that loads its implementation (`exportName` from `modulePath`, relative to
 * the project folder) inside the provider process.
 *
 * Pulumi serializes this object's functions into the resource's state (`__provider`), and read
 * and delete run the serialized copy stored in state, so they capture only the relative path and
 * the export name: nothing that depends on where the checkout lives. The project folder is found
 * when the provider loads: the engine starts the dynamic provider plugin in the program's folder
 * (plugin.Context.Pwd, the folder of Pulumi.yaml; checked end to end by moving a checkout), and the
 * search walks up from there to the folder that holds the module.
 *
 * Stacks written by earlier versions stored absolute paths (`__provider`, `jujuPath`). Their diff
 * says "update" when only those differ, and the update rewrites them without running Juju, so a
 * no-op `up` migrates a stack in place. A stored provider that names its module relatively is kept
 * when only its code differs (a new version of this function): it loads the current modules all the
 * same, and an update of every dynamic resource would leave the Model's outputs unknown in a
 * preview, so that every Machine would preview as replaced.
 */
export function lazyProvider(modulePath: string, exportName: string): pulumi.dynamic.ResourceProvider {
    /** The project folder, found once per process (with the loader of the project's .ts modules). */
    const projectRoot = (): string => {
        const marker = "__ckDualstackProjectRoot";
        const globals = globalThis as Record<string, unknown>;
        // require, not import: these functions run serialized in the provider process.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fs = require("fs") as typeof import("fs");
        let root = globals[marker] as string | undefined;
        if (root === undefined) {
            const started = Date.now();
            for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
                if (fs.existsSync(path.join(dir, modulePath)) && fs.existsSync(path.join(dir, "Pulumi.yaml"))) {
                    root = dir;
                    break;
                }
                if (path.dirname(dir) === dir)
                    throw new Error(
                        `ck-dualstack: cannot find ${modulePath} from ${process.cwd()} or above; run pulumi in the project folder`,
                    );
            }
            // Relative paths (a jujuPath like simulator/juju) mean the project folder from here on.
            process.chdir(root);
            // The project's TypeScript, transpiled once and kept (components/tsCache.js).
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            if (modulePath.endsWith(".ts")) require(path.join(root, "components", "tsCache.js"));
            globals[marker] = root;
            if (process.env.CK_DUALSTACK_TRACE) {
                // The process's start-up (Node.js, the dynamic provider host) and finding the project.
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                require(path.join(root, "components", "juju", "trace")).traceEvent("provider-start", {
                    uptimeMs: Math.round(process.uptime() * 1000),
                    registerMs: Date.now() - started,
                });
            }
        }
        return root;
    };
    /**
     * Loads the implementation and runs one of its methods; when the bench traces the run, the
     * method's duration and its Juju calls are recorded (components/juju/trace.ts).
     */
    const traced = <T>(method: string, run: (provider: pulumi.dynamic.ResourceProvider) => Promise<T>): Promise<T> => {
        const root = projectRoot();
        const work = async () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const Provider = require(path.join(root, modulePath))[exportName];
            return run(new Provider());
        };
        if (!process.env.CK_DUALSTACK_TRACE) return work();
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(path.join(root, "components", "juju", "trace")).tracedMethod(exportName, method, work);
    };
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
 * resource's `__provider`), so a provider keeps its file and class name.
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

const providersMade = new Map<ProviderKind, pulumi.dynamic.ResourceProvider>();

/**
 * The provider of a kind of resource, by its file relative to the project folder (see lazyProvider):
 * one object per kind, because @pulumi/pulumi serializes a provider once per object (dynamic/index.ts
 * serializeProvider, a cache keyed by the object) and each serialization took tens of milliseconds
 * of the program's time, once per Machine before (issue 23).
 */
export function dynamicProvider(kind: ProviderKind): pulumi.dynamic.ResourceProvider {
    let provider = providersMade.get(kind);
    if (!provider) {
        provider = lazyProvider(path.relative(PROJECT_ROOT, PROVIDERS[kind].file), PROVIDERS[kind].exportName);
        providersMade.set(kind, provider);
    }
    return provider;
}

/** The registry, for the test that loads each provider as the provider process does. */
export const PROVIDER_FILES: Readonly<Record<ProviderKind, { readonly file: string; readonly exportName: string }>> = PROVIDERS;
