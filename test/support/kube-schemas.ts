/**
 * Validates objects with the strict Kubernetes 1.36.2 and CRD JSON schemas of ../shared/kube-schemas,
 * the way kubeconform -strict finds them (kubeconform's file layout, DOMAIN.md §10). Test-only:
 * the product never reads ../shared.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { SHARED } from "./cli.js";

const DIR = join(SHARED, "kube-schemas");
export const kubeSchemasAvailable = existsSync(DIR);

const cache = new Map<string, ValidateFunction | null>();

/**
 * The schemas' patterns are Go (RE2) regular expressions; Cilium's CRDs use one-letter Unicode
 * classes (`\PC`) that JavaScript spells `\P{C}` (as test/components/_platform.ts does).
 */
function goRegExp(pattern: string, flags: string): RegExp {
  return new RegExp(pattern.replace(/\\([pP])([A-Z])/g, "\\$1{$2}"), flags);
}
goRegExp.code = "new RegExp";

function schemaFile(apiVersion: string, kind: string): string[] {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const k = kind.toLowerCase();
  const core = group ? `${k}-${group!.split(".")[0]}-${version}.json` : `${k}-${version}.json`;
  return [join(DIR, "kubernetes/v1.36.2-standalone-strict", core), join(DIR, "crds", group ?? "", `${k}_${version}.json`)];
}

/**
 * CRD schemas converted from OpenAPI v3 keep `nullable` where no `type` is (the Plan CRD's
 * IntOrString fields); Ajv refuses that pairing, and a nullable that constrains no type says
 * nothing, so it is dropped.
 */
function withoutBareNullable(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(withoutBareNullable);
  if (x === null || typeof x !== "object") return x;
  const o = x as Record<string, unknown>;
  return Object.fromEntries(Object.entries(o).filter(([k]) => !(k === "nullable" && !("type" in o))).map(([k, v]) => [k, withoutBareNullable(v)]));
}

/** Returns problems for one object; "no schema" is a problem too (kubeconform fails on it). */
export function validateKube(obj: Record<string, unknown>): string[] {
  const key = `${String(obj.apiVersion)}/${String(obj.kind)}`;
  let v = cache.get(key);
  if (v === undefined) {
    const file = schemaFile(String(obj.apiVersion), String(obj.kind)).find((f) => existsSync(f));
    v = file ? new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } }).compile(withoutBareNullable(JSON.parse(readFileSync(file, "utf8"))) as object) : null;
    cache.set(key, v);
  }
  if (v === null) return [`no schema for ${key}`];
  if (v(obj)) return [];
  return (v.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? `: ${String(e.params.additionalProperty)}` : ""}`);
}
