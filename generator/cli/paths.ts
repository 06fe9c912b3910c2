/**
 * Paths given on the command line, checked before a command does any work, with one rule for
 * every command (README "Exit codes"):
 *
 * - exit 2 (usage): the path cannot be used as given. An output file that is a directory, an output
 *   directory that is a file, a path under a file, a place that cannot be written (permissions,
 *   a read-only or immutable file system), an output file whose folder does not exist (as with a
 *   shell redirect: a mistyped folder must not scatter secrets elsewhere), an input directory that
 *   does not exist or is a file.
 * - exit 1: a file Slipway reads has a problem (the spec missing or a directory, a secret input
 *   file, the repository files beside the spec): that is reported as a diagnostic, elsewhere.
 *
 * Output directories (`render --out`, `init --dir`) are created with their parents when missing.
 */
import { accessSync, constants, statSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "../diagnostics.js";
import { displayPath } from "./print.js";

/** The nearest existing ancestor of `path` (itself when it exists), and what it is. */
function nearestExisting(path: string): { path: string; stat: Stats } {
  let p = path;
  for (;;) {
    const stat = statOf(p);
    if (stat) return { path: p, stat };
    const up = dirname(p);
    if (up === p) throw new UsageError(`${displayPath(path)}: no part of this path exists`);
    p = up;
  }
}

/** stat, or undefined when nothing is there (a path under a file counts as nothing there). */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw e;
  }
}

function assertWritable(dir: string, label: string, target: string): void {
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const what = resolve(dir) === resolve(target) ? `${label} ${displayPath(target)} cannot be written` : `${label} ${displayPath(target)}: cannot write in ${displayPath(dir)}`;
    throw new UsageError(`${what} (${reasonOf(e)})`, "Choose a place you can write to.");
  }
}

/**
 * An output directory: created when missing (with its parents), so it must not be a file, lie
 * under a file, or be somewhere that cannot be written.
 * @returns the absolute path.
 */
export function outputDir(path: string, label: string): string {
  const abs = resolve(path);
  const found = nearestExisting(abs);
  if (!found.stat.isDirectory()) {
    throw new UsageError(
      found.path === abs ? `${label} ${displayPath(path)} is a file, not a directory` : `${label} ${displayPath(path)}: ${displayPath(found.path)} is a file, so no directory can be made under it`,
      `${label} takes a directory.`,
    );
  }
  assertWritable(found.path, label, path);
  return abs;
}

/**
 * An output file: not a directory, in a folder that exists and can be written.
 * @returns the absolute path.
 */
export function outputFile(path: string, label: string, example = "DIR/FILE"): string {
  const abs = resolve(path);
  const stat = statOf(abs);
  if (stat?.isDirectory()) throw new UsageError(`${label} ${displayPath(path)} is a directory, not a file`, `Give a file name, e.g. ${label} ${example}.`);
  const parent = dirname(abs);
  const found = nearestExisting(parent);
  if (!found.stat.isDirectory()) throw new UsageError(`${label} ${displayPath(path)}: ${displayPath(found.path)} is a file, not a directory`, `${label} takes a file in an existing directory.`);
  if (found.path !== parent) throw new UsageError(`${label} ${displayPath(path)}: the directory ${displayPath(parent)} does not exist`, `Create it first (mkdir -p ${displayPath(parent)}), or check the path for a typo.`);
  assertWritable(parent, label, path);
  if (stat) assertWritable(abs, label, path);
  return abs;
}

/**
 * A directory that is read: it must exist and be a directory.
 * @returns the absolute path.
 */
export function inputDir(path: string, label: string, hint: string): string {
  const abs = resolve(path);
  const stat = statOf(abs);
  if (!stat) throw new UsageError(`${label} ${displayPath(path)} does not exist`, hint);
  if (!stat.isDirectory()) throw new UsageError(`${label} ${displayPath(path)} is a file, not a directory`, hint);
  return abs;
}

const REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted: the file or directory may be immutable or protected",
  EROFS: "read-only file system",
  ENOTDIR: "a part of the path is a file, not a directory",
  EISDIR: "it is a directory",
  EEXIST: "something is already there",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENAMETOOLONG: "the name is too long",
  ELOOP: "too many levels of symbolic links",
  EBUSY: "the file or directory is busy",
  ETXTBSY: "the file is busy",
  EMFILE: "too many open files",
};

function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? "";
  return REASONS[code] ?? code;
}

/**
 * A file-system error about a place the user chose or owns (permissions, a read-only disk, a file
 * where a folder must be, a full disk) as a usage error naming the path, not a stack trace. Others
 * (a missing file where Slipway expected its own) stay bugs.
 */
export function fileSystemProblem(e: unknown): UsageError | undefined {
  const x = e as NodeJS.ErrnoException | undefined;
  if (!(x instanceof Error) || !x.code || !(x.code in REASONS)) return undefined;
  // Reading a directory as a file fails on the descriptor, so node names no path.
  if (typeof x.path !== "string") return x.code === "EISDIR" ? new UsageError("a directory stands where Slipway reads a file", "Check the paths given on the command line, and that no directory sits where a file goes (README.md, .gitignore, .slipway/k3s-token, ...).") : undefined;
  const verb = x.syscall === "open" || x.syscall === "scandir" || x.syscall === "stat" || x.syscall === "read" ? "use" : "write";
  return new UsageError(`cannot ${verb} ${displayPath(x.path)}: ${REASONS[x.code]}`, "Check the paths given on the command line and that you may write there.");
}
