// ck-dualstack: dual-stack Charmed Kubernetes with one `pulumi up`. This file only composes;
// see components/program.ts and the README.
// First: the program's modules load transpiled once and kept (components/tsCache.js), not through
// the language host's ts-node, which transpiled every one of them on every preview and up.
import "./components/tsCache.js";
import { validatedConfig } from "./components/config/validated";
import { startProviderHost } from "./components/juju/providerHost";
import { traceEvent } from "./components/juju/trace";

/**
 * The config is validated first (a refused stack asks the engine for nothing); then the engine
 * starts the dynamic provider host while the program's modules load and it runs (providerHost.ts).
 */
export = async (): Promise<Record<string, unknown>> => {
    const valid = validatedConfig();
    await startProviderHost();
    // The bench's breakdown times the loading of the program's modules (off unless traced).
    traceEvent("program-load-start", { uptimeMs: Math.round(process.uptime() * 1000) });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { program } = require("./components/program") as typeof import("./components/program");
    traceEvent("program-loaded");
    return program(valid);
};
