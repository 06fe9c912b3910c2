/**
 * What Slipway writes must read back as the same strings in every reader of the output: the yaml
 * library writes YAML 1.2, but cloud-init reads user-data with PyYAML (YAML 1.1) and Kubernetes
 * tools read manifests with Go's yaml.v2, where `0o12` is a number and U+2028 a line break.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { quote } from "../generator/render/helpers.js";
import { readYaml, toYamlText } from "../generator/yaml.js";

/** Strings each reader must get back unchanged: numbers in some reader's eyes, and characters YAML 1.1 does not take raw. */
const TRICKY: Record<string, string> = {
  octal: "0o12",
  octalUpper: "0O7",
  octalSigned: "+0o7",
  octalNegative: "-0o7",
  octalUnderscore: "0o_7",
  binaryUnderscore: "0b_1",
  hexUnderscore: "0x_1f",
  lineSeparator: "pod\u2028x",
  paragraphSeparator: "a\u2029b",
  nextLine: "a\u0085b",
  c1Control: "a\u0086b",
  nonCharacter: "a\uffffb",
  "key\u2028with separator": "value",
  multiLine: "line one\u2028still one\nline two\n",
  plain: "plain text",
};

/** PyYAML's safe_load of a YAML text, as JSON (cloud-init's reader), or undefined without python3-yaml. */
function pyyaml(text: string): unknown {
  const r = spawnSync("python3", ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))"], { input: text, encoding: "utf8" });
  if (r.error || (r.status !== 0 && /No module named/.test(r.stderr))) return undefined;
  if (r.status !== 0) throw new Error(`PyYAML could not read it:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}
const hasPyyaml = pyyaml("a: 1") !== undefined;
if (!hasPyyaml) console.warn("SKIP: PyYAML checks of the writer: python3 with the yaml module is not installed (install python3-yaml, which cloud-init brings, to run them)");

describe("toYamlText", () => {
  const text = toYamlText(TRICKY);

  it("double-quotes what a YAML 1.2 or Go reader would type, escapes what YAML 1.1 does not take raw", () => {
    expect(text).toContain('octal: "0o12"\n');
    expect(text).toContain('octalNegative: "-0o7"\n');
    expect(text).toContain('lineSeparator: "pod\\u2028x"\n');
    expect(text).toContain('"key\\u2028with separator": value\n');
    expect(text).toContain("plain: plain text\n");
    expect(text).not.toMatch(/[\u0080-\u009f\u2028\u2029\uffff]/);
  });

  it("reads back as the same strings under YAML 1.2 and YAML 1.1", () => {
    for (const version of ["1.2", "1.1"] as const) {
      const r = readYaml(text, { version });
      expect(r.ok && r.docs[0]?.value).toEqual(TRICKY);
    }
  });

  it.skipIf(!hasPyyaml)("reads back as the same strings in PyYAML (cloud-init's reader)", () => {
    expect(pyyaml(text)).toEqual(TRICKY);
  });

  it("leaves text without such strings as it was (the goldens hold the rest)", () => {
    expect(toYamlText({ a: "0644", b: "on", c: "1e3", d: "v1.36.3+k3s1" })).toBe('a: "0644"\nb: "on"\nc: "1e3"\nd: v1.36.3+k3s1\n');
  });
});

describe("the quote helper", () => {
  it.skipIf(!hasPyyaml)("gives a scalar PyYAML reads as the same string", () => {
    for (const s of Object.values(TRICKY)) expect(pyyaml(`v: ${quote(s)}\n`)).toEqual({ v: s });
  });

  it("escapes what YAML 1.1 does not take raw", () => {
    expect(quote("pod\u2028x")).toBe('"pod\\u2028x"');
    expect(quote("a\u0085b")).toBe('"a\\u0085b"');
  });
});
