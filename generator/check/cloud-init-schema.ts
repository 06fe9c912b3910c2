/**
 * The `cloud-init schema --config-file FILE` runner: the cloud-init gate's fallback when cloud-init's
 * schema file cannot be used in process (cloud-init-gate.ts), and its second opinion on a file that
 * is not valid YAML. Turns the command's report into findings with line numbers.
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
 * contain too, so the list is split only where a path that exists in the file follows. Lines come
 * from cloud-init-locate.ts, findings from cloud-init-findings.ts (shared with the in-process gate).
 */
import { readFileSync } from "node:fs";
import { UsageError } from "../diagnostics.js";
import { sortFindings, type Finding } from "./finding.js";
import { describeEnd, findExecutable, firstLines, runTool } from "./external-tool.js";
import { CLOUD_INIT_GATE as GATE, failureFinding, problemFindings, type SchemaProblem } from "./cloud-init-findings.js";
import { collectPaths, loadForLocating } from "./cloud-init-locate.js";

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
  const knownPaths = doc ? collectPaths(doc) : new Set<string>();
  const rename = (s: string) => (run.file && displayFile !== run.file ? s.split(run.file).join(displayFile) : s);

  const errorsText = errorsSection(run.stderr) ?? errorsSection(run.stdout);
  const errors = errorsText !== undefined ? splitProblems(errorsText, knownPaths) : [];
  const deprecations = splitProblems(deprecationsSection(run.stdout) ?? deprecationsSection(run.stderr) ?? "", knownPaths);
  const findings = problemFindings({ errors, deprecations }, displayFile, doc, rename);

  if (run.rc !== 0 && errors.length === 0) {
    // cloud-init failed without a schema report: `Error:` and one line (on the next line in 22.4),
    // e.g. "Cloud-config is not a YAML dict." for an empty file. Anything else is not understood.
    const failure = /^\s*Error:[ \t]*(?:\n\s*)?(\S[^\n]*)/m.exec(run.stderr);
    findings.push(
      failure
        ? failureFinding(rename(failure[1]!.trim()), displayFile)
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

/**
 * The deprecation list, empty when there is none (cloud-init prints the label anyway). It runs to
 * cloud-init's next line of its own: a deprecation's description may span lines (22.4's
 * `chpasswd.list` has a blank line in it), so it does not end at the first newline.
 */
function deprecationsSection(text: string): string | undefined {
  const start = text.indexOf(DEPRECATIONS_MARK);
  if (start === -1) return undefined;
  const rest = text.slice(start + DEPRECATIONS_MARK.length);
  const end = rest.search(/\n[ \t]*(?:Valid cloud-config: |Valid schema |Error:|Invalid )/);
  return (end === -1 ? rest : rest.slice(0, end)).trim();
}

/**
 * Split "p1: m1, p2: m2" at the ", " that precede a real path. Messages contain ", " themselves
 * (`{'name': 'bob', 'groups': ...} is not valid ...`), so a path counts only when the file has it
 * (or it is a `format-lL.cC` position). Without the file's paths, any dotted word is taken.
 */
function splitProblems(text: string, knownPaths: ReadonlySet<string>): SchemaProblem[] {
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
