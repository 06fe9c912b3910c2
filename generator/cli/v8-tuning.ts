/**
 * V8 settings for a short-lived CLI process, applied by `bin` before anything else loads (the
 * library entry leaves its host's engine alone).
 *
 * A typical command runs for a few hundred milliseconds, mostly in code that runs once (yaml's
 * parser and stringifier, the validators, the templates). V8's optimizing compiler never earns its
 * keep there: the few functions it compiles are tiny, and its first compile alone takes about 4 MiB.
 * So a run starts without it and with a heap that grows in small steps (`--no-opt
 * --optimize-for-size`). A spec of more than {@link LONG_RUN_SPEC_BYTES} (about 50 nodes) makes a
 * run of a second or more, where hot loops (yaml's lexer) do pay for optimizing: the command turns
 * the compiler back on for really hot code only (16x the default interrupt budget) and lets the heap
 * grow as usual.
 *
 * Measured (interleaved runs, 2 cores, a loaded machine), against V8's defaults: the largest example
 * render CPU 0.74x, wall 0.77x, peak RSS 57 MiB instead of 70 (check: 64 instead of 77). At 100
 * nodes, the long-run flags against the defaults: about 0.85x wall and CPU (the heap in small steps
 * as well: 0.9x, 88 MiB instead of 106; without the optimizing compiler the wall time varied from
 * 0.9x to 1.26x). V8's defaults with the heap in small steps were 1.4x: the three go together.
 *
 * The young generation stays at its first size (`--semi-space-growth-factor=1`): V8 doubles it
 * when many objects survive a scavenge, which a run that builds a tree of documents does at once,
 * and the doubled space is kept to the end. Measured on the largest example (interleaved, 2
 * cores): peak RSS of `check --tree` 56.8 MiB instead of 61.5 and of `render` 55.0 instead of
 * 56.5, with no change in time. A long run grows it as usual again.
 *
 * Flags are V8-version specific and V8 prints an error for one it does not know, so they are set only
 * on the V8 they were measured on (Node 20's 11.x); elsewhere V8 runs with its defaults.
 */
import { setFlagsFromString } from "node:v8";

interface Tuning {
  /** Set when the process starts. */
  start: readonly string[];
  /** Set by {@link expectLongRun} for a large input. */
  long: readonly string[];
}

/** The flags, for the V8 major versions they were measured on. */
export const V8_TUNING: Readonly<Record<string, Tuning>> = {
  "11": { start: ["--no-opt", "--optimize-for-size", "--semi-space-growth-factor=1"], long: ["--opt", "--interrupt-budget=1081344", "--no-optimize-for-size", "--semi-space-growth-factor=2"] },
};

/** A spec larger than this (a 50-node spec is 35 KB) makes a run where optimizing pays. */
export const LONG_RUN_SPEC_BYTES = 32 * 1024;

type SetFlag = (flag: string) => void;

// The tuning in effect is kept on the global object, not in this module: `bin` sets the start flags
// from its copy of this module, and `render` and `check` run from bundles of their own
// (code-cache.ts) holding another copy, whose expectLongRun must see them.
const ACTIVE = Symbol.for("slipway.v8-tuning.active");
const state = globalThis as { [ACTIVE]?: Tuning | undefined };

/** Sets the start flags for this V8 (none on another); returns them. */
export function tuneV8(v8Version: string = process.versions.v8, setFlag: SetFlag = setFlagsFromString): readonly string[] {
  const tuning = V8_TUNING[v8Version.split(".")[0] ?? ""];
  if (!tuning) return [];
  for (const flag of tuning.start) setFlag(flag);
  state[ACTIVE] = tuning;
  return tuning.start;
}

/** A command's input is `bytes` of spec: for a large one, the optimizing compiler comes back. Returns the flags set. */
export function expectLongRun(bytes: number, setFlag: SetFlag = setFlagsFromString): readonly string[] {
  const active = state[ACTIVE];
  if (!active || bytes <= LONG_RUN_SPEC_BYTES) return [];
  for (const flag of active.long) setFlag(flag);
  state[ACTIVE] = undefined;
  return active.long;
}
