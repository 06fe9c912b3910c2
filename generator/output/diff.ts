/**
 * Per-resource diff of a fresh render against the committed tree, grouped by Application: what a
 * reviewer needs, not a file diff. Bootstrap files are compared as whole files (grouped under
 * "nodes").
 */
import { createTwoFilesPatch } from "diff";
import { parseManifests, objectId } from "../check/tree.js";
import type { RenderedFile } from "../render/render.js";
import { toYamlText } from "../yaml.js";

export type ChangeKind = "added" | "removed" | "changed";

export interface ResourceChange {
  kind: ChangeKind;
  /** apiVersion/kind/namespace/name, or a bootstrap file path. */
  id: string;
  patch: string;
}

export interface AppDiff {
  app: string;
  changes: ResourceChange[];
}

interface Resource {
  id: string;
  app: string;
  text: string;
}

function resources(files: ReadonlyMap<string, string>): Map<string, Resource> {
  const out = new Map<string, Resource>();
  for (const [path, text] of [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (path.startsWith("bootstrap/")) {
      out.set(path, { id: path, app: "nodes", text });
      continue;
    }
    const app = path.startsWith("rendered/manifests/") ? path.split("/")[2]! : "root";
    for (const o of parseManifests(path, text, app).objects) {
      const id = objectId(o.obj);
      out.set(id, { id, app, text: toYamlText(o.obj) });
    }
  }
  return out;
}

export function diffTrees(committed: ReadonlyMap<string, string>, fresh: readonly RenderedFile[]): AppDiff[] {
  const before = resources(committed);
  const after = resources(new Map(fresh.map((f) => [f.path, f.text])));
  const byApp = new Map<string, ResourceChange[]>();
  const add = (app: string, c: ResourceChange) => byApp.set(app, [...(byApp.get(app) ?? []), c]);
  for (const [id, r] of after) {
    const old = before.get(id);
    if (!old) add(r.app, { kind: "added", id, patch: patch(id, "", r.text) });
    else if (old.text !== r.text) add(r.app, { kind: "changed", id, patch: patch(id, old.text, r.text) });
  }
  for (const [id, r] of before) if (!after.has(id)) add(r.app, { kind: "removed", id, patch: patch(id, r.text, "") });
  return [...byApp.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([app, changes]) => ({ app, changes: changes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) }));
}

function patch(id: string, a: string, b: string): string {
  return createTwoFilesPatch(`a/${id}`, `b/${id}`, a, b, "", "", { context: 3 }).split("\n").slice(2).join("\n").trimEnd();
}

export function formatDiffText(diffs: AppDiff[]): string {
  if (diffs.length === 0) return "no changes";
  const lines: string[] = [];
  for (const d of diffs) {
    lines.push(`Application ${d.app}: ${counts(d)}`);
    for (const c of d.changes) {
      lines.push(`  ${c.kind.padEnd(7)} ${c.id}`);
      lines.push(...c.patch.split("\n").map((l) => `    ${l}`));
    }
  }
  return lines.join("\n");
}

export function formatDiffMarkdown(diffs: AppDiff[]): string {
  if (diffs.length === 0) return "### slipway diff\n\nNo changes to the rendered tree.";
  const lines = ["### slipway diff", ""];
  for (const d of diffs) {
    lines.push(`#### ${d.app === "nodes" ? "Node user-data" : `Application \`${d.app}\``} (${counts(d)})`, "");
    for (const c of d.changes) {
      lines.push(`<details><summary>${c.kind}: <code>${c.id}</code></summary>`, "", "```diff", c.patch.replace(/```/g, "ˋˋˋ"), "```", "", "</details>", "");
    }
  }
  return lines.join("\n");
}

function counts(d: AppDiff): string {
  const n = (k: ChangeKind) => d.changes.filter((c) => c.kind === k).length;
  return `${n("added")} added, ${n("changed")} changed, ${n("removed")} removed`;
}
