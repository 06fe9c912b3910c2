import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "generator/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests spawn the built CLI and real tools; two cores, so keep forks modest.
    pool: "forks",
    // Regenerates the schema validator and precompiled templates from their sources first.
    globalSetup: ["scripts/generate.mjs"],
  },
});
