import * as pulumi from "@pulumi/pulumi";
import { ProviderKind, storedProvider } from "./lazyProvider";

/**
 * A resource of one of the program's dynamic providers. Registered as `pulumi.dynamic.Resource`
 * registers one (@pulumi/pulumi dynamic/index.ts: the type `pulumi-nodejs:dynamic/<module>:<type>`,
 * which the engine hands to the Node.js dynamic provider host, and the provider in the reserved
 * `__provider` input), so URNs and stored states stay as they were; only the stored provider is
 * this project's short loader (lazyProvider.ts providerLoader) instead of a serialized closure.
 * Every state names the files that loader loads: providerLoader says which must keep their names.
 */
export abstract class DynamicResource extends pulumi.CustomResource {
    protected constructor(
        kind: ProviderKind,
        module: string,
        type: string,
        name: string,
        props: pulumi.Inputs,
        opts?: pulumi.CustomResourceOptions,
    ) {
        super(`pulumi-nodejs:dynamic/${module}:${type}`, name, { ...props, __provider: storedProvider(kind) }, opts);
    }
}
