/**
 * Re-parses every rendered file and checks the tree as a whole: one object per
 * apiVersion/kind/namespace/name, every object against its strict Kubernetes schema (the embedded
 * gate, strict/validate.ts), every Application path present, no orphan folder, and cloud-init that
 * cloud-init will accept. Problems here are bugs or hostile values that slipped through: nothing
 * is written when any is found.
 */
import { error, type Diagnostic } from "../diagnostics.js";
import type { RenderedFile } from "../render/render.js";
import { readYaml } from "../yaml.js";
import { checkCloudInitStructure } from "./cloud-init-structure.js";
import { formatResource, type FindingResource } from "./finding.js";
import { manifestLocator, type ManifestLocator } from "./manifest-position.js";
import { describeSchemaChoice, strictSchemaSetFor } from "./strict/schema-set.js";
import type { StrictProblem } from "./strict/validate.js";
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

/** One strict-schema problem of one object, and the diagnostic that reports it. */
export interface ObjectProblem {
  object: ParsedObject;
  problem: StrictProblem;
  /** Also in {@link StrictTreeCheck.diagnostics}. */
  diagnostic: Diagnostic;
}

/** The tree check with what the strict gate found and which schemas it used. */
export interface StrictTreeCheck extends TreeCheck {
  embedded: ParsedObject[];
  /** Every strict-schema problem, for reports that name the resource. */
  invalid: ObjectProblem[];
  /** `Kubernetes 1.33.1 schemas`, as {@link describeSchemaChoice} says it. */
  schemas: string;
}

/** Parses all YAML documents of a file; syntax or duplicate-key problems become diagnostics. */
export function parseManifests(file: string, text: string, app?: string): TreeCheck {
  // One run parses the same rendered text for the tree check, the leak scan and the diff; YAML
  // parsing is the largest part of a render, so parse each text once. Callers only read results.
  // Keyed by file, then by the text itself (its hash is computed once per string), not by one joined
  // key: joining copied every text, a 0.5 MiB ConfigMap on a 100-node tree, on every lookup.
  let byText = parsed.get(file);
  if (!byText) parsed.set(file, (byText = new Map()));
  let result = byText.get(text);
  if (!result) {
    result = parseManifestsOnce(file, text);
    byText.set(text, result);
  }
  return app === undefined ? result : { ...result, objects: result.objects.map((o) => ({ ...o, app })) };
}

const parsed = new Map<string, Map<string, TreeCheck>>();

function parseManifestsOnce(file: string, text: string): TreeCheck {
  const diagnostics: Diagnostic[] = [];
  const objects: ParsedObject[] = [];
  const read = readYaml(text);
  if (!read.ok) {
    diagnostics.push(error("SW-RENDER-YAML", `rendered YAML does not parse: ${read.message}`, { file, line: read.line, col: read.col }));
    return { objects, diagnostics };
  }
  for (const { value, line } of read.docs) {
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value)) {
      diagnostics.push(error("SW-RENDER-NOT-OBJECT", "a rendered document is not a Kubernetes object", { file, line }));
      continue;
    }
    objects.push({ file, obj: value as Record<string, unknown>, line });
  }
  return { objects, diagnostics };
}

export function objectId(o: Record<string, unknown>): string {
  const m = (o.metadata ?? {}) as Record<string, unknown>;
  return `${String(o.apiVersion)}/${String(o.kind)}/${String(m.namespace ?? "")}/${String(m.name ?? "")}`;
}

/**
 * The full tree check run before every write.
 *
 * @param kubernetesVersion the cluster's version (`spec.k3s.version`, e.g. `v1.33.4+k3s1`): objects
 *   are validated against the embedded schema set nearest it (strict/schema-set.ts)
 */
export async function checkTree(files: readonly RenderedFile[], gitopsPath: string, kubernetesVersion: string): Promise<StrictTreeCheck> {
  const diagnostics: Diagnostic[] = [];
  const objects: ParsedObject[] = [];
  const embeddedObjects: ParsedObject[] = [];
  const texts = new Map<string, string>();
  for (const f of files) {
    if (f.kind === "manifest") {
      const parsed = parseManifests(f.path, f.text, f.app);
      diagnostics.push(...parsed.diagnostics);
      objects.push(...parsed.objects);
      texts.set(f.path, f.text);
    } else if (f.kind === "cloud-init") {
      const ci = checkCloudInitStructure(f.path, f.text);
      diagnostics.push(...ci.diagnostics);
      // Manifests that cloud-init drops into K3s's auto-deploy dir are Kubernetes objects too.
      for (const embedded of ci.manifests) {
        const file = `${f.path}#${embedded.path}`;
        const parsed = parseManifests(file, embedded.content);
        diagnostics.push(...parsed.diagnostics);
        embeddedObjects.push(...parsed.objects);
        texts.set(file, embedded.content);
      }
    }
  }
  const seen = new Map<string, string>();
  for (const o of objects) {
    const id = objectId(o.obj);
    const prev = seen.get(id);
    if (prev) diagnostics.push(error("SW-RENDER-DUPLICATE-OBJECT", `${id} is rendered twice (also in ${prev})`, { file: o.file, line: o.line }));
    else seen.set(id, o.file);
  }
  // The schema table (100 KB) loads here, not with the module: every command's module is loaded
  // for `--help` and `--version`, and only the ones that render need it.
  const { validateStrict } = await import("./strict/validate.js");
  const strict = validateObjects([...embeddedObjects, ...objects], (o) => validateStrict(o, kubernetesVersion), texts);
  diagnostics.push(...strict.diagnostics, ...strict.invalid.map((p) => p.diagnostic));
  diagnostics.push(...treeIntegrity(files, objects, gitopsPath));
  diagnostics.push(...objectSizeProblems(objects));
  return { objects, embedded: embeddedObjects, diagnostics, invalid: strict.invalid, schemas: describeSchemaChoice(strictSchemaSetFor(kubernetesVersion)) };
}

/** Every object against its strict schema; problems located in `texts` (file -> manifest text). */
function validateObjects(objects: readonly ParsedObject[], validate: (obj: Record<string, unknown>) => StrictProblem[], texts: ReadonlyMap<string, string>): { diagnostics: Diagnostic[]; invalid: ObjectProblem[] } {
  const diagnostics: Diagnostic[] = [];
  const invalid: ObjectProblem[] = [];
  const locators = new Map<string, ManifestLocator>();
  for (const o of objects) {
    if (typeof o.obj.apiVersion !== "string" || typeof o.obj.kind !== "string") {
      diagnostics.push(error("SW-RENDER-NOT-OBJECT", "a rendered document has no apiVersion/kind", { file: o.file, line: o.line }));
      continue;
    }
    for (const problem of validate(o.obj)) {
      let locator = locators.get(o.file);
      if (!locator) locators.set(o.file, (locator = manifestLocator(texts.get(o.file) ?? "")));
      invalid.push({ object: o, problem, diagnostic: strictDiagnostic(o, problem, locator) });
    }
  }
  return { diagnostics, invalid };
}

/** The Kubernetes object a parsed document is, as far as its apiVersion, kind and metadata say. */
export function resourceOf(obj: Record<string, unknown>): FindingResource {
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  return {
    apiVersion: String(obj.apiVersion),
    kind: String(obj.kind),
    ...(typeof meta.name === "string" ? { name: meta.name } : {}),
    ...(typeof meta.namespace === "string" ? { namespace: meta.namespace } : {}),
  };
}

/**
 * A strict-schema problem as a diagnostic, worded like kubeconform (`Deployment web/web: at
 * '/spec': additional properties 'replica' not allowed`), at the offending key's line and column.
 */
function strictDiagnostic(o: ParsedObject, p: StrictProblem, locate: ManifestLocator): Diagnostic {
  const who = formatResource(resourceOf(o.obj));
  if (p.keyword === "schema") {
    return error("SW-RENDER-UNKNOWN-KIND", `${who}: ${p.message} (${String(o.obj.apiVersion)}) among the embedded strict schemas`, {
      file: o.file,
      line: o.line,
      hint: "Slipway validates every object it writes against an embedded strict schema, and has none for this kind: add it to KINDS in scripts/generate-kube-validators.mjs and run that script (kubeconform, too, fails on a kind it has no schema for)",
    });
  }
  const unknownKey = p.key !== undefined;
  const segments = unknownKey ? [...p.segments, p.key!] : p.segments;
  const at = (segments.length > 0 ? locate(o.line, segments, { key: unknownKey || typeof segments[segments.length - 1] === "string" }) : undefined) ?? { line: o.line };
  const suggestion = p.suggestion !== undefined ? ` (did you mean '${p.suggestion}'?)` : "";
  const causes = p.causes?.length ? `: ${p.causes.join("; ")}` : "";
  return error(unknownKey ? "SW-RENDER-UNKNOWN-FIELD" : "SW-RENDER-INVALID-OBJECT", `${who}: at '${p.path || "/"}': ${p.message}${suggestion}${causes}`, {
    file: o.file,
    ...at,
    hint: unknownKey
      ? "the API server drops a field it does not know, silently: fix the spelling in cluster.yaml (values) or the template"
      : "the API server would reject this object: fix the value in cluster.yaml (values) or the template",
  });
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
