// ck-dualstack: dual-stack Charmed Kubernetes with one `pulumi up`. This file only composes;
// see components/program.ts and the README.
import { program } from "./components/program";

export = program;
