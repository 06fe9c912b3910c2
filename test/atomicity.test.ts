/**
 * The writer never leaves half a tree: a render that fails, and one killed mid-write, leave the
 * previous tree byte-identical; foreign files survive; stale generated files go.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { BIN, ROOT, slipway, tempDir } from "./support/cli.js";
import { readTree } from "./support/tree.js";

let work: { dir: string; cleanup: () => void };
beforeEach(() => {
  work = tempDir("slipway-atomic-");
  cpSync(join(ROOT, "examples/contabo-ha/cluster.yaml"), join(work.dir, "cluster.yaml"));
  expect(slipway(["render"], { cwd: work.dir }).code).toBe(0);
});
afterEach(() => work.cleanup());

const edit = (from: string, to: string) => writeFileSync(join(work.dir, "cluster.yaml"), readFileSync(join(work.dir, "cluster.yaml"), "utf8").replace(from, to));

it("a render that fails validation leaves the tree byte-identical", () => {
  const before = readTree(work.dir);
  edit("address: 203.0.113.13", "address: 203.0.113.12");
  expect(slipway(["render"], { cwd: work.dir }).code).toBe(1);
  expect(readTree(work.dir)).toEqual(before);
});

it("a render killed mid-write leaves the tree byte-identical, and the next render completes", async () => {
  const before = readTree(work.dir);
  edit("version: 5.4.0", "version: 5.4.1");
  const child = spawn(process.execPath, [BIN, "render"], { cwd: work.dir, env: { ...process.env, SLIPWAY_TEST_PAUSE_BEFORE_SWAP_MS: "5000" }, stdio: "ignore" });
  // Wait until the staging directory is filled, then kill the process before it swaps.
  for (let i = 0; i < 100 && !readdirSync(work.dir).some((f) => f.startsWith(".slipway-staging-")); i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));
  child.kill("SIGKILL");
  await new Promise((r) => child.on("exit", r));
  expect(readTree(work.dir)).toEqual(before);
  expect(slipway(["render"], { cwd: work.dir }).code).toBe(0);
  expect(readFileSync(join(work.dir, "rendered/apps/minio.yaml"), "utf8")).toContain("5.4.1");
});

it("an interrupted swap (old tree set aside, new one not yet in place) is repaired", () => {
  const before = readTree(work.dir);
  const { renameSync } = require("node:fs") as typeof import("node:fs");
  renameSync(join(work.dir, "rendered"), join(work.dir, "rendered.slipway-old"));
  expect(slipway(["render", "--check"], { cwd: work.dir }).code).toBe(1);
  expect(slipway(["render"], { cwd: work.dir }).code).toBe(0);
  expect(existsSync(join(work.dir, "rendered.slipway-old"))).toBe(false);
  expect(readTree(work.dir)).toEqual(before);
});

it("keeps files it did not generate and removes stale generated ones", () => {
  // A real certificate: render reads it (for the Sealed Secrets key check) and rejects a malformed one.
  const cert = readFileSync(join(ROOT, "examples/contabo-ha/bootstrap/sealed-secrets.crt"), "utf8");
  writeFileSync(join(work.dir, "bootstrap/sealed-secrets.crt"), cert);
  mkdirSync(join(work.dir, "rendered/notes"));
  writeFileSync(join(work.dir, "rendered/notes/README.md"), "my notes\n");
  edit("  apps:\n    - name: minio", "  apps:\n    - name: minio2");
  expect(slipway(["render"], { cwd: work.dir }).code).toBe(0);
  expect(existsSync(join(work.dir, "rendered/apps/minio.yaml"))).toBe(false);
  expect(existsSync(join(work.dir, "rendered/apps/minio2.yaml"))).toBe(true);
  expect(readFileSync(join(work.dir, "bootstrap/sealed-secrets.crt"), "utf8")).toBe(cert);
  expect(readFileSync(join(work.dir, "rendered/notes/README.md"), "utf8")).toBe("my notes\n");
  expect(readdirSync(work.dir).filter((f) => f.startsWith(".slipway"))).toEqual([]);
});

it("links an unchanged file from the committed tree instead of writing it; a changed or edited one is written anew", () => {
  const { chmodSync, statSync } = require("node:fs") as typeof import("node:fs");
  const path = (p: string) => join(work.dir, p);
  const unchanged = statSync(path("rendered/apps/root.yaml"));
  const chmodded = "rendered/apps/project.yaml";
  chmodSync(path(chmodded), 0o600);
  const edited = "bootstrap/node-2.yaml";
  writeFileSync(path(edited), `${readFileSync(path(edited), "utf8")}# my edit\n`);
  const before = readTree(work.dir);
  edit("version: 5.4.0", "version: 5.4.1");
  expect(slipway(["render"], { cwd: work.dir }).code).toBe(0);
  // The same inode, so the same bytes and modification time, and no second name left behind.
  const after = statSync(path("rendered/apps/root.yaml"));
  expect([after.ino, after.mtimeMs, after.nlink]).toEqual([unchanged.ino, unchanged.mtimeMs, 1]);
  // A file whose mode or bytes differ from what render writes is written, with render's mode.
  expect(statSync(path(chmodded)).mode & 0o777).toBe(0o644 & ~process.umask());
  expect(readFileSync(path(edited), "utf8")).not.toContain("# my edit");
  expect(readFileSync(path("rendered/apps/minio.yaml"), "utf8")).toContain("5.4.1");
  // Every other file holds what it held.
  const now = readTree(work.dir);
  for (const [p, text] of before) if (p !== edited && p !== "rendered/apps/minio.yaml") expect(now.get(p), p).toBe(text);
});
