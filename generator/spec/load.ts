/**
 * Reads cluster.yaml and parses it keeping source positions. Everything a user can get wrong about
 * the file itself (missing, a directory, binary, empty, YAML syntax, duplicate keys, tabs, several
 * documents) becomes a diagnostic with a position.
 */
import { readFileSync, statSync } from "node:fs";
import { LineCounter, parseDocument, type Document } from "yaml";
import { error, type Diagnostic } from "../diagnostics.js";
import { parseOptions } from "../yaml.js";
import { indentationHint, keyLineAt } from "./indentation.js";
import { earlierDuplicateKey, firstNestedAlias, nodeProblems } from "./locate.js";

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
    return fail(file, "SW-FILE-MISSING", "no such file", "Run `slipway init` to create a cluster.yaml, or pass the path of yours.");
  }
  if (stat.isDirectory()) {
    return fail(file, "SW-FILE-IS-DIRECTORY", "this is a directory, not a cluster.yaml file", `Pass the spec file itself, e.g. ${file.replace(/\/$/, "")}/cluster.yaml.`);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    return fail(file, "SW-FILE-UNREADABLE", `cannot read this file (${code})`, "Check the file's permissions, or pass the path of a readable cluster.yaml.");
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return fail(file, "SW-FILE-BINARY", `not a text file: it holds binary data (a NUL byte on line ${lineOfByte(bytes, nul)})`, "cluster.yaml must be UTF-8 YAML text; check that you passed the right file.");
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad !== undefined) {
    return fail(file, "SW-FILE-ENCODING", `not UTF-8 text: byte 0x${bytes[bad]!.toString(16)} on line ${lineOfByte(bytes, bad)} is not valid UTF-8`, "Save cluster.yaml as UTF-8 (this looks like Latin-1 or another legacy encoding).");
  }
  return parseSpecText(file, bytes.toString("utf8"));
}

/** Parses spec text; pure, so tests and `userdata` can feed text directly. */
export function parseSpecText(file: string, rawText: string): LoadResult {
  const text = rawText.startsWith("\uFEFF") ? rawText.slice(1) : rawText;
  if (text.trim() === "") {
    return fail(file, "SW-FILE-EMPTY", "the file is empty", "Start from `slipway init`, which writes a commented cluster.yaml.");
  }
  if (isOnlyComments(text)) {
    return fail(file, "SW-FILE-EMPTY", "the file holds only comments, no cluster", "Start from `slipway init`, which writes a commented cluster.yaml.");
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...parseOptions, lineCounter: lines });
  const at = (offset: number) => ({ file, ...lines.linePos(offset) });
  const diagnostics: Diagnostic[] = [...tabProblems(file, doc, lines)];
  // yaml often reports one mistake several times on the same line; the first says it best. A tab
  // is reported once (above), without the errors it causes on the lines around it.
  const tabLines = new Set(doc.errors.filter((e) => e.code === "TAB_AS_INDENT").map((e) => lines.linePos(e.pos[0]).line));
  const nearTab = (line: number) => tabLines.has(line - 1) || tabLines.has(line) || tabLines.has(line + 1);
  const seenLines = new Set<number>();
  for (const e of doc.errors) {
    if (e.code === "TAB_AS_INDENT" || nearTab(lines.linePos(e.pos[0]).line)) continue;
    const d = yamlProblem(file, text, doc, lines, e.code, e.message, e.pos[0]);
    if (seenLines.has(d.line ?? 0)) continue;
    seenLines.add(d.line ?? 0);
    diagnostics.push(d);
  }
  for (const w of doc.warnings) {
    if (w.code === "TAG_RESOLVE_FAILED") {
      const tag = /: (\S+)$/.exec(w.message)?.[1] ?? "";
      diagnostics.push(error("SW-YAML-TAG", `unknown YAML tag ${tag}`.trim(), { ...at(w.pos[0]), hint: "cluster.yaml holds plain values: remove the tag. Secrets do not go in cluster.yaml (see `slipway seal` and `slipway userdata`)." }));
      continue;
    }
    const d = yamlProblem(file, text, doc, lines, w.code, w.message, w.pos[0]);
    diagnostics.push({ ...d, severity: "warning", message: d.message.replace(/^YAML syntax error: /, "YAML: ") });
  }
  // yaml stops at the first document; a second one is most likely a pasted manifest.
  const more = /^---\s*(#.*)?$/m.exec(text.slice(doc.range[2]));
  if (doc.errors.length === 0 && more) diagnostics.push(multipleDocuments(at(doc.range[2] + more.index)));
  const loaded = (value: unknown): LoadedSpec => ({ file, text, doc, lines, value });
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics, spec: loaded(undefined) };
  for (const p of nodeProblems(doc)) {
    if (p.kind === "unresolved-alias") {
      diagnostics.push(error("SW-YAML-ALIAS", `alias *${p.name} has no anchor &${p.name} before it`, { ...at(p.offset), hint: `Define the anchor first (key: &${p.name} value), or write the value here; a value starting with * must be quoted.` }));
    } else {
      diagnostics.push(error("SW-YAML-MERGE-KEY", "merge keys (<<) are not supported", { ...at(p.offset), hint: "cluster.yaml is read as YAML 1.2, where << is an ordinary key, not a merge (and Kubernetes or Helm reading it later would merge it): write the keys out." }));
    }
  }
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics, spec: loaded(undefined) };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // yaml throws (not reports) when aliases expand past maxAliasCount: a "billion laughs" file.
    if (!(e instanceof ReferenceError)) throw e;
    diagnostics.push(error("SW-YAML-ALIAS", "aliases expand to too much data (more than 100 copies of one anchor)", { ...at(firstNestedAlias(doc) ?? 0), hint: "Write the values out, or nest fewer aliases of aliases; Slipway refuses input that expands like a YAML bomb." }));
    return { diagnostics, spec: loaded(undefined) };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    diagnostics.push(
      error("SW-YAML-NOT-A-MAP", `cluster.yaml must be a YAML mapping (apiVersion, kind, metadata, spec), not ${Array.isArray(value) ? "a list" : "a single value"}`, {
        ...at(doc.contents?.range[0] ?? 0), hint: "Start from `slipway init`, which writes a commented cluster.yaml.",
      }),
    );
    return { diagnostics, spec: loaded(undefined) };
  }
  return { diagnostics, spec: loaded(value) };
}

function multipleDocuments(where: { file: string; line: number; col: number }): Diagnostic {
  return error("SW-YAML-MULTIPLE-DOCUMENTS", "cluster.yaml must hold exactly one YAML document", {
    ...where, hint: "Remove the `---` separator and everything after it; one file describes one cluster.",
  });
}

function yamlProblem(file: string, text: string, doc: Document.Parsed, lines: LineCounter, code: string, message: string, offset: number): Diagnostic {
  const pos = lines.linePos(offset);
  const first = message.split("\n")[0] ?? message;
  // yaml appends its own "at line X, column Y" and a code frame; we print our own.
  const clean = first.replace(/ at line \d+, column \d+:?$/, "");
  if (code === "MULTIPLE_DOCS") return multipleDocuments({ file, ...pos });
  if (code === "DUPLICATE_KEY") {
    const prev = earlierDuplicateKey(doc, offset);
    const where = prev ? lines.linePos(prev.offset) : undefined;
    const key = JSON.stringify(prev?.key.length && prev.key.length > 60 ? `${prev.key.slice(0, 57)}...` : prev?.key);
    const what = prev ? `duplicate key ${key} (already on line ${where!.line})` : "duplicate key: this key already appears earlier in the same mapping";
    return error("SW-YAML-DUPLICATE-KEY", what, {
      file, line: pos.line, col: pos.col, hint: "Each key may appear once per mapping; merge the two entries.",
    });
  }
  if (/tab/i.test(message)) return tabProblem(file, pos, []);
  const quote = /^Missing closing (["'])quote/.exec(clean)?.[1];
  if (quote) {
    // yaml reports the end of the file; the mistake is where the quoted string starts.
    const open = openingQuote(text, offset, quote);
    const p = lines.linePos(open);
    return error("SW-YAML-SYNTAX", `YAML syntax error: this ${quote === '"' ? "double" : "single"} quote is never closed`, {
      file, line: p.line, col: p.col, hint: `Add the closing ${quote} at the end of the value; everything after this quote is read as one string.`,
    });
  }
  const flow = /^Flow (map|sequence) in block collection must be sufficiently indented and end with a ([}\]])/.exec(clean);
  if (flow) {
    const close = flow[2]!;
    const open = openingBracket(text, offset, close === "}" ? "{" : "[", close);
    const p = lines.linePos(open);
    return error("SW-YAML-SYNTAX", `YAML syntax error: this ${close === "}" ? "{" : "["} is never closed with ${close}`, {
      file, line: p.line, col: p.col, hint: `Close the flow ${flow[1]} with ${close} before the next key, or write it in block style.`,
    });
  }
  const deeper = code === "BLOCK_AS_IMPLICIT_KEY" || code === "MULTILINE_IMPLICIT_KEY" ? overIndentedKey(file, text, pos.line) : undefined;
  if (deeper) return deeper;
  // yaml points at the start of a badly indented line; the caret goes to its first character.
  let at = offset;
  while (text[at] === " " && at < text.length) at++;
  const p = text.slice(offset, at).includes("\n") ? pos : lines.linePos(at);
  const said =
    clean === "Sequence item without - indicator" ? "unexpected indentation (this line is read as a list item without \"- \")"
    : clean === "All mapping items must start at the same column" ? "this key is not in line with the other keys of its mapping (all mapping items must start at the same column)"
    : clean;
  // A key at the wrong column: say where it belongs when the schema knows (indentation.ts).
  const hint = (code === "BAD_INDENT" || code === "MISSING_CHAR" || code === "UNEXPECTED_TOKEN" || /indicator|indent|same column/i.test(clean) ? indentationHint(text, p.line - 1) : undefined) ?? yamlHint(code);
  return error("SW-YAML-SYNTAX", `YAML syntax error: ${said}`, { file, line: p.line, col: p.col, hint });
}

/**
 * `role: server` followed by a deeper `address: ...`: yaml reads both lines as one multi-line key
 * and reports it on the first line ("Nested mappings are not allowed in compact mappings"). The
 * mistake is the indentation of the second line: point there and say so.
 */
function overIndentedKey(file: string, text: string, line: number): Diagnostic | undefined {
  const all = text.split("\n");
  const above = keyLineAt(all, line - 1);
  let next = line;
  while (next < all.length && (all[next]!.trim() === "" || all[next]!.trim().startsWith("#"))) next++;
  const below = keyLineAt(all, next);
  if (!above || !below || below.dash !== undefined || below.col <= above.col) return undefined;
  const hint = indentationHint(text, next) ?? `Indent "${below.key}" like "${above.key}" (${above.col} spaces), or under it if it belongs to "${above.key}", whose value is then a mapping.`;
  return error("SW-YAML-SYNTAX", `YAML syntax error: "${below.key}" is indented deeper than "${above.key}" above it, which already has a value`, { file, line: next + 1, col: below.col + 1, hint });
}

/** One diagnostic for every tab used as indentation, at the first, naming the other lines. */
function tabProblems(file: string, doc: Document.Parsed, lines: LineCounter): Diagnostic[] {
  const at = [...new Set(doc.errors.filter((e) => e.code === "TAB_AS_INDENT").map((e) => lines.linePos(e.pos[0]).line))].sort((a, b) => a - b);
  return at.length === 0 ? [] : [tabProblem(file, { line: at[0]!, col: 1 }, at.slice(1))];
}

function tabProblem(file: string, pos: { line: number; col: number }, others: readonly number[]): Diagnostic {
  const also = others.length === 0 ? "" : ` (also on line${others.length === 1 ? "" : "s"} ${others.slice(0, 10).join(", ")}${others.length > 10 ? ", ..." : ""})`;
  return error("SW-YAML-TAB", `tab character used for indentation${also}`, { file, line: pos.line, col: 1, hint: "YAML indents with spaces only; replace the tabs with spaces (your editor can convert them)." });
}

/** The opening quote of a string that runs to `end`: the last unescaped `quote` before it. */
function openingQuote(text: string, end: number, quote: string): number {
  for (let i = Math.min(end, text.length) - 1; i >= 0; i--) {
    if (text[i] !== quote) continue;
    if (quote === '"') {
      let slashes = 0;
      while (text[i - 1 - slashes] === "\\") slashes++;
      if (slashes % 2 === 1) continue;
    } else if (text[i - 1] === "'") {
      i--; // '' is an escaped quote inside a single-quoted string
      continue;
    }
    return i;
  }
  return end;
}

/** The unmatched opening bracket before `end` (quotes ignored; a heuristic for the message only). */
function openingBracket(text: string, end: number, open: string, close: string): number {
  let depth = 0;
  for (let i = Math.min(end, text.length) - 1; i >= 0; i--) {
    if (text[i] === close) depth++;
    else if (text[i] === open) {
      if (depth === 0) return i;
      depth--;
    }
  }
  return end;
}

function yamlHint(code: string): string {
  switch (code) {
    case "BAD_INDENT":
    case "MISSING_CHAR":
      return "Check the indentation of this line against its parent; a value containing ': ' or '#' needs quotes.";
    case "BLOCK_AS_IMPLICIT_KEY":
    case "MULTILINE_IMPLICIT_KEY":
      return "Check the indentation of this line and the next: a key indented deeper than the one above it is read as part of it. A value that contains ': ' needs quotes.";
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

/** Index of the first byte that is not valid UTF-8, if any (the index only feeds the message). */
function firstInvalidUtf8(bytes: Buffer): number | undefined {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return undefined;
  } catch {
    // Find the byte with a plain scan of sequence lengths (overlong forms fall back to byte 0).
    for (let i = 0; i < bytes.length; ) {
      const c = bytes[i]!;
      const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
      if (n < 0) return i;
      for (let k = 1; k <= n; k++) if (i + k >= bytes.length || (bytes[i + k]! & 0xc0) !== 0x80) return i;
      i += n + 1;
    }
    return 0;
  }
}

function lineOfByte(bytes: Buffer, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (bytes[i] === 10) line++;
  return line;
}
