/**
 * Secret input for `seal`: `--from-literal`, `--from-file`, `--from-env-file` and a Secret manifest
 * on stdin, merged into one key → bytes map.
 *
 * Rule of this file: no message ever contains a secret value. Messages name the option, its
 * position, the file and line, and a key only once it is known to be a valid key. Anything that
 * might be a value (a malformed `--from-literal`, an unparsable line) is described, never quoted.
 */
import { basename } from "node:path";
import { cmp, error, UsageError, UserError, warning, type Diagnostic } from "../diagnostics.js";
import { parseDocument, parseOptions } from "../yaml.js";

/** What the user passed on the command line. */
export interface SecretInputOptions {
  /** `KEY=VALUE` strings. */
  fromLiteral?: readonly string[];
  /** `KEY=PATH` or `PATH` (key = file name). */
  fromFile?: readonly string[];
  /** Paths of `KEY=VALUE` files. */
  fromEnvFile?: readonly string[];
  /** Read a `v1` Secret manifest from stdin (`-`). */
  stdin?: boolean;
}

/** The only I/O input parsing needs; injected so parsing stays testable without files. */
export interface InputIo {
  /** Read a file's bytes; throws UserError when it cannot (see key-store `readInputFile`). */
  readFile(path: string): Promise<Buffer>;
  readStdin(): Promise<Buffer>;
}

/** Secret metadata that came with a manifest on stdin. */
export interface ManifestMeta {
  name?: string;
  namespace?: string;
  type?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  immutable?: boolean;
}

/** The collected input. */
export interface SecretInput {
  /** Key → raw bytes, keys sorted. */
  data: Map<string, Buffer>;
  /** Present when a manifest was read from stdin. */
  manifest?: ManifestMeta;
  /** Non-fatal remarks (never containing values), for the CLI to print. */
  warnings: Diagnostic[];
}

/** One key and value with where it came from. */
export interface InputEntry {
  key: string;
  value: Buffer;
  /** Where it came from, for messages: `--from-literal #2`, `app.env:3`, `<stdin> data.token`. */
  source: string;
}

/** What one source yielded: entries and problems (never thrown, so all sources get checked). */
export interface ParsedInput {
  entries: InputEntry[];
  problems: Diagnostic[];
}

/** Secret data keys as the API server validates them (`IsConfigMapKey`). */
const DATA_KEY_RE = /^[-._a-zA-Z0-9]+$/;
const MAX_KEY_LENGTH = 253;
const STDIN = "<stdin>";
/** kubectl stores the whole applied object here, values included: never copy it into a template. */
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** True when `key` is a valid key of a Secret's `data`. */
export function isValidDataKey(key: string): boolean {
  return key.length <= MAX_KEY_LENGTH && DATA_KEY_RE.test(key) && key !== "." && key !== "..";
}

/**
 * Collect and validate every input. Problems from all sources are reported together.
 * @throws UsageError when no input was given; UserError for invalid keys, empty values,
 *   duplicate keys, unreadable files and malformed manifests.
 */
export async function collectSecretInput(options: SecretInputOptions, io: InputIo): Promise<SecretInput> {
  const { fromLiteral = [], fromFile = [], fromEnvFile = [], stdin = false } = options;
  if (fromLiteral.length + fromFile.length + fromEnvFile.length === 0 && !stdin) {
    throw new UsageError("nothing to seal", "Pass --from-literal KEY=VALUE, --from-file [KEY=]PATH, --from-env-file FILE, or - to read a Secret manifest from stdin.");
  }
  const parts: ParsedInput[] = [];
  const warnings: Diagnostic[] = [];
  let manifest: ManifestMeta | undefined;
  fromLiteral.forEach((arg, i) => parts.push(parseLiteral(arg, i + 1)));
  for (const [i, arg] of fromFile.entries()) parts.push(await readFromFile(arg, i + 1, io));
  for (const file of fromEnvFile) {
    const env = await capture(async () => parseEnvFile((await io.readFile(file)).toString("utf8"), file));
    parts.push(env);
    if ("warnings" in env) warnings.push(...env.warnings);
  }
  if (stdin) {
    const parsed = parseSecretManifest((await io.readStdin()).toString("utf8"));
    parts.push(parsed);
    manifest = parsed.meta;
  }
  const data = combine(parts.flatMap((p) => p.entries), parts.flatMap((p) => p.problems));
  return { data, ...(manifest ? { manifest } : {}), warnings };
}

/** Parse one `--from-literal KEY=VALUE` (1-based `position` for messages). */
export function parseLiteral(arg: string, position: number): ParsedInput {
  const source = `--from-literal #${position}`;
  const eq = arg.indexOf("=");
  if (eq < 0) return fail("SW-SEAL-INPUT-SYNTAX", `${source}: expected KEY=VALUE (no "=" found)`);
  return keyed(arg.slice(0, eq), Buffer.from(arg.slice(eq + 1), "utf8"), source);
}

/**
 * Mistakes in the command line itself, found before anything is read: a `--from-literal` without
 * "=", with an invalid key or an empty value, a key given twice by `--from-literal`s, a
 * `--from-file` with an invalid key or no path. `seal` reports these as usage errors (exit 2), like
 * a bad NAME or -n; problems in what is read from files and stdin are input errors (exit 1).
 */
export function commandLineProblems(options: Pick<SecretInputOptions, "fromLiteral" | "fromFile">): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const seen = new Set<string>();
  (options.fromLiteral ?? []).forEach((arg, i) => {
    const parsed = parseLiteral(arg, i + 1);
    problems.push(...parsed.problems);
    for (const e of parsed.entries) {
      if (e.value.length === 0) problems.push(error("SW-SEAL-INPUT-EMPTY", `${e.source}: value of "${e.key}" is empty`));
      if (seen.has(e.key)) problems.push(error("SW-SEAL-INPUT-DUPLICATE", `key "${e.key}" given twice by --from-literal`));
      seen.add(e.key);
    }
  });
  (options.fromFile ?? []).forEach((arg, i) => {
    const eq = arg.indexOf("=");
    const source = `--from-file #${i + 1}`;
    if ((eq < 0 ? arg : arg.slice(eq + 1)) === "") problems.push(error("SW-SEAL-INPUT-SYNTAX", `${source}: no file path given`));
    else if (eq >= 0 && !isValidDataKey(arg.slice(0, eq))) problems.push(badKey(source, {}));
  });
  return problems;
}

/** `--from-file KEY=PATH` or `--from-file PATH`; reading failures become diagnostics. */
async function readFromFile(arg: string, position: number, io: InputIo): Promise<ParsedInput> {
  const eq = arg.indexOf("=");
  const path = eq < 0 ? arg : arg.slice(eq + 1);
  const key = eq < 0 ? basename(path) : arg.slice(0, eq);
  const source = `--from-file #${position}`;
  if (path === "") return fail("SW-SEAL-INPUT-SYNTAX", `${source}: no file path given`);
  return capture(async () => keyed(key, await io.readFile(path), `${source} (${path})`));
}

/**
 * Parse an env file the way `kubectl create secret --from-env-file` does, minus its environment
 * lookup: `KEY=VALUE` per line, `#` comment lines and blank lines skipped, leading whitespace
 * ignored, the value taken verbatim (no quote removal, no `$VAR` expansion).
 */
export function parseEnvFile(text: string, file: string): ParsedInput & { warnings: Diagnostic[] } {
  const result: ParsedInput & { warnings: Diagnostic[] } = { entries: [], problems: [], warnings: [] };
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, "").trimStart();
    if (line === "" || line.startsWith("#")) return;
    const at = { file, line: i + 1 };
    const eq = line.indexOf("=");
    if (eq < 0) {
      // kubectl would read the variable from its environment; a sealed file must not depend on that.
      result.problems.push(error("SW-SEAL-INPUT-SYNTAX", "expected KEY=VALUE (no \"=\" found)", at));
      return;
    }
    const parsed = keyed(line.slice(0, eq), Buffer.from(line.slice(eq + 1), "utf8"), `${file}:${i + 1}`, at);
    result.entries.push(...parsed.entries);
    result.problems.push(...parsed.problems);
    const entry = parsed.entries[0];
    if (entry && /^(["']).*\1$/s.test(entry.value.toString("utf8")) && entry.value.length >= 2) {
      result.warnings.push(warning("SW-SEAL-INPUT-QUOTED", `value of "${entry.key}" is wrapped in quotes; they are kept as part of the value`, at));
    }
  });
  return result;
}

/**
 * Parse a `v1` Secret manifest: `data` (base64) and/or `stringData` (text, wins on the same key,
 * as the API server does), plus metadata to carry into the SealedSecret's template.
 */
export function parseSecretManifest(text: string, file = STDIN): ParsedInput & { meta: ManifestMeta } {
  const meta: ManifestMeta = {};
  const doc = parseDocument(text, parseOptions);
  const [yamlError] = doc.errors;
  if (yamlError) {
    // yaml's own messages can quote the offending source text, which may be a value: report the code only.
    return { ...fail("SW-SEAL-INPUT-YAML", `invalid YAML (${yamlError.code})`, { file, ...lineCol(text, yamlError.pos[0]) }), meta };
  }
  const value: unknown = doc.toJS();
  if (!isRecord(value) || value.kind !== "Secret" || (value.apiVersion !== undefined && value.apiVersion !== "v1")) {
    return { ...fail("SW-SEAL-INPUT-NOT-SECRET", "expected a v1 Secret manifest", { file }), meta };
  }
  const problems: Diagnostic[] = [];
  readManifestMeta(value, meta, problems, file);
  const fromData = manifestEntries(value.data, "data", file, (s) => decodeBase64(s));
  const fromString = manifestEntries(value.stringData, "stringData", file, (s) => Buffer.from(s, "utf8"));
  const overridden = new Set(fromString.entries.map((e) => e.key));
  return {
    entries: [...fromData.entries.filter((e) => !overridden.has(e.key)), ...fromString.entries],
    problems: [...problems, ...fromData.problems, ...fromString.problems],
    meta,
  };
}

function readManifestMeta(secret: Record<string, unknown>, meta: ManifestMeta, problems: Diagnostic[], file: string): void {
  const md = secret.metadata;
  if (md !== undefined && !isRecord(md)) {
    problems.push(error("SW-SEAL-INPUT-MANIFEST", "metadata must be a mapping", { file }));
    return;
  }
  const field = <T>(v: unknown, path: string, ok: (v: unknown) => v is T): T | undefined => {
    if (v === undefined || ok(v)) return v as T | undefined;
    problems.push(error("SW-SEAL-INPUT-MANIFEST", `${path} has the wrong type`, { file, path }));
    return undefined;
  };
  const assign = <K extends keyof ManifestMeta>(k: K, v: ManifestMeta[K] | undefined): void => {
    if (v !== undefined) meta[k] = v;
  };
  assign("name", field(md?.name, "metadata.name", isString));
  assign("namespace", field(md?.namespace, "metadata.namespace", isString));
  assign("labels", field(md?.labels, "metadata.labels", isStringRecord));
  const annotations = field(md?.annotations, "metadata.annotations", isStringRecord);
  if (annotations) {
    const { [LAST_APPLIED]: _dropped, ...rest } = annotations;
    if (Object.keys(rest).length > 0) meta.annotations = rest;
  }
  assign("type", field(secret.type, "type", isString));
  assign("immutable", field(secret.immutable, "immutable", (v): v is boolean => typeof v === "boolean"));
}

function manifestEntries(section: unknown, name: "data" | "stringData", file: string, decode: (s: string) => Buffer | undefined): ParsedInput {
  const out: ParsedInput = { entries: [], problems: [] };
  if (section === undefined || section === null) return out;
  if (!isRecord(section)) return fail("SW-SEAL-INPUT-MANIFEST", `${name} must be a mapping`, { file, path: name });
  for (const [key, v] of Object.entries(section)) {
    if (!isValidDataKey(key)) {
      out.problems.push(badKey(`${file} ${name}`, { file }));
      continue;
    }
    const path = `${name}.${key}`;
    const bytes = typeof v === "string" ? decode(v) : undefined;
    if (bytes === undefined) {
      const why = typeof v === "string" ? "is not valid base64" : "must be a string (quote it)";
      out.problems.push(error("SW-SEAL-INPUT-MANIFEST", `${path} ${why}`, { file, path }));
      continue;
    }
    out.entries.push({ key, value: bytes, source: `${file} ${path}` });
  }
  return out;
}

/** Strict standard base64 (padding required, whitespace from folded YAML allowed). */
function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, "");
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, "base64");
}

/** One entry after checking its key. */
function keyed(key: string, value: Buffer, source: string, at: Partial<Diagnostic> = {}): ParsedInput {
  if (!isValidDataKey(key)) return { entries: [], problems: [badKey(source, at)] };
  return { entries: [{ key, value, source }], problems: [] };
}

function badKey(source: string, at: Partial<Diagnostic>): Diagnostic {
  // The rejected key is not echoed: a mistyped argument may have put the value where the key goes.
  return error("SW-SEAL-INPUT-BAD-KEY", `${source}: key must be 1-${MAX_KEY_LENGTH} characters of letters, digits, '-', '_' or '.'`, at);
}

/** Check emptiness and duplicates, then build the sorted map (or throw all problems). */
function combine(entries: InputEntry[], problems: Diagnostic[]): Map<string, Buffer> {
  const seen = new Map<string, InputEntry>();
  for (const entry of entries) {
    if (entry.value.length === 0) {
      problems.push(error("SW-SEAL-INPUT-EMPTY", `${entry.source}: value of "${entry.key}" is empty`, { hint: "Sealed Secrets cannot carry empty values; leave the key out." }));
    }
    const first = seen.get(entry.key);
    if (first) problems.push(error("SW-SEAL-INPUT-DUPLICATE", `key "${entry.key}" given twice (${first.source} and ${entry.source})`));
    else seen.set(entry.key, entry);
  }
  if (problems.some((p) => p.severity === "error")) throw new UserError(problems);
  return new Map([...seen.keys()].sort(cmp).map((k) => [k, seen.get(k)!.value]));
}

/** Run a reader, turning its UserError into collected problems so other inputs still get checked. */
async function capture<T extends ParsedInput>(read: () => Promise<T>): Promise<T | ParsedInput> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof UserError) return { entries: [], problems: e.diagnostics };
    throw e;
  }
}

function fail(code: string, message: string, extra: Partial<Diagnostic> = {}): ParsedInput {
  return { entries: [], problems: [error(code, message, extra)] };
}

/** 1-based line and column of a character offset (yaml reports offsets unless asked for pretty errors). */
function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, col: offset - before.lastIndexOf("\n") };
}

function isString(v: unknown): v is string {
  return typeof v === "string";
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return isRecord(v) && Object.values(v).every(isString);
}
