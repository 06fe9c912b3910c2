#!/usr/bin/env node
// First: V8 settings for a short run (v8-tuning.ts), before the modules below are evaluated.
import "./v8-start.js";
import { main } from "./program.js";

// `slipway diff | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await main(process.argv);
