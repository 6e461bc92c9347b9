import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";

/** The project folder as this process sees it; never serialized (see providerModule). */
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
 * no-op `up` migrates a stack in place.
 */
export function lazyProvider(modulePath: string, exportName: string): pulumi.dynamic.ResourceProvider {
    const load = (): pulumi.dynamic.ResourceProvider => {
        const marker = "__ckDualstackProjectRoot";
        const globals = globalThis as Record<string, unknown>;
        // require, not import: these functions run serialized in the provider process.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fs = require("fs") as typeof import("fs");
        let root = globals[marker] as string | undefined;
        if (root === undefined) {
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
            if (modulePath.endsWith(".ts")) {
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                require(path.join(root, "node_modules", "ts-node")).register({
                    transpileOnly: true,
                    project: path.join(root, "tsconfig.json"),
                });
            }
            globals[marker] = root;
        }
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const Provider = require(path.join(root, modulePath))[exportName];
        return new Provider();
    };
    /** Migrated keys whose stored value differs from the new input. */
    const stale = (olds: Record<string, unknown>, news: Record<string, unknown>): string[] =>
        MIGRATED_KEYS.filter((key) => key in news && JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
    const realDiff = async (
        provider: pulumi.dynamic.ResourceProvider,
        id: string,
        olds: Record<string, unknown>,
        news: Record<string, unknown>,
    ): Promise<pulumi.dynamic.DiffResult> => (provider.diff ? provider.diff(id, olds, news) : {});
    return {
        check: async (olds, news) => {
            const provider = load();
            return provider.check ? provider.check(olds, news) : { inputs: news };
        },
        create: async (inputs) => load().create(inputs),
        read: async (id, props) => {
            const provider = load();
            return provider.read ? provider.read(id, props) : { id, props };
        },
        diff: async (id, olds, news) => {
            const result = await realDiff(load(), id, olds, news);
            // An update that only rewrites the stored paths (see update).
            if (!result.changes && stale(olds, news).length > 0) return { ...result, changes: true };
            return result;
        },
        update: async (id, olds, news) => {
            const provider = load();
            if (!(await realDiff(provider, id, olds, news)).changes) {
                // Nothing Juju knows about changed: keep the outputs, take the new paths (the
                // dynamic provider host stores the new __provider with them). No juju call.
                const outs: Record<string, unknown> = { ...olds };
                for (const key of stale(olds, news)) if (key !== "__provider") outs[key] = news[key];
                return { outs };
            }
            return provider.update ? provider.update(id, olds, news) : { outs: news };
        },
        delete: async (id, props) => {
            const provider = load();
            if (provider.delete) await provider.delete(id, props);
        },
    };
}

/**
 * The file of a provider module (`providers/<name>.ts` beside this file, or its compiled .js; a name
 * may lead elsewhere, e.g. `../../workload/providers/addresses`), relative to the project folder.
 */
export function providerModule(name: string): string {
    const ts = path.join(__dirname, "providers", `${name}.ts`);
    return path.relative(PROJECT_ROOT, __filename.endsWith(".ts") ? ts : ts.replace(/\.ts$/, ".js"));
}
