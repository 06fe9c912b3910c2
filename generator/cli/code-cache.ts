/**
 * `render` and `check` run from CommonJS bundles of only what each needs (dist/<name>.cjs),
 * compiled with a V8 code cache made at build time (dist/<name>.cache): V8 then skips parsing and
 * compiling the bundle's functions, which was a third of a render's time after Node's own start.
 * Node 20 has no code cache for ES modules (module.enableCompileCache is Node 22), hence a script
 * run through node:vm. Measured on the largest example (15 interleaved rounds, 2 cores): render
 * 160 ms instead of 201 without its cache, check --tree 164 instead of 206 (node -e 0: 54 ms); peak
 * RSS of render 53.7 MiB (54.2 from the modules), of check --tree 55.5 (53.8).
 *
 * V8 checks a cache against its own version, its flags and the source's length, not the source's
 * content, so the build stamps both files with the bundle's SHA-256 and a cache is used only with
 * the bundle it was made from. V8 rejects one made by another Node (or with other flags); the
 * bundle then compiles as any script does. `SLIPWAY_CODE_CACHE=off` runs without the cache and
 * `=report` says on standard error what became of it.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

/** The commands with a bundle of their own (scripts/build.mjs builds the same list). */
export const HOT_COMMANDS: readonly string[] = ["render", "check"];

/** The first line of a hot bundle: the wrapper function, then `/*slipway-bundle <sha256>*\/`. */
export const BUNDLE_STAMP = /\/\*slipway-bundle ([0-9a-f]{64})\*\//;
/** A cache file starts with this line, naming the bundle it was made from. */
export const CACHE_HEADER = (sha: string): string => `slipway-code-cache ${sha}\n`;
/** Set (to a path) by the build only: write the cache of this run's bundle there at exit. */
export const CACHE_OUT_ENV = "SLIPWAY_CODE_CACHE_OUT";

type Main = (argv: readonly string[]) => Promise<number>;

/** What happened to the cache, for `SLIPWAY_CODE_CACHE=report` and the tests. */
export type CacheOutcome = "accepted" | "rejected by V8" | "made for another bundle" | "absent" | "off";

/**
 * The `main` of the hot bundle `name` beside this module (dist/), or undefined when there is none
 * (sources run by the tests, a bundle not built).
 */
export function loadHotBundle(name: string, dir = dirname(fileURLToPath(import.meta.url))): Main | undefined {
  const file = join(dir, `${name}.cjs`);
  let source: string;
  try {
    // esbuild writes ASCII only (non-ASCII is escaped), so latin1 makes the one-byte string V8
    // keeps, with no UTF-8 decoding.
    source = readFileSync(file, "latin1");
  } catch {
    return undefined;
  }
  const sha = BUNDLE_STAMP.exec(source.slice(0, 200))?.[1];
  if (!sha) return undefined;
  const mode = process.env.SLIPWAY_CODE_CACHE;
  const { cachedData, outcome } = mode === "off" ? { cachedData: undefined, outcome: "off" as const } : readCache(join(dir, `${name}.cache`), sha);
  const script = new Script(source, { filename: file, cachedData });
  const final: CacheOutcome = cachedData && script.cachedDataRejected ? "rejected by V8" : outcome;
  if (mode === "report") process.stderr.write(`slipway: code cache ${final} (${name}.cache)\n`);
  const out = process.env[CACHE_OUT_ENV];
  if (out) process.on("exit", () => writeCache(out, sha, script.createCachedData()));
  const module = { exports: {} as { main?: Main } };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dir);
  return module.exports.main;
}

function readCache(path: string, sha: string): { cachedData: Buffer | undefined; outcome: CacheOutcome } {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    return { cachedData: undefined, outcome: "absent" };
  }
  const header = CACHE_HEADER(sha);
  if (data.subarray(0, header.length).toString("latin1") !== header) return { cachedData: undefined, outcome: "made for another bundle" };
  return { cachedData: data.subarray(header.length), outcome: "accepted" };
}

function writeCache(path: string, sha: string, data: Buffer): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, Buffer.concat([Buffer.from(CACHE_HEADER(sha), "latin1"), data]));
  renameSync(temp, path);
}
