/**
 * cloud-init's schema problems as findings. cloud-init reports a problem as a path and a message
 * (`SchemaProblem` in `cloudinit/config/schema.py`): errors, and deprecations, which it prints but
 * which do not fail. The `cloud-init schema` runner reads them from the command's text and the
 * in-process gate produces them itself; both turn them into findings here, so the same problem
 * reads the same whichever way it was found.
 */
import type { Finding } from "./finding.js";
import { locate, type LocatableDoc } from "./cloud-init-locate.js";

/** The gate name on every cloud-init finding. */
export const CLOUD_INIT_GATE = "cloud-init";

/**
 * One problem as cloud-init reports it. `path` is dotted (`write_files.0.permissions`), empty for
 * the whole file, or `format-lL.cC` for a problem cloud-init located itself (missing header, YAML).
 */
export interface SchemaProblem {
  path: string;
  message: string;
}

/** Findings of one file: its errors, then its deprecations (warnings). */
export function problemFindings(
  problems: { errors: readonly SchemaProblem[]; deprecations: readonly SchemaProblem[] },
  file: string,
  doc: LocatableDoc | undefined,
  rename: (s: string) => string = (s) => s,
): Finding[] {
  return [
    ...problems.errors.map((p) => errorFinding(p, file, doc, rename)),
    ...problems.deprecations.map((p) => deprecationFinding(p, file, doc)),
  ];
}

function deprecationFinding(p: SchemaProblem, file: string, doc: LocatableDoc | undefined): Finding {
  return {
    gate: CLOUD_INIT_GATE,
    severity: "warning",
    code: "SW-CLOUD-INIT-DEPRECATED",
    message: p.path ? `${p.path}: ${rstToPlain(p.message)}` : rstToPlain(p.message),
    file,
    ...locate(doc, p.path),
    hint: "use the replacement the message names: a later cloud-init drops deprecated keys",
  };
}

function errorFinding(p: SchemaProblem, file: string, doc: LocatableDoc | undefined, rename: (s: string) => string): Finding {
  const pos = /^format-l(\d+)\.c(\d+)$/.exec(p.path);
  if (pos) {
    const header = /needs to begin with/.test(p.message);
    return {
      gate: CLOUD_INIT_GATE,
      severity: "error",
      code: header ? "SW-CLOUD-INIT-HEADER" : "SW-CLOUD-INIT-YAML",
      // PyYAML follows each sentence with 'in "<byte string>", line L, column C:' and an excerpt of
      // the line with a caret; the position is in line/col already, so keep the sentences only.
      message: rename(p.message.replace(PYYAML_MARK, "").replace(/\s*\n\s*/g, "; ").trim()),
      file,
      line: Number(pos[1]),
      col: Number(pos[2]),
      ...(header ? { hint: 'make "#cloud-config" the exact first line: without it cloud-init does not read the file as cloud-config' } : {}),
    };
  }
  const unexpected = unexpectedKey(p.message);
  return {
    gate: CLOUD_INIT_GATE,
    severity: "error",
    code: "SW-CLOUD-INIT-SCHEMA",
    message: p.path ? `${p.path}: ${rename(p.message)}` : rename(p.message),
    file,
    ...locate(doc, p.path, unexpected),
    ...hintFor(p, unexpected),
  };
}

/** str(Mark) of PyYAML (yaml/error.py): where, then the line and a caret, each indented 4. */
const PYYAML_MARK = /\n {2}in "<byte string>", (?:line \d+, column \d+|position \d+)(?::\n {4}[^\n]*\n {4} *\^)?/g;

/** cloud-init failed on the file without a schema report (`Cloud-config is not a YAML dict.`). */
export function failureFinding(message: string, file: string): Finding {
  return { gate: CLOUD_INIT_GATE, severity: "error", code: "SW-CLOUD-INIT-FAILED", message, file };
}

/**
 * A value that makes cloud-init's YAML loading raise a Python exception (`2030-13-01` unquoted is a
 * date with month 13: ValueError): `cloud-init schema` stops with a traceback, and so would cloud-init
 * reading the user-data at boot.
 */
export function crashFinding(message: string, file: string, line: number, col: number): Finding {
  return {
    gate: CLOUD_INIT_GATE,
    severity: "error",
    code: "SW-CLOUD-INIT-CRASH",
    message: `cloud-init stops with a Python exception reading this file: ${message}`,
    file,
    line,
    col,
    ...(/^cloud-init cannot read /.test(message) ? { hint: "quote the value if it is meant as a string: YAML 1.1 reads it as another type" } : {}),
  };
}

/** The first key of jsonschema's "('a', 'b' were unexpected)": the one to point at. */
function unexpectedKey(message: string): string | undefined {
  return /\('([^']+)' (?:was|were) unexpected\)/.exec(message)?.[1];
}

function hintFor(p: SchemaProblem, unexpected: string | undefined): { hint?: string } {
  if (/^-?\d+ is not of type 'string'$/.test(p.message)) {
    return {
      hint: "quote the value: cloud-init reads YAML 1.1, where an unquoted 0644 is the octal integer 420, not a string",
    };
  }
  if (unexpected !== undefined) {
    return { hint: `'${unexpected}' is not a key of ${p.path || "the file"}: check its spelling against the cloud-init module docs` };
  }
  return {};
}

/** cloud-init writes RST (``name``); findings are plain text with Markdown-style code. */
function rstToPlain(s: string): string {
  return s.replace(/``([^`]+)``/g, "`$1`");
}
