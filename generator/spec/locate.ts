/**
 * From a spec path (ajv instancePath or path segments) to a line and column in cluster.yaml. The
 * only place that walks yaml's node tree, so a yaml upgrade touches one file (STYLE.md).
 */
import { isCollection, isMap, isNode, isPair, isScalar, isSeq, visit, type Document, type Node, type Pair } from "yaml";
import type { LoadedSpec } from "./load.js";

export interface Position {
  line: number;
  col: number;
}

/** Splits an ajv JSON Pointer (`/spec/nodes/0/name`) into segments. */
export function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/**
 * Position of the value at `segments`; with `key: true`, of the key itself (for unknown keys).
 * Falls back to the nearest existing ancestor, so a missing field points at its parent.
 */
export function locate(spec: LoadedSpec, segments: readonly (string | number)[], opts: { key?: boolean } = {}): Position {
  let node: unknown = spec.doc.contents;
  let pair: Pair | undefined;
  let best = offsetOf(node) ?? 0;
  for (const seg of segments) {
    pair = undefined;
    if (isMap(node)) {
      const found = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!found) break;
      pair = found;
      node = found.value;
    } else if (isSeq(node) && typeof seg === "number") {
      node = node.items[seg];
    } else {
      break;
    }
    const off = opts.key && pair && seg === segments[segments.length - 1] ? offsetOf(pair.key) : offsetOf(node) ?? offsetOf(pair?.key);
    if (off === undefined) break;
    best = off;
  }
  const p = spec.lines.linePos(best);
  return { line: p.line, col: p.col };
}

function offsetOf(n: unknown): number | undefined {
  if (isPair(n)) return offsetOf(n.key);
  if (isNode(n)) return (n as Node).range?.[0];
  return undefined;
}

/** A place in the document that yaml accepts but Slipway does not (found by walking the nodes). */
export interface NodeProblem {
  kind: "unresolved-alias" | "merge-key";
  /** Alias name or key text. */
  name: string;
  offset: number;
}

/**
 * Aliases without an anchor before them (yaml reports these only when converting to JS) and `<<`
 * keys: cluster.yaml is read as YAML 1.2, where `<<` is an ordinary key, but Go and Python YAML 1.1
 * readers downstream (Kubernetes, Helm, cloud-init) would merge it, so it means two things.
 */
export function nodeProblems(doc: Document.Parsed): NodeProblem[] {
  const out: NodeProblem[] = [];
  visit(doc, {
    Alias(_, node) {
      if (!node.resolve(doc)) out.push({ kind: "unresolved-alias", name: node.source, offset: node.range?.[0] ?? 0 });
    },
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === "<<") out.push({ kind: "merge-key", name: "<<", offset: pair.key.range?.[0] ?? 0 });
    },
  });
  return out;
}

/** Offset of the first alias that points at a collection holding more aliases: where expansion multiplies. */
export function firstNestedAlias(doc: Document.Parsed): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Alias(_, node) {
      const target = node.resolve(doc);
      if (!isCollection(target)) return;
      let nested = false;
      visit(target, { Alias: () => { nested = true; return visit.BREAK; } });
      if (nested) {
        found = node.range?.[0];
        return visit.BREAK;
      }
    },
  });
  return found;
}

/** Offset of the earlier key equal to the key at `offset` in the same mapping (for duplicate keys). */
export function earlierDuplicateKey(doc: Document.Parsed, offset: number): { key: string; offset: number } | undefined {
  let found: { key: string; offset: number } | undefined;
  visit(doc, {
    Map(_, map) {
      const i = map.items.findIndex((p) => isNode(p.key) && p.key.range?.[0] === offset);
      if (i < 0) return;
      const key = map.items[i]!.key;
      const text = isScalar(key) ? String(key.value) : String(key);
      const first = map.items.slice(0, i).find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === text);
      if (first && isNode(first.key)) found = { key: text, offset: first.key.range?.[0] ?? 0 };
      return visit.BREAK;
    },
  });
  return found;
}
