/**
 * The one place that sets yaml parse/stringify options, so every document Slipway writes has the
 * same shape: no line folding, no anchors/aliases, 2-space indent, block style, LF.
 */
import { Document, parseAllDocuments, parseDocument, stringify, type CreateNodeOptions, type DocumentOptions, type ParseOptions, type SchemaOptions, type ToStringOptions } from "yaml";

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
  return ensureNewline(doc.toString(stringifyOptions));
}

export function ensureNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

export { parseAllDocuments, parseDocument, stringify };
