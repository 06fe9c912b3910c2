/**
 * The invalid-spec suite: every folder under test/invalid/ is one mistake a user makes, run through
 * the built CLI (`slipway validate`) from inside the folder, so files print as `cluster.yaml`.
 *
 *   test/invalid/<case>/cluster.yaml   the spec (absent for cases about the file itself)
 *   test/invalid/<case>/args.txt       optional: the validate arguments instead of `cluster.yaml`
 *   test/invalid/<case>/expected.txt   the first line of every diagnostic, exactly, in order
 *
 * Each case must exit 1 with no stack trace; every diagnostic has a hint, and a positioned one a
 * code frame whose `>` line and caret sit at its line and column. SLIPWAY_UPDATE_GOLDEN=1 rewrites
 * expected.txt from the current output: review the diff by hand before committing it.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, ROOT } from "./support/cli.js";

const run = promisify(execFile);
const CASES = join(ROOT, "test/invalid");
const UPDATE = process.env.SLIPWAY_UPDATE_GOLDEN === "1";
const cases = readdirSync(CASES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

/**
 * A private copy of the built CLI: other builds in the same checkout (`npm run build` wipes dist/
 * first) must not pull chunks away mid-run. templates/, schema/ and node_modules/ are linked beside
 * it so the bundle finds its package root as it does in dist/.
 */
let bin = BIN;
let pkg: string | undefined;
beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (node scripts/build.mjs)`);
  pkg = mkdtempSync(join(tmpdir(), "slipway-invalid-cli-"));
  cpSync(join(ROOT, "dist"), join(pkg, "dist"), { recursive: true });
  for (const d of ["templates", "schema", "node_modules"]) symlinkSync(join(ROOT, d), join(pkg, d));
  bin = join(pkg, "dist/bin.js");
});
afterAll(() => {
  if (pkg) rmSync(pkg, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function slipway(cwd: string, args: string[]): Promise<Run> {
  try {
    const r = await run(process.execPath, [bin, ...args], { cwd, encoding: "utf8", env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "C.UTF-8", NO_COLOR: "1" } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === "number" ? x.code : -1, stdout: x.stdout ?? "", stderr: x.stderr ?? "" };
  }
}

function caseArgs(name: string): string[] {
  const f = join(CASES, name, "args.txt");
  return existsSync(f) ? readFileSync(f, "utf8").trim().split(/\s+/) : ["cluster.yaml"];
}

const SUMMARY = /^\d+ errors?, \d+ warnings?$/;
const POSITIONED = /^[^\s:][^:]*:(\d+):(\d+): (error|warning) /;

/** Diagnostics as printed: the first line, then its hint and code-frame lines. */
function blocks(stderr: string): string[][] {
  const out: string[][] = [];
  for (const line of stderr.split("\n")) {
    if (line === "" || SUMMARY.test(line)) continue;
    if (!line.startsWith(" ")) out.push([line]);
    else out.at(-1)?.push(line);
  }
  return out;
}

describe.concurrent("slipway validate on test/invalid/*", () => {
  it("has at least 30 cases, each a cluster.yaml or an args.txt", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    for (const c of cases) expect(existsSync(join(CASES, c, "cluster.yaml")) || existsSync(join(CASES, c, "args.txt")), c).toBe(true);
  });

  it.each(cases)("%s", async (name) => {
    const dir = join(CASES, name);
    const r = await slipway(dir, ["validate", ...caseArgs(name)]);
    // A user mistake: exit 1, diagnostics on stderr only, never a stack trace or "internal error".
    expect(r.stderr).not.toMatch(/^ {4}at /m);
    expect(r.stderr).not.toContain("internal error");
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n").at(-1)).toMatch(SUMMARY);

    const found = blocks(r.stderr);
    const firstLines = found.map((b) => b[0]!);
    const expectedFile = join(dir, "expected.txt");
    if (UPDATE) writeFileSync(expectedFile, `${firstLines.join("\n")}\n`);
    expect(existsSync(expectedFile), `${name}: no expected.txt (run with SLIPWAY_UPDATE_GOLDEN=1, then review it)`).toBe(true);
    const expected = readFileSync(expectedFile, "utf8").split("\n").filter((l) => l !== "");
    expect(firstLines).toEqual(expected);
    expect(firstLines.length).toBeGreaterThan(0);

    for (const b of found) {
      const [head, ...rest] = b as [string, ...string[]];
      expect(rest.filter((l) => /^ {2}hint: \S/.test(l)), `${head}: one hint line`).toHaveLength(1);
      const pos = POSITIONED.exec(head);
      if (!pos) continue;
      const line = Number(pos[1]);
      const col = Number(pos[2]);
      const marked = rest.findIndex((l) => new RegExp(`^ {2}> +${line} \\| `).test(l));
      expect(marked, `${head}: code frame marks line ${line}`).toBeGreaterThan(-1);
      const caret = rest[marked + 1] ?? "";
      const bar = caret.indexOf("| ");
      expect(caret, `${head}: caret line`).toMatch(/^ +\| *\^$/);
      expect(caret.length - 1 - (bar + 2) + 1, `${head}: caret at column ${col}`).toBe(col);
    }
  });
});

describe.concurrent("--format json agrees with the text output", () => {
  const sample = ["several-errors-at-once", "schema-several-errors-at-once", "yaml-syntax-unclosed-quote", "missing-file", "duplicate-key-in-node"];
  it.each(sample)("%s", async (name) => {
    const dir = join(CASES, name);
    const r = await slipway(dir, ["validate", ...caseArgs(name), "--format", "json"]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as { valid: boolean; diagnostics: { severity: string; code: string; file: string; line: number | null; col: number | null; path: string | null; message: string; hint: string | null }[] };
    expect(j.valid).toBe(false);
    const asText = j.diagnostics.map((d) => `${d.file}${d.line ? `:${d.line}:${d.col}` : ""}: ${d.severity} ${d.code}${d.path ? ` ${d.path}` : ""}: ${d.message}`);
    if (!UPDATE) expect(asText).toEqual(readFileSync(join(dir, "expected.txt"), "utf8").split("\n").filter((l) => l !== ""));
    for (const d of j.diagnostics) expect(d.hint).toBeTruthy();
  });
});

/** Near misses of the invalid cases that are fine: the rules must not fire on them. */
describe.concurrent("valid variants of the invalid cases", () => {
  // A real-looking repository and an SSH key: placeholders are warnings (rules/placeholders.ts).
  const head = `apiVersion: slipway.dev/v1alpha1
kind: Cluster
metadata:
  name: demo
spec:
  gitops:
    repoURL: https://github.com/demo-org/demo.git
  hosts:
    ssh:
      authorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIValidVariantKey ops@demo"]
`;
  const variants: Record<string, string> = {
    "even-servers-allowed": `${head}  k3s:\n    allowEvenServers: true\n  nodes:\n    - {name: node-1, role: server, address: 203.0.113.10, privateAddress: 10.0.0.10}\n    - {name: node-2, role: server, address: 203.0.113.11, privateAddress: 10.0.0.11}\n`,
    "cluster-init-on-the-second-server": `${head}  nodes:\n    - {name: node-1, role: server, address: 203.0.113.10, privateAddress: 10.0.0.10}\n    - {name: node-2, role: server, address: 203.0.113.11, privateAddress: 10.0.0.11, clusterInit: true}\n    - {name: node-3, role: server, address: 203.0.113.12, privateAddress: 10.0.0.12}\n`,
    "agent-only-cluster-init-false": `${head}  nodes:\n    - {name: node-1, role: server, address: 203.0.113.10}\n    - {name: node-2, role: agent, address: 203.0.113.11, clusterInit: false}\n`,
    "quoted-number-label": `${head}  nodes:\n    - name: node-1\n      role: server\n      address: 203.0.113.10\n      labels: {rack: "3", enabled: "true"}\n`,
    "flannel-args-that-agree": `${head}  k3s:\n    args:\n      kubelet-arg: [max-pods=50]\n      kube-apiserver-arg: default-watch-cache-size=50\n  nodes:\n    - {name: node-1, role: server, address: 203.0.113.10}\n`,
    // Every flag type, a hidden flag (kube-controller-arg), an agent-only flag, on a release with a table of its own.
    "k3s-args-of-every-flag-type": `${head}  k3s:\n    version: v1.36.1+k3s1\n    args:\n      etcd-s3-retention: 10\n      etcd-s3-timeout: 5m30s\n      embedded-registry: true\n      write-kubeconfig-mode: "0644"\n      tls-san: api.example.com\n      kube-controller-arg: [node-monitor-period=5s]\n      disable-apiserver-lb: false\n  nodes:\n    - {name: node-1, role: server, address: 203.0.113.10}\n`,
    "same-app-name-as-namespace": `${head}  nodes:\n    - {name: node-1, role: server, address: 203.0.113.10}\n  apps:\n    - {name: web, namespace: web, path: apps/web}\n    - {name: web-staging, namespace: web, path: apps/web-staging}\n`,
    "anchors-and-aliases": `${head}  nodes:\n    - {name: node-1, role: server, address: &a1 203.0.113.10}\n  dns:\n    failover:\n      zone: example.com\n      records: [{name: "@"}]\n      probe: {tcp: {port: 443}}\n  apps:\n    - name: minio\n      namespace: storage\n      chart: {repo: https://charts.min.io, name: minio, version: 5.4.0}\n      values: {a: &list [x, y], b: *list}\n`,
  };
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "slipway-valid-variants-"));
    for (const [name, text] of Object.entries(variants)) writeFileSync(join(dir, `${name}.yaml`), text);
    // The app folders same-app-name-as-namespace points at (a missing one is a warning).
    for (const app of ["apps/web", "apps/web-staging"]) {
      mkdirSync(join(dir, app), { recursive: true });
      writeFileSync(join(dir, app, "deployment.yaml"), "# manifests\n");
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(Object.keys(variants))("%s", async (name) => {
    const r = await slipway(dir, ["validate", `${name}.yaml`]);
    expect(r.stderr).toBe(`${name}.yaml: valid\n`);
    expect(r.code).toBe(0);
  });
});
