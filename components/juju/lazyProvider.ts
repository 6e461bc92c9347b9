import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";

/** Absolute paths, captured as plain strings: nothing else crosses into the provider process. */
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/**
 * A dynamic provider that loads its implementation (`exportName` from `modulePath`) inside the
 * provider process. Pulumi serializes this object's functions into another process, so they
 * capture only strings, register ts-node there once, and require the real module by path.
 */
export function lazyProvider(modulePath: string, exportName: string): pulumi.dynamic.ResourceProvider {
    const root = PROJECT_ROOT;
    const load = (): pulumi.dynamic.ResourceProvider => {
        const marker = "__ckDualstackTsNode";
        const globals = globalThis as Record<string, unknown>;
        // require, not import: these functions run serialized in the provider process.
        if (!globals[marker] && modulePath.endsWith(".ts")) {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            require(path.join(root, "node_modules", "ts-node")).register({
                transpileOnly: true,
                project: path.join(root, "tsconfig.json"),
            });
            globals[marker] = true;
        }
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const Provider = require(modulePath)[exportName];
        return new Provider();
    };
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
            const provider = load();
            return provider.diff ? provider.diff(id, olds, news) : {};
        },
        update: async (id, olds, news) => {
            const provider = load();
            return provider.update ? provider.update(id, olds, news) : { outs: news };
        },
        delete: async (id, props) => {
            const provider = load();
            if (provider.delete) await provider.delete(id, props);
        },
    };
}

/** The file of a provider module beside this one (`providers/<name>.ts` or its compiled .js). */
export function providerModule(name: string): string {
    const ts = path.join(__dirname, "providers", `${name}.ts`);
    return __filename.endsWith(".ts") ? ts : ts.replace(/\.ts$/, ".js");
}
