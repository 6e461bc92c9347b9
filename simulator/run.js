// Starts the simulator: transpiles its TypeScript once into a cache keyed by the sources'
// content, so each juju call costs one plain node start rather than a compiler run.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
// Every module of the simulator, the charm data it reads, and the project's pure functions it
// shares (components/net, components/juju/sshKeys.ts); the cache mirrors their place in the project.
const sources = [
    ...["simulator", "simulator/commands", "components/net"].flatMap((dir) =>
        fs
            .readdirSync(path.join(root, dir))
            .filter((name) => name.endsWith(".ts") || name === "charms.json")
            .sort()
            .map((name) => `${dir}/${name}`),
    ),
    "components/juju/sshKeys.ts",
];
const hash = crypto.createHash("sha256");
hash.update(fs.readFileSync(path.join(__dirname, "run.js"))); // what the cache holds depends on this file too
for (const file of sources) hash.update(fs.readFileSync(path.join(root, file)));
const cacheDir = path.join(root, ".sandbox", "simulator-js", hash.digest("hex").slice(0, 16));
if (!fs.existsSync(path.join(cacheDir, "commands.json"))) {
    const ts = require(path.join(root, "node_modules", "typescript"));
    const tmp = `${cacheDir}.${process.pid}.tmp`;
    fs.mkdirSync(tmp, { recursive: true });
    for (const file of sources) {
        const target = path.join(tmp, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        if (!file.endsWith(".ts")) {
            fs.copyFileSync(path.join(root, file), target);
            continue;
        }
        const out = ts.transpileModule(fs.readFileSync(path.join(root, file), "utf8"), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        });
        fs.writeFileSync(target.replace(/\.ts$/, ".js"), out.outputText);
    }
    useProjectModules();
    // Which module answers each command, so that a call loads only that one (main.ts commandIndex).
    require(path.join(tmp, "simulator", "main.js"))
        .commandIndex()
        .then((index) => {
            fs.writeFileSync(path.join(tmp, "commands.json"), JSON.stringify(index));
            try {
                fs.renameSync(tmp, cacheDir);
            } catch {
                fs.rmSync(tmp, { recursive: true, force: true }); // another call won the race
            }
            pruneOtherVersions();
            run();
        }, fail);
} else {
    useProjectModules();
    run();
}

/**
 * Removes the copies of earlier versions of the sources (and unfinished ones), once they are an
 * hour old: a simulator process started before an edit may still load a command's module from its
 * copy meanwhile.
 */
function pruneOtherVersions() {
    const versions = path.dirname(cacheDir);
    for (const entry of fs.readdirSync(versions)) {
        const dir = path.join(versions, entry);
        if (dir === cacheDir) continue;
        // Another call may be pruning the same folders meanwhile; a transpile that died left its .tmp.
        try {
            const stat = fs.statSync(dir, { throwIfNoEntry: false });
            if (stat && Date.now() - stat.mtimeMs > 3_600_000) fs.rmSync(dir, { recursive: true, force: true });
        } catch {
            // gone already, or not ours to remove: the next call tries again
        }
    }
}

function useProjectModules() {
    module.paths.unshift(path.join(root, "node_modules"));
    process.env.NODE_PATH = path.join(root, "node_modules");
    require("module").Module._initPaths();
}

function fail(error) {
    process.stderr.write(`ERROR simulator failure: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
}

// simulator/ssh starts it as the simulated SSH client; simulator/juju as the Juju CLI.
function run() {
    const simulated = require(path.join(cacheDir, "simulator", "main.js"));
    const index = JSON.parse(fs.readFileSync(path.join(cacheDir, "commands.json"), "utf8"));
    const ssh = process.argv[2] === "--simulated-ssh";
    (ssh ? simulated.sshMain(process.argv.slice(3)) : simulated.main(process.argv.slice(2), index)).then(
        (code) => process.exit(code),
        fail,
    );
}
