/**
 * Re-parses every rendered file and checks the tree as a whole: one object per
 * apiVersion/kind/namespace/name, embedded validation, every Application path present, no orphan
 * folder, and cloud-init that cloud-init will accept. Problems here are bugs or hostile values
 * that slipped through: nothing is written when any is found.
 */
import { parseAllDocuments } from "yaml";
import { error, type Diagnostic } from "../diagnostics.js";
import type { RenderedFile } from "../render/render.js";
import { parseOptions } from "../yaml.js";
import { validateWithModel } from "./models.js";
import { checkCloudInitStructure } from "./cloud-init-structure.js";
import { objectSizeProblems } from "./object-size.js";

export interface ParsedObject {
  file: string;
  app?: string;
  obj: Record<string, unknown>;
  line: number;
}

export interface TreeCheck {
  objects: ParsedObject[];
  /** Objects cloud-init drops into K3s's auto-deploy directory (file: `bootstrap/NODE.yaml#PATH`). */
  embedded?: ParsedObject[];
  diagnostics: Diagnostic[];
}

/** Parses all YAML documents of a file; syntax or duplicate-key problems become diagnostics. */
export function parseManifests(file: string, text: string, app?: string): TreeCheck {
  // One run parses the same rendered text for the tree check, the leak scan and the diff; YAML
  // parsing is the largest part of a render, so parse each text once. Callers only read results.
  const key = `${file}\u0000${text}`;
  let result = parsed.get(key);
  if (!result) {
    result = parseManifestsOnce(file, text);
    parsed.set(key, result);
  }
  return app === undefined ? result : { ...result, objects: result.objects.map((o) => ({ ...o, app })) };
}

const parsed = new Map<string, TreeCheck>();

function parseManifestsOnce(file: string, text: string): TreeCheck {
  const diagnostics: Diagnostic[] = [];
  const objects: ParsedObject[] = [];
  const docs = parseAllDocuments(text, { ...parseOptions });
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    for (const e of doc.errors) diagnostics.push(error("SW-RENDER-YAML", `rendered YAML does not parse: ${e.message.split("\n")[0]}`, { file }));
    if (doc.errors.length) continue;
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value)) {
      diagnostics.push(error("SW-RENDER-NOT-OBJECT", "a rendered document is not a Kubernetes object", { file }));
      continue;
    }
    const line = doc.contents?.range ? text.slice(0, doc.contents.range[0]).split("\n").length : 1;
    objects.push({ file, obj: value as Record<string, unknown>, line });
  }
  return { objects, diagnostics };
}

export function objectId(o: Record<string, unknown>): string {
  const m = (o.metadata ?? {}) as Record<string, unknown>;
  return `${String(o.apiVersion)}/${String(o.kind)}/${String(m.namespace ?? "")}/${String(m.name ?? "")}`;
}

/** The full tree check run before every write. */
export async function checkTree(files: readonly RenderedFile[], gitopsPath: string): Promise<TreeCheck> {
  const diagnostics: Diagnostic[] = [];
  const objects: ParsedObject[] = [];
  const embeddedObjects: ParsedObject[] = [];
  for (const f of files) {
    if (f.kind === "manifest") {
      const parsed = parseManifests(f.path, f.text, f.app);
      diagnostics.push(...parsed.diagnostics);
      objects.push(...parsed.objects);
    } else if (f.kind === "cloud-init") {
      const ci = checkCloudInitStructure(f.path, f.text);
      diagnostics.push(...ci.diagnostics);
      // Manifests that cloud-init drops into K3s's auto-deploy dir are Kubernetes objects too.
      for (const embedded of ci.manifests) {
        const parsed = parseManifests(`${f.path}#${embedded.path}`, embedded.content);
        diagnostics.push(...parsed.diagnostics);
        embeddedObjects.push(...parsed.objects);
        for (const o of parsed.objects) diagnostics.push(...(await validateObject(o)));
      }
    }
  }
  const seen = new Map<string, string>();
  for (const o of objects) {
    const id = objectId(o.obj);
    const prev = seen.get(id);
    if (prev) diagnostics.push(error("SW-RENDER-DUPLICATE-OBJECT", `${id} is rendered twice (also in ${prev})`, { file: o.file, line: o.line }));
    else seen.set(id, o.file);
    diagnostics.push(...(await validateObject(o)));
  }
  diagnostics.push(...treeIntegrity(files, objects, gitopsPath));
  diagnostics.push(...objectSizeProblems(objects));
  return { objects, embedded: embeddedObjects, diagnostics };
}

async function validateObject(o: ParsedObject): Promise<Diagnostic[]> {
  const obj = o.obj;
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
    return [error("SW-RENDER-NOT-OBJECT", "a rendered document has no apiVersion/kind", { file: o.file, line: o.line })];
  }
  const problem = await validateWithModel(obj);
  return problem ? [error("SW-RENDER-INVALID-OBJECT", `${obj.kind} ${objectId(obj)} is invalid: ${problem}`, { file: o.file, line: o.line })] : [];
}

/** Every Application path in this repo exists in the tree; every manifests/ folder has an Application. */
export function treeIntegrity(files: readonly RenderedFile[], objects: readonly ParsedObject[], gitopsPath: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const folders = new Set(files.filter((f) => f.path.startsWith("rendered/manifests/")).map((f) => f.path.split("/")[2]!));
  const referenced = new Set<string>();
  for (const o of objects) {
    if (o.obj.kind !== "Application") continue;
    const spec = (o.obj.spec ?? {}) as Record<string, unknown>;
    const sources = [spec.source, ...((spec.sources as unknown[]) ?? [])].filter(Boolean) as Record<string, unknown>[];
    for (const s of sources) {
      const path = typeof s.path === "string" ? s.path : undefined;
      if (path === undefined || !path.startsWith(`${gitopsPath}/`)) continue;
      const rel = path.slice(gitopsPath.length + 1);
      referenced.add(rel);
      const exists = files.some((f) => f.path.startsWith(`rendered/${rel}/`));
      if (!exists) out.push(error("SW-TREE-MISSING-PATH", `Application ${String((o.obj.metadata as Record<string, unknown>)?.name)} points at ${path}, which the tree does not contain`, { file: o.file, line: o.line }));
    }
  }
  for (const folder of [...folders].sort()) {
    if (!referenced.has(`manifests/${folder}`)) out.push(error("SW-TREE-ORPHAN-FOLDER", `rendered/manifests/${folder}/ is not the path of any Application`, { file: `rendered/manifests/${folder}` }));
  }
  return out;
}
