/**
 * JSON Schema validation with ajv (strict, allErrors), every ajv error turned into one of our
 * diagnostics with a position. Errors are folded so one mistake gives one message: the branches of
 * an `anyOf` collapse into the parent's description, and an unknown key gets "did you mean".
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { error, formatPath, type Diagnostic } from "../diagnostics.js";
import type { LoadedSpec } from "./load.js";
import { locate, pointerSegments } from "./locate.js";
import { clusterSchema, type JsonSchema } from "./schema.js";
import { closest } from "./suggest.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020, formats: string[]) => void;

let compiled: ValidateFunction | undefined;
let compiledWithDefaults: ValidateFunction | undefined;

function validator(useDefaults: boolean): ValidateFunction {
  const make = () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true, useDefaults, allowUnionTypes: true });
    addFormats(ajv, ["ipv4", "ipv6", "email", "uri"]);
    return ajv.compile(clusterSchema);
  };
  if (useDefaults) return (compiledWithDefaults ??= make());
  return (compiled ??= make());
}

/** Validates the loaded spec; returns diagnostics (empty when valid). */
export function validateSchema(spec: LoadedSpec): Diagnostic[] {
  const validate = validator(false);
  if (validate(spec.value)) return [];
  return foldErrors(validate.errors ?? []).map((e) => toDiagnostic(spec, e));
}

/** A deep copy of a schema-valid value with every schema default filled in. */
export function withDefaults<T>(value: unknown): T {
  const copy = structuredClone(value);
  // Run twice: defaults inside a defaulted object (e.g. network: {} then network.cni) appear on the
  // second pass, because ajv fills a parent default after validating the parent's subschema.
  validator(true)(copy);
  validator(true)(copy);
  return copy as T;
}

function foldErrors(errors: ErrorObject[]): ErrorObject[] {
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  const kept = errors.filter((e) => {
    if (e.keyword === "anyOf") return true;
    // Drop the per-branch errors under a failed anyOf: the parent says it once.
    for (const p of anyOfPaths) if ((e.instancePath === p || e.instancePath.startsWith(`${p}/`)) && e.schemaPath.includes("/anyOf/")) return false;
    return true;
  });
  const seen = new Set<string>();
  return kept.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function toDiagnostic(spec: LoadedSpec, e: ErrorObject): Diagnostic {
  const segments = pointerSegments(e.instancePath);
  const parent = (e.parentSchema ?? {}) as JsonSchema;
  const what = firstSentence(parent.description);
  const at = (segs: (string | number)[], key = false) => ({ ...locate(spec, segs, { key }), file: spec.file, path: formatPath(segs) || "(document)" });
  switch (e.keyword) {
    case "additionalProperties": {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys(parent.properties ?? {});
      const guess = closest(extra, known);
      return error("SW-SCHEMA-UNKNOWN-KEY", `unknown key "${extra}"${guess ? ` (did you mean "${guess}"?)` : ""}`, {
        ...at([...segments, extra], true),
        hint: known.length ? `Allowed keys here: ${known.join(", ")}.` : "No keys are allowed here.",
      });
    }
    case "required": {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      const sub = parent.properties?.[missing] as JsonSchema | undefined;
      return error("SW-SCHEMA-REQUIRED", `missing required key "${missing}"`, {
        ...at(segments),
        path: formatPath([...segments, missing]),
        hint: describeExpected(sub) ?? `Add "${missing}".`,
      });
    }
    case "type":
      return error("SW-SCHEMA-TYPE", `expected ${article(String((e.params as { type: string }).type))}, got ${typeName(e.data)}`, {
        ...at(segments), hint: what ? `This field: ${what}` : undefined,
      });
    case "enum": {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      const guess = typeof e.data === "string" ? closest(e.data, allowed) : undefined;
      return error("SW-SCHEMA-ENUM", `${JSON.stringify(e.data)} is not one of: ${allowed.join(", ")}${guess ? ` (did you mean "${guess}"?)` : ""}`, {
        ...at(segments), hint: what || undefined,
      });
    }
    case "const":
      return error("SW-SCHEMA-CONST", `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}, got ${JSON.stringify(e.data)}`, {
        ...at(segments), hint: what || undefined,
      });
    case "pattern":
    case "format":
    case "anyOf":
      return error("SW-SCHEMA-FORMAT", `${shortValue(e.data)} is not valid here`, {
        ...at(segments), hint: [what, example(parent)].filter(Boolean).join(" ") || undefined,
      });
    case "minItems":
    case "maxItems":
    case "minLength":
    case "maxLength":
    case "minimum":
    case "maximum":
    case "maxProperties":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return error("SW-SCHEMA-RANGE", `${ajvLimitMessage(e)}`, { ...at(segments), hint: what || undefined });
    case "uniqueItems": {
      const p = e.params as { i: number; j: number };
      return error("SW-SCHEMA-DUPLICATE-ITEM", `items ${p.j} and ${p.i} are the same`, { ...at([...segments, p.i]), hint: "List each value once." });
    }
    case "propertyNames":
      return error("SW-SCHEMA-KEY-FORMAT", `key ${JSON.stringify((e.params as { propertyName: string }).propertyName)} is not valid here`, {
        ...at([...segments, (e.params as { propertyName: string }).propertyName], true), hint: what || undefined,
      });
    default:
      return error(`SW-SCHEMA-${e.keyword.toUpperCase()}`, e.message ?? "invalid value", { ...at(segments), hint: what || undefined });
  }
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

function example(s: JsonSchema): string | undefined {
  const ex = s.examples?.[0];
  return ex === undefined ? undefined : `Example: ${JSON.stringify(ex)}.`;
}

function firstSentence(d: string | undefined): string {
  if (!d) return "";
  const m = /^(.*?\.)(\s|$)/.exec(d);
  return m?.[1] ?? d;
}

function shortValue(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}..."` : s;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${shortValue(v)}`;
}

function article(t: string): string {
  const names: Record<string, string> = { object: "a mapping", array: "a list", string: "a string", integer: "an integer", number: "a number", boolean: "true or false" };
  return t.split(",").map((x) => names[x] ?? x).join(" or ");
}
