/**
 * The V8 settings the CLI starts with (generator/cli/v8-tuning.ts): flags this V8 knows, set only on
 * the V8 major they were measured on, and never a word on standard error.
 */
import { spawnSync } from "node:child_process";
import { expect, it } from "vitest";
import { tuneV8, V8_TUNING } from "../generator/cli/v8-tuning.js";
import { slipway } from "./support/cli.js";

it("sets no flag on a V8 it was not measured on", () => {
  expect(tuneV8("99.1.0")).toEqual([]);
  expect(tuneV8("")).toEqual([]);
});

it("every flag of the running V8's entry is one V8 accepts (node refuses an unknown one)", () => {
  const flags = V8_TUNING[process.versions.v8.split(".")[0]!] ?? [];
  const r = spawnSync(process.execPath, [...flags, "-e", "0"], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
});

it("the CLI prints nothing about them", () => {
  expect(slipway(["--version"]).stderr).toBe("");
});
