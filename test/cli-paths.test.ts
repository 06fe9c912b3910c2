/**
 * Every option and argument that takes a path, in every command, given the four ordinary mistakes:
 * a directory where a file goes, a file where a directory goes, a place that cannot be written,
 * and a path through a missing directory. Each is a clear one-line error with the rule of
 * generator/cli/paths.ts (README "Exit codes"): 2 when the command line cannot be used as given,
 * 1 when a file Slipway reads (the spec, a secret input file) has the problem. Never a stack trace.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMAND_NAMES } from "../generator/cli/commands.js";
import { slipway, tempDir } from "./support/cli.js";

const work = tempDir("slipway-paths-");
const repo = join(work.dir, "repo");
const LOCKED = join(repo, "locked");
let unlock: (() => void) | undefined;
const env = { SLIPWAY_K3S_TOKEN: "test-token-0123456789abcdef" };

/**
 * Makes `dir` unwritable for this process: chmod for a normal user; for root (whom permissions do
 * not stop) the immutable attribute, else a read-only bind mount. Undefined when neither works.
 */
function lock(dir: string): (() => void) | undefined {
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o555);
    return () => chmodSync(dir, 0o755);
  }
  if (spawnSync("chattr", ["+i", dir]).status === 0) return () => void spawnSync("chattr", ["-i", dir]);
  const bound = spawnSync("mount", ["--bind", dir, dir]).status === 0 && spawnSync("mount", ["-o", "remount,bind,ro", dir]).status === 0;
  return bound ? () => void spawnSync("umount", [dir]) : undefined;
}

beforeAll(() => {
  mkdirSync(repo);
  expect(slipway(["init", "--dir", repo]).code).toBe(0);
  writeFileSync(join(repo, "afile"), "not a directory\n");
  mkdirSync(join(repo, "adir"));
  mkdirSync(LOCKED);
  unlock = lock(LOCKED);
  if (!unlock) console.warn("SKIP: the unwritable-place cases: neither chattr nor a read-only bind mount works here (run as root on ext4, or as a normal user)");
});

afterAll(() => {
  unlock?.();
  work.cleanup();
});

interface Case {
  args: string[];
  code: 0 | 1 | 2;
  says: RegExp;
  locked?: boolean;
}

const CASES: Case[] = [
  // render
  { args: ["render", "--out", "cluster.yaml"], code: 2, says: /--out cluster\.yaml is a file, not a directory/ },
  { args: ["render", "--out", "afile/sub"], code: 2, says: /afile is a file, so no directory can be made under it/ },
  { args: ["render", "--out", "locked"], code: 2, says: /--out locked cannot be written/, locked: true },
  { args: ["render", "--check", "--out", "missing"], code: 2, says: /--out missing does not exist/ },
  { args: ["render", "--check", "--out", "afile"], code: 2, says: /--out afile is a file, not a directory/ },
  { args: ["render", "adir"], code: 1, says: /SW-FILE-IS-DIRECTORY/ },
  { args: ["render", "afile/cluster.yaml"], code: 1, says: /SW-FILE-MISSING/ },
  { args: ["render", "missing/cluster.yaml"], code: 1, says: /SW-FILE-MISSING/ },
  // validate, dns
  { args: ["validate", "adir"], code: 1, says: /SW-FILE-IS-DIRECTORY/ },
  { args: ["validate", "afile/cluster.yaml"], code: 1, says: /SW-FILE-MISSING/ },
  { args: ["dns", "records", "adir"], code: 1, says: /SW-FILE-IS-DIRECTORY/ },
  { args: ["dns", "records", "missing/cluster.yaml"], code: 1, says: /SW-FILE-MISSING/ },
  // userdata
  { args: ["userdata", "node-1", "--out", "adir"], code: 2, says: /--out adir is a directory, not a file/ },
  { args: ["userdata", "node-1", "--out", "missing/node-1.user-data"], code: 2, says: /the directory missing does not exist/ },
  { args: ["userdata", "node-1", "--out", "afile/node-1.user-data"], code: 2, says: /afile is a file, not a directory/ },
  { args: ["userdata", "node-1", "--out", "locked/node-1.user-data"], code: 2, says: /cannot write in locked/, locked: true },
  { args: ["userdata", "node-1", "adir"], code: 1, says: /SW-FILE-IS-DIRECTORY/ },
  { args: ["userdata", "node-1", "--spec", "missing/cluster.yaml"], code: 1, says: /SW-FILE-MISSING/ },
  // seal
  { args: ["seal", "s", "-n", "app", "--from-literal", "k=v", "--out", "adir"], code: 2, says: /--out adir is a directory, not a file/ },
  { args: ["seal", "s", "-n", "app", "--from-literal", "k=v", "--out", "afile/s.yaml"], code: 2, says: /afile is a file, not a directory/ },
  { args: ["seal", "s", "-n", "app", "--from-literal", "k=v", "--out", "missing/s.yaml"], code: 2, says: /the directory missing does not exist/ },
  { args: ["seal", "s", "-n", "app", "--from-literal", "k=v", "--out", "locked/s.yaml"], code: 2, says: /cannot write in locked/, locked: true },
  { args: ["seal", "s", "-n", "app", "--from-literal", "k=v", "--dir", "afile"], code: 2, says: /--dir afile is a file, not a directory/ },
  { args: ["seal", "s", "-n", "app", "--from-literal", "k=v", "--dir", "missing"], code: 2, says: /--dir missing does not exist/ },
  { args: ["seal", "s", "-n", "app", "--from-file", "adir"], code: 1, says: /SW-SEAL-INPUT-UNREADABLE.*EISDIR/ },
  { args: ["seal", "s", "-n", "app", "--from-file", "missing/pw"], code: 1, says: /SW-SEAL-INPUT-UNREADABLE.*ENOENT/ },
  { args: ["seal", "s", "-n", "app", "--from-env-file", "adir"], code: 1, says: /SW-SEAL-INPUT-UNREADABLE/ },
  // init
  { args: ["init", "--dir", "afile"], code: 2, says: /--dir afile is a file, not a directory/ },
  { args: ["init", "--dir", "afile/sub"], code: 2, says: /afile is a file, so no directory can be made under it/ },
  { args: ["init", "--dir", "locked"], code: 2, says: /--dir locked cannot be written/, locked: true },
  // keygen
  { args: ["keygen", "--dir", "afile"], code: 2, says: /--dir afile is a file, not a directory/ },
  { args: ["keygen", "--dir", "locked"], code: 2, says: /--dir locked cannot be written/, locked: true },
  { args: ["keygen", "--show", "--dir", "missing"], code: 2, says: /--dir missing does not exist/ },
  { args: ["keygen", "--print-secrets", "--dir", "missing"], code: 2, says: /--dir missing does not exist/ },
  { args: ["keygen", "--secrets-out", "adir"], code: 2, says: /--secrets-out adir is a directory, not a file/ },
  { args: ["keygen", "--secrets-out", "missing/keys.yaml"], code: 2, says: /the directory missing does not exist/ },
  { args: ["keygen", "--secrets-out", "locked/keys.yaml"], code: 2, says: /cannot write in locked/, locked: true },
  // diff
  { args: ["diff", "--out", "missing"], code: 2, says: /--out missing does not exist/ },
  { args: ["diff", "--out", "afile"], code: 2, says: /--out afile is a file, not a directory/ },
  { args: ["diff", "adir"], code: 1, says: /SW-FILE-IS-DIRECTORY/ },
  // check
  { args: ["check", "--tree", "missing"], code: 2, says: /--tree missing does not exist/ },
  { args: ["check", "--tree", "afile"], code: 2, says: /--tree afile is a file, not a directory/ },
  { args: ["check", "--out", "missing"], code: 2, says: /--out missing does not exist/ },
  { args: ["check", "--kubeconform", "adir"], code: 2, says: /kubeconform not found or not executable: adir/ },
  { args: ["check", "adir"], code: 1, says: /SW-FILE-IS-DIRECTORY/ },
  // plan
  { args: ["plan", "afile/cluster.yaml"], code: 2, says: /afile is not a directory/ },
];

describe("every path option, given the ordinary mistakes", () => {
  it("the table covers every command that takes a path", () => {
    const covered = new Set(CASES.map((c) => c.args[0]));
    expect(COMMAND_NAMES.filter((c) => !covered.has(c))).toEqual(["explain"]);
  });

  it.each(CASES)("slipway $args.0 … $args: exit $code", ({ args, code, says, locked }) => {
    if (locked && !unlock) return;
    const r = slipway(args, { cwd: repo, env });
    expect(`${r.stderr}${r.stdout}`).toMatch(says);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it("an output directory is made with its parents (render --out, init --dir)", () => {
    expect(slipway(["render", "--out", "new/deeper"], { cwd: repo }).code).toBe(0);
    expect(existsSync(join(repo, "new/deeper/rendered/apps"))).toBe(true);
    const init = slipway(["init", "--dir", "fresh/repo"], { cwd: repo });
    expect(init.code, init.stderr).toBe(0);
    expect(existsSync(join(repo, "fresh/repo/cluster.yaml"))).toBe(true);
  });

  it("a spec folder that cannot be written is a usage error before anything is written", () => {
    if (!unlock) return;
    unlock();
    try {
      expect(slipway(["init", "--dir", LOCKED]).code).toBe(0);
    } finally {
      unlock = lock(LOCKED);
    }
    const r = slipway(["render"], { cwd: LOCKED });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/the spec's directory \. cannot be written/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});

describe("a file of Slipway's layout that is the wrong kind (a directory where a file goes, or the reverse)", () => {
  const cases: { name: string; setup: (dir: string) => void; args: (dir: string) => string[]; code: 1 | 2; says: RegExp; noToken?: boolean }[] = [
    { name: "init: README.md is a directory", setup: (d) => mkdirSync(join(d, "README.md"), { recursive: true }), args: (d) => ["init", "--dir", d], code: 2, says: /README\.md is a directory, where init writes a file/ },
    { name: "init: .gitignore is a directory", setup: (d) => mkdirSync(join(d, ".gitignore"), { recursive: true }), args: (d) => ["init", "--dir", d], code: 2, says: /\.gitignore is a directory, where init writes a file/ },
    { name: "init: .slipway is a file", setup: (d) => writeFileSync(join(d, ".slipway"), ""), args: (d) => ["init", "--dir", d], code: 2, says: /cannot write .*\.slipway/ },
    { name: "keygen: the certificate is a directory", setup: (d) => mkdirSync(join(d, "bootstrap/sealed-secrets.crt"), { recursive: true }), args: (d) => ["keygen", "--dir", d], code: 1, says: /SW-FILE-IS-DIRECTORY/ },
    { name: "userdata: .slipway/k3s-token is a directory", setup: (d) => { cpRepo(d); mkdirSync(join(d, ".slipway/k3s-token"), { recursive: true }); }, args: (d) => ["userdata", "node-1", join(d, "cluster.yaml")], code: 1, says: /SW-SECRET-UNREADABLE: \.slipway\/k3s-token is not a file/, noToken: true },
    { name: "render: rendered is a file", setup: (d) => { cpRepo(d); writeFileSync(join(d, "rendered"), ""); }, args: (d) => ["render", join(d, "cluster.yaml")], code: 2, says: /rendered: a part of the path is a file/ },
    { name: "seal: sealed-secrets is a file", setup: (d) => { cpRepo(d); writeFileSync(join(d, "sealed-secrets"), ""); }, args: (d) => ["seal", "s", "-n", "app", "--from-literal", "k=v", "--dir", d], code: 2, says: /cannot write .*sealed-secrets\/app: a part of the path is a file/ },
  ];
  let n = 0;
  /** The repository of the first describe (its spec and keys), copied to `dir`. */
  function cpRepo(dir: string): void {
    for (const f of ["cluster.yaml", ".slipway", "bootstrap"]) cpSync(join(repo, f), join(dir, f), { recursive: true });
  }

  it.each(cases)("$name: exit $code", ({ setup, args, code, says, noToken }) => {
    const dir = join(work.dir, `layout-${n++}`);
    mkdirSync(dir);
    setup(dir);
    const r = slipway(args(dir), { env: noToken ? {} : env });
    expect(r.stderr).toMatch(says);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});
