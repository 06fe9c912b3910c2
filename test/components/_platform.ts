/**
 * Helpers for the platform component tests: render a spec through the library, pick objects out of
 * the tree, and run the checkers (the embedded strict Kubernetes gate; shellcheck and cloud-init
 * schema, with a loud skip when one is missing).
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { expect } from "vitest";
import { runCloudInitSchema } from "../../generator/check/cloud-init-schema.js";
import { renderCluster, type RenderResult } from "../../generator/pipeline.js";
import { hasTool, tempDir } from "../support/cli.js";
import { strictProblems } from "../support/kube-schemas.js";
import { yamlObjects } from "../support/tree.js";

/** A valid spec head (gitops + k3s); tests append `nodes:` and their sections under `spec:`. */
export const HEAD = [
  "apiVersion: slipway.dev/v1alpha1",
  "kind: Cluster",
  "metadata:",
  "  name: test",
  "spec:",
  "  gitops:",
  "    repoURL: https://github.com/example/infra.git",
  "    revision: main",
  "    path: rendered",
  "  k3s:",
  "    version: v1.33.4+k3s1",
].join("\n");

export const ONE_NODE = ["  nodes:", "    - {name: n1, role: server, address: 198.51.100.1}"].join("\n");

export function spec(...sections: string[]): string {
  return [HEAD, ...sections, ""].join("\n");
}

/** Renders spec text through the whole pipeline (load, validate, resolve, plan, render, check). */
export async function render(text: string): Promise<RenderResult> {
  const { dir, cleanup } = tempDir("slipway-component-");
  try {
    const file = join(dir, "cluster.yaml");
    writeFileSync(file, text);
    return await renderCluster(file);
  } finally {
    cleanup();
  }
}

/** Renders and insists on no error diagnostics. */
export async function renderOk(text: string): Promise<RenderResult & { files: NonNullable<RenderResult["files"]> }> {
  const r = await render(text);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(r.files).toBeDefined();
  return r as RenderResult & { files: NonNullable<RenderResult["files"]> };
}

/**
 * Diagnostics whose code starts with one of `prefixes`, as [severity, code, path, line] rows. Rule
 * tests name their own codes: other features add warnings of their own to the same specs.
 */
export function problems(r: RenderResult, ...prefixes: string[]): [string, string, string | undefined, number | undefined][] {
  return r.diagnostics.filter((d) => prefixes.some((p) => d.code.startsWith(p))).map((d) => [d.severity, d.code, d.path, d.line]);
}

/** The runcmd entries of scripts, by file name, in order (others' scripts left out). */
export function scripts(ci: { runcmd: string[][] }, ...names: string[]): string[] {
  return ci.runcmd.map((c) => c[1]!.split("/").pop()!).filter((n) => names.includes(n));
}


export function fileText(r: RenderResult, path: string): string {
  const f = r.files?.find((x) => x.path === path);
  if (!f) throw new Error(`${path} not rendered; have: ${(r.files ?? []).map((x) => x.path).join(", ")}`);
  return f.text;
}

export function objectsOf(r: RenderResult, path: string): Record<string, unknown>[] {
  return yamlObjects(fileText(r, path));
}

/** helm.valuesObject of a rendered Application. */
export function appValues(r: RenderResult, app: string): Record<string, unknown> {
  const [o] = objectsOf(r, `rendered/apps/${app}.yaml`);
  const spec = o!.spec as { source?: { helm?: { valuesObject?: Record<string, unknown> } }; sources?: { helm?: { valuesObject?: Record<string, unknown> } }[] };
  const src = spec.source ?? spec.sources?.find((s) => s.helm);
  return src!.helm!.valuesObject!;
}

export interface CloudInit {
  text: string;
  value: Record<string, unknown>;
  files: { path: string; content: string; permissions: string; owner: string }[];
  runcmd: string[][];
  packages: string[];
}

/** A node's bootstrap file, parsed as YAML 1.1 (as cloud-init reads it). */
export function cloudInit(r: RenderResult, node: string): CloudInit {
  const text = fileText(r, `bootstrap/${node}.yaml`);
  const value = parseDocument(text, { version: "1.1" }).toJS() as Record<string, unknown>;
  return {
    text,
    value,
    files: (value.write_files ?? []) as CloudInit["files"],
    runcmd: (value.runcmd ?? []) as string[][],
    packages: (value.packages ?? []) as string[],
  };
}

export function nodeFile(ci: CloudInit, path: string): CloudInit["files"][number] | undefined {
  return ci.files.find((f) => f.path === path);
}

/** shellcheck -s sh output for a script ("" = clean), or null when shellcheck is absent (warned). */
export function shellcheck(script: string): string | null {
  if (!hasTool("shellcheck")) {
    console.warn("SKIP: shellcheck not installed");
    return null;
  }
  const r = spawnSync("shellcheck", ["-s", "sh", "-"], { input: script, encoding: "utf8" });
  return `${r.stdout}${r.stderr}`.trim() + (r.status === 0 ? "" : `\n(rc ${String(r.status)})`);
}

/** Findings of `cloud-init schema` on a bootstrap file, or null when cloud-init is absent (warned). */
export async function cloudInitSchema(text: string): Promise<string[] | null> {
  if (!hasTool("cloud-init")) {
    console.warn("SKIP: cloud-init schema: cloud-init is not installed");
    return null;
  }
  const { dir, cleanup } = tempDir("slipway-ci-");
  try {
    const file = join(dir, "user-data.yaml");
    writeFileSync(file, text);
    const findings = await runCloudInitSchema(file);
    return findings.map((f) => `${f.severity} ${f.code} ${f.message}`);
  } finally {
    cleanup();
  }
}

/**
 * Every rendered manifest (and every manifest cloud-init drops into K3s's auto-deploy dir) against
 * the embedded strict schemas (the set nearest the spec's K3s version); returns the problems.
 */
export function kubeSchemaProblems(r: RenderResult): string[] {
  const version = r.resolved?.spec.spec.k3s.version ?? "1.33.1";
  const out: string[] = [];
  const check = (where: string, o: Record<string, unknown>) => {
    for (const p of strictProblems(o, version)) out.push(`${where}: ${String(o.kind)}: ${p}`);
  };
  for (const f of r.files ?? []) {
    if (f.kind === "manifest") for (const o of yamlObjects(f.text)) check(f.path, o);
    if (f.kind === "cloud-init") {
      const ci = parseDocument(f.text, { version: "1.1" }).toJS() as { write_files?: { path: string; content: string }[] };
      for (const w of ci.write_files ?? []) {
        if (w.path.startsWith("/var/lib/rancher/k3s/server/manifests/")) for (const o of yamlObjects(w.content)) check(`${f.path}#${w.path}`, o);
      }
    }
  }
  return out;
}

/** All the external gates on a render: every bootstrap file through cloud-init schema, every manifest through the strict kube schemas. */
export async function expectExternalChecksPass(r: RenderResult): Promise<void> {
  expect(kubeSchemaProblems(r)).toEqual([]);
  for (const f of r.files ?? []) {
    if (f.kind !== "cloud-init") continue;
    const ci = await cloudInitSchema(f.text);
    if (ci) expect({ file: f.path, findings: ci }).toEqual({ file: f.path, findings: [] });
  }
}
