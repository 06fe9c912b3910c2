/**
 * Where a cloud-init problem path (`write_files.0.permissions`) is in the user-data file. cloud-init
 * gives no line for schema problems (its `--annotate` mode crashes on list paths in 22.4: KeyError
 * in `_build_errors_by_line`), so both the `cloud-init schema` runner and the in-process gate look
 * the dotted path up in the file here, and report the same line for the same problem.
 */
import { isMap, isScalar, isSeq, LineCounter, type Document, type Node } from "yaml";
import { parseDocument, parseOptions } from "../yaml.js";

/** A parsed user-data file, kept to find positions. */
export interface LocatableDoc {
  root: Node | null;
  lines: LineCounter;
  /**
   * A map key as cloud-init spells it in a path (Python's `str()` of the key). The in-process
   * gate passes the keys it constructed; by default, the key's value as YAML 1.1 reads it.
   */
  keyText?: (key: unknown) => string | undefined;
}

/**
 * The file parsed only to find positions: YAML 1.1 like cloud-init's PyYAML, duplicate keys allowed
 * (PyYAML keeps the last, and the schema report is about what cloud-init read, not our rules).
 */
export function loadForLocating(source: string): LocatableDoc | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(source, { ...parseOptions, version: "1.1", uniqueKeys: false, strict: false, lineCounter: lines });
  return locatable(doc, lines);
}

/** A document parsed elsewhere (with `lines` as its line counter), for locating. */
export function locatable(doc: Document.Parsed, lines: LineCounter, keyText?: LocatableDoc["keyText"]): LocatableDoc | undefined {
  const root = doc.contents as Node | null;
  if (!root) return undefined;
  return keyText ? { root, lines, keyText } : { root, lines };
}

/** Every dotted path in the document, as cloud-init spells them (`write_files.0.permissions`). */
export function collectPaths(doc: LocatableDoc): Set<string> {
  const paths = new Set<string>();
  const text = doc.keyText ?? keyText;
  const walk = (node: unknown, prefix: string, depth: number) => {
    if (depth > 64 || paths.size > 100_000) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = text(pair.key);
        if (key === undefined) continue;
        const path = prefix ? `${prefix}.${key}` : key;
        paths.add(path);
        walk(pair.value, path, depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const path = prefix ? `${prefix}.${i}` : String(i);
        paths.add(path);
        walk(item, path, depth + 1);
      });
    }
  };
  walk(doc.root, "", 0);
  return paths;
}

/** Line and column of a dotted path's value (or of `key` inside it, for an unexpected key). */
export function locate(doc: LocatableDoc | undefined, path: string, key?: string): { line?: number; col?: number } {
  if (!doc) return {};
  const text = doc.keyText ?? keyText;
  let node: unknown = doc.root;
  let rest = path;
  while (rest !== "" && node) {
    const next = step(node, rest, text);
    if (!next) return {};
    [node, rest] = next;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => text(p.key) === key);
    if (pair && isNodeWithRange(pair.key)) return position(doc, pair.key.range[0]);
  }
  return isNodeWithRange(node) ? position(doc, node.range[0]) : {};
}

/** One path step; keys may contain dots, so a map key matches the longest way it can. */
function step(node: unknown, rest: string, text: (key: unknown) => string | undefined): [unknown, string] | undefined {
  if (isMap(node)) {
    let best: [unknown, string] | undefined;
    let bestLen = -1;
    for (const pair of node.items) {
      const key = text(pair.key);
      if (key === undefined || key.length <= bestLen) continue;
      if (rest === key) [best, bestLen] = [[pair.value, ""], key.length];
      else if (rest.startsWith(`${key}.`)) [best, bestLen] = [[pair.value, rest.slice(key.length + 1)], key.length];
    }
    return best;
  }
  if (isSeq(node)) {
    const dot = rest.indexOf(".");
    const index = Number(dot === -1 ? rest : rest.slice(0, dot));
    if (!Number.isInteger(index) || index < 0 || index >= node.items.length) return undefined;
    return [node.items[index], dot === -1 ? "" : rest.slice(dot + 1)];
  }
  return undefined;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === "string" || typeof key === "number" ? String(key) : undefined;
}

function isNodeWithRange(n: unknown): n is { range: [number, number, number] } {
  return typeof n === "object" && n !== null && Array.isArray((n as { range?: unknown }).range);
}

function position(doc: LocatableDoc, offset: number): { line: number; col: number } {
  const { line, col } = doc.lines.linePos(offset);
  return { line, col };
}
