/**
 * Per-resource diff of a fresh render against the committed tree, grouped by Application: what a
 * reviewer needs, not a file diff. Bootstrap files (node user-data) are compared as whole files, in
 * their own group: they are no Application's. Each change carries a unified diff with both file
 * headers (`--- a/ID`, `+++ b/ID`; /dev/null for an added or removed side), as `git apply` and
 * review tools read it.
 */
import { structuredPatch } from "diff";
import { parseManifests } from "../check/tree.js";
import type { RenderedFile } from "../render/render.js";
import { toYamlText } from "../yaml.js";

export type ChangeKind = "added" | "removed" | "changed";

export interface ResourceChange {
  kind: ChangeKind;
  /** `apiVersion/Kind/namespace/name`, `apiVersion/Kind/name` for a cluster-scoped object, or a bootstrap file path. */
  id: string;
  patch: string;
}

export interface AppDiff {
  app: string;
  changes: ResourceChange[];
}

/** Everything that differs: per Application, and the nodes' user-data files. */
export interface TreeDiff {
  applications: AppDiff[];
  /** bootstrap/ files (each node's cloud-init), by path. */
  nodes: ResourceChange[];
}

interface Resource {
  id: string;
  /** The Application, or undefined for a bootstrap file. */
  app?: string;
  text: string;
}

/** How a resource is named in a diff: cluster-scoped objects have no empty namespace segment. */
export function resourceId(o: Record<string, unknown>): string {
  const m = (o.metadata ?? {}) as Record<string, unknown>;
  const namespace = typeof m.namespace === "string" && m.namespace !== "" ? `${m.namespace}/` : "";
  return `${String(o.apiVersion)}/${String(o.kind)}/${namespace}${String(m.name ?? "")}`;
}

function resources(files: ReadonlyMap<string, string>): Map<string, Resource> {
  const out = new Map<string, Resource>();
  for (const [path, text] of [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (path.startsWith("bootstrap/")) {
      out.set(path, { id: path, text });
      continue;
    }
    const app = path.startsWith("rendered/manifests/") ? path.split("/")[2]! : "root";
    for (const o of parseManifests(path, text, app).objects) {
      const id = resourceId(o.obj);
      out.set(id, { id, app, text: toYamlText(o.obj) });
    }
  }
  return out;
}

export function diffTrees(committed: ReadonlyMap<string, string>, fresh: readonly RenderedFile[]): TreeDiff {
  const before = resources(committed);
  const after = resources(new Map(fresh.map((f) => [f.path, f.text])));
  const byApp = new Map<string, ResourceChange[]>();
  const nodes: ResourceChange[] = [];
  const add = (r: Resource, c: ResourceChange) => (r.app === undefined ? nodes.push(c) : byApp.set(r.app, [...(byApp.get(r.app) ?? []), c]));
  for (const [id, r] of after) {
    const old = before.get(id);
    if (!old) add(r, { kind: "added", id, patch: patch(id, undefined, r.text) });
    else if (old.text !== r.text) add(r, { kind: "changed", id, patch: patch(id, old.text, r.text) });
  }
  for (const [id, r] of before) if (!after.has(id)) add(r, { kind: "removed", id, patch: patch(id, r.text, undefined) });
  const byId = (a: ResourceChange, b: ResourceChange) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    applications: [...byApp.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([app, changes]) => ({ app, changes: changes.sort(byId) })),
    nodes: nodes.sort(byId),
  };
}

export const hasChanges = (d: TreeDiff): boolean => d.applications.length > 0 || d.nodes.length > 0;

/** A unified diff of one resource, `undefined` being the side where it does not exist. */
function patch(id: string, a: string | undefined, b: string | undefined): string {
  const hunks = structuredPatch(`a/${id}`, `b/${id}`, a ?? "", b ?? "", undefined, undefined, { context: 3 }).hunks;
  const lines = [a === undefined ? "--- /dev/null" : `--- a/${id}`, b === undefined ? "+++ /dev/null" : `+++ b/${id}`];
  for (const h of hunks) lines.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.lines);
  return lines.join("\n");
}

/** `start,count` of a hunk side as jsdiff and GNU diff write it: an empty side starts a line earlier. */
function range(start: number, count: number): string {
  return `${count === 0 ? start - 1 : start},${count}`;
}

const NODES_HEADING = "Node user-data (bootstrap/)";

export function formatDiffText(diff: TreeDiff): string {
  if (!hasChanges(diff)) return "no changes";
  const lines: string[] = [];
  const group = (heading: string, changes: readonly ResourceChange[]) => {
    lines.push(`${heading}: ${counts(changes)}`);
    for (const c of changes) {
      lines.push(`  ${c.kind.padEnd(7)} ${c.id}`);
      lines.push(...c.patch.split("\n").map((l) => `    ${l}`));
    }
  };
  for (const d of diff.applications) group(`Application ${d.app}`, d.changes);
  if (diff.nodes.length > 0) group(NODES_HEADING, diff.nodes);
  return lines.join("\n");
}

export function formatDiffMarkdown(diff: TreeDiff): string {
  if (!hasChanges(diff)) return "### slipway diff\n\nNo changes to the rendered tree.";
  const lines = ["### slipway diff", ""];
  const group = (heading: string, changes: readonly ResourceChange[]) => {
    lines.push(`#### ${heading} (${counts(changes)})`, "");
    for (const c of changes) {
      lines.push(`<details><summary>${c.kind}: <code>${c.id}</code></summary>`, "", "```diff", c.patch.replace(/```/g, "ˋˋˋ"), "```", "", "</details>", "");
    }
  };
  for (const d of diff.applications) group(`Application \`${d.app}\``, d.changes);
  if (diff.nodes.length > 0) group(NODES_HEADING, diff.nodes);
  return lines.join("\n");
}

function counts(changes: readonly ResourceChange[]): string {
  const n = (k: ChangeKind) => changes.filter((c) => c.kind === k).length;
  return `${n("added")} added, ${n("changed")} changed, ${n("removed")} removed`;
}
