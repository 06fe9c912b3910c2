/**
 * Where a path inside a rendered object is in its YAML text, so a finding about
 * `spec.template.spec.containers[0].imagePullPolicyy` points at that key's line and column. The
 * walk itself is spec/locate.ts's (the one place that walks yaml's node tree); this only finds the
 * document an object came from.
 */
import { LineCounter, type Document } from "yaml";
import { locate, type Position } from "../spec/locate.js";
import { parseAllDocuments, parseOptions } from "../yaml.js";

/** Finds positions in one manifest text; the text is parsed once, on first use. */
export type ManifestLocator = (docLine: number, segments: readonly (string | number)[], opts?: { key?: boolean }) => Position | undefined;

/**
 * A locator for `text`: the position of the value at `segments` (with `key: true`, of its key) in
 * the document that starts on line `docLine`, or of its nearest ancestor that exists; undefined
 * when no document starts there.
 */
export function manifestLocator(text: string): ManifestLocator {
  let parsed: { lines: LineCounter; docs: Document.Parsed[] } | undefined;
  return (docLine, segments, opts = {}) => {
    if (!parsed) {
      const lines = new LineCounter();
      parsed = { lines, docs: parseAllDocuments(text, { ...parseOptions, lineCounter: lines }) as Document.Parsed[] };
    }
    const { lines, docs } = parsed;
    for (const doc of docs) {
      const start = doc.contents?.range?.[0];
      if (start === undefined || lines.linePos(start).line !== docLine) continue;
      return locate({ file: "", text, doc, lines, value: undefined }, segments, opts);
    }
    return undefined;
  };
}
