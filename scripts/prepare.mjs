// npm runs `prepare` after `npm ci` or `npm install` in a checkout: build dist/ there (the README's
// `npm ci` and the workflows rely on it). The published package ships dist/ built and none of the
// sources, so there this does nothing (and npm does not run it for a registry install anyway).
import { existsSync } from "node:fs";

if (existsSync(new URL("../generator/cli/bin.ts", import.meta.url))) await import("./build.mjs");
