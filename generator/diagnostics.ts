/**
 * The one problem type. Every stage reports user mistakes as diagnostics (collected, never thrown);
 * only bugs throw. A diagnostic knows where it points so the CLI can print `file:line:col`.
 */
import { escapeYaml11Unsafe } from "./yaml11-characters.js";

export type Severity = "error" | "warning";

export interface Diagnostic {
  severity: Severity;
  /** Stable machine-readable code, e.g. `SW-SCHEMA-TYPE`, `SW-NODE-DUPLICATE-NAME`. */
  code: string;
  message: string;
  /** File the problem is in; relative to the working directory when printed. */
  file?: string;
  /** 1-based line and column. */
  line?: number;
  col?: number;
  /** Dotted spec path, e.g. `spec.nodes[1].name`. */
  path?: string;
  /** What to do about it. */
  hint?: string;
}

/** Thrown by stages for conditions that stop the run on user input (carries diagnostics). */
export class UserError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join("; "));
    this.name = "UserError";
  }
}

/** Thrown for command-line misuse (exit code 2). */
export class UsageError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function error(code: string, message: string, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { severity: "error", code, message, ...extra };
}

export function warning(code: string, message: string, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { severity: "warning", code, message, ...extra };
}

export const hasErrors = (ds: readonly Diagnostic[]): boolean => ds.some((d) => d.severity === "error");

/** Sorted by file, position, then code, so output is stable whatever order rules ran in. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      cmp(a.file ?? "", b.file ?? "") ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.col ?? 0) - (b.col ?? 0) ||
      cmp(a.code, b.code) ||
      cmp(a.path ?? "", b.path ?? "") ||
      cmp(a.message, b.message),
  );
}

/** Locale-independent string order (never `localeCompare`: output must not depend on LANG). */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `spec.nodes[1].name` from path segments. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s)) out += out ? `.${s}` : s;
    // JSON escapes C0 controls; C1 controls and U+2028/U+2029 would break the line as well.
    else out += `[${escapeYaml11Unsafe(JSON.stringify(s))}]`;
  }
  return out;
}
