/** The CLI's access to the process: output streams and the spec path default. */
import { resolve } from "node:path";
import { UsageError, type Diagnostic } from "../diagnostics.js";
import { diagnosticsJson, formatDiagnostic, summary } from "./print.js";

export const out = (s: string): void => void process.stdout.write(s.endsWith("\n") ? s : `${s}\n`);
export const err = (s: string): void => void process.stderr.write(s.endsWith("\n") ? s : `${s}\n`);

export function specPath(arg: string | undefined): string {
  return resolve(arg ?? "cluster.yaml");
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
