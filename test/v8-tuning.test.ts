/**
 * The V8 settings the CLI starts with (generator/cli/v8-tuning.ts): flags this V8 knows, set only on
 * the V8 major they were measured on, the long-run flags only for a large spec, and never a word on
 * standard error.
 */
import { spawnSync } from "node:child_process";
import { expect, it, vi } from "vitest";
import { expectLongRun, LONG_RUN_SPEC_BYTES, tuneV8, V8_TUNING } from "../generator/cli/v8-tuning.js";
import { slipway, tempDir } from "./support/cli.js";
import { scaleSpec, writeScaleSpec } from "../scripts/scale-spec.mjs";

it("sets no flag on a V8 it was not measured on, and then none for a long run either", () => {
  expect(tuneV8("99.1.0")).toEqual([]);
  expect(tuneV8("")).toEqual([]);
  expect(expectLongRun(10 * LONG_RUN_SPEC_BYTES)).toEqual([]);
});

it("a bundle's own copy of the module sees the start flags another copy set (bin sets them; render and check run from bundles)", async () => {
  const set: string[] = [];
  const record = (flag: string) => void set.push(flag);
  const major = Object.keys(V8_TUNING)[0]!;
  expect(tuneV8(`${major}.0.0`, record)).toEqual(V8_TUNING[major]!.start);
  vi.resetModules();
  const other = await import("../generator/cli/v8-tuning.js");
  expect(other.expectLongRun).not.toBe(expectLongRun);
  expect(other.expectLongRun(LONG_RUN_SPEC_BYTES, record)).toEqual([]);
  expect(other.expectLongRun(2 * LONG_RUN_SPEC_BYTES, record)).toEqual(V8_TUNING[major]!.long);
  expect(set).toEqual([...V8_TUNING[major]!.start, ...V8_TUNING[major]!.long]);
  // Once: a second large input sets nothing more, from either copy.
  expect(other.expectLongRun(2 * LONG_RUN_SPEC_BYTES, record)).toEqual([]);
  expect(expectLongRun(2 * LONG_RUN_SPEC_BYTES, record)).toEqual([]);
});

it("every flag of the running V8's entry is one V8 accepts (node refuses an unknown one)", () => {
  const tuning = V8_TUNING[process.versions.v8.split(".")[0]!];
  const flags = tuning ? [...tuning.start, ...tuning.long] : [];
  const r = spawnSync(process.execPath, [...flags, "-e", "0"], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
});

it("a 50-node spec is a long run, the examples are not", () => {
  expect(scaleSpec(50).length).toBeGreaterThan(LONG_RUN_SPEC_BYTES);
  expect(scaleSpec(25).length).toBeLessThan(LONG_RUN_SPEC_BYTES);
});

it("the CLI prints nothing about them, for a short and a long run", () => {
  expect(slipway(["--version"]).stderr).toBe("");
  const dir = tempDir("slipway-v8-");
  try {
    const file = writeScaleSpec(dir.dir, 50);
    const r = slipway(["validate", file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/flag|Error/);
  } finally {
    dir.cleanup();
  }
});
