/** Compares a fresh render with the tree on disk (generated files only): the drift guard. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RenderedFile } from "../render/render.js";
import { listFiles } from "../list-files.js";
import { isGenerated } from "./write.js";

export interface TreeDrift {
  added: string[];
  removed: string[];
  changed: string[];
}

export function readCommittedTree(outDir: string, tops: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const top of tops) {
    const dir = join(outDir, top);
    for (const rel of listFiles(dir)) {
      const text = readFileSync(join(dir, rel), "utf8");
      if (isGenerated(text)) out.set(`${top}/${rel}`, text);
    }
  }
  return out;
}

export function compareTree(outDir: string, files: readonly RenderedFile[]): TreeDrift {
  const tops = [...new Set(files.map((f) => f.path.split("/")[0]!))];
  const committed = readCommittedTree(outDir, tops);
  const drift: TreeDrift = { added: [], removed: [], changed: [] };
  for (const f of files) {
    const old = committed.get(f.path);
    if (old === undefined) drift.added.push(f.path);
    else if (old !== f.text) drift.changed.push(f.path);
  }
  const fresh = new Set(files.map((f) => f.path));
  for (const p of committed.keys()) if (!fresh.has(p)) drift.removed.push(p);
  drift.removed.sort();
  return drift;
}

export const hasDrift = (d: TreeDrift): boolean => d.added.length + d.removed.length + d.changed.length > 0;
export const treeExists = (outDir: string): boolean => existsSync(join(outDir, "rendered"));
