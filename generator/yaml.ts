/**
 * The one place that sets yaml parse/stringify options, so every document Slipway writes has the
 * same shape: no line folding, no anchors/aliases, 2-space indent, block style, LF.
 *
 * Two libraries, each for what it does best. The yaml library writes every document and reads
 * what needs positions of every node (cluster.yaml, cloud-init's gate). js-yaml reads documents
 * back into plain values ({@link readYaml}): the checks read every rendered file, and there
 * js-yaml takes about a third of the yaml library's time and loads in a third of its time
 * (165 KB of rendered YAML: 25 ms against 70 ms, import 7 ms against 25 ms, cold). The read-back
 * is then also a second implementation's reading of what the first one wrote.
 */
import { CORE_SCHEMA, constructFromEvents, EVENT_ID, parseEvents, YAML11_SCHEMA, YAMLException, type Event } from "js-yaml";
import { escapeYaml11Unsafe, YAML11_UNSAFE } from "./yaml11-characters.js";
import { Document, parseAllDocuments, parseDocument, stringify, visit, type CreateNodeOptions, type DocumentOptions, type ParseOptions, type SchemaOptions, type ToStringOptions } from "yaml";

export const parseOptions: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.2",
  uniqueKeys: true,
  prettyErrors: false,
  keepSourceTokens: false,
  strict: true,
};

export const stringifyOptions: ToStringOptions & DocumentOptions & SchemaOptions & CreateNodeOptions = {
  version: "1.2",
  lineWidth: 0,
  minContentWidth: 0,
  indent: 2,
  indentSeq: true,
  aliasDuplicateObjects: false,
  // Quote strings that YAML 1.1 readers (PyYAML in cloud-init, Go yaml.v2) would retype: yes/no/on/off,
  // 0644, 1e3 ... `defaultStringType: PLAIN` plus yaml's own 1.1-compat check covers them.
  defaultStringType: "PLAIN",
  defaultKeyType: "PLAIN",
  doubleQuotedAsJSON: true,
};

/** Stringify one value as a YAML document body (always ends with exactly one newline). */
export function toYamlText(value: unknown): string {
  const doc = new Document(value, { ...stringifyOptions, version: "1.1" });
  // Serialising with the 1.1 schema makes yaml quote every string a 1.1 reader would retype
  // (`no`, `on`, `0644`, `1_000`), which 1.2 serialising would leave plain; output stays valid 1.2.
  if (!hasStringToForce(value)) return ensureNewline(doc.toString(stringifyOptions));
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === "string" && mustDoubleQuote(node.value)) node.type = "QUOTE_DOUBLE";
    },
  });
  // Every string holding such a character is now double-quoted, so each one in the text is inside
  // a double-quoted scalar, where an escape is what it means.
  return ensureNewline(escapeYaml11Unsafe(doc.toString(stringifyOptions)));
}

/**
 * Plain strings that the 1.1 schema leaves plain but YAML 1.2 or Go's yaml.v2 (strconv with base
 * 0, underscores dropped) read as numbers: `0o12`, `+0o7`, `0O7`, `0o_7`, `0b_1`, `0x_1f`.
 */
const GO_NUMBER = /^[-+]?0(?:[oO][0-7_]*|[bB][01_]*|[xX][0-9a-fA-F_]*)$/;

function mustDoubleQuote(s: string): boolean {
  return YAML11_UNSAFE.test(s) || GO_NUMBER.test(s);
}

function hasStringToForce(v: unknown, depth = 0): boolean {
  if (typeof v === "string") return mustDoubleQuote(v);
  if (v === null || typeof v !== "object" || depth > 200) return false;
  if (Array.isArray(v)) return v.some((x) => hasStringToForce(x, depth + 1));
  for (const [k, x] of Object.entries(v)) if (mustDoubleQuote(k) || hasStringToForce(x, depth + 1)) return true;
  return false;
}

export function ensureNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

export { parseAllDocuments, parseDocument, stringify };

/** A YAML text read into plain values, each document with the line it starts on (1-based). */
export type ReadYaml =
  | { ok: true; docs: { value: unknown; line: number }[] }
  /** The first problem, at its line and column (1-based). */
  | { ok: false; line: number; col: number; message: string };

export interface ReadYamlOptions {
  /** "1.1" reads as cloud-init's PyYAML and Go's yaml.v2 do (`on` a boolean, `0644` octal). Default "1.2". */
  version?: "1.1" | "1.2";
  /** A repeated key keeps its last value, as PyYAML does; by default it is a problem. */
  lastKeyWins?: boolean;
}

/**
 * The one document of a text as cloud-init (PyYAML) and K3s read it: YAML 1.1, a repeated key
 * keeps its last value. Undefined when it does not read, or holds more than one document.
 */
export function readAsCloudInit(text: string): unknown {
  const read = readYaml(text, { version: "1.1", lastKeyWins: true });
  return read.ok && read.docs.length <= 1 ? read.docs[0]?.value : undefined;
}

/** The yaml library's default limit, kept: a few aliases can make a document walked exponentially. */
const MAX_ALIASES = 100;

/** Reads every document of `text` into plain values (js-yaml); never throws for the text's content. */
export function readYaml(text: string, options: ReadYamlOptions = {}): ReadYaml {
  try {
    const events = parseEvents(text, {});
    const values = constructFromEvents(events, {
      source: text,
      schema: options.version === "1.1" ? YAML11_SCHEMA : CORE_SCHEMA,
      json: options.lastKeyWins === true,
      maxAliases: MAX_ALIASES,
    });
    const starts = documentStarts(events);
    const lineOf = lineCounter(text);
    return { ok: true, docs: values.map((value, i) => ({ value, line: lineOf(starts[i] ?? 0) })) };
  } catch (e) {
    if (!(e instanceof YAMLException)) throw e;
    return { ok: false, line: (e.mark?.line ?? 0) + 1, col: (e.mark?.column ?? 0) + 1, message: e.reason };
  }
}

/** The offset of each document's first node (its root collection or scalar). */
function documentStarts(events: readonly Event[]): number[] {
  const starts: number[] = [];
  for (let i = 0; i < events.length; i++) {
    if (events[i]!.type !== EVENT_ID.DOCUMENT) continue;
    const root = events[i + 1];
    let at = 0;
    if (root?.type === EVENT_ID.MAPPING || root?.type === EVENT_ID.SEQUENCE) at = root.start;
    else if (root?.type === EVENT_ID.SCALAR) at = root.valueStart;
    starts.push(Math.max(0, at));
  }
  return starts;
}

/** offset -> 1-based line, for offsets asked in increasing order (counts each newline once). */
function lineCounter(text: string): (offset: number) => number {
  let pos = 0;
  let line = 1;
  return (offset) => {
    if (offset < pos) {
      pos = 0;
      line = 1;
    }
    for (let i = text.indexOf("\n", pos); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
    pos = offset;
    return line;
  };
}
