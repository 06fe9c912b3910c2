/** explain's field summaries: the first sentence of each description, whole. */
import { describe, expect, it } from "vitest";
import { clusterSchema, deref, type JsonSchema } from "../generator/spec/schema.js";
import { firstSentence } from "../generator/cli/explain.js";
import { slipway } from "./support/cli.js";

describe("firstSentence", () => {
  it("stops at the first full stop that ends a sentence, never at an abbreviation", () => {
    expect(firstSentence("Block device, e.g. /dev/sdb. Must exist.")).toBe("Block device, e.g. /dev/sdb.");
    expect(firstSentence("One (i.e. the first). Two.")).toBe("One (i.e. the first).");
    expect(firstSentence("Version 1.33.4 of K3s. More.")).toBe("Version 1.33.4 of K3s.");
    expect(firstSentence("No full stop")).toBe("No full stop");
  });

  it("no summary of any field in the schema ends in an abbreviation", () => {
    const cut: string[] = [];
    const walk = (s: JsonSchema, path: string, depth: number): void => {
      if (depth > 12) return;
      const d = deref(s);
      if (d.description && /\b(e\.g|i\.e|etc|vs|cf)\.?$/i.test(firstSentence(d.description).replace(/\.$/, ""))) cut.push(path);
      for (const [k, v] of Object.entries(d.properties ?? {})) walk(v, `${path}.${k}`, depth + 1);
      if (d.items) walk(d.items, `${path}[]`, depth + 1);
    };
    walk(clusterSchema, "", 0);
    expect(cut).toEqual([]);
  });
});

describe("what a change does to a running cluster", () => {
  it("every field says it: its own x-change or its enclosing field's (apiVersion and kind are constants)", () => {
    const missing: string[] = [];
    const walk = (s: JsonSchema, path: string, inherited: string | undefined, depth: number): void => {
      if (depth > 12) return;
      const d = deref(s) as JsonSchema & { "x-change"?: string };
      const cls = d["x-change"] ?? inherited;
      const fields = Object.entries(d.properties ?? {});
      const items = d.items ? (deref(d.items) as JsonSchema) : undefined;
      if (fields.length > 0) for (const [k, v] of fields) walk(v, `${path}.${k}`, cls, depth + 1);
      else if (items?.properties) walk(items, `${path}[]`, cls, depth + 1);
      else if (!cls && d.const === undefined) missing.push(path);
    };
    walk(clusterSchema, "", undefined, 0);
    expect(missing).toEqual([]);
  });

  it("explain prints it, inherited from the enclosing field where the field has none", () => {
    const own = slipway(["explain", "spec.k3s.version"]);
    expect(own.code).toBe(0);
    expect(own.stdout).toContain("ON A RUNNING CLUSTER: node-rollout (system-upgrade-controller Plans roll it over the running nodes in place, one at a time; K3s restarts on each)");
    const birth = slipway(["explain", "spec.nodes[].address"]);
    expect(birth.stdout).toMatch(/ON A RUNNING CLUSTER: (reprovision|destructive) /);
  });
});
