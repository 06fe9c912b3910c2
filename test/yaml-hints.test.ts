/**
 * What a YAML mistake's diagnostic says (generator/spec/load.ts, spec/indentation.ts): the hint
 * names the real cause, indentation, and where a mis-indented key belongs; a tab is reported once;
 * and a code frame never prints a whole long line (cli/print.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { codeFrame, FRAME_WIDTH } from "../generator/cli/print.js";
import { loadAndValidateText } from "../generator/pipeline.js";
import { whereKeyBelongs } from "../generator/spec/indentation.js";
import { ROOT, slipway, tempDir } from "./support/cli.js";

const HEAD = "apiVersion: slipway.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: demo\nspec:\n  gitops:\n    repoURL: https://github.com/example/demo.git\n";
const NODE = "  nodes:\n    - name: node-1\n      role: server\n";
const problems = (text: string) => loadAndValidateText("cluster.yaml", text).diagnostics;

describe("a mis-indented key: the hint is about indentation, and says where the key belongs", () => {
  it("a key indented deeper than the key above it (read as part of that key)", () => {
    const [d, ...rest] = problems(`${HEAD}${NODE}       address: 203.0.113.10\n`);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: "SW-YAML-SYNTAX", line: 11, col: 8 });
    expect(d!.message).toBe('YAML syntax error: "address" is indented deeper than "role" above it, which already has a value');
    expect(d!.hint).toBe('"address" belongs under spec.nodes[] (spec.nodes[].address): indent it 6 spaces, like "name".');
    expect(d!.hint).not.toContain("A key must fit on one line");
  });

  it("apps: under hosts: at a column of neither", () => {
    const [d] = problems(`${HEAD}${NODE}      address: 203.0.113.10\n  hosts:\n    provider: hetzner\n   apps: []\n`);
    expect(d).toMatchObject({ code: "SW-YAML-SYNTAX", line: 14, col: 4 });
    expect(d!.hint).toBe('"apps" belongs under spec (spec.apps): indent it 2 spaces, like "hosts".');
  });

  it("apps: indented as a key of hosts: (valid YAML, so the schema finds it)", () => {
    const [d] = problems(`${HEAD}${NODE}      address: 203.0.113.10\n  hosts:\n    provider: hetzner\n    apps: []\n`);
    expect(d).toMatchObject({ code: "SW-SCHEMA-UNKNOWN-KEY", path: "spec.hosts.apps" });
    expect(d!.hint).toMatch(/^"apps" belongs under spec \(spec\.apps\), not spec\.hosts: check its indentation\. Allowed keys here: provider, /);
  });

  it("a key indented one space less than its siblings", () => {
    const [d] = problems(`${HEAD}   k3s:\n    version: v1.33.4+k3s1\n`);
    expect(d!.hint).toBe('"k3s" belongs under spec (spec.k3s): indent it 2 spaces, like "gitops".');
  });

  it("a list item's key out of line with the item's first key", () => {
    const [d] = problems(`${HEAD}${NODE}     address: 203.0.113.10\n`);
    expect(d!.hint).toBe('"address" belongs under spec.nodes[] (spec.nodes[].address): indent it 6 spaces, like "name".');
  });

  it("whereKeyBelongs knows nothing of a key no mapping around it has", () => {
    expect(whereKeyBelongs(`${HEAD}   nonsense: 1\n`, 7)).toBeUndefined();
    const [d] = problems(`${HEAD}   nonsense: 1\n`);
    expect(d!.hint).toMatch(/indentation/i);
  });
});

describe("tabs", () => {
  it("are reported once, at the first, naming the other lines, without the errors they cause", () => {
    const ds = problems(`${HEAD}  nodes:\n\t- name: node-1\n\t  role: server\n`);
    expect(ds.map((d) => [d.code, d.line, d.message])).toEqual([["SW-YAML-TAB", 9, "tab character used for indentation (also on line 10)"]]);
  });

  it("a tab inside a value is no indentation", () => {
    expect(problems(`${HEAD}  nodes: [{name: node-1, role: server, address: 203.0.113.10}]\n  apps:\n    - {name: "a\tb", namespace: x, path: apps/x}\n`).filter((d) => d.code === "SW-YAML-TAB")).toEqual([]);
  });
});

describe("code frames", () => {
  const long = `key: "${"x".repeat(100_000)}" tail`;

  it("cut a long line around the column, keeping the caret under it", () => {
    for (const col of [1, 50_000, long.length]) {
      const frame = codeFrame(`a: 1\n${long}\nb: 2\n`, 2, col);
      expect(frame.length).toBeLessThan(3 * (FRAME_WIDTH + 20));
      const lines = frame.split("\n");
      const marked = lines.find((l) => l.startsWith("  > 2 | "))!.slice("  > 2 | ".length);
      const caret = lines.find((l) => l.trimEnd().endsWith("^"))!;
      const at = caret.indexOf("^") - caret.indexOf("| ") - 2;
      expect(marked[at]).toBe(long[col - 1]);
    }
  });

  it("leave a short line whole", () => {
    expect(codeFrame("a: 1\nb: [\nc: 3\n", 2, 4)).toBe("    1 | a: 1\n  > 2 | b: [\n      |    ^\n    3 | c: 3");
  });

  it("slipway validate on a spec with a 100,000-character line prints a few hundred bytes", () => {
    const work = tempDir();
    try {
      const spec = readFileSync(join(ROOT, "examples/hetzner-single/cluster.yaml"), "utf8").replace(/^spec:\n/m, `spec:\n  bogus: "${"y".repeat(100_000)}"\n`);
      const file = join(work.dir, "cluster.yaml");
      writeFileSync(file, spec);
      const r = slipway(["validate", file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("SW-SCHEMA-UNKNOWN-KEY");
      expect(r.stderr.length).toBeLessThan(2_000);
    } finally {
      work.cleanup();
    }
  });
});
