/**
 * Python values in JavaScript, for the in-process cloud-init gate. cloud-init validates what
 * PyYAML built, and its messages print those values with Python's `repr()`
 * (`{'name': 'bob', 'uid': 1.0} is not valid under any of the given schemas`). Most Python values
 * have a JSON twin that Ajv can validate; the rest are kept apart so both validation and messages
 * come out as cloud-init's do:
 *
 * - a float that JavaScript would print as an integer (`1.0`), bytes (`!!binary`) and an integer
 *   beyond 2^53 are noted beside their container ({@link PyNotes}) with their Python `repr()`; a
 *   float is also marked as one, since draft-4 `integer` rejects it;
 * - a value of no JSON type (a date, a datetime, a set, a tuple) is an opaque symbol whose
 *   description is its `repr()`: Ajv finds it of no JSON type, as jsonschema does.
 */

/** What JavaScript's value does not say about a Python scalar. */
export interface ScalarNote {
  /** Python's `repr()` of it. */
  repr: string;
  /** It is a float (`1.0` is not an integer for draft-4 `integer`). */
  float?: true;
  /** It is bytes (which cloud-init's type checker accepts as a string). */
  bytes?: true;
}

type Key = string | number;

/** Notes on the values and keys of the containers of one loaded document. */
export class PyNotes {
  private readonly scalars = new WeakMap<object, Map<Key, ScalarNote>>();
  private readonly keyReprs = new WeakMap<object, Map<string, string>>();
  private readonly orders = new WeakMap<object, string[]>();

  noteScalar(container: object, key: Key, note: ScalarNote): void {
    let m = this.scalars.get(container);
    if (!m) this.scalars.set(container, (m = new Map()));
    m.set(key, note);
  }

  /** The note on `container[key]`, if its JavaScript value is not the whole story. */
  scalar(container: unknown, key: Key): ScalarNote | undefined {
    return typeof container === "object" && container !== null ? this.scalars.get(container)?.get(key) : undefined;
  }

  /** A key that was not a str in Python (`1`, `True`): JavaScript holds its `str()`. */
  noteKey(dict: object, key: string, repr: string): void {
    let m = this.keyReprs.get(dict);
    if (!m) this.keyReprs.set(dict, (m = new Map()));
    m.set(key, repr);
  }

  keyRepr(dict: object, key: string): string {
    return this.keyReprs.get(dict)?.get(key) ?? pyStrRepr(key);
  }

  /** Key order of a dict whose keys JavaScript would reorder (integer-like keys come first). */
  noteOrder(dict: object, keys: string[]): void {
    this.orders.set(dict, keys);
  }

  keysOf(dict: object): string[] {
    return this.orders.get(dict) ?? Object.keys(dict);
  }
}

/** A Python value of no JSON type, shown as `repr`. */
export function opaque(repr: string): symbol {
  return Symbol(repr);
}

/**
 * Python's `repr()` of a value of this model: of the document's values (with `notes`), or of a
 * JSON schema (no notes; keys of Slipway's own annotations, `x-slipway-*`, are left out).
 */
export function pyRepr(value: unknown, notes?: PyNotes, self?: ScalarNote): string {
  if (self) return self.repr;
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
  if (typeof value === "string") return pyStrRepr(value);
  if (typeof value === "symbol") return value.description ?? "None";
  if (Array.isArray(value)) return `[${value.map((v, i) => pyRepr(v, notes, notes?.scalar(value, i))).join(", ")}]`;
  if (typeof value === "object") {
    const keys = (notes ? notes.keysOf(value) : Object.keys(value)).filter((k) => notes || !k.startsWith("x-slipway-"));
    const items = keys.map((k) => `${notes ? notes.keyRepr(value, k) : pyStrRepr(k)}: ${pyRepr((value as Record<string, unknown>)[k], notes, notes?.scalar(value, k))}`);
    return `{${items.join(", ")}}`;
  }
  return String(value);
}

/** `repr(str)`: single quotes unless the text has ' and no ", Python's escapes. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += `\\x${hex(c, 2)}`;
    else if (c < 0x7f || !NOT_PRINTABLE.test(ch)) out += ch;
    else if (c <= 0xff) out += `\\x${hex(c, 2)}`;
    else if (c <= 0xffff) out += `\\u${hex(c, 4)}`;
    else out += `\\U${hex(c, 8)}`;
  }
  return out + quote;
}

/** What Python's `str.isprintable()` rejects (besides the space, which it accepts). */
const NOT_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

/** `repr(bytes)`, the bytes given as a latin-1 string. */
export function pyBytesRepr(latin1: string): string {
  const quote = latin1.includes("'") && !latin1.includes('"') ? '"' : "'";
  let out = `b${quote}`;
  for (const ch of latin1) {
    const c = ch.charCodeAt(0);
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c >= 0x7f) out += `\\x${hex(c, 2)}`;
    else out += ch;
  }
  return out + quote;
}

/**
 * `repr(float)`: the shortest digits that read back as the same number (as JavaScript's), written
 * Python's way: exponent form below 1e-4 and from 1e16 on (`1e+16`, `1e-05`), else a point (`1.0`).
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, expText] = x.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  return `${sign}${whole}.${digits.slice(exp + 1) || "0"}`;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}
