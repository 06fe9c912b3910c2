/**
 * readYaml (generator/yaml.ts): the read-back of every rendered file goes through js-yaml, a second
 * implementation beside the yaml library that wrote the file. Its contract here, and its agreement
 * with the yaml library on every golden tree: both read the same values from every manifest (YAML
 * 1.2) and from every user-data file (YAML 1.1, as cloud-init reads it).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { readAsCloudInit, readYaml } from "../generator/yaml.js";
import { ROOT } from "./support/cli.js";
import { readTree } from "./support/tree.js";

const values = (text: string, version?: "1.1" | "1.2") => {
  const r = readYaml(text, version ? { version } : {});
  if (!r.ok) throw new Error(`${r.line}:${r.col} ${r.message}`);
  return r.docs.map((d) => d.value);
};

describe("readYaml", () => {
  it("gives each document with the line its content starts on", () => {
    const r = readYaml("# header\n---\nkind: A\n---\n\n\nkind: B\n---\n- 1\n");
    expect(r).toEqual({ ok: true, docs: [{ value: { kind: "A" }, line: 3 }, { value: { kind: "B" }, line: 7 }, { value: [1], line: 9 }] });
  });

  it("reports a repeated key at its line and column, unless the last one is to win", () => {
    expect(readYaml("a: 1\nb:\n  c: 1\n  c: 2\n")).toEqual({ ok: false, line: 4, col: 3, message: "duplicated mapping key" });
    expect(() => values("a: 1\na: 2\n")).toThrow(/^2:1 duplicated mapping key$/);
    const last = readYaml("a: 1\na: 2\n", { lastKeyWins: true });
    expect(last).toEqual({ ok: true, docs: [{ value: { a: 2 }, line: 1 }] });
  });

  it("reports a syntax error with its position and never throws for the text", () => {
    const r = readYaml("a:\n  - x\n b: 1\n");
    expect(r.ok).toBe(false);
    expect(r).toMatchObject({ line: 3, col: 2 });
    expect(readYaml("a: [1, 2\n").ok).toBe(false);
    expect(readYaml("a: !!binary aGVsbG8=\n").ok).toBe(false); // no such tag in the 1.2 core schema
  });

  it("types plain scalars by YAML 1.2 by default and by YAML 1.1 (cloud-init, yaml.v2) when asked", () => {
    const text = "a: on\nb: 0644\nc: yes\nd: 1_000\ne: ~\nf: 0o14\n";
    expect(values(text)).toEqual([{ a: "on", b: 644, c: "yes", d: "1_000", e: null, f: 12 }]);
    expect(values(text, "1.1")).toMatchObject([{ a: true, b: 420, c: true, d: 1000, e: null }]);
  });

  it("keeps __proto__ an own key, and limits aliases as the yaml library does (100)", () => {
    const [v] = values("__proto__: {polluted: 1}\n") as Record<string, unknown>[];
    expect(Object.keys(v!)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    const many = `a: &x 1\n${Array.from({ length: 101 }, (_, i) => `b${i}: *x`).join("\n")}\n`;
    expect(readYaml(many)).toMatchObject({ ok: false, message: expect.stringContaining("maxAliases") });
    expect(values(`a: &x 1\n${Array.from({ length: 100 }, (_, i) => `b${i}: *x`).join("\n")}\n`)).toHaveLength(1);
  });
});

describe("readAsCloudInit", () => {
  it("reads one document as PyYAML does (YAML 1.1, the last of a repeated key), else undefined", () => {
    expect(readAsCloudInit("a: on\na: 0644\n")).toEqual({ a: 420 });
    expect(readAsCloudInit("")).toBeUndefined();
    expect(readAsCloudInit("a: 1\n---\nb: 2\n")).toBeUndefined();
    expect(readAsCloudInit("a: [1, 2\n")).toBeUndefined();
  });
});

describe("readYaml and the yaml library read every golden tree alike", () => {
  for (const example of ["contabo-ha", "dark-tower", "digitalocean", "hetzner-single", "mcpdeploy"]) {
    it(example, () => {
      const tree = readTree(join(ROOT, "test/cases", example));
      let documents = 0;
      for (const [path, text] of tree) {
        if (!path.endsWith(".yaml")) continue;
        const version = path.startsWith("bootstrap/") ? "1.1" : "1.2";
        const theirs = parseAllDocuments(text, { version, uniqueKeys: true }).map((d) => {
          expect(d.errors, path).toEqual([]);
          return d.toJS() as unknown;
        });
        expect(values(text, version), path).toEqual(theirs);
        documents += theirs.length;
      }
      expect(documents).toBeGreaterThan(40);
    });
  }
});
