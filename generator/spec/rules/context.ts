/** What a semantic rule sees: the spec with defaults, and a way to point at a place in the file. */
import { error, formatPath, type Diagnostic } from "../../diagnostics.js";
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
}

export type Rule = (ctx: RuleContext) => Diagnostic[];

export function ruleContext(spec: ClusterSpec, loaded: LoadedSpec): RuleContext {
  return {
    spec,
    raw: loaded.value,
    problem(code, segments, message, hint, opts = {}) {
      const pos = locate(loaded, segments, opts);
      return error(code, message, { file: loaded.file, line: pos.line, col: pos.col, path: formatPath(segments), hint });
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
