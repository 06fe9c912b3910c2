// Bundles the CLI into dist/ with esbuild. One bundle with code splitting keeps `render` fast:
// each command's modules sit behind a dynamic import and load only when that command runs.
// `render` and `check` also get a CommonJS bundle each, run with a V8 code cache
// (generator/cli/code-cache.ts).
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import "./generate.mjs";

const dist = new URL("../dist/", import.meta.url).pathname;
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  // No source maps: they were 6 of the 9.7 MB the package unpacked to, and node does not read them
  // unless started with --enable-source-maps. An internal error names the bundle chunk and function.
  sourcemap: false,
  packages: "bundle",
  logLevel: "warning",
  legalComments: "none",
  // Whitespace and syntax only: names stay, so an internal error's stack still names functions.
  // V8 keeps every loaded chunk's source in memory. Measured on the largest example (15
  // interleaved rounds): peak RSS 0.7-0.9 MiB lower for render and check --tree, time unchanged,
  // dist/ 2.3 MB instead of 3.1. Renaming identifiers as well gained nothing more.
  minifyWhitespace: true,
  minifySyntax: true,
};

rmSync(dist, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { bin: "generator/cli/bin.ts", index: "generator/index.ts" },
  outdir: dist,
  splitting: true,
  format: "esm",
  banner: {
    // Bundled CommonJS dependencies (handlebars, ajv) call require(); give them one.
    js: "import { createRequire as __slipwayCreateRequire } from 'node:module'; const require = __slipwayCreateRequire(import.meta.url);",
  },
});

// The hot commands' bundles (generator/cli/code-cache.ts lists the same): for each, one CommonJS
// function holding the program with that command alone (node:vm runs scripts, not modules),
// stamped with its SHA-256 so that a cache is only ever used with its bundle.
const HOT = [
  { name: "render", warmUp: (spec) => ["render", spec] },
  { name: "check", warmUp: (spec) => ["check", spec] },
];
for (const { name } of HOT) {
  const out = await build({
    ...common,
    stdin: {
      contents: `import { runProgram } from "./program.js";\nexport const main = (argv) => runProgram(argv, [{ name: ${JSON.stringify(name)}, load: () => import("./${name}.js") }]);\n`,
      resolveDir: new URL("../generator/cli", import.meta.url).pathname,
      sourcefile: `${name}-main.ts`,
      loader: "ts",
    },
    write: false,
    outfile: join(dist, `${name}.cjs`),
    format: "cjs",
    // A script run through node:vm has no loader for import(): esbuild turns every dynamic import
    // that stays outside the bundle (node's own modules) into require().
    supported: { "dynamic-import": false },
    // The one import.meta.url (templates.ts finds the package root from it).
    define: { "import.meta.url": "__slipwayUrl" },
    banner: { js: "const __slipwayUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  const body = out.outputFiles[0].text;
  if (/[^\x00-\x7f]/.test(body)) throw new Error(`${name} bundle: non-ASCII output (code-cache.ts reads it as latin1; escape it in the source)`);
  const sha = createHash("sha256").update(body).digest("hex");
  writeFileSync(join(dist, `${name}.cjs`), `(function (exports, require, module, __filename, __dirname) {/*slipway-bundle ${sha}*/${body}\n})`);
}

// The caches: V8's compiled code of every function a run of the command on an example ran, written
// at the end of that run by the CLI itself, so with the same V8 and flags as a user's run. PATH
// holds only node: no external tool runs (kubeconform would try to download its schemas).
const work = mkdtempSync(join(tmpdir(), "slipway-code-cache-"));
try {
  cpSync(new URL("../examples/mcpdeploy", import.meta.url).pathname, work, { recursive: true, filter: (src) => !/\/(rendered|bootstrap)$/.test(src) });
  for (const { name, warmUp } of HOT) {
    const run = spawnSync(process.execPath, [join(dist, "bin.js"), ...warmUp(join(work, "cluster.yaml"))], {
      env: { HOME: process.env.HOME, PATH: dirname(process.execPath), SLIPWAY_CODE_CACHE: "off", SLIPWAY_CODE_CACHE_OUT: join(dist, `${name}.cache`) },
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`${name} for the code cache exited ${run.status}:\n${run.stderr}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
