// ck-dualstack: dual-stack Charmed Kubernetes with one `pulumi up`. This file only composes;
// see components/program.ts and the README.
// First: the program's modules load transpiled once and kept (components/tsCache.js), not through
// the language host's ts-node, which transpiled every one of them on every preview and up.
import "./components/tsCache.js";
import { traceEvent } from "./components/juju/trace";
// Before the program's modules load: the bench's breakdown times their loading (off unless traced).
traceEvent("program-load-start", { uptimeMs: Math.round(process.uptime() * 1000) });
import { program } from "./components/program";
traceEvent("program-loaded");

export = program;
