/**
 * Running the external checkers (kubeconform, cloud-init): found on PATH without a shell, run with
 * no shell and stdin closed, bounded in time and output.
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { UsageError } from "../diagnostics.js";

/** Lines of a tool's output quoted in a finding. */
const QUOTED_LINES = 5;

/**
 * The first executable file called `name` in the directories of PATH, or null. Used instead of
 * spawning through a shell (`which`), so no shell ever sees a file name.
 */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = (env.PATH ?? "").split(delimiter).filter((d) => d !== "");
  const names = process.platform === "win32" ? [`${name}.exe`, name] : [name];
  for (const dir of dirs) {
    for (const n of names) {
      const found = executableOrNull(join(isAbsolute(dir) ? dir : resolve(dir), n));
      if (found) return found;
    }
  }
  return null;
}

/** `file` when it is an executable regular file, else null. */
export function executableOrNull(file: string): string | null {
  try {
    if (!statSync(file).isFile()) return null;
    accessSync(file, constants.X_OK);
    return file;
  } catch {
    return null;
  }
}

/** The outcome of {@link runTool}. */
export interface ToolRun {
  /** Exit code; null when the process was killed by a signal. */
  rc: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when it was killed for running past `timeoutMs`. */
  timedOut: boolean;
  /** True when it was killed for printing more than `maxOutputBytes`. */
  truncated: boolean;
}

/** Options of {@link runTool}. */
export interface ToolOptions {
  cwd?: string | undefined;
  timeoutMs: number;
  /** Hint of the UsageError thrown when the binary cannot be started. */
  notFoundHint: string;
  /** Stop reading (and kill the process) past this many bytes of output. @default 64 MiB */
  maxOutputBytes?: number;
  /** Written to the tool's stdin, which is then closed. @default nothing (stdin at end of file) */
  input?: string;
}

/**
 * Run an external checker: no shell (arguments reach it verbatim), stdin closed (a checker that
 * falls back to reading stdin must not hang) or fed `input` and closed, output collected, killed
 * after `timeoutMs`.
 *
 * @throws UsageError when the binary does not exist or is not executable (ENOENT, EACCES)
 */
export async function runTool(binary: string, args: readonly string[], opts: ToolOptions): Promise<ToolRun> {
  // Loaded when a tool runs: child_process brings net and dgram, which a run that checks in
  // process never needs.
  const { spawn } = await import("node:child_process");
  const limit = opts.maxOutputBytes ?? 64 * 1024 * 1024;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, args, {
      cwd: opts.cwd,
      stdio: ["pipe", "pipe", "pipe"],
      windowsHide: true,
      shell: false,
    });
    child.stdin.on("error", () => {}); // a tool that exits without reading stdin: EPIPE is not ours to report
    child.stdin.end(opts.input);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let timedOut = false;
    let truncated = false;
    // Killing the process is not enough: a child it started (a wrapper script's `sleep`, say)
    // keeps the pipes open and "close" would wait for it. Dropping our ends lets "close" fire.
    const stop = () => {
      child.kill("SIGKILL");
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= limit) into.push(chunk);
      else if (!truncated) {
        truncated = true;
        stop();
      }
    };
    child.stdout.on("data", collect(out));
    child.stderr.on("data", collect(err));
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, opts.timeoutMs);
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === "ENOENT" || e.code === "EACCES" || e.code === "ENOEXEC") {
        const why = e.code === "ENOENT" ? "not found" : "not executable";
        reject(new UsageError(`${binary}: ${why}`, opts.notFoundHint));
      } else {
        reject(e);
      }
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        rc: code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        timedOut,
        truncated,
      });
    });
  });
}

/**
 * stderr, led by why the process ended early if it did, for the finding that quotes the output.
 */
export function describeEnd(run: ToolRun): string {
  if (run.truncated) return `output too large, stopped reading and killed it\n${run.stderr}`;
  if (run.signal) return `killed by ${run.signal}\n${run.stderr}`;
  return run.stderr;
}

/** The first few non-empty lines, joined with " | " so a finding stays one line. */
export function firstLines(text: string, n = QUOTED_LINES): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .slice(0, n)
    .join(" | ");
}

