/**
 * The few git reads `plan` needs, through `git` itself (no shell: arguments reach git verbatim).
 * Anything that makes the base unreadable is a usage error with a hint, never a stack trace.
 * `init` reads the branch it writes into the workflows here too.
 */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { UsageError } from "../diagnostics.js";

interface GitRun {
  ok: boolean;
  stdout: string;
  stderr: string;
}

function git(args: readonly string[], cwd: string): GitRun {
  const r = spawnSync("git", args, { cwd, encoding: "utf8", shell: false, maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    // spawn reports a bad working directory as ENOENT/ENOTDIR too: tell the two apart.
    if ((code === "ENOENT" || code === "ENOTDIR") && !isDirectory(cwd)) {
      throw new UsageError(`${cwd} is not a directory`, "pass the path of cluster.yaml inside a git repository");
    }
    const missing = (r.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new UsageError(missing ? "git not found on PATH" : `git could not be run: ${r.error.message}`, "slipway reads the repository with git");
  }
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The commit `ref` names, or undefined when it names none. */
export function resolveCommit(ref: string, cwd: string): string | undefined {
  if (ref.startsWith("-")) return undefined; // never let a ref be read as an option
  const r = git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`], cwd);
  return r.ok ? r.stdout.trim() : undefined;
}

/** Fails with a usage error unless `cwd` is inside a git work tree. */
export function assertRepository(cwd: string): void {
  const r = git(["rev-parse", "--is-inside-work-tree"], cwd);
  if (!r.ok || r.stdout.trim() !== "true") {
    throw new UsageError(`${cwd} is not inside a git repository`, "slipway plan compares the spec with a git ref: run it in the repository that holds cluster.yaml");
  }
}

/**
 * Where the default branch may be, in the order tried when no --base is given: the remote's HEAD
 * (set by `git clone`), the configured `init.defaultBranch`, main, master (a fresh `git init`
 * repository is on either, and CI checkouts have only the remote-tracking refs), then the
 * current branch's upstream, so a repository with another default branch still has a base.
 */
export function defaultBranchCandidates(cwd: string): string[] {
  const configured = configuredDefaultBranch(cwd);
  const named = configured === undefined ? [] : [configured];
  const branches = [...new Set([...named, "main", "master"])];
  const upstream = git(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"], cwd);
  const tracking = upstream.ok && upstream.stdout.trim() !== "" ? [upstream.stdout.trim()] : [];
  return [...new Set(["origin/HEAD", ...branches.flatMap((b) => [`origin/${b}`, b]), ...tracking])];
}

/**
 * The base to compare with: `ref` when given, else the merge base of HEAD with the first
 * default-branch candidate that exists ({@link defaultBranchCandidates}).
 * @throws UsageError when the ref does not exist, or no candidate does (naming every one tried)
 */
export function resolveBase(ref: string | undefined, cwd: string): { ref: string; commit: string } {
  if (ref !== undefined) {
    const commit = resolveCommit(ref, cwd);
    if (!commit) {
      throw new UsageError(`base ref "${ref}" does not exist in this repository`, "pass a branch, tag or commit that exists (git fetch it first in a shallow clone), e.g. --base origin/main");
    }
    return { ref, commit };
  }
  const candidates = defaultBranchCandidates(cwd);
  for (const candidate of candidates) {
    const tip = resolveCommit(candidate, cwd);
    if (!tip) continue;
    const mb = git(["merge-base", "HEAD", tip], cwd);
    if (!mb.ok) {
      throw new UsageError(`no merge base between HEAD and ${candidate}`, "pass the base explicitly with --base REF");
    }
    return { ref: `merge-base(HEAD, ${candidate})`, commit: mb.stdout.trim() };
  }
  throw new UsageError(
    `no default branch found to compare with (tried ${candidates.join(", ")}, and the current branch has no upstream)`,
    "pass --base REF (a repository with no commit yet has nothing to compare with); in CI, fetch the base branch (actions/checkout with fetch-depth: 0)",
  );
}

/** The branch HEAD is on, also in a repository with no commit yet; undefined when detached or not a repository. */
export function currentBranch(cwd: string): string | undefined {
  const r = git(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd);
  return r.ok && r.stdout.trim() !== "" ? r.stdout.trim() : undefined;
}

/** The `init.defaultBranch` git would give a new repository here, if configured. */
export function configuredDefaultBranch(cwd: string): string | undefined {
  const r = git(["config", "--get", "init.defaultBranch"], cwd);
  return r.ok && r.stdout.trim() !== "" ? r.stdout.trim() : undefined;
}

/**
 * The text of `path` (relative to `cwd`) at `commit`, or undefined when the file does not exist there.
 */
export function showFile(commit: string, path: string, cwd: string): string | undefined {
  const rel = path.split("\\").join("/");
  const r = git(["show", `${commit}:./${rel}`], cwd);
  return r.ok ? r.stdout : undefined;
}

/** Files under `paths` (relative to `cwd`) at `commit`, relative to `cwd`; none when a path does not exist there. */
export function listFilesAt(commit: string, paths: readonly string[], cwd: string): string[] {
  const r = git(["ls-tree", "-r", "--name-only", commit, "--", ...paths], cwd);
  return r.ok ? r.stdout.split("\n").filter((l) => l !== "") : [];
}
