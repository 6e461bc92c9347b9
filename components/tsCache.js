// Loads the project's TypeScript in the processes the engine starts for every preview and up (the
// dynamic provider, the Kubernetes provider's credential helper): each file is transpiled once and
// kept, keyed by its text, the compiler options and the compiler's version, so later runs load plain
// JavaScript and never load the compiler, which alone took about half a second per process (issue 23).
// Transpile only, as the program runs (Pulumi.yaml, tsconfig.pulumi.json): `npm test` type-checks.
// The simulator keeps its own transpiled copy the same way (simulator/run.js).
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const TSCONFIG = path.join(ROOT, "tsconfig.json");
const COMPILER = path.join(ROOT, "node_modules", "typescript");
const CACHE = path.join(ROOT, "node_modules", ".cache", "ck-dualstack-ts");

/** What this loader sets over the project's compiler options. */
const OVERRIDES = { inlineSourceMap: true, sourceMap: false, declaration: false, noEmit: false };

let salt;
/** What, besides a file's text, decides its JavaScript: the compiler's version, the project's options and ours. */
function cacheSalt() {
    salt ??= [
        JSON.parse(fs.readFileSync(path.join(COMPILER, "package.json"), "utf8")).version,
        fs.readFileSync(TSCONFIG, "utf8"),
        JSON.stringify(OVERRIDES),
    ].join("\0");
    return salt;
}

let compile;
/** The compiler, loaded on the first file not in the cache. */
function compiler() {
    if (!compile) {
        const ts = require(COMPILER);
        const config = ts.parseJsonConfigFileContent(ts.readConfigFile(TSCONFIG, ts.sys.readFile).config, ts.sys, ROOT).options;
        const options = { ...config, ...OVERRIDES };
        compile = (source, fileName) => ts.transpileModule(source, { compilerOptions: options, fileName }).outputText;
    }
    return compile;
}

/** A file's JavaScript: from the cache, else transpiled and stored (a cache that cannot be written is only slower). */
function javascriptOf(fileName) {
    const source = fs.readFileSync(fileName, "utf8");
    const sha256 = (text) => crypto.createHash("sha256").update(text).digest("hex");
    // Named by the file, then by what decides its JavaScript: a file's older entries can be found.
    const fileKey = sha256(fileName).slice(0, 16);
    const cached = path.join(CACHE, `${fileKey}-${sha256(`${cacheSalt()}\0${source}`)}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch {
        // not cached yet
    }
    const output = compiler()(source, fileName);
    try {
        fs.mkdirSync(CACHE, { recursive: true });
        // Written whole, then renamed: a process reading it meanwhile never sees half a file.
        const partial = `${cached}.${process.pid}.tmp`;
        fs.writeFileSync(partial, output);
        fs.renameSync(partial, cached);
        // The file's earlier versions will not be asked for again in this checkout: one entry per file.
        for (const entry of fs.readdirSync(CACHE)) {
            if (entry.startsWith(`${fileKey}-`) && entry.endsWith(".js") && path.join(CACHE, entry) !== cached)
                fs.rmSync(path.join(CACHE, entry), { force: true });
        }
    } catch {
        // read-only checkout: transpile each time
    }
    return output;
}

// Stack traces name the TypeScript lines (the inline source maps).
process.setSourceMapsEnabled(true);
require.extensions[".ts"] = (module, fileName) => module._compile(javascriptOf(fileName), fileName);
