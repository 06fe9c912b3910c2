/**
 * From a spec path (ajv instancePath or path segments) to a line and column in cluster.yaml. The
 * only place that walks yaml's node tree, so a yaml upgrade touches one file (STYLE.md).
 */
import { isMap, isNode, isPair, isScalar, isSeq, type Node, type Pair } from "yaml";
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
