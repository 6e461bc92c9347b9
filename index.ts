// ck-dualstack: dual-stack Charmed Kubernetes with one `pulumi up`. This file only composes;
// see components/program.ts and the README.
import { traceEvent } from "./components/juju/trace";
// Before the program's modules load: the bench's breakdown times their loading (off unless traced).
traceEvent("program-load-start", { uptimeMs: Math.round(process.uptime() * 1000) });
import { program } from "./components/program";

export = program;
