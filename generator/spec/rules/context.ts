/** What a semantic rule sees: the spec with defaults, and a way to point at a place in the file. */
import { error, formatPath, type Diagnostic } from "../../diagnostics.js";
import type { BirthFacts } from "../birth-facts.js";
import type { LoadedSpec } from "../load.js";
import { locate } from "../locate.js";
import type { ClusterSpec } from "../types.js";

export type Segments = (string | number)[];

export interface RuleContext {
  spec: ClusterSpec;
  /** The user's value before defaults: tells whether a field was written. */
  raw: unknown;
  /** Error diagnostic at a spec path (`key: true` points at the key, e.g. for unknown keys). */
  problem(code: string, segments: Segments, message: string, hint: string, opts?: { key?: boolean }): Diagnostic;
  /** Whether the user wrote this path (so rules can point at what was written). */
  written(segments: Segments): boolean;
  /** What the running cluster was born with (the committed tree, or the base of `plan`), when known. */
  previous?: BirthFacts;
  /** What this spec would give new nodes (undefined when it has no server). */
  birth?: BirthFacts;
}

export type Rule = (ctx: RuleContext) => Diagnostic[];

export function ruleContext(spec: ClusterSpec, loaded: LoadedSpec, facts: { previous?: BirthFacts; birth?: BirthFacts } = {}): RuleContext {
  return {
    spec,
    raw: loaded.value,
    ...facts,
    problem(code, segments, message, hint, opts = {}) {
      const pos = locate(loaded, segments, opts);
      return error(code, printable(message), { file: loaded.file, line: pos.line, col: pos.col, path: formatPath(segments), hint: printable(hint) });
    },
    written(segments) {
      let v: unknown = loaded.value;
      for (const s of segments) {
        if (v === null || typeof v !== "object") return false;
        v = (v as Record<string | number, unknown>)[s];
      }
      return v !== undefined;
    },
  };
}

/**
 * Rules quote user values in messages; a diagnostic is printed as one line to a terminal or a CI
 * log, so control characters (a newline, an escape sequence) are escaped as in JSON, and a very
 * long quoted value is shortened.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => (c === "\n" ? "\\n" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
  // Quoted parts pair up left to right ("a" ... "b"): shorten only what is inside a pair.
  return escaped.replace(/"((?:[^"\\]|\\.)*)"/g, (whole, inner: string) => (inner.length > 60 ? `"${inner.slice(0, 57)}..."` : whole));
}
