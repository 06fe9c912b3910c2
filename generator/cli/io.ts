/** The CLI's access to the process: output streams and the spec path default. */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError, type Diagnostic } from "../diagnostics.js";
import { diagnosticsJson, formatDiagnostic, summary } from "./print.js";
import { expectLongRun } from "./v8-tuning.js";

export const out = (s: string): void => void process.stdout.write(s.endsWith("\n") ? s : `${s}\n`);
export const err = (s: string): void => void process.stderr.write(s.endsWith("\n") ? s : `${s}\n`);

/** The spec a command works on. Its size tells the V8 settings whether this will be a long run (v8-tuning.ts). */
export function specPath(arg: string | undefined): string {
  const file = resolve(arg ?? "cluster.yaml");
  try {
    expectLongRun(statSync(file).size);
  } catch {
    // No such file, or not readable: the command reports it.
  }
  return file;
}

export type Format = "text" | "json";

export function parseFormat(value: string | undefined, allowed: readonly string[] = ["text", "json"]): string {
  const f = value ?? "text";
  if (!allowed.includes(f)) throw new UsageError(`unknown --format ${JSON.stringify(f)}`, `Use one of: ${allowed.join(", ")}.`);
  return f;
}

/** Prints diagnostics to stderr (text) with code frames from the spec source. */
export function reportDiagnostics(ds: readonly Diagnostic[], sources: Map<string, string>): void {
  if (ds.length === 0) return;
  const color = process.stderr.isTTY === true && !process.env.NO_COLOR;
  err(ds.map((d) => formatDiagnostic(d, { sources, color })).join("\n\n"));
  err(summary(ds));
}

export function jsonOut(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

export { diagnosticsJson };
