/**
 * Golden trees: every example renders to exactly the reviewed tree in test/cases/<example>/, and
 * every golden tree itself passes the real consumers' checks (cloud-init schema, the strict
 * Kubernetes/CRD schemas kubeconform uses (embedded), shellcheck). `npm run test:update` refreshes
 * goldens. test/check/strict-gate.test.ts compares the embedded schemas with kubeconform's files.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasTool, ROOT, slipway, tempDir, warnSkip } from "./support/cli.js";
import { strictProblems } from "./support/kube-schemas.js";
import { readTree, writeFiles, yamlObjects } from "./support/tree.js";

const UPDATE = process.env.SLIPWAY_UPDATE_GOLDEN === "1";
const EXAMPLES = readdirSync(join(ROOT, "examples")).filter((d) => existsSync(join(ROOT, "examples", d, "cluster.yaml"))).sort();
const tmp = tempDir("slipway-golden-");
afterAll(() => tmp.cleanup());

describe.each(EXAMPLES)("example %s", (name) => {
  const out = join(tmp.dir, name);
  const golden = join(ROOT, "test/cases", name);

  it("renders exactly the golden tree", () => {
    const r = slipway(["render", join(ROOT, "examples", name, "cluster.yaml"), "--out", out]);
    expect(r.code).toBe(0);
    // The diagnostics of a render are part of the golden: the first line of each (an example may
    // draw warnings, e.g. etcd across public addresses for seed 000), and never an error.
    const diagnostics = r.stderr.split("\n").filter((l) => /^\S+:\d+:\d+: (error|warning) /.test(l)).map((l) => l.replace(/^.*?examples\//, "examples/"));
    if (UPDATE) {
      rmSync(golden, { recursive: true, force: true });
      mkdirSync(golden, { recursive: true });
      for (const top of ["rendered", "bootstrap"]) cpSync(join(out, top), join(golden, top), { recursive: true });
      writeFileSync(join(golden, "diagnostics.txt"), diagnostics.map((l) => `${l}\n`).join(""));
    }
    expect(diagnostics.filter((l) => / error /.test(l))).toEqual([]);
    expect(diagnostics).toEqual(readFileSync(join(golden, "diagnostics.txt"), "utf8").split("\n").filter(Boolean));
    const fresh = readTree(out);
    const expected = readTree(golden);
    expect([...fresh.keys()]).toEqual([...expected.keys()]);
    for (const [path, text] of fresh) expect(text, `${name}/${path} differs from the golden file; run npm run test:update and review`).toBe(expected.get(path));
  });

  it("golden manifests pass the strict Kubernetes and CRD schemas, in both embedded Kubernetes versions", () => {
    const problems: string[] = [];
    for (const [path, text] of readTree(golden)) {
      const docs = path.startsWith("rendered/") ? yamlObjects(text) : writeFiles(text).filter((f) => f.path.includes("/server/manifests/")).flatMap((f) => yamlObjects(f.content));
      for (const o of docs) for (const v of ["1.33.1", "1.36.2"]) for (const p of strictProblems(o, v)) problems.push(`${v} ${path}: ${String(o.kind)} ${p}`);
    }
    expect(problems).toEqual([]);
  });

  it("golden user-data passes cloud-init schema", () => {
    if (!hasTool("cloud-init")) return warnSkip("cloud-init schema check", "cloud-init");
    for (const [path] of [...readTree(golden)].filter(([p]) => p.startsWith("bootstrap/") && p.endsWith(".yaml"))) {
      const r = spawnSync("cloud-init", ["schema", "--config-file", join(golden, path)], { encoding: "utf8" });
      expect(`${r.stdout}${r.stderr}`, path).toContain("Valid cloud-config");
      expect(r.status, path).toBe(0);
    }
  });

  it("shell scripts in user-data pass shellcheck", () => {
    if (!hasTool("shellcheck")) return warnSkip("shellcheck of user-data scripts", "shellcheck");
    const dir = join(tmp.dir, `${name}-sh`);
    mkdirSync(dir, { recursive: true });
    for (const [path, text] of [...readTree(golden)].filter(([p]) => p.startsWith("bootstrap/"))) {
      for (const f of writeFiles(text).filter((w) => w.content.startsWith("#!/bin/sh"))) {
        const file = join(dir, `${path.replace(/\W/g, "_")}${f.path.replace(/\W/g, "_")}.sh`);
        writeFileSync(file, f.content);
        const r = spawnSync("shellcheck", ["-s", "sh", file], { encoding: "utf8" });
        expect(r.stdout, `${path} ${f.path}`).toBe("");
      }
    }
  });
});

describe("the repository's own cluster.yaml", () => {
  it("has its rendered/ and bootstrap/ committed and up to date", () => {
    const r = slipway(["render", "--check"], { cwd: ROOT });
    expect(r.stderr).toContain("up to date");
    expect(r.code).toBe(0);
  });
});
