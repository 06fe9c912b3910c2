/**
 * `render` and `check` run from their own bundles in dist/ with the V8 code cache the build made
 * (generator/cli/code-cache.ts). The cache must be used, must never change what a command does,
 * and must be ignored when it does not belong to its bundle or V8 refuses it.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_STAMP, CACHE_HEADER, HOT_COMMANDS } from "../generator/cli/code-cache.js";
import { listFiles } from "../generator/list-files.js";
import { ROOT, tempDir } from "./support/cli.js";

const DIST = join(ROOT, "dist");
const BIN = join(DIST, "bin.js");
const work = tempDir("slipway-code-cache-");
afterAll(() => work.cleanup());

/** A package root of its own (templates/ and schema/ linked, dist/ copied) whose dist/ a test may spoil; returns its bin. */
function packageCopy(name: string, edit: (dist: string) => void): string {
  const root = join(work.dir, name);
  mkdirSync(root);
  for (const d of ["templates", "schema"]) symlinkSync(join(ROOT, d), join(root, d));
  cpSync(DIST, join(root, "dist"), { recursive: true });
  edit(join(root, "dist"));
  return join(root, "dist", "bin.js");
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What render wrote (rendered/ and bootstrap/), by path. */
  files: Map<string, string>;
}

/**
 * `command` on a fresh copy of the hetzner-single example, run by `bin`. No external tool is on
 * PATH, so check's findings come from its in-process gates only.
 */
function run(bin: string, command: string, env: Record<string, string> = {}): Outcome {
  const dir = join(work.dir, `example-${Math.random().toString(36).slice(2)}`);
  cpSync(join(ROOT, "examples/hetzner-single"), dir, { recursive: true, filter: (src) => !/\/(rendered|bootstrap)$/.test(src) });
  const spawn = (b: string, c: string, e: Record<string, string>) =>
    spawnSync(process.execPath, [b, c, join(dir, "cluster.yaml")], { encoding: "utf8", env: { HOME: process.env.HOME, PATH: join(work.dir, "no-tools"), LANG: "C.UTF-8", ...e } });
  // check compares the spec with its committed tree: render it first (from the modules).
  if (command === "check") expect(spawn(BIN, "render", { SLIPWAY_CODE_CACHE: "off" }).status).toBe(0);
  const r = spawn(bin, command, env);
  const files = new Map<string, string>();
  for (const top of ["rendered", "bootstrap"]) if (existsSync(join(dir, top))) for (const rel of listFiles(join(dir, top))) files.set(`${top}/${rel}`, readFileSync(join(dir, top, rel), "utf8"));
  rmSync(dir, { recursive: true, force: true });
  // The example's folder is a fresh name each run: compare what is said about it, not where.
  const here = (s: string) => s.replaceAll(dir, "<example>");
  return { code: r.status, stdout: here(r.stdout), stderr: here(r.stderr), files };
}

/** The outcome without the cache's own report line. */
const said = (o: Outcome) => ({ ...o, stderr: o.stderr.replace(/^slipway: code cache .*\n/m, "") });

describe.each(HOT_COMMANDS)("%s's code-cached bundle", (command) => {
  let reference: Outcome;
  beforeAll(() => {
    mkdirSync(join(work.dir, "no-tools"), { recursive: true });
    // The module path (no bundle of the command in dist/): the command without any of this.
    reference = run(packageCopy(`${command}-modules`, (d) => rmSync(join(d, `${command}.cjs`))), command);
    expect(reference.code, reference.stderr).toBe(0);
  });

  it("is built with a cache stamped with the bundle's own SHA-256", () => {
    const source = readFileSync(join(DIST, `${command}.cjs`), "latin1");
    const sha = BUNDLE_STAMP.exec(source.slice(0, 200))?.[1];
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    const body = source.slice(source.indexOf("*/") + 2, source.lastIndexOf("\n})"));
    expect(createHash("sha256").update(body).digest("hex")).toBe(sha);
    const cache = readFileSync(join(DIST, `${command}.cache`));
    expect(cache.subarray(0, CACHE_HEADER(sha!).length).toString("latin1")).toBe(CACHE_HEADER(sha!));
    expect(cache.length).toBeGreaterThan(100_000);
    // node:vm gives a script no loader for import(): every one must have become require().
    expect(source).not.toMatch(/\bimport\(/);
    // The command's own code only: not the X.509 library (keygen, seal), not `explain`.
    expect(source).not.toContain("asn1js");
    expect(source).not.toContain("ON A RUNNING CLUSTER");
  });

  it("is used, and the command does byte for byte what it does from the modules", () => {
    const cached = run(BIN, command, { SLIPWAY_CODE_CACHE: "report" });
    expect(cached.stderr).toContain(`slipway: code cache accepted (${command}.cache)`);
    expect(said(cached)).toEqual(reference);
    if (command === "render") expect(cached.files.size).toBeGreaterThan(10);
    expect(said(run(BIN, command, { SLIPWAY_CODE_CACHE: "off" }))).toEqual(reference);
  });

  it("is ignored when it was made for another bundle", () => {
    const bin = packageCopy(`${command}-other-bundle`, (d) => {
      const cache = readFileSync(join(d, `${command}.cache`));
      const other = CACHE_HEADER("0".repeat(64));
      writeFileSync(join(d, `${command}.cache`), Buffer.concat([Buffer.from(other, "latin1"), cache.subarray(other.length)]));
    });
    const r = run(bin, command, { SLIPWAY_CODE_CACHE: "report" });
    expect(r.stderr).toContain(`slipway: code cache made for another bundle (${command}.cache)`);
    expect(said(r)).toEqual(reference);
  });

  it("is ignored when V8 refuses it (a truncated cache)", () => {
    const bin = packageCopy(`${command}-truncated`, (d) => {
      const cache = readFileSync(join(d, `${command}.cache`));
      writeFileSync(join(d, `${command}.cache`), cache.subarray(0, Math.floor(cache.length / 2)));
    });
    const r = run(bin, command, { SLIPWAY_CODE_CACHE: "report" });
    expect(r.stderr).toContain(`slipway: code cache rejected by V8 (${command}.cache)`);
    expect(said(r)).toEqual(reference);
  });

  it("is not needed: without it the bundle compiles as any script does", () => {
    const r = run(packageCopy(`${command}-no-cache`, (d) => rmSync(join(d, `${command}.cache`))), command, { SLIPWAY_CODE_CACHE: "report" });
    expect(r.stderr).toContain(`slipway: code cache absent (${command}.cache)`);
    expect(said(r)).toEqual(reference);
  });
});
