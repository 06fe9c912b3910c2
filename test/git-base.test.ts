/**
 * Which base `slipway plan` compares with when no --base is given (generator/cli/git.ts), on real
 * repositories: a fresh one whose branch is master, a configured init.defaultBranch, a branch with
 * only an upstream, and none at all (the error names everything it tried).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { currentBranch, resolveBase } from "../generator/cli/git.js";
import { UsageError } from "../generator/diagnostics.js";
import { ROOT, slipway, tempDir } from "./support/cli.js";

let work: { dir: string; cleanup: () => void };
beforeEach(() => {
  work = tempDir("slipway-git-base-");
  // No global or system git configuration may decide these tests.
  vi.stubEnv("HOME", work.dir);
  vi.stubEnv("GIT_CONFIG_NOSYSTEM", "1");
  vi.stubEnv("GIT_CONFIG_GLOBAL", "/dev/null");
});
afterEach(() => {
  vi.unstubAllEnvs();
  work.cleanup();
});

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

/** A repository on `branch` with one commit. */
function repo(branch: string, dir = join(work.dir, "repo"), spec = "# placeholder\n"): string {
  git(work.dir, "init", "-q", "-b", branch, dir);
  writeFileSync(join(dir, "cluster.yaml"), spec);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "base");
  return dir;
}

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error("expected a UsageError");
}

describe("the default base", () => {
  it("a fresh repository whose branch is master compares with master", () => {
    const dir = repo("master");
    const base = resolveBase(undefined, dir);
    expect(base).toEqual({ ref: "merge-base(HEAD, master)", commit: git(dir, "rev-parse", "HEAD") });
  });

  it("slipway plan runs there without --base (exit 0)", () => {
    const dir = repo("master", join(work.dir, "repo"), readFileSync(join(ROOT, "examples/hetzner-single/cluster.yaml"), "utf8"));
    const r = slipway(["plan", "--format", "json"], { cwd: dir, env: { HOME: work.dir, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" } });
    // Only the exit code: plan's output is its own (being reworked with its classes).
    expect(r.code, r.stderr).toBe(0);
  });

  it("a configured init.defaultBranch is tried before main and master", () => {
    const dir = repo("trunk");
    git(dir, "checkout", "-q", "-b", "feature");
    git(dir, "config", "init.defaultBranch", "trunk");
    expect(resolveBase(undefined, dir).ref).toBe("merge-base(HEAD, trunk)");
  });

  it("the remote's branches count (a CI checkout has only origin/*), and the current branch's upstream comes last", () => {
    const origin = repo("develop", join(work.dir, "origin"));
    const clone = join(work.dir, "clone");
    git(work.dir, "clone", "-q", origin, clone);
    git(clone, "remote", "set-head", "origin", "--delete");
    expect(resolveBase(undefined, clone).ref).toBe("merge-base(HEAD, origin/develop)");
    git(origin, "branch", "master");
    git(clone, "fetch", "-q");
    expect(resolveBase(undefined, clone).ref).toBe("merge-base(HEAD, origin/master)");
  });

  it("with none of them, the error names every ref it tried", () => {
    const dir = repo("trunk");
    const e = usageError(() => resolveBase(undefined, dir));
    expect(e.message).toBe("no default branch found to compare with (tried origin/HEAD, origin/main, main, origin/master, master, and the current branch has no upstream)");
    expect(e.hint).toContain("--base REF");
  });

  it("currentBranch reads the branch of a repository with no commit yet", () => {
    git(work.dir, "init", "-q", "-b", "master", join(work.dir, "empty"));
    expect(currentBranch(join(work.dir, "empty"))).toBe("master");
    expect(currentBranch(work.dir)).toBeUndefined();
  });
});
