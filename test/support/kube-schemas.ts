/**
 * Strict Kubernetes validation in tests. Two ways, for two purposes:
 *
 * - {@link strictProblems}: the embedded gate Slipway ships (generator/check/strict), for "is this
 *   object valid"; needs no reference data, so those tests run in any clone;
 * - {@link referenceProblems}: Ajv on the very files kubeconform -strict reads from
 *   ../shared/kube-schemas (its layout: core kinds by kind-group-version, CRDs by group/kind_version,
 *   DOMAIN.md §10), an independent second implementation the embedded gate is compared with.
 *   Only where ../shared exists ({@link kubeSchemasAvailable}); tests skip loudly otherwise.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { translateGoRegExp } from "../../generator/check/strict/go-regexp.js";
import { validateStrict } from "../../generator/check/strict/validate.js";
import { SHARED } from "./cli.js";

export const KUBE_SCHEMAS = join(SHARED, "kube-schemas");
export const kubeSchemasAvailable = existsSync(KUBE_SCHEMAS);

/** The embedded gate's problems of one object as `PATH MESSAGE` lines ([] when valid). */
export function strictProblems(obj: Record<string, unknown>, kubernetesVersion = "1.36.2"): string[] {
  return validateStrict(obj, kubernetesVersion).map((p) => `${p.path || "/"} ${p.message}`);
}

/** The schemas' patterns are Go (RE2) regular expressions: translated as the product does. */
function goRegExp(pattern: string, flags: string): RegExp {
  const t = translateGoRegExp(pattern);
  return new RegExp(t.source, [...new Set(flags + t.flags)].join(""));
}
goRegExp.code = "new RegExp";

const cache = new Map<string, ValidateFunction | null>();

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

/** The file kubeconform reads for an object, in the set of `version` (`1.33.1`), if there is one. */
export function referenceSchemaFile(apiVersion: string, kind: string, version = "1.36.2"): string | undefined {
  const slash = apiVersion.lastIndexOf("/");
  const [group, v] = slash === -1 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
  const k = kind.toLowerCase();
  const core = join(KUBE_SCHEMAS, `kubernetes/v${version}-standalone-strict`, group ? `${k}-${group.split(".")[0]}-${v}.json` : `${k}-${v}.json`);
  const crd = join(KUBE_SCHEMAS, "crds", group, `${k}_${v}.json`);
  return [core, crd].find((f) => existsSync(f));
}

/**
 * Problems of one object against the reference files, as `PATH MESSAGE` lines with Ajv's
 * messages; a missing schema is a problem too (kubeconform fails on it). Formats are not checked:
 * kubeconform checks none in the core files, and only `date-time` in the CRD files.
 */
export function referenceProblems(obj: Record<string, unknown>, version = "1.36.2"): string[] {
  const file = referenceSchemaFile(String(obj.apiVersion), String(obj.kind), version);
  const key = file ?? `${String(obj.apiVersion)}/${String(obj.kind)}`; // CRD files serve both versions
  let v = cache.get(key);
  if (v === undefined) {
    if (file) {
      // The core files declare `$schema: http://json-schema.org/schema#`, draft-04 style without
      // draft-specific keywords, which Ajv's default (draft-07) class reads with strict off.
      const schema = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
      delete schema.$schema;
      v = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } }).compile(withoutBareNullable(schema) as object);
    } else v = null;
    cache.set(key, v);
  }
  if (v === null) return [`/ no schema for ${String(obj.apiVersion)}/${String(obj.kind)}`];
  if (v(obj)) return [];
  return (v.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}${"additionalProperty" in e.params ? `: ${String(e.params.additionalProperty)}` : ""}`);
}
