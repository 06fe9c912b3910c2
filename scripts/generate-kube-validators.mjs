// Compiles the strict Kubernetes and CRD schemas that kubeconform -strict reads (the reference set
// in ../shared/kube-schemas) into one compact validation table that Slipway ships:
// generator/check/generated/strict-schemas.js (+ .d.ts; strict-schema-versions.js lists the
// versions without loading the table), committed. Run it by hand after changing
// KINDS below or the reference set: `node scripts/generate-kube-validators.mjs [KUBE_SCHEMAS_DIR
// [OUT_DIR]]` (default ../shared/kube-schemas beside the repository, and that generated folder).
// Nothing else runs it: the product and its build never read ../shared; one test, where ../shared
// exists, runs it into a temporary folder to prove the committed output is current.
//
// Why a table and not Ajv standalone code: for these 35 kinds in two Kubernetes versions Ajv's
// standalone output (allErrors) measured 2.05 MB; the interned table below is about 0.1 MB and
// generator/check/strict/validate.ts evaluates it with kubeconform's own semantics and wording.
//
// The steps, each checked so that a change upstream fails here rather than in a user's check:
// 1. Core kinds come from each set's `_definitions.json` (shared definitions such as PodSpec are
//    read once). They are expanded exactly as yannh/openapi2jsonschema 09bbcef (the generator of
//    the per-kind files, command.py/util.py) does for `--expanded --kubernetes --stand-alone
//    --strict`, and each expansion must equal the per-kind file kubeconform reads.
// 2. CRDs are the catalog files kubeconform reads, as they are.
// 3. Annotations go, validation keywords stay; a keyword this script does not know stops it.
// 4. Every schema node is interned: identical subtrees (across kinds and both versions) are
//    stored once and referred to by index.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";

/**
 * Every kind Slipway renders (or is about to), one line each: apiVersion, kind. Core kinds are
 * looked up in each Kubernetes set, anything else in crds/<group>/<kind>_<version>.json.
 * CustomResourceDefinition is not rendered (and has no strict schema upstream either).
 */
const KINDS = [
  ["v1", "ConfigMap"],
  ["v1", "Namespace"],
  ["v1", "PersistentVolume"],
  ["v1", "PersistentVolumeClaim"],
  ["v1", "Secret"],
  ["v1", "Service"],
  ["v1", "ServiceAccount"],
  ["admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy"],
  ["admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding"],
  ["apps/v1", "DaemonSet"],
  ["apps/v1", "Deployment"],
  ["apps/v1", "StatefulSet"],
  ["batch/v1", "CronJob"],
  ["batch/v1", "Job"],
  ["networking.k8s.io/v1", "NetworkPolicy"],
  ["node.k8s.io/v1", "RuntimeClass"],
  ["policy/v1", "PodDisruptionBudget"],
  ["rbac.authorization.k8s.io/v1", "ClusterRole"],
  ["rbac.authorization.k8s.io/v1", "ClusterRoleBinding"],
  ["rbac.authorization.k8s.io/v1", "Role"],
  ["rbac.authorization.k8s.io/v1", "RoleBinding"],
  ["scheduling.k8s.io/v1", "PriorityClass"],
  ["argoproj.io/v1alpha1", "AppProject"],
  ["argoproj.io/v1alpha1", "Application"],
  ["bitnami.com/v1alpha1", "SealedSecret"],
  ["cert-manager.io/v1", "Certificate"],
  ["cert-manager.io/v1", "ClusterIssuer"],
  ["cert-manager.io/v1", "Issuer"],
  ["cilium.io/v2", "CiliumClusterwideNetworkPolicy"],
  ["cilium.io/v2", "CiliumNetworkPolicy"],
  ["helm.cattle.io/v1", "HelmChart"],
  ["helm.cattle.io/v1", "HelmChartConfig"],
  ["monitoring.coreos.com/v1", "PrometheusRule"],
  ["monitoring.coreos.com/v1", "ServiceMonitor"],
  ["upgrade.cattle.io/v1", "Plan"],
];

/** API groups Kubernetes serves itself: their kinds are in the Kubernetes sets, not crds/. */
const isCoreGroup = (group) => group === "" || group.endsWith(".k8s.io") || ["apps", "batch", "autoscaling", "policy"].includes(group);

/**
 * Facts from the reference set's README, quoted in the output's header. The script stops when the
 * README no longer names these commits: the header would then be wrong.
 */
const PROVENANCE = [
  "kubernetes/v1.33.1-standalone-strict: kubernetes-client/python kubernetes/swagger.json.unprocessed at 1cc7ca51bed5b924f5d35c91c1f3578158a703c0 (release-1.33), converted by yannh/openapi2jsonschema 09bbcef0ed5f0f70ee033834637e10e7035b6787",
  "kubernetes/v1.36.2-standalone-strict: kubernetes-client/python kubernetes/swagger.json.unprocessed at ac0ee5091f0b801911c906558030e2624a26bdf8 (release-1.36), converted with the same conventions",
  "crds/: datreeio/CRDs-catalog at 7b1e26ef9deea49293714d204c1a2270aab1178f, copied byte for byte",
];

/**
 * Formats kubeconform v0.7.0 asserts. It compiles CRD schemas (no `$schema`) as draft-04
 * (pkg/validator/validator.go: `c.DefaultDraft(jsonschema.Draft4)`), and santhosh-tekuri/jsonschema
 * v6.0.1 asserts formats below draft 2019-09 (objcompiler.go `assertFormat`) for the names in its
 * format.go table plus the `duration` kubeconform registers; any other name is ignored. The core
 * files declare `$schema: http://json-schema.org/schema#`, which v6 reads as its latest draft,
 * 2020-12 (draft.go `draftFromURL`), where formats are annotations only: so no format is checked
 * in a core kind. validate.ts implements each name kept here (a test holds that).
 */
const ASSERTED_FORMATS = new Set(["json-pointer", "relative-json-pointer", "uuid", "duration", "period", "ipv4", "ipv6", "hostname", "email", "date", "time", "date-time", "uri", "iri", "uri-reference", "iri-reference", "uri-template", "semver", "regex"]);

/** Keywords with no effect on validation in either draft kubeconform uses (or ones it ignores: OpenAPI's `nullable`, Kubernetes' `x-kubernetes-*`). */
const isAnnotation = (k) => ["description", "default", "example", "title", "$schema", "nullable"].includes(k) || k.startsWith("x-kubernetes-");
/** Keywords kept as they are, and keywords whose value holds schemas. */
const VALUE_KEYWORDS = new Set(["type", "enum", "required", "pattern", "format", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties"]);
const SCHEMA_MAP_KEYWORDS = new Set(["properties", "patternProperties"]);
const SCHEMA_KEYWORDS = new Set(["items", "additionalProperties"]);
const SCHEMA_LIST_KEYWORDS = new Set(["oneOf", "anyOf", "allOf"]);

const repo = new URL("..", import.meta.url).pathname;
const source = resolve(process.argv[2] ?? join(repo, "../shared/kube-schemas"));
if (!existsSync(join(source, "README.md"))) fail(`no kube-schemas at ${source} (pass its path)`);
const readme = readFileSync(join(source, "README.md"), "utf8");
for (const line of PROVENANCE) for (const sha of line.match(/\b[0-9a-f]{40}\b/g)) if (!readme.includes(sha)) fail(`README.md no longer names ${sha}: update PROVENANCE`);

const inputs = new Map(); // path relative to `source` -> sha256, for the header
const readJson = (rel) => {
  const text = readFileSync(join(source, rel));
  inputs.set(rel, createHash("sha256").update(text).digest("hex"));
  return JSON.parse(text.toString("utf8"));
};

const versions = readdirSync(join(source, "kubernetes"))
  .map((d) => /^v(\d+\.\d+\.\d+)-standalone-strict$/.exec(d)?.[1])
  .filter(Boolean)
  .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));

const intern = createInterner();
const sets = versions.map((version) => {
  const dir = `kubernetes/v${version}-standalone-strict`;
  const definitions = readJson(`${dir}/_definitions.json`).definitions;
  const kinds = {};
  for (const [apiVersion, kind] of KINDS) {
    const [group, v] = splitApiVersion(apiVersion);
    const schema = isCoreGroup(group) ? coreSchema(definitions, dir, group, v, kind) : readJson(`crds/${group}/${kind.toLowerCase()}_${v}.json`);
    kinds[`${apiVersion}/${kind}`] = intern(normalize(schema, isCoreGroup(group), `${dir} ${apiVersion}/${kind}`));
  }
  return { version, kinds };
});

const data = { sets, nodes: intern.nodes };
const header = [
  "// Generated by scripts/generate-kube-validators.mjs. Do not edit; change the script and run it again.",
  "//",
  "// The strict schemas kubeconform -strict reads, for the kinds Slipway renders, interned into one",
  "// table (see generator/check/strict/validate.ts). Read from the reference folder kube-schemas/",
  "// (shared beside the repository at development time; never at run time), whose README gives:",
  ...PROVENANCE.map((p) => `//   ${p}`),
  "// Inputs read (sha256):",
  ...[...inputs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([rel, sha]) => `//   ${sha}  ${rel}`),
].join("\n");
const out = resolve(process.argv[3] ?? join(repo, "generator/check/generated"));
mkdirSync(out, { recursive: true });
// JSON.parse of one string literal: V8 reads JSON faster than the same data as an object literal.
// Single quotes, so the JSON's many double quotes need no escape (line separators are legal in
// string literals since ES2019).
const literal = `'${JSON.stringify(data).replace(/[\\']/g, "\\$&")}'`;
writeFileSync(join(out, "strict-schemas.js"), `${header}\nexport const STRICT_SCHEMAS = JSON.parse(${literal});\n`);
writeFileSync(join(out, "strict-schemas.d.ts"), declarations());
writeFileSync(
  join(out, "strict-schema-versions.js"),
  `// Generated by scripts/generate-kube-validators.mjs. Do not edit.\n// The Kubernetes versions of the sets in strict-schemas.js, oldest first: readable without loading the table.\nexport const STRICT_SCHEMA_VERSIONS = ${JSON.stringify(versions)};\n`,
);
writeFileSync(join(out, "strict-schema-versions.d.ts"), "// Generated by scripts/generate-kube-validators.mjs. Do not edit.\nexport declare const STRICT_SCHEMA_VERSIONS: readonly string[];\n");
console.log(`strict-schemas.js: ${KINDS.length} kinds, sets ${versions.join(", ")}, ${data.nodes.length} schema nodes, ${JSON.stringify(data).length} bytes of data`);

/** The strict schema of a core kind, expanded from the set's shared definitions. */
function coreSchema(definitions, dir, group, version, kind) {
  const names = Object.keys(definitions).filter((n) => (definitions[n]["x-kubernetes-group-version-kind"] ?? []).some((g) => g.group === group && g.version === version && g.kind === kind));
  if (names.length !== 1) fail(`${dir}: ${names.length} definitions for ${group}/${version} ${kind}`);
  const name = names[0];
  const expanded = expandDefinition(definitions, name);
  // kubeconform's file name for the definition (command.py: kind-group-version, group "core"/"api" left out).
  const parts = name.split(".");
  const fileGroup = parts.at(-3).toLowerCase();
  const file = `${dir}/${["core", "api"].includes(fileGroup) ? `${kind.toLowerCase()}-${version}` : `${kind.toLowerCase()}-${fileGroup}-${version}`}.json`;
  if (!isDeepStrictEqual(expanded, readJson(file))) fail(`${file}: the expansion of ${name} from _definitions.json differs from the file kubeconform reads`);
  return expanded;
}

/**
 * command.py for one definition: `$ref`s replaced by their targets (jsonref 0.2 drops a `$ref`'s
 * sibling keys), the root made strict, then int-or-string formats replaced and `null` allowed for
 * every field not listed in its parent's `required` (util.py).
 */
function expandDefinition(definitions, name) {
  const stack = [];
  const expand = (node) => {
    if (Array.isArray(node)) return node.map(expand);
    if (node === null || typeof node !== "object") return node;
    if (typeof node.$ref === "string") {
      const target = node.$ref.replace(/^.*#\/definitions\//, "");
      if (stack.includes(target) || !definitions[target]) fail(`${name}: cannot expand $ref ${node.$ref}`);
      stack.push(target);
      const out = expand(definitions[target]);
      stack.pop();
      return out;
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, expand(v)]));
  };
  const root = expand(definitions[name]);
  root.$schema = "http://json-schema.org/schema#";
  root.type ??= "object";
  root.additionalProperties = false;
  if (root.properties) root.properties = allowNullOptionalFields(replaceIntOrString(additionalProperties(root.properties)));
  return root;
}

/** util.py additional_properties (it also sets the key in place, as there). */
function additionalProperties(data) {
  if (!isObject(data)) return data;
  const out = {};
  for (const [k, v] of Object.entries(data)) {
    if (isObject(v)) {
      if ("properties" in v && !("additionalProperties" in v)) v.additionalProperties = false;
      out[k] = additionalProperties(v);
    } else out[k] = v;
  }
  return out;
}

/** util.py replace_int_or_string. */
function replaceIntOrString(data) {
  if (!isObject(data)) return data;
  const out = {};
  for (const [k, v] of Object.entries(data)) {
    if (Array.isArray(v)) out[k] = v.map(replaceIntOrString);
    else if (isObject(v)) out[k] = v.format === "int-or-string" ? { oneOf: [{ type: "string" }, { type: "integer" }] } : replaceIntOrString(v);
    else out[k] = v;
  }
  return out;
}

/** util.py allow_null_optional_fields, quirks included (it reads `required` two levels up). */
function allowNullOptionalFields(data, parent, grandParent, key) {
  if (!isObject(data)) return data;
  const out = {};
  for (const [k, v] of Object.entries(data)) {
    if (Array.isArray(v)) out[k] = v.map((x) => allowNullOptionalFields(x, v, parent, k));
    else if (isObject(v)) out[k] = allowNullOptionalFields(v, data, parent, k);
    else if (typeof v === "string") {
      const required = isObject(grandParent) && "required" in grandParent && pythonIn(key, grandParent.required);
      out[k] = k === "type" && v !== "null" && !required ? [v, "null"] : v;
    } else out[k] = v;
  }
  return out;
}

/** Python's `key in container` for the containers JSON gives. */
function pythonIn(key, container) {
  if (Array.isArray(container)) return container.includes(key);
  if (typeof container === "string") return typeof key === "string" && container.includes(key);
  return isObject(container) && Object.hasOwn(container, key);
}

/** A schema with annotations removed and formats kept only where kubeconform asserts them. */
function normalize(schema, core, where) {
  if (typeof schema === "boolean") return schema;
  if (!isObject(schema)) fail(`${where}: a schema is not an object`);
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (isAnnotation(k)) continue;
    if (k === "format") {
      if (!core && ASSERTED_FORMATS.has(v)) out.format = v;
    } else if (VALUE_KEYWORDS.has(k)) out[k] = v;
    else if (SCHEMA_MAP_KEYWORDS.has(k)) out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, normalize(s, core, `${where} ${p}`)]));
    else if (SCHEMA_LIST_KEYWORDS.has(k)) out[k] = v.map((s) => normalize(s, core, where));
    else if (SCHEMA_KEYWORDS.has(k) && (typeof v === "boolean" || isObject(v))) out[k] = normalize(v, core, where);
    else fail(`${where}: keyword ${JSON.stringify(k)} is not supported by generator/check/strict/validate.ts`);
  }
  return out;
}

/**
 * Interns schema nodes bottom-up: subschemas become indexes into `nodes`, identical nodes share
 * one index. `additionalProperties: false/true` stays inline. Indexes follow first appearance, so
 * the output depends only on KINDS and the inputs.
 */
function createInterner() {
  const nodes = [];
  const index = new Map();
  const intern = (schema) => {
    if (typeof schema === "boolean") return schema;
    const node = {};
    for (const [k, v] of Object.entries(schema)) {
      if (SCHEMA_MAP_KEYWORDS.has(k)) node[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, internNode(s)]));
      else if (SCHEMA_LIST_KEYWORDS.has(k)) node[k] = v.map(internNode);
      else if (SCHEMA_KEYWORDS.has(k)) node[k] = typeof v === "boolean" ? v : internNode(v);
      else node[k] = v;
    }
    const key = JSON.stringify(node);
    let i = index.get(key);
    if (i === undefined) {
      i = nodes.length;
      nodes.push(node);
      index.set(key, i);
    }
    return i;
  };
  const internNode = (s) => (typeof s === "boolean" ? fail("a boolean schema outside additionalProperties") : intern(s));
  intern.nodes = nodes;
  return intern;
}

function declarations() {
  return `// Generated by scripts/generate-kube-validators.mjs. Do not edit.
/** One interned schema node: JSON Schema keywords; every subschema is an index into \`nodes\`. */
export interface StrictSchemaNode {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  required?: string[];
  properties?: Record<string, number>;
  patternProperties?: Record<string, number>;
  additionalProperties?: boolean | number;
  items?: number;
  oneOf?: number[];
  anyOf?: number[];
  allOf?: number[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
}
/** One Kubernetes version's schemas: \`apiVersion/kind\` -> root node. */
export interface StrictSchemaSet {
  version: string;
  kinds: Record<string, number>;
}
export declare const STRICT_SCHEMAS: { sets: StrictSchemaSet[]; nodes: StrictSchemaNode[] };
`;
}

function splitApiVersion(apiVersion) {
  const i = apiVersion.lastIndexOf("/");
  return i === -1 ? ["", apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function fail(message) {
  console.error(`generate-kube-validators: ${message}`);
  process.exit(1);
}
