/**
 * Golden trees: every example renders to exactly the reviewed tree in test/cases/<example>/, and
 * every golden tree itself passes the real consumers' checks (cloud-init schema, the strict
 * Kubernetes/CRD schemas kubeconform uses, shellcheck). `npm run test:update` refreshes goldens.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasTool, ROOT, slipway, tempDir, warnSkip } from "./support/cli.js";
import { kubeSchemasAvailable, validateKube } from "./support/kube-schemas.js";
import { withoutAppPathWarnings } from "./support/stderr.js";
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
    // The examples' own app folders (spec.apps[].path) live in their users' repositories, not in
    // this one: that warning is expected here, and it is the only thing render may say.
    expect(withoutAppPathWarnings(r.stderr)).toBe("");
    expect(r.code).toBe(0);
    if (UPDATE) {
      rmSync(golden, { recursive: true, force: true });
      mkdirSync(golden, { recursive: true });
      for (const top of ["rendered", "bootstrap"]) cpSync(join(out, top), join(golden, top), { recursive: true });
    }
    const fresh = readTree(out);
    const expected = readTree(golden);
    expect([...fresh.keys()]).toEqual([...expected.keys()]);
    for (const [path, text] of fresh) expect(text, `${name}/${path} differs from the golden file; run npm run test:update and review`).toBe(expected.get(path));
  });

  it("golden manifests pass the strict Kubernetes and CRD schemas", () => {
    if (!kubeSchemasAvailable) return warnSkip("strict schema check", "../shared/kube-schemas");
    const problems: string[] = [];
    for (const [path, text] of readTree(golden)) {
      const docs = path.startsWith("rendered/") ? yamlObjects(text) : writeFiles(text).filter((f) => f.path.includes("/server/manifests/")).flatMap((f) => yamlObjects(f.content));
      for (const o of docs) for (const p of validateKube(o)) problems.push(`${path}: ${String(o.kind)} ${p}`);
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
