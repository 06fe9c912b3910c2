/**
 * The per-object size rules (generator/check/object-size.ts) and their place in every render: an
 * object over 1.5 MiB (etcd's request limit) is an error and nothing is written; one over 256 KiB
 * (client-side apply's last-applied annotation) is a warning unless its Application applies
 * server-side; each names the field that made it big.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ANNOTATIONS_LIMIT, ETCD_REQUEST_LIMIT, largestField, objectSizeProblems } from "../../generator/check/object-size.js";
import type { ParsedObject } from "../../generator/check/tree.js";
import { ROOT, slipway, tempDir } from "../support/cli.js";

const configMap = (name: string, size: number, app = "web"): ParsedObject => ({
  file: `rendered/manifests/${app}/${name}.yaml`,
  line: 2,
  app,
  obj: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "web" }, data: { small: "x", big: "y".repeat(size) } },
});

describe("objectSizeProblems", () => {
  it("is silent up to 256 KiB", () => {
    expect(objectSizeProblems([configMap("ok", ANNOTATIONS_LIMIT - 200)])).toEqual([]);
  });

  it("warns over 256 KiB, naming the field", () => {
    const [d, ...rest] = objectSizeProblems([configMap("large", ANNOTATIONS_LIMIT + 1)]);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ severity: "warning", code: "SW-RENDER-OBJECT-LARGE", file: "rendered/manifests/web/large.yaml", line: 2 });
    expect(d!.message).toContain("ConfigMap large is 256 KiB, over the 256 KiB client-side apply can store");
    expect(d!.message).toContain("Most of it is data.big (256 KiB)");
  });

  it("does not warn for an object of an Application that applies server-side", () => {
    const app: ParsedObject = { file: "rendered/apps/web.yaml", line: 2, app: "root", obj: { apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: { name: "web" }, spec: { syncPolicy: { syncOptions: ["ServerSideApply=true"] } } } };
    expect(objectSizeProblems([app, configMap("large", ANNOTATIONS_LIMIT + 1)])).toEqual([]);
    expect(objectSizeProblems([app, configMap("huge", ETCD_REQUEST_LIMIT + 1)]).map((d) => d.code)).toEqual(["SW-RENDER-OBJECT-TOO-LARGE"]);
  });

  it("is an error over 1.5 MiB", () => {
    const [d] = objectSizeProblems([configMap("huge", ETCD_REQUEST_LIMIT + 1)]);
    expect(d).toMatchObject({ severity: "error", code: "SW-RENDER-OBJECT-TOO-LARGE" });
    expect(d!.message).toContain("over the 1.5 MiB the API server accepts for one object");
  });

  it("largestField descends while one child holds most of its parent", () => {
    expect(largestField({ a: { b: "x".repeat(1000), c: 1 }, d: 2 }).segments).toEqual(["a", "b"]);
    expect(largestField({ a: "x".repeat(10), b: "y".repeat(10) }).segments).toEqual([]);
    expect(largestField({ list: [1, "z".repeat(500)] }).segments).toEqual(["list", 1]);
  });
});

describe("a 2 MB Helm values string", () => {
  const spec = (size: number) => readFileSync(join(ROOT, "examples/contabo-ha/cluster.yaml"), "utf8").replace("values: {mode: distributed, replicas: 3}", `values: {mode: distributed, replicas: 3, extraConfig: "${"x".repeat(size)}"}`);

  it("does not render a 2 MB Application: an error names the values, nothing is written", () => {
    const work = tempDir();
    try {
      writeFileSync(join(work.dir, "cluster.yaml"), spec(2 * 1024 * 1024));
      const r = slipway(["render"], { cwd: work.dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/rendered\/apps\/minio\.yaml:2:1: error SW-RENDER-OBJECT-TOO-LARGE: Application minio is 20\d\d KiB, over the 1\.5 MiB/);
      expect(r.stderr).toContain("Most of it is spec.source.helm.valuesObject.extraConfig (2048 KiB), the Helm values of app minio (spec.apps[].values in cluster.yaml).");
      expect(readFileSync(join(work.dir, "cluster.yaml"), "utf8").length).toBeGreaterThan(2_000_000);
      expect(() => readFileSync(join(work.dir, "rendered/apps/minio.yaml"))).toThrow();
    } finally {
      work.cleanup();
    }
  });

  it("300 KB renders with a warning", () => {
    const work = tempDir();
    try {
      writeFileSync(join(work.dir, "cluster.yaml"), spec(300 * 1024));
      const r = slipway(["render"], { cwd: work.dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("warning SW-RENDER-OBJECT-LARGE: Application minio is 30");
    } finally {
      work.cleanup();
    }
  });
});
