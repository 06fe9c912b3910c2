/**
 * The Python model of the in-process cloud-init gate against Python itself: user-data typed as
 * `cloudinit.safeyaml.load` types it (PyYAML, YAML 1.1) and printed as `repr()` prints it, dates
 * accepted as jsonschema's `date` format accepts them, and cloud-init's patterns matched as `re`
 * matches them. Runs the Python that cloud-init runs with (needs cloud-init installed); skipped
 * loudly without. A few cases with fixed expectations always run.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { isPythonDate } from "../../generator/check/cloud-init-py-formats.js";
import { pythonRegExp } from "../../generator/check/cloud-init-py-regex.js";
import { pyFloatRepr, pyRepr, pyStrRepr } from "../../generator/check/cloud-init-py-values.js";
import { loadLikeCloudInit } from "../../generator/check/cloud-init-yaml.js";
import { findCloudInit } from "../../generator/check/cloud-init-schema.js";

/** The interpreter of the `cloud-init` script (its #! line), if it can import cloudinit. */
function cloudInitPython(): string | undefined {
  const cli = findCloudInit();
  if (!cli) return undefined;
  const shebang = /^#!\s*(\S+)/.exec(spawnSync("head", ["-c", "200", cli], { encoding: "utf8" }).stdout)?.[1];
  if (!shebang) return undefined;
  return spawnSync(shebang, ["-c", "import cloudinit.safeyaml"], { encoding: "utf8" }).status === 0 ? shebang : undefined;
}
const python = cloudInitPython();
if (!python) console.warn("SKIP: cloud-init's Python model vs Python: cloud-init (and its Python) is not installed");

/** Run `script` with JSON `input` on stdin; it prints JSON. */
function py<T>(script: string, input: unknown): T {
  const r = spawnSync(python!, ["-c", script], { input: JSON.stringify(input), encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as T;
}

/** What cloud-init would read from a text: repr() of the value, or where its YAML error is. */
const PY_LOAD = `
import json, sys, yaml
from cloudinit import safeyaml
out = []
for text in json.load(sys.stdin):
    try:
        out.append(repr(safeyaml.load(text)))
    except yaml.YAMLError as e:
        mark = getattr(e, "context_mark", None) or getattr(e, "problem_mark", None)
        out.append("ERR %d:%d" % ((mark.line + 1, mark.column + 1) if mark else (1, 1)))
    except ValueError as e:
        out.append("ValueError")
print(json.dumps(out))
`;

function jsLoad(text: string): string {
  const r = loadLikeCloudInit(text);
  if (r.ok) return pyRepr(r.value, r.notes);
  return /\(ValueError\)/.test(r.message) ? "ValueError" : `ERR ${r.line}:${r.col}`;
}

const SCALARS = [
  "yes", "no", "y", "n", "Y", "on", "Off", "TRUE", "True", "tRUE", "~", "null", "Null", "", "0644", "0o644", "09", "0x1F", "0b101", "1_000",
  "1:20", "-1:20", "190:20:30.15", "1.5", "1.", ".5", "1e3", "1.0e+3", "1.0e3", "1.5E-5", ".inf", "-.Inf", ".NaN", "-0.0", "0.1", "100000000000000000.0",
  "12345678901234567890", "2030-01-01", "2030-1-1", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 +2", "2001-12-15T02:59:43.1Z", "2001-12-15 2:59:43",
  "2001-12-15T02:59:00Z", "2001-12-15T02:59:43+00:00", "'quoted'", '"dq \\u00e9 \\x07"', "!!str 12", "!!int '0644'", "!!float '1'", "!!binary aGVsbG8=", "! 12",
  "it's", "\"a'b\\\"c\"", "'\u00e9\u2028\u200b'", "<<", "a b", "-", "0_", "+1", "+.5", "0.",
];

const DOCS = [
  "a: &x {k: 1}\nb: *x\n<<: {m: 1, a: 2}\n",
  "<<: [{a: 1, b: 1}, {b: 2, c: 2}]\nc: 3\n",
  "<<: 5\n",
  "a: 1\na: 2\nb: 3\n",
  "1: a\ntrue: b\n~: c\n1.5: d\n2030-01-01: e\n10: f\n2: g\n",
  "? [a, b]\n: c\n",
  "k: !foo bar\n",
  "k: =\n= : v\n",
  "a: 1\n---\nb: 2\n",
  "a: [1,\n",
  "k: \"tab\there\"\nx: 'bell\u0007'\n",
  "s: !!set {a}\n",
  "o: !!omap [{a: 1}, {b: 2}]\n",
  "list:\n- 1\n- [2, {x: 3.0}]\n",
  "d: 2030-02-30\n",
  "k: |\n  line1\n  line2\n",
  "k: >-\n  folded\n  text\n",
  "__proto__: {a: 1}\n",
  "k: plain\n  continued\n",
  "k: !!str\n  12\n",
  "a: &anchor !foo x\n",
  "k: [a, !bar b]\n",
  "a: ! \"12\"\nb: ! 12\nc: ! |\n  12\nd: ! 'yes'\n",
];

describe.skipIf(!python)("PyYAML typing and repr(), against cloud-init's own safeyaml.load", () => {
  it("plain and tagged scalars", () => {
    const texts = SCALARS.map((s) => `k: ${s}\n`);
    const expected = py<string[]>(PY_LOAD, texts);
    expect(texts.map((t, i) => [SCALARS[i], jsLoad(t)])).toEqual(texts.map((_, i) => [SCALARS[i], expected[i]]));
  });

  it("documents: merges, aliases, duplicate and typed keys, tags, errors", () => {
    const expected = py<string[]>(PY_LOAD, DOCS);
    expect(DOCS.map((d, i) => [d, jsLoad(d)])).toEqual(DOCS.map((d, i) => [d, expected[i]]));
  });
});

describe.skipIf(!python)("jsonschema's date format and Python's re, against Python", () => {
  const DATES = ["2030-01-01", "20300101", "2030-W01", "2030W011", "2030-W01-1", "2030W011xx", "2030010112", "2030-1-1", "2030-01-1", "2030-02-30", "2024-02-29", "2023-02-29",
    "2030-W53-1", "2026-W53-1", "2020-W53", "0000-01-01", "0001-W01-1", "9999-W52-7", "2030W01-1", "20300101 ", "2030-+1-01", "٢٠٣٠-01-01", "2030-13-01", "abcd-ef-gh", "2030-01-01T00:00", ""];

  it("date.fromisoformat", () => {
    const expected = py<boolean[]>(
      "import json, sys, datetime\nout = []\nfor s in json.load(sys.stdin):\n    try:\n        out.append(bool(s.isascii() and datetime.date.fromisoformat(s)))\n    except ValueError:\n        out.append(False)\nprint(json.dumps(out))",
      DATES,
    );
    expect(DATES.map((d) => [d, isPythonDate(d)])).toEqual(DATES.map((d, i) => [d, expected[i]]));
  });

  it("re.search with cloud-init's patterns", () => {
    const patterns = ["^.+$", "^.*$", "^[-_0-9a-zA-Z]+(,[-_0-9a-zA-Z]+)*$", "^([0-9]+)?\\.?[0-9]+[BKMGT]$", "^\\+?[0-9]+$", "^.+:.+$", "^(dsa|ecdsa|ed25519|rsa)_(public|private|certificate)$", "^[0-9a-zA-Z -_]+$", "^[0-9a-zA-Z_]+$", "^\\d+$", "^\\w+$", "(?P<a>x)(?P=a)"];
    const subjects = ["a", "a\n", "a\rb", "a\nb", "", "é", "1.5G", ".5K", "+12", "a:b", "rsa_public", "x y_z", "١٢", "naïve", "xx", "a\u2028b"];
    const cases = patterns.flatMap((p) => subjects.map((s) => [p, s] as const));
    const expected = py<boolean[]>("import json, sys, re\nprint(json.dumps([re.search(p, s) is not None for p, s in json.load(sys.stdin)]))", cases);
    expect(cases.map(([p, s]) => [p, s, pythonRegExp(p, "u").test(s)])).toEqual(cases.map(([p, s], i) => [p, s, expected[i]]));
  });
});

describe("repr() of the model (fixed expectations)", () => {
  it("floats as Python prints them", () => {
    expect([1, 1e16, 1e15, 0.0001, 0.00001, 1.5e-7, -0, 0.1, 123456789.125, 1e300 * 1e10, NaN, 2 ** 60].map(pyFloatRepr)).toEqual([
      "1.0", "1e+16", "1000000000000000.0", "0.0001", "1e-05", "1.5e-07", "-0.0", "0.1", "123456789.125", "inf", "nan", "1.152921504606847e+18",
    ]);
  });

  it("strings as Python prints them", () => {
    expect(["a", "it's", 'say "hi"', `it's "both"`, "tab\t\n", "\u0007", "é", "\u200b", "\u00a0", "\u{1f600}", "back\\slash"].map(pyStrRepr)).toEqual([
      "'a'", `"it's"`, `'say "hi"'`, `'it\\'s "both"'`, "'tab\\t\\n'", "'\\x07'", "'é'", "'\\u200b'", "'\\xa0'", "'\u{1f600}'", "'back\\\\slash'",
    ]);
  });
});
