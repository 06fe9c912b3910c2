// Bundles the CLI into dist/ with esbuild. One bundle with code splitting keeps `render` fast:
// heavy modules (kubernetes-models validators, @kubernetes/client-node, crypto) sit behind dynamic
// imports and load only in the commands that need them.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import "./generate.mjs";

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { bin: "generator/cli/bin.ts", index: "generator/index.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  packages: "bundle",
  external: ["@kubernetes/client-node"],
  banner: {
    // Bundled CommonJS dependencies (handlebars, ajv) call require(); give them one.
    js: "import { createRequire as __slipwayCreateRequire } from 'node:module'; const require = __slipwayCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
  legalComments: "none",
});
