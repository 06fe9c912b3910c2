#!/usr/bin/env node
// First: V8 settings for a short run (v8-tuning.ts), before the modules below are evaluated.
import "./v8-start.js";
import { HOT_COMMANDS, loadHotBundle } from "./code-cache.js";

// `slipway diff | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

// `render` and `check`, the commands of every pull request, run from their own code-cached bundles
// (code-cache.ts); every other command, and these where their bundle is missing, from the modules.
const hot = process.argv[2];
const main = (hot !== undefined && HOT_COMMANDS.includes(hot) ? loadHotBundle(hot) : undefined) ?? (await import("./all-commands.js")).main;
process.exitCode = await main(process.argv);
