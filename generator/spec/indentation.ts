/**
 * Where a mis-indented key belongs. A YAML parser sees only columns; the schema knows which
 * mapping has which keys. From the lines above a key, this finds the mappings it could be in (its
 * would-be parents, one per indentation level) and the one whose schema has that key, so a syntax
 * error can say `"apps" belongs under spec: indent it 2 spaces, like "hosts"`. Pure and heuristic:
 * it only ever improves a hint, never decides what the file means.
 */
import { formatPath } from "../diagnostics.js";
import { schemaAt } from "./schema.js";

/** A line holding `key:` (or `- key:`), 0-based columns. */
export interface KeyLine {
  /** 0-based line index. */
  index: number;
  key: string;
  /** Column of the key. */
  col: number;
  /** Column of the `-` when the key opens a list item. */
  dash?: number;
}

const KEY_LINE = /^( *)(?:(-) +)?([A-Za-z0-9_][A-Za-z0-9_.\/-]*|"[^"]*"|'[^']*') *:(?: |$)/;

/** The key on line `index`, if it holds one. */
export function keyLineAt(lines: readonly string[], index: number): KeyLine | undefined {
  const m = KEY_LINE.exec(lines[index] ?? "");
  if (!m) return undefined;
  const indent = m[1]!.length;
  const key = m[3]!.replace(/^["']|["']$/g, "");
  if (m[2] === undefined) return { index, key, col: indent };
  const col = (lines[index] ?? "").indexOf(m[3]!, indent + 1);
  return { index, key, col, dash: indent };
}

const start = (k: KeyLine): number => k.dash ?? k.col;

/** Where the key of line `index` belongs, when the schema says. */
export interface Placement {
  /** The spec path of the mapping it belongs in (`spec`, `spec.nodes[]`); "" for the top level. */
  parent: string;
  /** Spaces before the keys of that mapping. */
  indent: number;
  /** Another key of that mapping, to indent it like. */
  sibling?: string;
}

interface Candidate {
  segments: (string | number)[];
  indent: number;
  sibling?: string;
}

/**
 * The mapping the key on line `index` (0-based) belongs in: among the mappings around it, one whose
 * schema has that key, the nearest in indentation to where it is.
 */
export function whereKeyBelongs(text: string, index: number): Placement | undefined {
  const lines = text.split("\n");
  const target = keyLineAt(lines, index);
  if (!target) return undefined;
  // The would-be parents: each nearest line above at a smaller column than the one before.
  const chain: KeyLine[] = [];
  let limit = start(target);
  for (let i = index - 1; i >= 0 && limit > 0; i--) {
    const k = keyLineAt(lines, i);
    if (!k || start(k) >= limit) continue;
    chain.unshift(k);
    limit = start(k);
  }
  const candidates: Candidate[] = [{ segments: [], indent: 0, sibling: chain[0]?.key }];
  const path: (string | number)[] = [];
  chain.forEach((k, j) => {
    const next = chain[j + 1];
    if (k.dash !== undefined) {
      // A list item: its mapping holds this key and its siblings, at the key's column.
      path.push("[]");
      candidates.push({ segments: [...path], indent: k.col, sibling: k.key });
    }
    path.push(k.key);
    const child = next ?? firstChild(lines, k, index);
    if (child) candidates.push({ segments: [...path], indent: start(child), sibling: child.dash === undefined ? child.key : undefined });
  });
  const fits = candidates.filter((c) => hasKey(c.segments, target.key) && c.indent !== start(target));
  const best = fits.sort((a, b) => Math.abs(a.indent - start(target)) - Math.abs(b.indent - start(target)) || b.segments.length - a.segments.length)[0];
  if (!best) return undefined;
  return { parent: display(best.segments), indent: best.indent, ...(best.sibling && best.sibling !== target.key ? { sibling: best.sibling } : {}) };
}

/** The first key line under `parent`, before line `before`. */
function firstChild(lines: readonly string[], parent: KeyLine, before: number): KeyLine | undefined {
  for (let i = parent.index + 1; i < before; i++) {
    const k = keyLineAt(lines, i);
    if (!k) continue;
    return start(k) > parent.col ? k : undefined;
  }
  return undefined;
}

function hasKey(segments: readonly (string | number)[], key: string): boolean {
  const s = schemaAt(segments);
  return s?.properties?.[key] !== undefined;
}

function display(segments: readonly (string | number)[]): string {
  return formatPath(segments.map((s) => (s === "[]" ? 0 : s))).replace(/\[0\]/g, "[]");
}

/** The hint for a key on line `index` that is indented wrong, or undefined when the schema cannot say. */
export function indentationHint(text: string, index: number): string | undefined {
  const key = keyLineAt(text.split("\n"), index)?.key;
  const p = whereKeyBelongs(text, index);
  if (!key || !p) return undefined;
  const like = p.sibling ? `, like "${p.sibling}"` : "";
  if (p.parent === "") return `"${key}" is a top-level key: do not indent it${like}.`;
  return `"${key}" belongs under ${p.parent} (${p.parent}.${key}): indent it ${p.indent} spaces${like}.`;
}
