/**
 * spec.apps[].path against the repository on disk (generator/spec/app-paths.ts): Argo CD fails on
 * a path the repository does not have, so validate and render warn about it first.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadAndValidate } from "../generator/pipeline.js";
import { repositoryRoot } from "../generator/spec/app-paths.js";
import { slipway, tempDir } from "./support/cli.js";

const spec = (gitopsPath = "rendered") => `apiVersion: slipway.dev/v1alpha1
kind: Cluster
metadata: {name: demo}
spec:
  gitops: {repoURL: https://github.com/demo-org/demo.git, path: ${gitopsPath}}
  nodes: [{name: node-1, role: server, address: 203.0.113.10}]
  hosts: {ssh: {authorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAppPathsKey ops@demo"]}}
  apps:
    - {name: web, namespace: web, path: apps/web}
`;

let work: { dir: string; cleanup: () => void };
beforeEach(() => {
  work = tempDir("slipway-app-paths-");
});
afterEach(() => work.cleanup());

const warnings = (file: string) => loadAndValidate(file).diagnostics.filter((d) => d.code === "SW-APP-PATH-MISSING");

describe("an app path", () => {
  it("that does not exist is a warning at spec.apps[].path, naming the repository root", () => {
    writeFileSync(join(work.dir, "cluster.yaml"), spec());
    const [d, ...rest] = warnings(join(work.dir, "cluster.yaml"));
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ severity: "warning", path: "spec.apps[0].path", line: 9 });
    expect(d!.message).toBe('app "web": path apps/web does not exist in the repository, so Argo CD will fail to sync it');
    expect(d!.hint).toContain(work.dir);
  });

  it("that is empty, or a file, is a warning too; a folder with manifests is fine", () => {
    const file = join(work.dir, "cluster.yaml");
    writeFileSync(file, spec());
    mkdirSync(join(work.dir, "apps/web"), { recursive: true });
    expect(warnings(file)[0]!.message).toContain("is an empty folder");
    writeFileSync(join(work.dir, "apps/web/deployment.yaml"), "# manifests\n");
    expect(warnings(file)).toEqual([]);
    writeFileSync(join(work.dir, "apps/other"), "");
    writeFileSync(file, spec().replace("path: apps/web}", "path: apps/other}"));
    expect(warnings(file)[0]!.message).toContain("is a file, not a folder of manifests");
  });

  it("starts at the repository root that gitops.path implies (clusters/prod/rendered: two folders up)", () => {
    const prod = join(work.dir, "clusters/prod");
    mkdirSync(prod, { recursive: true });
    writeFileSync(join(prod, "cluster.yaml"), spec("clusters/prod/rendered"));
    mkdirSync(join(work.dir, "apps/web"), { recursive: true });
    writeFileSync(join(work.dir, "apps/web/deployment.yaml"), "# manifests\n");
    expect(repositoryRoot(prod, "clusters/prod/rendered")).toBe(work.dir);
    expect(warnings(join(prod, "cluster.yaml"))).toEqual([]);
  });

  it("repositoryRoot falls back to the folder with .git, then the spec's folder", () => {
    mkdirSync(join(work.dir, ".git"));
    mkdirSync(join(work.dir, "infra"));
    expect(repositoryRoot(join(work.dir, "infra"), "deploy/rendered")).toBe(work.dir);
    expect(repositoryRoot(join(work.dir, "infra"), "rendered")).toBe(join(work.dir, "infra"));
  });

  it("slipway render warns and still renders (exit 0)", () => {
    writeFileSync(join(work.dir, "cluster.yaml"), spec());
    const r = slipway(["render"], { cwd: work.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("cluster.yaml:9:");
    expect(r.stderr).toContain("warning SW-APP-PATH-MISSING spec.apps[0].path");
  });
});
