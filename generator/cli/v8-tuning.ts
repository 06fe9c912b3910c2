/**
 * V8 settings for a short-lived CLI process, applied by `bin` before anything else loads (the
 * library entry leaves its host's engine alone).
 *
 * A typical command runs for a few hundred milliseconds, mostly in code that runs once (yaml's
 * parser and stringifier, the validators, the templates). With V8's defaults the optimizing compiler
 * starts on functions that are warm, not hot, and its compiles take the second core and about 9 MiB
 * that a short run never earns back. Measured on the largest example and on a 100-node spec
 * (interleaved runs against the defaults, 2 cores):
 *
 * - `--interrupt-budget` 16x the default (V8 11.3: 66 KiB of bytecode): only functions that are really
 *   hot get optimized, so a long run still is. Small spec: CPU 0.75x; 100 nodes: CPU 0.80x, wall
 *   unchanged.
 * - `--optimize-for-size`: the heap grows in smaller steps. Together with the budget: small spec
 *   peak RSS 59 MiB instead of 68, CPU 0.73x; 100 nodes 88 MiB instead of 106, CPU 0.91x.
 * - `--no-opt` was measured too: as light on small specs, but 1.2x the wall time at 100 nodes.
 *
 * Flags are V8-version specific and V8 prints an error for one it does not know, so they are set only
 * on the V8 they were measured on (Node 20's 11.x); elsewhere V8 runs with its defaults.
 */
import { setFlagsFromString } from "node:v8";

/** The flags, for the V8 major versions they were measured on. */
export const V8_TUNING: Readonly<Record<string, readonly string[]>> = {
  "11": ["--interrupt-budget=1081344", "--optimize-for-size"],
};

export function tuneV8(v8Version: string = process.versions.v8): readonly string[] {
  const flags = V8_TUNING[v8Version.split(".")[0] ?? ""] ?? [];
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}

tuneV8();
