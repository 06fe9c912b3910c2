/**
 * cloud-init's schema validation, in process: `validate_cloudconfig_schema` of
 * `cloudinit/config/schema.py` (cloud-init 22.4) with Ajv standing in for python-jsonschema 4.x.
 * What cloud-init's validator is, and how Ajv is made to be it:
 *
 * - jsonschema's Draft4Validator keywords, built with `validators.create()` (so, unlike a stock
 *   Draft4Validator, keywords beside a `$ref` apply too, as in Ajv). The draft-6+ keywords draft 4
 *   does not know (`const`, `contains`, `propertyNames`, `if`) are removed from Ajv; other unknown
 *   keywords (`label`, `hidden`, `prefixItems`) are ignored by both.
 * - cloud-init's own `deprecated` keyword yields a deprecation ("DEPRECATED: <description>") that
 *   is reported as a warning, not an error; and its own `anyOf`/`oneOf` count a branch as passing
 *   when it has no error other than deprecations, and keep the deprecations of the passing branch
 *   only. Ajv's combinators cannot tell the two apart, so these three (and `not`, which uses the
 *   same `is_valid`) are keywords of ours below.
 * - Types as jsonschema's draft-4 type checker with cloud-init's change: bytes are strings; a
 *   float is never an `integer` (`1.0` fails `integer`); bool is not a number.
 * - Formats as `FormatChecker()` checks them (cloud-init-py-formats.ts), patterns as Python's
 *   `re.search` (cloud-init-py-regex.ts).
 * - Messages are jsonschema's, with Python `repr()`s of the values; problems are sorted by path as
 *   cloud-init sorts them (a stable sort of the path's parts).
 *
 * The schema is compiled lazily, key by key (see runsFor): compiling all of it takes Ajv 0.1-0.3 s,
 * about what the nodes of a large cluster take to validate.
 */
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from "ajv";
import type { DataValidationCxt, SchemaValidateFunction } from "ajv/dist/types/index.js";
import { CLOUD_INIT_FORMATS } from "./cloud-init-py-formats.js";
import { pythonRegExp } from "./cloud-init-py-regex.js";
import { pyRepr, pyStrRepr, type PyNotes } from "./cloud-init-py-values.js";
import type { SchemaProblem } from "./cloud-init-findings.js";

/** The problems cloud-init reports for one cloud-config. */
export interface CloudConfigProblems {
  errors: SchemaProblem[];
  deprecations: SchemaProblem[];
}

/** The schema cannot be used in process (Ajv cannot compile it): use the `cloud-init schema` command. */
export class SchemaNotUsable extends Error {
  override readonly name = "SchemaNotUsable";
}

type Json = Record<string, unknown>;
type Segment = string | number;

const ROOT_ID = "cloud-init-schema";
/** Slipway's mark on `integer` schemas: a Python float must fail them (Ajv's check passes `1.0`). */
const FLOAT_IS_NOT_INTEGER = "x-slipway-float-is-not-integer";
const DEPRECATION = "deprecated";
/** Where the root's `allOf` (one `$ref` per cloud-init module) is kept, away from Ajv. */
const MODULES = "x-slipway-allOf";
/** Keys that say nothing about a value: a module schema of only these and `properties` is run key by key. */
const ANNOTATIONS = new Set(["description", "title", "default", "examples", "$comment", "label", "hidden"]);

/** cloud-init's validator for one schema; reuse it for every file of a run. */
export class CloudConfigValidator {
  private readonly ajv: Ajv;
  private readonly root: Json;
  private readonly pointers = new WeakMap<object, string>();
  private readonly compiled = new Map<string, ValidateFunction>();
  /** The notes of the document being validated (keywords run synchronously inside validate()). */
  private notes: PyNotes | undefined;

  /** @param schema cloud-init's schema as read from its JSON file (it is not modified) */
  constructor(schema: Json) {
    const { $schema: _draft04, allOf, ...rest } = structuredClone(schema); // draft-04's meta-schema is not in Ajv (nor checked by cloud-init)
    // Ajv compiles a schema's root before any part of it: without `allOf`, the root is trivial, and
    // the modules are run one by one (runsFor), which is what `allOf` means.
    this.root = allOf === undefined ? rest : { ...rest, [MODULES]: allOf };
    this.prepare(this.root, "");
    this.ajv = new Ajv({
      allErrors: true,
      verbose: true,
      // jsonschema ignores keywords it does not know; so must Ajv, to read cloud-init's schema as it does.
      strict: false,
      validateSchema: false,
      logger: false,
      inlineRefs: false, // compiling each $ref once is about twice as fast here, and validation stays fast
      code: { optimize: false, regExp: pythonRegExp },
      formats: CLOUD_INIT_FORMATS,
    });
    for (const k of ["const", "contains", "propertyNames", "if", "then", "else", "anyOf", "oneOf", "not", DEPRECATION]) this.ajv.removeKeyword(k);
    this.addKeywords();
    try {
      this.ajv.addSchema(this.root, ROOT_ID);
    } catch (e) {
      throw new SchemaNotUsable(`Ajv cannot read cloud-init's schema: ${(e as Error).message}`);
    }
  }

  /**
   * The problems cloud-init reports for `config`, a dict as built by cloud-init-yaml.ts.
   * @throws SchemaNotUsable when a part of the schema the file needs does not compile
   */
  validate(config: Json, notes: PyNotes): CloudConfigProblems {
    this.notes = notes;
    try {
      const raw: [ErrorObject, number][] = [];
      for (const [i, { v, data, cxt }] of this.runsFor(config).entries()) {
        v(data, cxt);
        for (const e of v.errors ?? []) raw.push([e, i]);
      }
      const problems = this.toProblems(config, raw);
      const errors: SchemaProblem[] = [];
      const deprecations: SchemaProblem[] = [];
      for (const p of sortByPath(problems)) (p.deprecation ? deprecations : errors).push({ path: p.segments.join("."), message: p.message });
      return { errors, deprecations };
    } finally {
      this.notes = undefined;
    }
  }

  /** Pointers to every subschema, and the float mark on every `integer`-not-`number` type. */
  private prepare(schema: Json, pointer: string): void {
    this.pointers.set(schema, pointer);
    const types = typeof schema.type === "string" ? [schema.type] : Array.isArray(schema.type) ? schema.type : [];
    if (types.includes("integer") && !types.includes("number")) schema[FLOAT_IS_NOT_INTEGER] = true;
    for (const [kw, value] of Object.entries(schema)) {
      const at = `${pointer}/${escape(kw)}`;
      if (["properties", "patternProperties", "$defs", "definitions", "dependencies"].includes(kw) && isObject(value)) {
        for (const [k, sub] of Object.entries(value)) if (isObject(sub)) this.prepare(sub, `${at}/${escape(k)}`);
      } else if (["allOf", "anyOf", "oneOf", "items"].includes(kw) && Array.isArray(value)) {
        value.forEach((sub, i) => isObject(sub) && this.prepare(sub, `${at}/${i}`));
      } else if (["items", "additionalItems", "additionalProperties", "not"].includes(kw) && isObject(value)) {
        this.prepare(value, at);
      }
    }
  }

  /**
   * Validator runs whose errors together are the whole schema's for `config` (a dict). cloud-init's
   * schema is an `allOf` of modules that each only list properties; jsonschema's `properties`
   * descends only into the keys that are there, so each module is run key by key, and a key's
   * subschema is compiled the first time a file has that key.
   */
  private runsFor(config: Json): Run[] {
    const { [MODULES]: modules, $defs: _defs, definitions: _definitions, ...rest } = this.root;
    const runs: Run[] = Object.keys(rest).some((k) => !ANNOTATIONS.has(k)) ? [{ v: this.compile(""), data: config }] : [];
    if (!Array.isArray(modules)) return runs;
    for (const [i, module] of modules.entries()) {
      const target = this.propertiesOnly(module);
      if (!target) {
        runs.push({ v: this.compile(`/${MODULES}/${i}`), data: config });
        continue;
      }
      for (const k of Object.keys(target.properties)) {
        if (!Object.prototype.hasOwnProperty.call(config, k)) continue;
        const cxt = { instancePath: `/${escape(k)}`, parentData: config, parentDataProperty: k, rootData: config, dynamicAnchors: {} };
        runs.push({ v: this.compile(`${target.pointer}/properties/${escape(k)}`), data: config[k], cxt });
      }
    }
    return runs;
  }

  /**
   * The module schema behind `$ref`s when it only lists properties of an object and allows other
   * keys (so, for a dict, its errors are those of its present properties); else undefined.
   */
  private propertiesOnly(module: unknown): { pointer: string; properties: Json } | undefined {
    let schema = module;
    for (let hops = 0; isObject(schema) && typeof schema.$ref === "string" && Object.keys(schema).every((k) => k === "$ref" || ANNOTATIONS.has(k)); hops++) {
      if (hops > 16 || !schema.$ref.startsWith("#/")) return undefined;
      schema = resolvePointer(this.root, schema.$ref.slice(1));
    }
    if (!isObject(schema)) return undefined;
    const { type, properties, additionalProperties, ...rest } = schema;
    if (Object.keys(rest).some((k) => !ANNOTATIONS.has(k))) return undefined;
    if (type !== undefined && type !== "object" && !(Array.isArray(type) && type.includes("object"))) return undefined;
    if (additionalProperties !== undefined && additionalProperties !== true && !(isObject(additionalProperties) && Object.keys(additionalProperties).length === 0)) return undefined;
    const pointer = this.pointers.get(schema);
    return pointer !== undefined && isObject(properties ?? {}) ? { pointer, properties: (properties ?? {}) as Json } : undefined;
  }

  private compile(pointer: string): ValidateFunction {
    let v = this.compiled.get(pointer);
    if (!v) {
      try {
        v = this.ajv.getSchema(`${ROOT_ID}#${pointer.split("/").map((s) => encodeURIComponent(s)).join("/")}`);
      } catch (e) {
        throw new SchemaNotUsable(`Ajv cannot compile cloud-init's schema at #${pointer}: ${(e as Error).message}`);
      }
      if (!v) throw new SchemaNotUsable(`cloud-init's schema has no subschema at #${pointer}`);
      this.compiled.set(pointer, v);
    }
    return v;
  }

  /** Errors of `schema` (a subschema of the root) for `data` at the place `cxt` says. */
  private run(schema: Json, data: unknown, cxt: DataValidationCxt): ErrorObject[] {
    const pointer = this.pointers.get(schema);
    if (pointer === undefined) throw new SchemaNotUsable("a subschema of cloud-init's schema was not found in it");
    const v = this.compile(pointer);
    v(data, cxt);
    return [...(v.errors ?? [])];
  }

  private isValid(schema: Json, data: unknown, cxt: DataValidationCxt): boolean {
    return this.run(schema, data, cxt).every(isDeprecation);
  }

  private repr(data: unknown, cxt: DataValidationCxt): string {
    return pyRepr(data, this.notes, this.notes?.scalar(cxt.parentData, cxt.parentDataProperty));
  }

  /** cloud-init's `deprecated`, `anyOf`, `oneOf` (schema.py), jsonschema's `not`, and the float mark. */
  private addKeywords(): void {
    const problem = (message: string, keyword: string, deprecation = false): Partial<ErrorObject> => ({ keyword, message, params: { python: message, deprecation } });
    const deprecated: SchemaValidateFunction = (value: unknown, _data: unknown, parent?: AnySchemaObject) => {
      if (!pyTruthy(value)) return true;
      const description = parent?.description as unknown;
      deprecated.errors = [problem(pyTruthy(description) ? `DEPRECATED: ${String(description)}` : "DEPRECATED.", DEPRECATION, true)];
      return false;
    };
    const anyOf: SchemaValidateFunction = (branches: Json[], data: unknown, _parent?: AnySchemaObject, cxt?: DataValidationCxt) => {
      for (const branch of branches) {
        const errs = this.run(branch, data, cxt!);
        if (errs.every(isDeprecation)) {
          anyOf.errors = errs; // the passing branch's deprecations
          return errs.length === 0;
        }
      }
      anyOf.errors = [problem(`${this.repr(data, cxt!)} is not valid under any of the given schemas`, "anyOf")];
      return false;
    };
    const oneOf: SchemaValidateFunction = (branches: Json[], data: unknown, _parent?: AnySchemaObject, cxt?: DataValidationCxt) => {
      const out: Partial<ErrorObject>[] = [];
      let first = -1;
      let deprecations: ErrorObject[] = [];
      for (let i = 0; i < branches.length && first === -1; i++) {
        const errs = this.run(branches[i]!, data, cxt!);
        if (errs.every(isDeprecation)) [first, deprecations] = [i, errs];
      }
      if (first === -1) out.push(problem(`${this.repr(data, cxt!)} is not valid under any of the given schemas`, "oneOf"));
      // As cloud-init's _oneOf: the branches after the first valid one, then that one, in the message.
      const moreValid = first === -1 ? [] : branches.slice(first + 1).filter((b) => this.isValid(b, data, cxt!));
      if (moreValid.length > 0) {
        const reprs = [...moreValid, branches[first]!].map((b) => pyRepr(b)).join(", ");
        out.push(problem(`${this.repr(data, cxt!)} is valid under each of ${reprs}`, "oneOf"));
      } else out.push(...deprecations);
      oneOf.errors = out;
      return out.length === 0;
    };
    const not: SchemaValidateFunction = (schema: Json, data: unknown, _parent?: AnySchemaObject, cxt?: DataValidationCxt) => {
      if (!this.isValid(schema, data, cxt!)) return true;
      not.errors = [problem(`${this.repr(data, cxt!)} should not be valid under ${pyRepr(schema)}`, "not")];
      return false;
    };
    const floatIsNotInteger: SchemaValidateFunction = (_mark: unknown, data: unknown, parent?: AnySchemaObject, cxt?: DataValidationCxt) => {
      // Only where Ajv's own integer check passed (`!(x % 1) && !isNaN(x)`), or its error would repeat.
      const isFloat = this.notes?.scalar(cxt!.parentData, cxt!.parentDataProperty)?.float === true;
      if (typeof data !== "number" || !isFloat || data % 1 || Number.isNaN(data)) return true;
      floatIsNotInteger.errors = [problem(typeMessage(this.repr(data, cxt!), parent?.type), "type")];
      return false;
    };
    this.ajv.addKeyword({ keyword: DEPRECATION, errors: true, validate: deprecated });
    this.ajv.addKeyword({ keyword: "anyOf", schemaType: "array", errors: true, validate: anyOf });
    this.ajv.addKeyword({ keyword: "oneOf", schemaType: "array", errors: true, validate: oneOf });
    this.ajv.addKeyword({ keyword: "not", schemaType: "object", errors: true, validate: not });
    this.ajv.addKeyword({ keyword: FLOAT_IS_NOT_INTEGER, errors: true, validate: floatIsNotInteger });
  }

  /** Ajv's errors as cloud-init's problems; `additionalProperties: false` errors merge into one, as jsonschema says it. */
  private toProblems(config: Json, raw: [ErrorObject, number][]): Problem[] {
    const out: Problem[] = [];
    const extras = new Map<string, { at: Located; parent: AnySchemaObject | undefined; keys: string[] }>();
    for (const [e, run] of raw) {
      const at = locateData(config, e.instancePath);
      const python = (e.params as { python?: unknown }).python;
      if (typeof python === "string") {
        out.push({ segments: at.segments, message: python, deprecation: (e.params as { deprecation?: boolean }).deprecation === true });
        continue;
      }
      if (e.keyword === "additionalProperties" && e.schema === false) {
        // One message per schema that says so: schema paths are per run (two modules may both list a key).
        const key = `${run}\u0000${e.instancePath}\u0000${e.schemaPath}`;
        const group = extras.get(key);
        const extra = String((e.params as { additionalProperty: unknown }).additionalProperty);
        if (group) group.keys.push(extra);
        else {
          const entry = { at, parent: e.parentSchema, keys: [extra] };
          extras.set(key, entry);
          out.push({ segments: at.segments, message: "", deprecation: false, extras: entry });
        }
        continue;
      }
      out.push({ segments: at.segments, message: this.message(e, at), deprecation: false });
    }
    for (const p of out) {
      if (p.extras) p.message = this.extrasMessage(p.extras.at, p.extras.parent, p.extras.keys);
    }
    return out;
  }

  /** jsonschema 4.x's message for an error of one of Ajv's own keywords. */
  private message(e: ErrorObject, at: Located): string {
    const r = pyRepr(at.value, this.notes, this.notes?.scalar(at.parent, at.key as Segment));
    const params = e.params as Record<string, unknown>;
    const schema = e.schema as unknown;
    switch (e.keyword) {
      case "type":
        return typeMessage(r, e.parentSchema?.type);
      case "required":
        return `${pyStrRepr(String(params.missingProperty))} is a required property`;
      case "dependencies":
        return `${pyStrRepr(String(params.missingProperty))} is a dependency of ${pyStrRepr(String(params.property))}`;
      case "enum":
        return `${r} is not one of ${pyRepr(schema)}`;
      case "minItems":
      case "minLength":
        return `${r} is too short`;
      case "maxItems":
      case "maxLength":
        return `${r} is too long`;
      case "minProperties":
        return `${r} does not have enough properties`;
      case "maxProperties":
        return `${r} has too many properties`;
      case "uniqueItems":
        return `${r} has non-unique elements`;
      case "pattern":
        return `${r} does not match ${pyStrRepr(String(schema))}`;
      case "format":
        return `${r} is not a ${pyStrRepr(String(params.format))}`;
      case "minimum":
        return `${r} is less than the minimum of ${pyRepr(schema)}`;
      case "exclusiveMinimum":
        return `${r} is less than or equal to the minimum of ${pyRepr(schema)}`;
      case "maximum":
        return `${r} is greater than the maximum of ${pyRepr(schema)}`;
      case "exclusiveMaximum":
        return `${r} is greater than or equal to the maximum of ${pyRepr(schema)}`;
      case "multipleOf":
        return `${r} is not a multiple of ${pyRepr(schema)}`;
      case "additionalItems": {
        // extras_msg: the extra items sorted (numbers by value, strs by code point), then their reprs.
        const first = Number(params.limit);
        const items = (Array.isArray(at.value) ? at.value.slice(first) : []).map((v, i) => ({ v, repr: pyRepr(v, this.notes, this.notes?.scalar(at.value, first + i)) }));
        const sorted = items.every((x) => typeof x.v === "number") ? items.sort((a, b) => (a.v as number) - (b.v as number)) : items.sort((a, b) => compareCodePoints(String(a.v), String(b.v)));
        return `Additional items are not allowed (${sorted.map((x) => x.repr).join(", ")} ${items.length === 1 ? "was" : "were"} unexpected)`;
      }
      default:
        // A keyword cloud-init's schema did not use when this was written: Ajv's words, marked.
        return `${r}: ${e.message ?? e.keyword} (Ajv keyword ${e.keyword})`;
    }
  }

  /** jsonschema's `additionalProperties: false` message: every extra key at once, sorted. */
  private extrasMessage(at: Located, parent: AnySchemaObject | undefined, keys: string[]): string {
    const dict = isObject(at.value) ? at.value : {};
    const reprs = [...keys].sort(compareCodePoints).map((k) => this.notes?.keyRepr(dict, k) ?? pyStrRepr(k));
    if (parent && isObject(parent.patternProperties)) {
      const patterns = Object.keys(parent.patternProperties).sort(compareCodePoints).map(pyStrRepr);
      return `${reprs.join(", ")} ${keys.length === 1 ? "does" : "do"} not match any of the regexes: ${patterns.join(", ")}`;
    }
    return `Additional properties are not allowed (${reprs.join(", ")} ${keys.length === 1 ? "was" : "were"} unexpected)`;
  }
}

/** One compiled (sub)schema to run on `data`, at the place `cxt` says (the whole config when absent). */
interface Run {
  v: ValidateFunction;
  data: unknown;
  cxt?: DataValidationCxt;
}

interface Problem {
  segments: Segment[];
  message: string;
  deprecation: boolean;
  extras?: { at: Located; parent: AnySchemaObject | undefined; keys: string[] };
}

interface Located {
  segments: Segment[];
  value: unknown;
  parent: unknown;
  key: Segment | undefined;
}

/** The value at an Ajv instancePath, its container, and the path as cloud-init's parts (list indices are ints). */
function locateData(root: unknown, instancePath: string): Located {
  const segments: Segment[] = [];
  let value = root;
  let parent: unknown;
  let key: Segment | undefined;
  for (const raw of instancePath === "" ? [] : instancePath.slice(1).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    parent = value;
    key = Array.isArray(value) ? Number(part) : part;
    segments.push(key);
    value = (value as Record<Segment, unknown> | undefined)?.[key];
  }
  return { segments, value, parent, key };
}

/**
 * `sorted(errors, key=lambda e: e.path)`: paths compare part by part (ints as numbers, strs by code
 * point), a prefix first; the sort is stable.
 */
function sortByPath(problems: Problem[]): Problem[] {
  const cmp = (a: Segment[], b: Segment[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const [x, y] = [a[i]!, b[i]!];
      if (x === y) continue;
      if (typeof x === "number" && typeof y === "number") return x - y;
      return compareCodePoints(String(x), String(y));
    }
    return a.length - b.length;
  };
  return [...problems].sort((p, q) => cmp(p.segments, q.segments));
}

/** Python's str order: by code point (JavaScript's `<` compares UTF-16 units). */
function compareCodePoints(a: string, b: string): number {
  const [x, y] = [[...a], [...b]];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function typeMessage(repr: string, type: unknown): string {
  const types = typeof type === "string" ? [type] : Array.isArray(type) ? type : [];
  return `${repr} is not of type ${types.map((t) => pyStrRepr(String(t))).join(", ")}`;
}

function isDeprecation(e: ErrorObject): boolean {
  return (e.params as { deprecation?: unknown }).deprecation === true;
}

/** Python's truth of a JSON value (`if deprecated:`, `if description:`). */
function pyTruthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function escape(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

function resolvePointer(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer === "" ? [] : pointer.slice(1).split("/")) {
    const part = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[part] : undefined;
  }
  return node;
}
