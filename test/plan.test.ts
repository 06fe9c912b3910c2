/**
 * `slipway plan` on real git history: each test makes a temporary repository, commits a spec,
 * changes it, and runs the built CLI against the commit (`--base main`, `--base HEAD`, or the
 * default merge base), checking the class every change gets.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ROOT, slipway, tempDir } from "./support/cli.js";

interface PlanJson {
  base: { ref: string; commit: string };
  notes: string[];
  summary: Record<string, number>;
  changes: { class: string; action: string; subject: string; effect: string; nodes?: string[] }[];
}

let work: { dir: string; cleanup: () => void };
beforeEach(() => {
  work = tempDir("slipway-plan-");
});
afterEach(() => work.cleanup());

const example = readFileSync(join(ROOT, "examples/contabo-ha/cluster.yaml"), "utf8");

function git(...args: string[]): string {
  const r = spawnSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", ...args], {
    cwd: work.dir,
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: work.dir, GIT_CONFIG_NOSYSTEM: "1" },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** A repository on main with one commit holding `spec` (none: no cluster.yaml) and any extra files. */
function repoWith(spec: string | undefined, extra: Record<string, string> = {}): void {
  git("init", "-q");
  if (spec !== undefined) writeFileSync(join(work.dir, "cluster.yaml"), spec);
  for (const [path, text] of Object.entries(extra)) {
    mkdirSync(join(work.dir, path, ".."), { recursive: true });
    writeFileSync(join(work.dir, path), text);
  }
  git("add", "-A");
  git("commit", "-q", "-m", "base");
}

const edit = (from: string | RegExp, to: string) => writeFileSync(join(work.dir, "cluster.yaml"), readFileSync(join(work.dir, "cluster.yaml"), "utf8").replace(from, to));

function plan(...args: string[]): { code: number; json: PlanJson; stderr: string } {
  const r = slipway(["plan", "--format", "json", ...args], { cwd: work.dir });
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return { code: r.code, json: r.code === 2 ? ({} as PlanJson) : (JSON.parse(r.stdout) as PlanJson), stderr: r.stderr };
}

const classes = (p: PlanJson) => [...new Set(p.changes.map((c) => c.class))].sort();

describe("slipway plan classifies every change", () => {
  it("no change: nothing to plan, exit 0", () => {
    repoWith(example);
    const r = plan("--base", "HEAD");
    expect(r.code).toBe(0);
    expect(r.json.changes).toEqual([]);
    expect(r.json.base.commit).toBe(git("rev-parse", "HEAD").trim());
  });

  it("sync: an app's values changed -> its Application is synced by Argo CD, no node is touched", () => {
    repoWith(example);
    edit("values: {mode: distributed, replicas: 3}", "values: {mode: distributed, replicas: 4}");
    const r = plan("--base", "main");
    expect(r.code).toBe(0);
    expect(r.json.changes).toEqual([{ class: "sync", action: "changed", subject: "Application argocd/minio", effect: "Argo CD updates it in place" }]);
    expect(r.json.summary).toEqual({ destructive: 0, restart: 0, "node-reprovision": 0, sync: 1 });
  });

  it("node-reprovision: an SSH key changed -> every node's user-data changed, each named, no restart", () => {
    repoWith(example);
    edit("ops@example", "admin@example");
    const r = plan("--base", "main");
    expect(classes(r.json)).toEqual(["node-reprovision"]);
    expect(r.json.changes.map((c) => c.nodes)).toEqual([["node-1"], ["node-2"], ["node-3"]]);
    for (const c of r.json.changes) {
      expect(c.subject).toMatch(/^node node-\d$/);
      expect(c.effect).toContain("takes effect only when the node is rebuilt");
      expect(c.effect).toContain("changing user-data makes most provisioners replace the machine");
    }
  });

  it("restart: a kubelet argument changed -> K3s config on every node, plus the user-data change", () => {
    repoWith(example);
    edit("max-pods=50", "max-pods=60");
    const r = plan("--base", "main");
    expect(classes(r.json)).toEqual(["node-reprovision", "restart"]);
    const restarts = r.json.changes.filter((c) => c.class === "restart");
    expect(restarts.map((c) => c.subject)).toEqual(["node-1", "node-2", "node-3"].map((n) => `node ${n}: /etc/rancher/k3s/config.yaml`));
    expect(restarts[0]!.effect).toContain("systemctl restart k3s");
  });

  it("destructive: servers removed are etcd members; --fail-on destructive exits 1", () => {
    repoWith(example);
    edit(/ {4}- \{name: node-2[^\n]*\n {4}- \{name: node-3[^\n]*\n/, "");
    const r = plan("--base", "main");
    expect(r.code).toBe(0);
    const destructive = r.json.changes.filter((c) => c.class === "destructive");
    expect(destructive.map((c) => c.subject)).toEqual(["server node-2 (etcd member)", "server node-3 (etcd member)"]);
    expect(destructive[0]!.effect).toContain("etcd loses a member");
    expect(destructive[0]!.nodes).toEqual(["node-2"]);
    expect(plan("--base", "main", "--fail-on", "destructive").code).toBe(1);
  });

  it("destructive: an app removed -> its Application (finalizer deletes its resources) and its destination namespace", () => {
    repoWith(example);
    edit(/ {2}apps:\n(?: {4}.*\n| {6}.*\n)*$/, "");
    const r = plan("--base", "main");
    const destructive = r.json.changes.filter((c) => c.class === "destructive");
    expect(destructive.map((c) => c.subject)).toEqual(["Application argocd/minio", "namespace storage (Application destination)"]);
    expect(destructive[0]!.effect).toContain("resources finalizer deletes every resource it deployed");
  });

  it("destructive: a volume removed -> its PersistentVolume; the sealing certificate removed -> a sealing key", () => {
    const withScratch = example.replace("  secrets:\n", "  storage:\n    volumes:\n      - {name: scratch, node: node-1, path: /data/scratch, size: 1Gi}\n  secrets:\n");
    repoWith(withScratch, { "bootstrap/sealed-secrets.crt": "-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n" });
    writeFileSync(join(work.dir, "cluster.yaml"), example);
    rmSync(join(work.dir, "bootstrap/sealed-secrets.crt"));
    const r = plan("--base", "HEAD", "--fail-on", "destructive");
    expect(r.code).toBe(1);
    const subjects = r.json.changes.filter((c) => c.class === "destructive").map((c) => c.subject);
    expect(subjects).toContain("PersistentVolume scratch");
    expect(subjects).toContain("Sealed Secrets certificate bootstrap/sealed-secrets.crt");
  });

  it("reads sealed-secrets/ at the base like the pipeline does: a SealedSecret removed is pruned with its Application", () => {
    git("init", "-q");
    writeFileSync(join(work.dir, "cluster.yaml"), example);
    expect(slipway(["keygen"], { cwd: work.dir }).code).toBe(0);
    expect(slipway(["seal", "db", "-n", "storage", "--from-literal", "password=correct-horse-battery"], { cwd: work.dir }).code).toBe(0);
    git("add", "cluster.yaml", "sealed-secrets", "bootstrap/sealed-secrets.crt");
    git("commit", "-q", "-m", "base");
    rmSync(join(work.dir, "sealed-secrets"), { recursive: true });
    const r = plan("--base", "main");
    expect(r.code).toBe(0);
    expect(r.json.changes.map((c) => [c.class, c.action, c.subject])).toEqual([
      ["destructive", "removed", "Application argocd/secrets-storage"],
      ["sync", "removed", "SealedSecret storage/db"],
    ]);
  }, 60_000);

  it("with no --base: the merge base of HEAD with main", () => {
    repoWith(example);
    git("checkout", "-q", "-b", "feature");
    edit("max-pods=50", "max-pods=60");
    git("commit", "-q", "-am", "more pods");
    const r = plan();
    expect(r.code).toBe(0);
    expect(r.json.base).toEqual({ ref: "merge-base(HEAD, main)", commit: git("rev-parse", "main").trim() });
    expect(r.json.summary.restart).toBe(3);
  });

  it("a spec new at the base: everything is added, and said so", () => {
    repoWith(undefined, { "README.md": "x\n" });
    writeFileSync(join(work.dir, "cluster.yaml"), example);
    const r = plan("--base", "HEAD");
    expect(r.code).toBe(0);
    expect(r.json.notes[0]).toBe("cluster.yaml does not exist at the base: everything is new");
    expect(r.json.changes.every((c) => c.action === "added")).toBe(true);
  });

  it("markdown: one section per class, destructive first", () => {
    repoWith(example);
    edit("max-pods=50", "max-pods=60");
    edit("values: {mode: distributed, replicas: 3}", "values: {mode: distributed}");
    const r = slipway(["plan", "--base", "main", "--format", "markdown"], { cwd: work.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^### slipway plan\n\nCompared with `main` \(`[0-9a-f]{12}`\): \*\*3 restart, 3 node-reprovision, 1 sync\*\*\./);
    const headings = r.stdout.split("\n").filter((l) => l.startsWith("#### "));
    expect(headings).toEqual(["#### K3s restart on nodes (`restart`, 3)", "#### Node reprovision (`node-reprovision`, 3)", "#### Argo CD sync (`sync`, 1)"]);
  });
});

describe("slipway plan usage errors (exit 2, a hint, no stack trace)", () => {
  it("a base ref that does not exist", () => {
    repoWith(example);
    const r = slipway(["plan", "--base", "no-such-branch"], { cwd: work.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('slipway: base ref "no-such-branch" does not exist in this repository');
    expect(r.stderr).toMatch(/^ {2}hint: /m);
  });

  it("no default branch to compare with", () => {
    repoWith(example);
    git("branch", "-m", "trunk");
    const r = slipway(["plan"], { cwd: work.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no default branch found to compare with \(tried origin\/HEAD, .*origin\/main, main, origin\/master, master, and the current branch has no upstream\)/);
  });

  it("not a git repository", () => {
    writeFileSync(join(work.dir, "cluster.yaml"), example);
    const r = slipway(["plan", "--base", "main"], { cwd: work.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is not inside a git repository");
  });

  it("an unknown --fail-on class", () => {
    repoWith(example);
    expect(slipway(["plan", "--fail-on", "everything"], { cwd: work.dir }).code).toBe(2);
  });
});
