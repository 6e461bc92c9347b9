// Starts the simulator: transpiles its TypeScript once into a cache keyed by the sources'
// content, so each juju call costs one plain node start rather than a compiler run.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const sources = ["simulator/main.ts", "simulator/state.ts", "simulator/cluster.ts", "simulator/bundle.ts"];
const hash = crypto.createHash("sha256");
for (const file of sources) hash.update(fs.readFileSync(path.join(root, file)));
const cacheDir = path.join(root, ".sandbox", "simulator-js", hash.digest("hex").slice(0, 16));
if (!fs.existsSync(path.join(cacheDir, "main.js"))) {
    const ts = require(path.join(root, "node_modules", "typescript"));
    const tmp = `${cacheDir}.${process.pid}.tmp`;
    fs.mkdirSync(tmp, { recursive: true });
    for (const file of sources) {
        const out = ts.transpileModule(fs.readFileSync(path.join(root, file), "utf8"), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        });
        fs.writeFileSync(path.join(tmp, path.basename(file).replace(/\.ts$/, ".js")), out.outputText);
    }
    try {
        fs.renameSync(tmp, cacheDir);
    } catch {
        fs.rmSync(tmp, { recursive: true, force: true }); // another call won the race
    }
}
module.paths.unshift(path.join(root, "node_modules"));
process.env.NODE_PATH = path.join(root, "node_modules");
require("module").Module._initPaths();
require(path.join(cacheDir, "main.js"))
    .main(process.argv.slice(2))
    .then(
        (code) => process.exit(code),
        (error) => {
            process.stderr.write(`ERROR simulator failure: ${error && error.stack ? error.stack : error}\n`);
            process.exit(1);
        },
    );
