/**
 * User-data read as cloud-init reads it: `safeyaml.load`, which is PyYAML's `SafeLoader` (YAML
 * 1.1), into the Python value model of cloud-init-py-values.ts. The yaml library parses the text
 * with every scalar kept as written (the failsafe schema); the typing is PyYAML's own, written after
 * `yaml/resolver.py` and `yaml/constructor.py` (PyYAML 6.0, Debian 12):
 *
 * - a plain scalar is typed by PyYAML's implicit resolvers: `yes`/`no`/`on`/`off` are booleans
 *   (but `y` and `n` are strings), `0644` is the octal integer 420, `1:20` is 80, a float needs a
 *   point (`1e3` is a string, `1.0e+3` a float), `2030-01-01` is a date, `~` and nothing are None;
 * - a quoted or block scalar is a string; `!!binary` is bytes; an unknown tag is an error;
 * - `<<` merges mappings, duplicate keys keep the last value, and a list or mapping as a key is an
 *   error ("found unhashable key").
 *
 * A problem is reported where cloud-init reports it: the context mark of PyYAML's error when it
 * has one, else the problem mark.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Document, type Node, type Pair } from "yaml";
import { parseAllDocuments, parseOptions } from "../yaml.js";
import { locatable, type LocatableDoc } from "./cloud-init-locate.js";
import { daysInMonth } from "./cloud-init-py-formats.js";
import { opaque, PyNotes, pyBytesRepr, pyFloatRepr, pyRepr, pyStrRepr, type ScalarNote } from "./cloud-init-py-values.js";

/** The outcome of {@link loadLikeCloudInit}. */
export type CloudInitYaml =
  | { ok: true; value: unknown; notes: PyNotes; doc: LocatableDoc | undefined }
  /** A YAML error (PyYAML's YAMLError), or with `python`, an exception cloud-init does not catch. */
  | { ok: false; line: number; col: number; message: string; python?: true };

const TAG = "tag:yaml.org,2002:";
/** yaml/reader.py NON_PRINTABLE. */
const NON_PRINTABLE = /[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Parse and construct a user-data text as `cloudinit.safeyaml.load` does. */
export function loadLikeCloudInit(text: string): CloudInitYaml {
  // PyYAML's Reader refuses these before parsing; its ReaderError has no mark, so cloud-init says 1:1.
  const bad = NON_PRINTABLE.exec(text);
  if (bad) return { ok: false, line: 1, col: 1, message: `unacceptable character #x${bad[0].codePointAt(0)!.toString(16).padStart(4, "0")}: special characters are not allowed` };
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { ...parseOptions, version: "1.1", schema: "failsafe", merge: false, uniqueKeys: false, lineCounter: lines });
  const at = (offset: number) => lines.linePos(offset);
  const list = Array.isArray(docs) ? docs : [];
  const first = list[0];
  if (!first) return { ok: true, value: null, notes: new PyNotes(), doc: undefined };
  const syntax = first.errors[0];
  if (syntax) return { ok: false, ...at(syntax.pos[0]), message: syntax.message.split("\n")[0]! };
  if (list.length > 1) {
    return { ok: false, ...at(first.contents?.range[0] ?? 0), message: "expected a single document in the stream; but found another document" };
  }
  const builder = new Builder(first, text);
  try {
    const value = builder.construct(first.contents).value;
    return { ok: true, value, notes: builder.notes, doc: locatable(first, lines, (key) => builder.keyText(key)) };
  } catch (e) {
    if (!(e instanceof ConstructError)) throw e;
    return { ok: false, ...at(builder.start(e.node)), message: e.message, ...(e.python ? { python: true as const } : {}) };
  }
}

/** PyYAML's ConstructorError, or (`python`) a Python exception a bad value raises while it is built. */
class ConstructError extends Error {
  constructor(
    message: string,
    /** The node PyYAML's mark points at. */
    readonly node: unknown,
    readonly python = false,
  ) {
    super(message);
  }
}

/** A constructed Python value: its JavaScript form, and what that form does not say. */
interface Py {
  value: unknown;
  note?: ScalarNote;
  /** Python's `str()` of it, for a dict key. */
  str: string;
  hashable: boolean;
}

const MAX_DEPTH = 500;

const NONE: Py = { value: null, str: "None", hashable: true };

class Builder {
  readonly notes = new PyNotes();
  private readonly built = new Map<Node, Py>();
  private readonly building = new Set<Node>();
  private readonly keyTexts = new WeakMap<object, string>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly text: string,
  ) {}

  /**
   * Where PyYAML's node starts: at its tag or anchor (`!foo bar` starts at `!`), which the yaml
   * library's range leaves out.
   */
  start(node: unknown): number {
    let at = start(node);
    for (;;) {
      let end = at;
      while (end > 0 && /\s/.test(this.text[end - 1]!)) end--;
      let begin = end;
      while (begin > 0 && !/[\s[\]{},]/.test(this.text[begin - 1]!)) begin--;
      if (begin === end || !/^[!&]/.test(this.text.slice(begin, end))) return at;
      at = begin;
    }
  }

  /** The `str()` of a constructed key node (cloud-init's path segment). */
  keyText(key: unknown): string | undefined {
    return typeof key === "object" && key !== null ? this.keyTexts.get(key) : undefined;
  }

  construct(node: unknown): Py {
    if (node === null || node === undefined) return NONE; // `? a` with no value: an empty scalar
    if (isAlias(node)) return this.construct(node.resolve(this.doc));
    const n = node as Node;
    const done = this.built.get(n);
    if (done) return done;
    // PyYAML builds a recursive structure here; jsonschema then recurses without end.
    if (this.building.has(n)) throw new ConstructError("found a recursive alias (cloud-init cannot validate a recursive structure)", n, true);
    // Python stops at its recursion limit (a RecursionError, a traceback from cloud-init); stop earlier than the JS stack.
    if (this.building.size > MAX_DEPTH) throw new ConstructError(`nested deeper than ${MAX_DEPTH} levels (cloud-init stops with a RecursionError)`, n, true);
    this.building.add(n);
    const py = this.constructNew(n);
    this.building.delete(n);
    this.built.set(n, py);
    return py;
  }

  private constructNew(node: Node): Py {
    // The non-specific tag `!` leaves the node to the resolvers, even a quoted scalar (PyYAML's parser).
    const tag = node.tag === "!" ? undefined : node.tag;
    if (isScalar(node)) {
      const text = String(node.value ?? "");
      const implicit = node.tag === "!" || node.type === "PLAIN";
      return constructScalar(tag ?? (implicit ? resolvePlain(text) : `${TAG}str`), text, node);
    }
    if (isMap(node)) {
      if (tag === `${TAG}set`) return this.constructSet(node);
      if (tag !== undefined && tag !== `${TAG}map`) throw wrongNode(tag, node, "mapping");
      return this.constructDict(node);
    }
    if (isSeq(node)) {
      if (tag === `${TAG}omap` || tag === `${TAG}pairs`) return this.constructPairs(node, tag);
      if (tag !== undefined && tag !== `${TAG}seq`) throw wrongNode(tag, node, "sequence");
      const list: unknown[] = [];
      node.items.forEach((item, i) => {
        const py = this.construct(item);
        list.push(py.value);
        if (py.note) this.notes.noteScalar(list, i, py.note);
      });
      return { value: list, str: "", hashable: false };
    }
    throw new ConstructError("could not determine a constructor for this node", node);
  }

  private constructDict(node: Node & { items: Pair[] }): Py {
    const dict: Record<string, unknown> = {};
    const keys: string[] = [];
    // Python's dict keys by equality: 1, 1.0 and True are one key, which keeps its first spelling.
    const byPyKey = new Map<string, string>();
    for (const [keyNode, valueNode] of this.flatten(node)) {
      const key = this.construct(keyNode);
      if (!key.hashable) throw new ConstructError("while constructing a mapping; found unhashable key", node);
      const value = this.construct(valueNode);
      const identity = pyKeyIdentity(key);
      const jsKey = byPyKey.get(identity) ?? key.str;
      if (typeof keyNode === "object" && keyNode !== null) this.keyTexts.set(keyNode, jsKey);
      if (!byPyKey.has(identity)) {
        byPyKey.set(identity, jsKey);
        keys.push(jsKey);
        if (typeof key.value !== "string" || key.note) this.notes.noteKey(dict, jsKey, pyRepr(key.value, undefined, key.note));
      }
      // `__proto__` must become a key, not the object's prototype.
      Object.defineProperty(dict, jsKey, { value: value.value, enumerable: true, writable: true, configurable: true });
      if (value.note) this.notes.noteScalar(dict, jsKey, value.note);
    }
    if (keys.some((k) => /^(0|[1-9]\d*)$/.test(k))) this.notes.noteOrder(dict, keys);
    return { value: dict, str: "", hashable: false };
  }

  /** SafeConstructor.flatten_mapping: merged pairs first (`<<`), so the mapping's own keys win. */
  private flatten(node: Node & { items: Pair[] }): [unknown, unknown][] {
    const merged: [unknown, unknown][] = [];
    const own: [unknown, unknown][] = [];
    for (const pair of node.items) {
      if (!isMergeKey(pair.key)) {
        own.push([pair.key, pair.value]);
        continue;
      }
      const value = this.deref(pair.value);
      if (isMap(value)) merged.push(...this.flatten(value));
      else if (isSeq(value)) {
        const parts = value.items.map((item) => {
          const sub = this.deref(item);
          if (!isMap(sub)) throw new ConstructError(`while constructing a mapping; expected a mapping for merging, but found ${nodeId(sub)}`, node);
          return this.flatten(sub);
        });
        for (const part of parts.reverse()) merged.push(...part);
      } else {
        throw new ConstructError(`while constructing a mapping; expected a mapping or list of mappings for merging, but found ${nodeId(value)}`, node);
      }
    }
    return [...merged, ...own];
  }

  /** `!!set`: the keys of the mapping, as a Python set. */
  private constructSet(node: Node & { items: Pair[] }): Py {
    const items = this.flatten(node).map(([k]) => this.construct(k));
    if (items.some((k) => !k.hashable)) throw new ConstructError("while constructing a mapping; found unhashable key", node);
    const repr = items.length ? `{${items.map((k) => pyRepr(k.value, undefined, k.note)).join(", ")}}` : "set()";
    return { value: opaque(repr), str: repr, hashable: false };
  }

  /** `!!omap` and `!!pairs`: a list of (key, value) tuples. */
  private constructPairs(node: Node & { items: unknown[] }, tag: string): Py {
    const what = tag === `${TAG}omap` ? "an ordered map" : "pairs";
    const list = node.items.map((item) => {
      const sub = this.deref(item);
      if (!isMap(sub) || sub.items.length !== 1) {
        throw new ConstructError(`while constructing ${what}; expected a mapping of length 1, but found ${nodeId(sub)}`, node);
      }
      const [k, v] = [this.construct(sub.items[0]!.key), this.construct(sub.items[0]!.value)];
      const repr = `(${pyRepr(k.value, this.notes, k.note)}, ${pyRepr(v.value, this.notes, v.note)})`;
      return opaque(repr);
    });
    return { value: list, str: "", hashable: false };
  }

  private deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }
}

/**
 * Which keys Python's dict takes for the same: equal numbers are (bool counts as 0 and 1),
 * otherwise equal reprs of the same kind.
 */
function pyKeyIdentity(key: Py): string {
  if (typeof key.value === "boolean") return `n:${Number(key.value)}`;
  if (typeof key.value === "number") return `n:${key.note && !key.note.float ? key.note.repr : key.value}`;
  if (typeof key.value === "string") return key.note ? `b:${key.note.repr}` : `s:${key.value}`;
  return `o:${key.str}:${pyRepr(key.value)}`;
}

/** PyYAML's implicit resolvers (yaml/resolver.py), tried on a plain scalar without a tag. */
const IMPLICIT: [string, RegExp][] = [
  ["bool", /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/],
  ["float", /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/],
  ["int", /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/],
  ["merge", /^(?:<<)$/],
  ["null", /^(?:~|null|Null|NULL|)$/],
  ["timestamp", /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/],
  ["value", /^(?:=)$/],
];

function resolvePlain(text: string): string {
  // Python's `$` also matches before a final newline (a block scalar tagged `!`).
  const subject = text.endsWith("\n") ? text.slice(0, -1) : text;
  for (const [name, re] of IMPLICIT) if (re.test(subject)) return `${TAG}${name}`;
  return `${TAG}str`;
}

function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  if (key.tag === `${TAG}merge`) return true;
  return key.tag === undefined && key.type === "PLAIN" && key.value === "<<";
}

/** SafeConstructor's scalar constructors. */
function constructScalar(tag: string, text: string, node: Node): Py {
  const fail = (why: string) => new ConstructError(`cloud-init cannot read ${pyStrRepr(text)} as ${tag.replace(TAG, "!!")}: ${why}`, node, true);
  switch (tag) {
    case `${TAG}str`:
    case `${TAG}python/unicode`: // cloudinit.safeyaml adds this constructor
      return { value: text, str: text, hashable: true };
    case `${TAG}null`:
      return NONE;
    case `${TAG}bool`: {
      const b = BOOLS[text.toLowerCase()];
      if (b === undefined) throw fail("not a boolean (KeyError)");
      return { value: b, str: b ? "True" : "False", hashable: true };
    }
    case `${TAG}int`: {
      const n = constructInt(text);
      if (n === undefined) throw fail("not an integer (ValueError)");
      const value = Number(n);
      const repr = n.toString();
      return { value, str: repr, hashable: true, ...(Number.isSafeInteger(value) ? {} : { note: { repr } }) };
    }
    case `${TAG}float`: {
      const x = constructFloat(text);
      if (x === undefined) throw fail("not a float (ValueError)");
      const repr = pyFloatRepr(x);
      return { value: x, str: repr, hashable: true, note: { repr, float: true } };
    }
    case `${TAG}binary`: {
      // ascii, then base64.decodebytes (which skips characters outside the alphabet).
      if (!/^[\x00-\x7f]*$/.test(text)) throw new ConstructError("failed to convert base64 data into ascii", node);
      const bytes = Buffer.from(text, "base64").toString("latin1");
      const repr = pyBytesRepr(bytes);
      return { value: bytes, str: repr, hashable: true, note: { repr, bytes: true } };
    }
    case `${TAG}timestamp`: {
      const t = constructTimestamp(text);
      if (typeof t === "string") throw fail(`${t} (ValueError)`);
      return { value: opaque(t.repr), str: t.str, hashable: true };
    }
    default:
      if (tag === `${TAG}map` || tag === `${TAG}seq` || tag === `${TAG}set` || tag === `${TAG}omap` || tag === `${TAG}pairs`) throw wrongNode(tag, node, "scalar");
      // Also `=` (tag:yaml.org,2002:value), which SafeLoader resolves but cannot construct.
      throw new ConstructError(`could not determine a constructor for the tag ${pyStrRepr(tag)}`, node);
  }
}

const BOOLS: Record<string, boolean> = { yes: true, no: false, true: true, false: false, on: true, off: false };

/** construct_yaml_int, as a BigInt (Python's ints are unbounded); undefined where Python raises. */
function constructInt(raw: string): bigint | undefined {
  let value = raw.replace(/_/g, "").trim(); // int() ignores surrounding whitespace
  const sign = value.startsWith("-") ? -1n : 1n;
  if (value.startsWith("-") || value.startsWith("+")) value = value.slice(1);
  const parse = (digits: string, base: number, ok: RegExp): bigint | undefined => {
    if (!ok.test(digits)) return undefined;
    return [...digits].reduce((n, d) => n * BigInt(base) + BigInt(parseInt(d, base)), 0n);
  };
  let n: bigint | undefined;
  if (value === "0") return 0n;
  if (value.startsWith("0b")) n = parse(value.slice(2), 2, /^[01]+$/);
  else if (value.startsWith("0x")) n = parse(value.slice(2), 16, /^[0-9a-fA-F]+$/);
  else if (value.startsWith("0")) n = parse(value, 8, /^[0-7]+$/);
  else if (value.includes(":")) {
    const parts = value.split(":").map((p) => parse(p, 10, /^[0-9]+$/));
    if (parts.some((p) => p === undefined)) return undefined;
    n = (parts as bigint[]).reduce((acc, p) => acc * 60n + p, 0n);
  } else n = parse(value, 10, /^[0-9]+$/);
  return n === undefined ? undefined : sign * n;
}

/** construct_yaml_float; undefined where Python's float() raises. */
function constructFloat(raw: string): number | undefined {
  let value = raw.replace(/_/g, "").toLowerCase().trim(); // float() ignores surrounding whitespace
  const sign = value.startsWith("-") ? -1 : 1;
  if (value.startsWith("-") || value.startsWith("+")) value = value.slice(1);
  if (value === ".inf") return sign * Infinity;
  if (value === ".nan") return NaN;
  if (/^(?:inf|infinity|nan)$/.test(value)) return value === "nan" ? NaN : sign * Infinity; // float("inf"), for an explicit !!float
  const float = (s: string) => (/^(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/.test(s) ? Number(s) : undefined);
  if (value.includes(":")) {
    const parts = value.split(":").map(float);
    if (parts.some((p) => p === undefined)) return undefined;
    return sign * (parts as number[]).reduce((acc, p) => acc * 60 + p, 0);
  }
  const x = float(value);
  return x === undefined ? undefined : sign * x;
}

const TIMESTAMP =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;

/**
 * construct_yaml_timestamp: a `datetime.date` or `datetime.datetime`, as its `repr()` and `str()`;
 * or the ValueError Python raises for an impossible date.
 */
function constructTimestamp(text: string): { repr: string; str: string } | string {
  const m = TIMESTAMP.exec(text);
  if (!m) return "does not match the timestamp pattern";
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1) return `year ${year} is out of range`;
  if (month < 1 || month > 12) return "month must be in 1..12";
  if (day < 1 || day > daysInMonth(year, month)) return "day is out of range for month";
  const ymd = `${m[1]}-${pad(month)}-${pad(day)}`;
  if (m[4] === undefined) return { repr: `datetime.date(${year}, ${month}, ${day})`, str: ymd };
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (hour > 23) return "hour must be in 0..23";
  if (minute > 59) return "minute must be in 0..59";
  if (second > 59) return "second must be in 0..59";
  const micro = m[7] ? Number(m[7].slice(0, 6).padEnd(6, "0")) : 0;
  let offset: number | undefined; // seconds east of UTC
  if (m[9]) offset = (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11] ?? 0) * 60);
  else if (m[8] === "Z") offset = 0;
  if (offset !== undefined && Math.abs(offset) >= 86400) return "offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)";
  const fields = [year, month, day, hour, minute, second, micro];
  if (fields[6] === 0) fields.pop();
  if (fields.length === 6 && fields[5] === 0) fields.pop();
  const tz = offset === undefined ? "" : `, tzinfo=${timezoneRepr(offset)}`;
  const time = `${pad(hour)}:${pad(minute)}:${pad(second)}${micro ? `.${String(micro).padStart(6, "0")}` : ""}`;
  return { repr: `datetime.datetime(${fields.join(", ")}${tz})`, str: `${ymd} ${time}${offset === undefined ? "" : utcOffset(offset)}` };
}

function timezoneRepr(offset: number): string {
  if (offset === 0) return "datetime.timezone.utc";
  const days = Math.floor(offset / 86400);
  const seconds = offset - days * 86400;
  return `datetime.timezone(datetime.timedelta(${days ? `days=${days}, ` : ""}seconds=${seconds}))`;
}

function utcOffset(offset: number): string {
  const a = Math.abs(offset);
  return `${offset < 0 ? "-" : "+"}${pad(Math.floor(a / 3600))}:${pad(Math.floor((a % 3600) / 60))}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** "expected a mapping node, but found scalar" and the like, for a tag on the wrong kind of node. */
function wrongNode(tag: string, node: Node, found: "scalar" | "sequence" | "mapping"): ConstructError {
  const wanted = tag === `${TAG}seq` || tag === `${TAG}omap` || tag === `${TAG}pairs` ? "sequence" : tag === `${TAG}map` || tag === `${TAG}set` ? "mapping" : undefined;
  if (wanted === undefined) {
    if (tag.startsWith(TAG) && found !== "scalar" && SCALAR_TAGS.has(tag.slice(TAG.length))) return new ConstructError(`expected a scalar node, but found ${found}`, node);
    return new ConstructError(`could not determine a constructor for the tag ${pyStrRepr(tag)}`, node);
  }
  return new ConstructError(`expected a ${wanted} node, but found ${found}`, node);
}

const SCALAR_TAGS = new Set(["str", "null", "bool", "int", "float", "binary", "timestamp", "python/unicode"]);

function nodeId(node: unknown): string {
  return isMap(node) ? "mapping" : isSeq(node) ? "sequence" : "scalar";
}

function start(node: unknown): number {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : 0;
}
