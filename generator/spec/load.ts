/**
 * Reads cluster.yaml and parses it keeping source positions. Everything a user can get wrong about
 * the file itself (missing, a directory, binary, empty, YAML syntax, duplicate keys, tabs, several
 * documents) becomes a diagnostic with a position.
 */
import { readFileSync, statSync } from "node:fs";
import { LineCounter, parseDocument, type Document } from "yaml";
import { error, type Diagnostic } from "../diagnostics.js";
import { parseOptions } from "../yaml.js";

export interface LoadedSpec {
  file: string;
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** Plain JS value of the document (undefined when the file could not be parsed). */
  value: unknown;
}

export interface LoadResult {
  spec?: LoadedSpec;
  diagnostics: Diagnostic[];
}

/** Reads and parses a spec file from disk (the only I/O of the spec stage). */
export function loadSpecFile(file: string): LoadResult {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return fail(file, "SW-FILE-MISSING", `no such file: ${file}`, "Run `slipway init` to create a cluster.yaml, or pass the path of yours.");
  }
  if (stat.isDirectory()) {
    return fail(file, "SW-FILE-IS-DIRECTORY", `${file} is a directory, not a cluster.yaml`, `Pass the spec file itself, e.g. ${file.replace(/\/$/, "")}/cluster.yaml.`);
  }
  const bytes = readFileSync(file);
  if (bytes.includes(0) || !isUtf8(bytes)) {
    return fail(file, "SW-FILE-BINARY", `${file} is not a text file (it holds binary data)`, "cluster.yaml must be UTF-8 YAML text.");
  }
  return parseSpecText(file, bytes.toString("utf8"));
}

/** Parses spec text; pure, so tests and `userdata` can feed text directly. */
export function parseSpecText(file: string, rawText: string): LoadResult {
  const text = rawText.startsWith("\uFEFF") ? rawText.slice(1) : rawText;
  if (text.trim() === "" || isOnlyComments(text)) {
    return fail(file, "SW-FILE-EMPTY", `${file} is empty`, "Start from `slipway init`, which writes a commented cluster.yaml.");
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...parseOptions, lineCounter: lines });
  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) diagnostics.push(yamlProblem(file, lines, e.code, e.message, e.pos[0]));
  for (const w of doc.warnings) {
    const d = yamlProblem(file, lines, w.code, w.message, w.pos[0]);
    diagnostics.push({ ...d, severity: "warning" });
  }
  // yaml stops at the first document; a second one is most likely a pasted manifest.
  const more = /^---\s*(#.*)?$/m.exec(text.slice(doc.range[2]));
  if (doc.errors.length === 0 && more) {
    const offset = doc.range[2] + more.index;
    const pos = lines.linePos(offset);
    diagnostics.push(
      error("SW-YAML-MULTIPLE-DOCUMENTS", "cluster.yaml must hold exactly one YAML document", {
        file, line: pos.line, col: pos.col, hint: "Remove the `---` separator and everything after it; one file describes one cluster.",
      }),
    );
  }
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics, spec: { file, text, doc, lines, value: undefined } };
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    diagnostics.push(
      error("SW-YAML-NOT-A-MAP", "cluster.yaml must be a YAML mapping (apiVersion, kind, metadata, spec)", {
        file, line: 1, col: 1, hint: "Start from `slipway init`, which writes a commented cluster.yaml.",
      }),
    );
    return { diagnostics };
  }
  return { diagnostics, spec: { file, text, doc, lines, value } };
}

function yamlProblem(file: string, lines: LineCounter, code: string, message: string, offset: number): Diagnostic {
  const pos = lines.linePos(offset);
  const first = message.split("\n")[0] ?? message;
  // yaml appends its own "at line X, column Y" and a code frame; we print our own.
  const clean = first.replace(/ at line \d+, column \d+:?$/, "");
  if (code === "DUPLICATE_KEY") {
    return error("SW-YAML-DUPLICATE-KEY", clean.replace(/^Map keys must be unique$/, "duplicate key: this key already appears earlier in the same mapping"), {
      file, line: pos.line, col: pos.col, hint: "Each key may appear once per mapping; merge the two entries.",
    });
  }
  if (/tab/i.test(message)) {
    return error("SW-YAML-TAB", "tab character used for indentation", { file, line: pos.line, col: pos.col, hint: "YAML indents with spaces only; replace the tab with spaces." });
  }
  return error("SW-YAML-SYNTAX", `YAML syntax error: ${clean}`, { file, line: pos.line, col: pos.col, hint: yamlHint(code) });
}

function yamlHint(code: string): string {
  switch (code) {
    case "BAD_INDENT":
    case "MISSING_CHAR":
      return "Check the indentation of this line against its parent; a value containing ': ' or '#' needs quotes.";
    case "BLOCK_AS_IMPLICIT_KEY":
    case "MULTILINE_IMPLICIT_KEY":
      return "A key must fit on one line; quote values that contain ': '.";
    case "UNEXPECTED_TOKEN":
      return "Quote values that start with a YAML indicator (@, `, %, *, &, !, |, >).";
    default:
      return "Fix the YAML syntax at this position; quote values that contain special characters.";
  }
}

function fail(file: string, code: string, message: string, hint: string): LoadResult {
  return { diagnostics: [error(code, message, { file, hint })] };
}

function isOnlyComments(text: string): boolean {
  return text.split("\n").every((l) => l.trim() === "" || l.trim().startsWith("#"));
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
