/** explain's field summaries: the first sentence of each description, whole. */
import { describe, expect, it } from "vitest";
import { clusterSchema, deref, type JsonSchema } from "../generator/spec/schema.js";
import { firstSentence } from "../generator/cli/explain.js";

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
