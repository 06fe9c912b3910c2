import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "generator/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests spawn the built CLI and real tools; two cores, so keep forks modest. Two workers, not
    // vitest's default of one fewer than the cores (one here, so every file ran after the other):
    // much of a file's time is a child process or a network-namespace test waiting, and the whole
    // suite took 1m55s instead of 3m35s on the 2-core machine (interleaved with other work).
    pool: "forks",
    maxWorkers: 2,
    // Regenerates the schema validator and precompiled templates from their sources first.
    globalSetup: ["scripts/generate.mjs"],
  },
});
