/** Runs the built CLI (dist/bin.js) as a user would, and temp-dir helpers. */
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BIN = join(ROOT, "dist/bin.js");
export const SHARED = resolve(ROOT, "../shared");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function slipway(args: string[], opts: SpawnSyncOptions & { env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    ...opts,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "C.UTF-8", ...opts.env },
  });
  return { code: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export function tempDir(prefix = "slipway-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Whether a command exists on PATH. */
export function hasTool(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).status === 0;
}

/** Announces a skipped check loudly (CI logs must show what was not checked). */
export function warnSkip(what: string, tool: string): void {
  console.warn(`SKIP: ${what}: ${tool} is not installed (install it to run this check)`);
}
