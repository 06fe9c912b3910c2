/**
 * JSON Schema validation with ajv (strict, allErrors), every ajv error turned into one of our
 * diagnostics with a position. Errors are folded so one mistake gives one message: the branches of
 * an `anyOf` collapse into the parent's description, and an unknown key gets "did you mean".
 */
import type { ErrorObject } from "ajv";
import { error, formatPath, type Diagnostic } from "../diagnostics.js";
import validateCluster from "./generated/cluster-validator.cjs";
import type { LoadedSpec } from "./load.js";
import { locate, pointerSegments } from "./locate.js";
import { clusterSchema, deref, schemaAt, type JsonSchema } from "./schema.js";
import { closest } from "./suggest.js";
import { escapeYaml11Unsafe } from "../yaml11-characters.js";

/**
 * Validates the loaded spec; returns diagnostics (empty when valid). The validator is compiled at
 * build time (scripts/generate-validator.mjs) with useDefaults, so it runs on a copy.
 */
export function validateSchema(spec: LoadedSpec): Diagnostic[] {
  if (validateCluster(structuredClone(spec.value))) return [];
  return foldErrors(validateCluster.errors ?? []).map((e) => toDiagnostic(spec, e));
}

/** A deep copy of a schema-valid value with every schema default filled in. */
export function withDefaults<T>(value: unknown): T {
  const copy = structuredClone(value);
  validateCluster(copy);
  return copy as T;
}

function foldErrors(errors: ErrorObject[]): ErrorObject[] {
  const anyOfs = errors.filter((e) => e.keyword === "anyOf");
  const kept = errors.filter((e) => {
    // ajv reports a bad key twice: the inner pattern error (with propertyName) and propertyNames.
    if ((e as ErrorObject & { propertyName?: string }).propertyName !== undefined) return false;
    for (const a of anyOfs) {
      if (e === a || !e.schemaPath.startsWith(`${a.schemaPath}/`)) continue;
      // Under a failed anyOf keep only the errors of the one branch the value's type selects (a
      // list of strings with a number in it: say which item); otherwise the anyOf says it once.
      const branch = selectedBranch(a);
      return branch !== undefined && e.schemaPath.startsWith(`${a.schemaPath}/${branch}/`);
    }
    if (e.keyword === "anyOf") return selectedBranch(e) === undefined;
    return true;
  });
  // `rol: server` gives "missing role" and "unknown rol (did you mean role?)": the second says both.
  const misspelt = new Set(
    kept
      .filter((e) => e.keyword === "additionalProperties")
      .map((e) => `${e.instancePath}|${closest(String((e.params as { additionalProperty: string }).additionalProperty), Object.keys(((e.parentSchema ?? {}) as JsonSchema).properties ?? {})) ?? ""}`),
  );
  const seen = new Set<string>();
  return kept.filter((e) => {
    if (e.keyword === "required" && misspelt.has(`${e.instancePath}|${(e.params as { missingProperty: string }).missingProperty}`)) return false;
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Index of the only anyOf branch whose `type` matches the value, if exactly one does. */
function selectedBranch(e: ErrorObject): number | undefined {
  const branches = ((e.schema ?? []) as JsonSchema[]).map((b, i) => ({ i, types: branchTypes(b) }));
  const matching = branches.filter((b) => b.types?.some((t) => typeMatches(t, e.data)));
  return matching.length === 1 ? matching[0]!.i : undefined;
}

function branchTypes(s: JsonSchema): string[] | undefined {
  if (s.type === undefined) return undefined;
  return Array.isArray(s.type) ? s.type : [s.type];
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case "string": return typeof v === "string";
    case "boolean": return typeof v === "boolean";
    case "integer": return Number.isInteger(v);
    case "number": return typeof v === "number";
    case "array": return Array.isArray(v);
    case "object": return v !== null && typeof v === "object" && !Array.isArray(v);
    case "null": return v === null;
    default: return false;
  }
}

/** What a value of a shared definition is called in messages ("... is not a valid IP address"). */
const DEF_NOUNS: Record<string, string> = {
  dnsLabel: "DNS label",
  namespacePrefix: "namespace prefix",
  dnsSubdomain: "DNS subdomain",
  ipAddress: "IP address",
  cidr: "CIDR network",
  chartVersion: "pinned chart version",
  image: "container image reference",
  quantity: "Kubernetes quantity",
  duration: "duration",
  alertDuration: "alert duration (e.g. 5m)",
  taint: "taint",
  labelMap: "label key",
};

/** Nouns for fields with their own pattern, by property name. */
const PROPERTY_NOUNS: Record<string, string> = {
  repoURL: "Git repository URL",
  revision: "Git revision",
  authorizedKeys: "SSH public key",
  email: "e-mail address",
  secretKey: "Secret data key",
  args: "K3s flag name",
  device: "block device path",
  mountPath: "absolute path",
  localPath: "absolute path",
  repo: "chart repository URL",
  owner: "uid:gid",
  ports: "port, written PROTOCOL:PORT",
};

// Keyed by content, not identity: the build-time validator carries its own copies of the schema.
let defByObject: Map<string, string> | undefined;

function nounFor(e: ErrorObject, segments: (string | number)[]): string {
  defByObject ??= new Map(Object.entries((clusterSchema.$defs ?? {}) as Record<string, object>).map(([k, v]) => [JSON.stringify(v), k]));
  const def = defByObject.get(JSON.stringify(e.parentSchema));
  if (def && DEF_NOUNS[def]) return DEF_NOUNS[def]!;
  if (e.keyword === "format" && (e.params as { format?: string }).format === "email") return "e-mail address";
  const named = [...segments].reverse().find((s): s is string => typeof s === "string");
  // A label value is matched by labelMap's additionalProperties, a map entry keyed by the label.
  if (segments.includes("labels") || segments.includes("nodeSelector")) return "label value";
  if (named === undefined) return "value";
  return PROPERTY_NOUNS[named] ?? (segments.at(-2) === "k3s" ? `K3s ${named}` : named);
}

function toDiagnostic(spec: LoadedSpec, e: ErrorObject): Diagnostic {
  const segments = pointerSegments(e.instancePath);
  const parent = (e.parentSchema ?? {}) as JsonSchema;
  const what = firstSentence(parent.description) || describeAt(segments);
  const at = (segs: (string | number)[], key = false) => ({ ...locate(spec, segs, { key }), file: spec.file, path: formatPath(segs) || "(document)" });
  switch (e.keyword) {
    case "additionalProperties": {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys(parent.properties ?? {});
      const guess = closest(extra, known);
      const elsewhere = guess ? undefined : ancestorWithKey(segments, extra);
      const allowed = known.length ? `Allowed keys here: ${known.join(", ")}.` : "No keys are allowed here.";
      return error("SW-SCHEMA-UNKNOWN-KEY", `unknown key ${shortValue(extra)}${guess ? ` (did you mean "${guess}"?)` : ""}`, {
        ...at([...segments, extra], true),
        path: formatPath([...segments, shortKey(extra)]),
        // `apps:` indented under `hosts:` is valid YAML: the key is right, its indentation is not.
        hint: elsewhere ? `"${extra}" belongs under ${elsewhere} (${elsewhere}.${extra}), not ${formatPath(segments)}: check its indentation. ${allowed}` : allowed,
      });
    }
    case "required": {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      const sub = parent.properties?.[missing] as JsonSchema | undefined;
      const expected = describeExpected(sub ? deref(sub) : undefined);
      return error("SW-SCHEMA-REQUIRED", `missing required key "${missing}"`, {
        ...at(segments),
        path: formatPath([...segments, missing]),
        hint: expected ? `Add ${missing}: ${expected}` : `Add ${missing}.`,
      });
    }
    case "type": {
      const want = String((e.params as { type: string }).type);
      return error("SW-SCHEMA-TYPE", `expected ${article(want)}, got ${typeName(e.data)}`, {
        ...at(segments), hint: typeHint(want, e.data, what),
      });
    }
    case "enum": {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      const guess = typeof e.data === "string" ? closest(e.data, allowed) : undefined;
      return error("SW-SCHEMA-ENUM", `${shortValue(e.data)} is not one of: ${allowed.join(", ")}${guess ? ` (did you mean "${guess}"?)` : ""}`, {
        ...at(segments), hint: what || `Use one of: ${allowed.join(", ")}.`,
      });
    }
    case "const":
      return error("SW-SCHEMA-CONST", `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}, got ${shortValue(e.data)}`, {
        ...at(segments), hint: what || "This value is fixed.",
      });
    case "anyOf": {
      // No branch took the value's type (a mapping where a string or list goes).
      const types = ((e.schema ?? []) as JsonSchema[]).flatMap((b) => branchTypes(b) ?? []);
      if (types.length > 0 && !types.some((t) => typeMatches(t, e.data))) {
        return error("SW-SCHEMA-TYPE", `expected ${orList([...new Set(types)].map((t) => article(t)))}, got ${typeName(e.data)}`, {
          ...at(segments), hint: what ? `This field: ${what}` : "Use one of the types above.",
        });
      }
      return formatProblem(e, segments, at, what, parent);
    }
    case "pattern":
    case "format":
      return formatProblem(e, segments, at, what, parent);
    case "minItems":
    case "maxItems":
    case "minLength":
    case "maxLength":
    case "minimum":
    case "maximum":
    case "maxProperties":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return error("SW-SCHEMA-RANGE", `${ajvLimitMessage(e)}`, { ...at(segments), hint: what || "Change the value to fit the limit." });
    case "uniqueItems": {
      const p = e.params as { i: number; j: number };
      const item = Array.isArray(e.data) ? (e.data as unknown[])[p.i] : undefined;
      return error("SW-SCHEMA-DUPLICATE-ITEM", `${shortValue(item)} is listed twice (items ${p.j} and ${p.i})`, { ...at([...segments, p.i]), hint: "List each value once." });
    }
    case "propertyNames": {
      const name = (e.params as { propertyName: string }).propertyName;
      const where = [...segments, name];
      return error("SW-SCHEMA-KEY-FORMAT", `${shortValue(name)} is not a valid ${nounFor(e, segments)}`, {
        ...at(where, true), path: formatPath([...segments, shortKey(name)]), hint: what || "Rename the key.",
      });
    }
    default:
      return error(`SW-SCHEMA-${e.keyword.toUpperCase()}`, e.message ?? "invalid value", { ...at(segments), hint: what || "See `slipway explain` for this field." });
  }
}

/** First sentence of the nearest described field at or above `segments` (for hints). */
function describeAt(segments: (string | number)[]): string {
  for (let k = segments.length; k >= 0; k--) {
    const d = schemaAt(segments.slice(0, k))?.description;
    if (d) return firstSentence(d);
  }
  return "";
}

function formatProblem(e: ErrorObject, segments: (string | number)[], at: (s: (string | number)[]) => Partial<Diagnostic>, what: string, parent: JsonSchema): Diagnostic {
  return error("SW-SCHEMA-FORMAT", `${shortValue(e.data)} is not a valid ${nounFor(e, segments)}`, {
    ...at(segments), hint: [what, example(parent, what)].filter(Boolean).join(" ") || "Check the value's format.",
  });
}

function typeHint(want: string, data: unknown, what: string): string {
  const field = what ? ` This field: ${what}` : "";
  if (want === "string" && (typeof data === "number" || typeof data === "boolean")) return `Quote the value to make it a string: "${String(data)}".${field}`;
  if (want === "string" && data !== null && typeof data === "object" && !Array.isArray(data)) return `An unquoted value that contains ": " is read as a mapping: quote the whole value.${field}`;
  if (data === null) return `The value is empty: write one (or remove the key if it is optional).${field}`;
  if (want === "boolean" && typeof data === "string") return `Write true or false without quotes (YAML 1.2 reads yes/no/on/off as strings).${field}`;
  return what ? `This field: ${what}` : `Write ${article(want)} here.`;
}

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

function ajvLimitMessage(e: ErrorObject): string {
  const limit = (e.params as { limit: number }).limit;
  switch (e.keyword) {
    case "minItems": return `needs at least ${limit} item${limit === 1 ? "" : "s"}`;
    case "maxItems": return `allows at most ${limit} items`;
    case "minLength": return `must not be empty`;
    case "maxLength": return `is longer than ${limit} characters`;
    case "maxProperties": return `allows at most ${limit} keys`;
    case "minimum": return `must be at least ${limit}, got ${JSON.stringify(e.data)}`;
    case "maximum": return `must be at most ${limit}, got ${JSON.stringify(e.data)}`;
    default: return e.message ?? "out of range";
  }
}

function describeExpected(s: JsonSchema | undefined): string | undefined {
  if (!s) return undefined;
  const ex = example(s);
  const d = firstSentence(s.description);
  return [d, ex].filter(Boolean).join(" ") || undefined;
}

/** `Example: "..."` from the schema, unless `already` (the hint so far) shows it. */
function example(s: JsonSchema, already = ""): string | undefined {
  const ex = s.examples?.[0];
  if (ex === undefined || (typeof ex === "string" && already.includes(ex))) return undefined;
  return `Example: ${JSON.stringify(ex)}.`;
}

function firstSentence(d: string | undefined): string {
  if (!d) return "";
  // A sentence ends at ". " but not after "e.g." or "i.e.".
  const m = /^(.*?(?<!\be\.g|\bi\.e)\.)(\s|$)/.exec(d);
  return m?.[1] ?? d;
}

function shortValue(v: unknown): string {
  // JSON escapes C0 controls; a message is one line in a terminal or CI log, so C1 controls and
  // U+2028/U+2029 are escaped as well.
  const s = escapeYaml11Unsafe(JSON.stringify(v) ?? String(v));
  return s.length > 60 ? `${s.slice(0, 57)}..."` : s;
}

/** A key as a path segment in a message: a 10,000-character key is shortened. */
function shortKey(k: string): string {
  return k.length > 60 ? `${k.slice(0, 57)}...` : k;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (v instanceof Uint8Array) return "binary data";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${shortValue(v)}`;
}

/** The nearest enclosing mapping (of the spec path `segments`) whose schema has `key`, as a spec path. */
function ancestorWithKey(segments: readonly (string | number)[], key: string): string | undefined {
  for (let n = segments.length - 1; n >= 0; n--) {
    const up = segments.slice(0, n);
    if (schemaAt(up)?.properties?.[key] !== undefined) return formatPath(up) || "the top level";
  }
  return undefined;
}

function article(t: string): string {
  const names: Record<string, string> = { object: "a mapping", array: "a list", string: "a string", integer: "an integer", number: "a number", boolean: "true or false" };
  return t.split(",").map((x) => names[x] ?? x).join(" or ");
}
