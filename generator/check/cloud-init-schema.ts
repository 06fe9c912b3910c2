/**
 * The cloud-init gate: runs `cloud-init schema --config-file FILE` on a rendered user-data file and
 * turns its report into findings with line numbers.
 *
 * cloud-init has no machine-readable output for this command, so the text is parsed. What it
 * prints (read from cloud-init 22.4.2, `cloudinit/config/schema.py`; the markers are the same in
 * later releases):
 *
 *     rc 0   stdout: Cloud config schema deprecations: <path>: <msg>, <path>: <msg>   (may be empty)
 *                    Valid cloud-config: FILE
 *     rc 1   stdout: Cloud config schema deprecations: ...
 *            stderr: Error:
 *                    Cloud config schema errors: <path>: <msg>, <path>: <msg>
 *                    <blank>
 *                    Cloud config schema deprecations: ...                          (repeated)
 *     rc 1   stderr: Error:\nCloud-config is not a YAML dict.    (and other one-line failures)
 *
 * A path is dotted (`write_files.0.permissions`), or `format-lL.cC` for a problem cloud-init
 * located itself (missing header, YAML syntax). Problems are joined with ", ", which messages may
 * contain too, so the list is split only where a path that exists in the file follows. cloud-init
 * gives no line for schema problems (its `--annotate` mode crashes on list paths in 22.4: KeyError
 * in `_build_errors_by_line`), so the path is looked up in the file here.
 */
import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, type Node } from "yaml";
import { UsageError } from "../diagnostics.js";
import { parseDocument, parseOptions } from "../yaml.js";
import { sortFindings, type Finding } from "./finding.js";
import { describeEnd, findExecutable, firstLines, runTool } from "./external-tool.js";

const GATE = "cloud-init";
const ERRORS_MARK = "Cloud config schema errors: ";
const DEPRECATIONS_MARK = "Cloud config schema deprecations: ";

/** Where `cloud-init` is on PATH, or null when it is not installed. */
export function findCloudInit(env: NodeJS.ProcessEnv = process.env): string | null {
  return findExecutable("cloud-init", env);
}

/** Options of {@link runCloudInitSchema}. */
export interface CloudInitSchemaOptions {
  /** The cloud-init binary. @default findCloudInit() */
  binary?: string;
  /** Kill cloud-init after this long. @default 60000 */
  timeoutMs?: number;
  /**
   * The name to report instead of `file` (in `Finding.file` and in cloud-init's messages), when the
   * checked file is a temporary copy of, say, `bootstrap/server-1.yaml`.
   * @default file
   */
  displayFile?: string;
}

/**
 * Check one cloud-config file with `cloud-init schema`. Errors (rc 1) and deprecations (warnings,
 * rc 0) become findings, located in the file where possible.
 *
 * @throws UsageError when cloud-init is not installed or cannot be started
 */
export async function runCloudInitSchema(file: string, opts: CloudInitSchemaOptions = {}): Promise<Finding[]> {
  const binary = opts.binary ?? findCloudInit();
  if (!binary) {
    throw new UsageError("cloud-init not found on PATH", "install cloud-init (22.2 or later) to check user-data");
  }
  const timeoutMs = opts.timeoutMs ?? 60_000;
  // `--config-file=FILE` in one argument: argparse would take a FILE starting with `-` for an option.
  const run = await runTool(binary, ["schema", `--config-file=${file}`], {
    timeoutMs,
    notFoundHint: "install cloud-init (22.2 or later) to check user-data",
  });
  const displayFile = opts.displayFile ?? file;
  if (run.timedOut) {
    return [
      {
        gate: GATE,
        severity: "error",
        code: "SW-CLOUD-INIT-TIMEOUT",
        message: `cloud-init schema did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`,
        file: displayFile,
      },
    ];
  }
  let source: string | undefined;
  try {
    source = readFileSync(file, "utf8");
  } catch {
    source = undefined; // cloud-init reports the unreadable file itself
  }
  return parseCloudInitSchemaOutput({
    stdout: run.stdout,
    stderr: describeEnd(run),
    rc: run.rc ?? -1,
    file,
    displayFile,
    ...(source !== undefined ? { source } : {}),
  });
}

/** Input of {@link parseCloudInitSchemaOutput}: one run of `cloud-init schema --config-file FILE`. */
export interface CloudInitSchemaRun {
  stdout: string;
  stderr: string;
  rc: number;
  /** The file name cloud-init was given (it appears in some messages). */
  file: string;
  /** The name to report instead. @default file */
  displayFile?: string;
  /** The file's text, to find the line of each problem path; without it findings have no line. */
  source?: string;
}

/** Findings from the output of one `cloud-init schema` run (pure). */
export function parseCloudInitSchemaOutput(run: CloudInitSchemaRun): Finding[] {
  const displayFile = run.displayFile ?? run.file;
  const doc = run.source !== undefined ? loadForLocating(run.source) : undefined;
  const knownPaths = doc ? collectPaths(doc.root) : new Set<string>();
  const rename = (s: string) => (run.file && displayFile !== run.file ? s.split(run.file).join(displayFile) : s);

  const findings: Finding[] = [];
  const errors = errorsSection(run.stderr) ?? errorsSection(run.stdout);
  if (errors !== undefined) {
    for (const p of splitProblems(errors, knownPaths)) findings.push(errorFinding(p, displayFile, doc, rename));
  }
  const deprecations = deprecationsLine(run.stdout) ?? deprecationsLine(run.stderr) ?? "";
  for (const p of splitProblems(deprecations, knownPaths)) {
    findings.push({
      gate: GATE,
      severity: "warning",
      code: "SW-CLOUD-INIT-DEPRECATED",
      message: `${p.path}: ${rstToPlain(p.message)}`,
      file: displayFile,
      ...locate(doc, p.path),
      hint: "use the replacement the message names: a later cloud-init drops deprecated keys",
    });
  }

  if (run.rc !== 0 && !findings.some((f) => f.severity === "error")) {
    // cloud-init failed without a schema report: `Error:` and one line (on the next line in 22.4),
    // e.g. "Cloud-config is not a YAML dict." for an empty file. Anything else is not understood.
    const failure = /^\s*Error:[ \t]*(?:\n\s*)?(\S[^\n]*)/m.exec(run.stderr);
    findings.push(
      failure
        ? {
            gate: GATE,
            severity: "error",
            code: "SW-CLOUD-INIT-FAILED",
            message: rename(failure[1]!.trim()),
            file: displayFile,
          }
        : {
            gate: GATE,
            severity: "error",
            code: "SW-CLOUD-INIT-OUTPUT",
            message: `cloud-init schema (exit code ${run.rc}) printed output that is not a schema report: ${firstLines(run.stderr || run.stdout) || "(nothing)"}`,
            file: displayFile,
            hint: `run \`cloud-init schema --config-file ${displayFile}\` by hand`,
          },
    );
  }
  return sortFindings(findings);
}

interface Problem {
  path: string;
  message: string;
}

/**
 * Text after "Cloud config schema errors: " up to the next empty line (22.4 puts the deprecations
 * there). The marker is found anywhere in a line: later releases print it after an indented
 * "Error: ". PyYAML's excerpt lines inside a message are indented, never empty.
 */
function errorsSection(text: string): string | undefined {
  const start = text.indexOf(ERRORS_MARK);
  if (start === -1) return undefined;
  const rest = text.slice(start + ERRORS_MARK.length);
  const end = rest.indexOf("\n\n");
  return (end === -1 ? rest : rest.slice(0, end)).trimEnd();
}

/** The deprecation list: one line, empty when there is none (cloud-init prints the label anyway). */
function deprecationsLine(text: string): string | undefined {
  for (const line of text.split("\n")) {
    const at = line.indexOf(DEPRECATIONS_MARK);
    if (at !== -1) return line.slice(at + DEPRECATIONS_MARK.length).trim();
  }
  return undefined;
}

/**
 * Split "p1: m1, p2: m2" at the ", " that precede a real path. Messages contain ", " themselves
 * (`{'name': 'bob', 'groups': ...} is not valid ...`), so a path counts only when the file has it
 * (or it is a `format-lL.cC` position). Without the file's paths, any dotted word is taken.
 */
function splitProblems(text: string, knownPaths: ReadonlySet<string>): Problem[] {
  if (text.trim() === "") return [];
  const isPathAt = (i: number): string | undefined => {
    const colon = text.indexOf(": ", i);
    if (colon === -1) return undefined;
    const candidate = text.slice(i, colon);
    if (/^format-l\d+\.c\d+$/.test(candidate) || knownPaths.has(candidate)) return candidate;
    // The list always starts with a path; elsewhere an unknown word is a path only when the file's
    // paths are not known at all.
    const trusted = i === 0 || knownPaths.size === 0;
    return trusted && /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(candidate) ? candidate : undefined;
  };
  const starts: number[] = [];
  if (isPathAt(0) !== undefined) starts.push(0);
  for (let i = text.indexOf(", "); i !== -1; i = text.indexOf(", ", i + 1)) {
    if (isPathAt(i + 2) !== undefined) starts.push(i + 2);
  }
  if (starts[0] !== 0) starts.unshift(0); // text that does not start with a path stays one problem
  return starts.map((s, k) => {
    const end = k + 1 < starts.length ? starts[k + 1]! - 2 : text.length;
    const chunk = text.slice(s, end);
    const path = isPathAt(s);
    if (path === undefined) return { path: "", message: chunk.trim() };
    return { path, message: chunk.slice(path.length + 2).trim() };
  });
}

function errorFinding(p: Problem, file: string, doc: LocatableDoc | undefined, rename: (s: string) => string): Finding {
  const pos = /^format-l(\d+)\.c(\d+)$/.exec(p.path);
  if (pos) {
    const header = /needs to begin with/.test(p.message);
    return {
      gate: GATE,
      severity: "error",
      code: header ? "SW-CLOUD-INIT-HEADER" : "SW-CLOUD-INIT-YAML",
      // PyYAML appends 'in "<byte string>", line L, column C:' and a caret excerpt; the position is
      // already in line/col, so keep the sentence only.
      message: rename(p.message.split(/\n\s*in "<byte string>"/)[0]!.replace(/\s*\n\s*/g, "; ").trim()),
      file,
      line: Number(pos[1]),
      col: Number(pos[2]),
      ...(header ? { hint: 'make "#cloud-config" the exact first line: without it cloud-init does not read the file as cloud-config' } : {}),
    };
  }
  const unexpected = /\('([^']+)' (?:was|were) unexpected\)/.exec(p.message);
  return {
    gate: GATE,
    severity: "error",
    code: "SW-CLOUD-INIT-SCHEMA",
    message: p.path ? `${p.path}: ${rename(p.message)}` : rename(p.message),
    file,
    ...locate(doc, p.path, unexpected?.[1]),
    ...hintFor(p),
  };
}

function hintFor(p: Problem): { hint?: string } {
  if (/^-?\d+ is not of type 'string'$/.test(p.message)) {
    return {
      hint: "quote the value: cloud-init reads YAML 1.1, where an unquoted 0644 is the octal integer 420, not a string",
    };
  }
  const unexpected = /\('([^']+)' (?:was|were) unexpected\)/.exec(p.message);
  if (unexpected) {
    return { hint: `'${unexpected[1]}' is not a key of ${p.path || "the file"}: check its spelling against the cloud-init module docs` };
  }
  return {};
}

/** cloud-init writes RST (``name``); findings are plain text with Markdown-style code. */
function rstToPlain(s: string): string {
  return s.replace(/``([^`]+)``/g, "`$1`");
}

interface LocatableDoc {
  root: Node | null;
  lines: LineCounter;
}

/**
 * The file parsed only to find positions: YAML 1.1 like cloud-init's PyYAML, duplicate keys allowed
 * (PyYAML keeps the last, and the schema report is about what cloud-init read, not our rules).
 */
function loadForLocating(source: string): LocatableDoc | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(source, { ...parseOptions, version: "1.1", uniqueKeys: false, strict: false, lineCounter: lines });
  const root = doc.contents as Node | null;
  return root ? { root, lines } : undefined;
}

/** Every dotted path in the document, as cloud-init spells them (`write_files.0.permissions`). */
function collectPaths(root: Node | null): Set<string> {
  const paths = new Set<string>();
  const walk = (node: unknown, prefix: string, depth: number) => {
    if (depth > 64 || paths.size > 100_000) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = keyText(pair.key);
        if (key === undefined) continue;
        const path = prefix ? `${prefix}.${key}` : key;
        paths.add(path);
        walk(pair.value, path, depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const path = prefix ? `${prefix}.${i}` : String(i);
        paths.add(path);
        walk(item, path, depth + 1);
      });
    }
  };
  walk(root, "", 0);
  return paths;
}

/** Line and column of a dotted path's value (or of `key` inside it, for an unexpected key). */
function locate(doc: LocatableDoc | undefined, path: string, key?: string): { line?: number; col?: number } {
  if (!doc) return {};
  let node: unknown = doc.root;
  let rest = path;
  while (rest !== "" && node) {
    const next = step(node, rest);
    if (!next) return {};
    [node, rest] = next;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => keyText(p.key) === key);
    if (pair && isNodeWithRange(pair.key)) return position(doc, pair.key.range[0]);
  }
  return isNodeWithRange(node) ? position(doc, node.range[0]) : {};
}

/** One path step; keys may contain dots, so a map key matches the longest way it can. */
function step(node: unknown, rest: string): [unknown, string] | undefined {
  if (isMap(node)) {
    let best: [unknown, string] | undefined;
    let bestLen = -1;
    for (const pair of node.items) {
      const key = keyText(pair.key);
      if (key === undefined || key.length <= bestLen) continue;
      if (rest === key) [best, bestLen] = [[pair.value, ""], key.length];
      else if (rest.startsWith(`${key}.`)) [best, bestLen] = [[pair.value, rest.slice(key.length + 1)], key.length];
    }
    return best;
  }
  if (isSeq(node)) {
    const dot = rest.indexOf(".");
    const index = Number(dot === -1 ? rest : rest.slice(0, dot));
    if (!Number.isInteger(index) || index < 0 || index >= node.items.length) return undefined;
    return [node.items[index], dot === -1 ? "" : rest.slice(dot + 1)];
  }
  return undefined;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === "string" || typeof key === "number" ? String(key) : undefined;
}

function isNodeWithRange(n: unknown): n is { range: [number, number, number] } {
  return typeof n === "object" && n !== null && Array.isArray((n as { range?: unknown }).range);
}

function position(doc: LocatableDoc, offset: number): { line: number; col: number } {
  const { line, col } = doc.lines.linePos(offset);
  return { line, col };
}
