/**
 * The embedded strict gate: a Kubernetes object against the strict schema kubeconform -strict
 * would use for it, with no file, network or external program. The schemas are the generated
 * table of ../generated/strict-schemas.js (scripts/generate-kube-validators.mjs); this file
 * evaluates them the way kubeconform v0.7.0 does, through santhosh-tekuri/jsonschema v6.0.1
 * (validator.go), for the keywords the table holds:
 *
 * - a value of the wrong `type` gets that one problem and nothing below it; so do a failed `enum`
 *   and a failed `format`, in that order;
 * - `integer` accepts any whole number (2.0 too), `number` is reported as "number";
 * - every unknown key of an object with `additionalProperties: false` is a problem, at any depth;
 * - `oneOf`/`anyOf` report one problem at their value, with the branches' problems as causes;
 * - messages use that library's wording (kind/kind.go), so they read like kubeconform's output:
 *   `additional properties 'replica' not allowed`, `got string, want null or integer`,
 *   `missing property 'name'`, `value must be one of 'a', 'b'`.
 *
 * Two deliberate differences: an object's unknown keys are one problem each (kubeconform lists
 * them in one message, in random order), so each can point at its own line; and keys are visited
 * in document order (Go visits a map in random order), so the output is deterministic.
 */
import { STRICT_SCHEMAS, type StrictSchemaNode } from "../generated/strict-schemas.js";
import { closest } from "../../spec/suggest.js";
import { FORMAT_CHECKERS } from "./formats.js";
import { translateGoRegExp } from "./go-regexp.js";
import { strictSchemaSetFor } from "./schema-set.js";

/** One way an object breaks its strict schema. */
export interface StrictProblem {
  /**
   * Where, as kubeconform prints it: keys and indexes joined with `/`, unescaped
   * (`/spec/template/spec/containers/0`); "" for the object itself.
   */
  path: string;
  /** The same place as keys and indexes, to find it in the YAML. */
  segments: (string | number)[];
  /** The JSON Schema keyword that failed (`additionalProperties`, `type`, ...); `schema` when the kind has none. */
  keyword: string;
  /** kubeconform's wording, without the path. */
  message: string;
  /** For `additionalProperties`: the unknown key (the problem is about the object at `path`). */
  key?: string;
  /** For `additionalProperties`: the known key closest to it, when one is close. */
  suggestion?: string;
  /** For `oneOf`/`anyOf`: why each branch failed (`at '/x': ...`). */
  causes?: string[];
}

const { nodes } = STRICT_SCHEMAS;
const setsByVersion = new Map(STRICT_SCHEMAS.sets.map((s) => [s.version, s.kinds]));

/** True when the embedded set for `kubernetesVersion` has a schema for this apiVersion and kind. */
export function hasStrictSchema(apiVersion: string, kind: string, kubernetesVersion: string): boolean {
  return Object.hasOwn(kindsFor(kubernetesVersion), `${apiVersion}/${kind}`);
}

/**
 * Problems of one object (a parsed manifest) against the embedded strict schema of its
 * apiVersion/kind in the set nearest `kubernetesVersion` (see {@link strictSchemaSetFor}); [] when
 * it is valid. A kind with no embedded schema is one problem (`keyword: "schema"`), as a kind with
 * no schema is an error in kubeconform.
 *
 * @param kubernetesVersion the cluster's version: `v1.36.3+k3s1` (spec.k3s.version) or `1.36.2`
 */
export function validateStrict(obj: unknown, kubernetesVersion: string): StrictProblem[] {
  const o = (isRecord(obj) ? obj : {}) as { apiVersion?: unknown; kind?: unknown };
  const key = `${String(o.apiVersion)}/${String(o.kind)}`;
  const kinds = kindsFor(kubernetesVersion);
  if (!Object.hasOwn(kinds, key)) {
    return [{ path: "", segments: [], keyword: "schema", message: `could not find schema for ${String(o.kind)}` }];
  }
  const out: StrictProblem[] = [];
  check(kinds[key]!, obj, [], out);
  return out;
}

function kindsFor(kubernetesVersion: string): Readonly<Record<string, number>> {
  return setsByVersion.get(strictSchemaSetFor(kubernetesVersion).version)!;
}

type Segments = (string | number)[];

/** validator.go `validate` for one value against one node, problems appended to `out`. */
function check(index: number, value: unknown, at: Segments, out: StrictProblem[]): void {
  const s = nodes[index]!;
  const problem = (keyword: string, message: string, extra: Partial<StrictProblem> = {}): void => {
    out.push({ path: pointer(at), segments: at, keyword, message, ...extra });
  };
  const t = typeOf(value);
  if (s.type !== undefined) {
    const want = typeof s.type === "string" ? [s.type] : s.type;
    const ok = want.includes(t) || (want.includes("integer") && t === "number" && Number.isInteger(value));
    if (!ok) return problem("type", `got ${t}, want ${TYPE_ORDER.filter((x) => want.includes(x)).join(" or ")}`);
  }
  if (s.enum !== undefined && !s.enum.some((e) => equal(e, value))) return problem("enum", enumMessage(s.enum));
  if (s.format !== undefined) {
    const checker = FORMAT_CHECKERS[s.format];
    if (!checker) throw new Error(`strict gate: no checker for format ${s.format} (generator/check/strict/formats.ts)`);
    const why = checker(value);
    if (why !== undefined) return problem("format", `${display(value)} is not valid ${s.format}: ${why}`);
  }
  if (t === "object") checkObject(s, value as Record<string, unknown>, at, out, problem);
  else if (t === "array") checkArray(s, value as unknown[], at, out, problem);
  else if (t === "string") checkString(s, value as string, problem);
  else if (t === "number") checkNumber(s, value as number, problem);
  for (const i of s.allOf ?? []) check(i, value, at, out);
  if (s.anyOf !== undefined) {
    const failed = branches(s.anyOf, value, at);
    if (failed.every((f) => f.length > 0)) problem("anyOf", "anyOf failed", { causes: failed.flat().map(cause) });
  }
  if (s.oneOf !== undefined) {
    const failed = branches(s.oneOf, value, at);
    const matched = s.oneOf.map((_, i) => i).filter((i) => failed[i]!.length === 0);
    if (matched.length === 0) problem("oneOf", "oneOf failed, none matched", { causes: failed.flat().map(cause) });
    else if (matched.length > 1) problem("oneOf", `oneOf failed, subschemas ${matched[0]}, ${matched[1]} matched`);
  }
}

type Report = (keyword: string, message: string, extra?: Partial<StrictProblem>) => void;

function checkObject(s: StrictSchemaNode, obj: Record<string, unknown>, at: Segments, out: StrictProblem[], problem: Report): void {
  const size = Object.keys(obj).length;
  if (s.minProperties !== undefined && size < s.minProperties) problem("minProperties", `minProperties: got ${size}, want ${s.minProperties}`);
  if (s.maxProperties !== undefined && size > s.maxProperties) problem("maxProperties", `maxProperties: got ${size}, want ${s.maxProperties}`);
  const missing = (s.required ?? []).filter((r) => !Object.hasOwn(obj, r));
  if (missing.length === 1) problem("required", `missing property ${quote(missing[0]!)}`);
  else if (missing.length > 1) problem("required", `missing properties ${missing.map(quote).join(", ")}`);
  for (const [key, v] of Object.entries(obj)) {
    let evaluated = false;
    if (s.properties !== undefined && Object.hasOwn(s.properties, key)) {
      evaluated = true;
      check(s.properties[key]!, v, [...at, key], out);
    }
    for (const [re, i] of Object.entries(s.patternProperties ?? {})) {
      if (goRegExp(re).test(key)) {
        evaluated = true;
        check(i, v, [...at, key], out);
      }
    }
    if (evaluated || s.additionalProperties === undefined || s.additionalProperties === true) continue;
    if (s.additionalProperties === false) {
      const suggestion = closest(key, Object.keys(s.properties ?? {}));
      problem("additionalProperties", `additional properties ${quote(key)} not allowed`, { key, ...(suggestion !== undefined ? { suggestion } : {}) });
    } else check(s.additionalProperties, v, [...at, key], out);
  }
}

function checkArray(s: StrictSchemaNode, arr: unknown[], at: Segments, out: StrictProblem[], problem: Report): void {
  if (s.minItems !== undefined && arr.length < s.minItems) problem("minItems", `minItems: got ${arr.length}, want ${s.minItems}`);
  if (s.maxItems !== undefined && arr.length > s.maxItems) problem("maxItems", `maxItems: got ${arr.length}, want ${s.maxItems}`);
  if (s.uniqueItems === true) {
    outer: for (let i = 0; i < arr.length; i++) {
      for (let j = i + 1; j < arr.length; j++) {
        if (equal(arr[i], arr[j])) {
          problem("uniqueItems", `items at ${i} and ${j} are equal`);
          break outer;
        }
      }
    }
  }
  if (s.items !== undefined) arr.forEach((item, i) => check(s.items!, item, [...at, i], out));
}

function checkString(s: StrictSchemaNode, str: string, problem: Report): void {
  // v6 counts runes (code points), not UTF-16 units.
  const length = s.minLength !== undefined || s.maxLength !== undefined ? [...str].length : 0;
  if (s.minLength !== undefined && length < s.minLength) problem("minLength", `minLength: got ${length}, want ${s.minLength}`);
  if (s.maxLength !== undefined && length > s.maxLength) problem("maxLength", `maxLength: got ${length}, want ${s.maxLength}`);
  if (s.pattern !== undefined && !goRegExp(s.pattern).test(str)) problem("pattern", `${quote(str)} does not match pattern ${quote(s.pattern)}`);
}

function checkNumber(s: StrictSchemaNode, n: number, problem: Report): void {
  if (s.minimum !== undefined && n < s.minimum) problem("minimum", `minimum: got ${n}, want ${s.minimum}`);
  if (s.maximum !== undefined && n > s.maximum) problem("maximum", `maximum: got ${n}, want ${s.maximum}`);
}

/** Each branch's problems ([] for a branch that matched). */
function branches(indexes: readonly number[], value: unknown, at: Segments): StrictProblem[][] {
  return indexes.map((i) => {
    const found: StrictProblem[] = [];
    check(i, value, at, found);
    return found;
  });
}

function cause(p: StrictProblem): string {
  return `at '${p.path || "/"}': ${p.message}`;
}

/** The order v6 lists wanted types in (schema.go `Types.ToStrings`). */
const TYPE_ORDER = ["null", "boolean", "number", "integer", "string", "array", "object"];

/** A parsed YAML value's JSON type, as v6 names it (a number is "number", whole or not). */
function typeOf(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v === "object" ? "object" : typeof v === "number" || typeof v === "bigint" ? "number" : typeof v;
}

function enumMessage(values: readonly unknown[]): string {
  if (values.some((v) => v !== null && typeof v === "object")) return "enum failed";
  return values.length === 1 ? `value must be ${display(values[0])}` : `value must be one of ${values.map(display).join(", ")}`;
}

/** kind.go `display`: strings quoted, other primitives as Go prints them. */
function display(v: unknown): string {
  if (typeof v === "string") return quote(v);
  if (v !== null && typeof v === "object") return "value";
  return v === null || v === undefined ? "<nil>" : String(v);
}

/** kind.go `quote`: Go's %q, in single quotes. */
function quote(s: string): string {
  return `'${JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** kubeconform's path: every token after a `/`, unescaped. */
function pointer(at: Segments): string {
  return at.map((s) => `/${s}`).join("");
}

/** JSON equality (v6 util.go `equals`): numbers by value, objects by keys, arrays in order. */
function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]));
}

const compiled = new Map<string, RegExp>();

/** A schema pattern, compiled once (Go syntax, see go-regexp.ts); like Go's MatchString, unanchored. */
function goRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    const { source, flags } = translateGoRegExp(pattern);
    re = new RegExp(source, flags);
    compiled.set(pattern, re);
  }
  return re;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
