// Bundles the CLI into dist/ with esbuild. One bundle with code splitting keeps `render` fast:
// each command's modules sit behind a dynamic import and load only when that command runs.
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
  banner: {
    // Bundled CommonJS dependencies (handlebars, ajv) call require(); give them one.
    js: "import { createRequire as __slipwayCreateRequire } from 'node:module'; const require = __slipwayCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
  legalComments: "none",
});
