/**
 * Unknown-field detection for Kubernetes kinds, from the model metadata `@kubernetes/client-node`
 * ships: every generated model class (`V1Deployment`, `V1DeploymentSpec`, ...) has a static
 * `getAttributeTypeMap()` listing its fields (`baseName` is the JSON name) and their types, which
 * its ObjectSerializer walks. We walk an object against the same map and report every key the
 * map does not have: kubernetes-models' validators allow additional properties, and the API
 * server drops an unknown field silently (a typo'd `replica:` leaves the default of 1 replica).
 *
 * The client is loaded lazily (about 0.7 s cold, DESIGN.md): only `check` calls
 * {@link loadKubernetesModels}. Its models are generated from one Kubernetes release (1.34 for
 * client 1.4), so a field added later reads as unknown and a removed one as known.
 */
import { closest } from "../spec/suggest.js";

/** One attribute of a generated model class (`name` is the TypeScript name, `baseName` the JSON one). */
interface Attribute {
  name: string;
  baseName: string;
  type: string;
}

/** A generated model class, as far as this walk needs it. */
interface ModelClass {
  getAttributeTypeMap(): Attribute[];
}

/** The model classes by name (`V1Deployment` -> class). */
export type ModelIndex = ReadonlyMap<string, ModelClass>;

/** One field the model does not have. */
export interface UnknownField {
  /** Keys and indexes from the object root to the unknown key, inclusive. */
  segments: (string | number)[];
  /** `spec.template.spec.containers[0].imagePullPolicyy` */
  path: string;
  field: string;
  /** The closest known field at that place, when one is close. */
  suggestion?: string;
}

/**
 * The model classes of `@kubernetes/client-node`, or null when the package is not installed (it
 * is a development dependency of Slipway; the gate is then skipped and says so).
 */
export async function loadKubernetesModels(): Promise<ModelIndex | null> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import("@kubernetes/client-node")) as Record<string, unknown>;
  } catch {
    return null;
  }
  const index = new Map<string, ModelClass>();
  for (const [name, value] of Object.entries(mod)) {
    if (typeof value === "function" && typeof (value as Partial<ModelClass>).getAttributeTypeMap === "function") {
      index.set(name, value as unknown as ModelClass);
    }
  }
  return index;
}

/**
 * API groups served by Kubernetes itself; anything else (argoproj.io, helm.cattle.io, ...) is a
 * custom resource the client has no model for, even when a class of the same name exists.
 */
function isKubernetesGroup(group: string): boolean {
  return group === "" || group.endsWith(".k8s.io") || ["apps", "batch", "autoscaling", "policy"].includes(group);
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The model class name of an apiVersion/kind: `apps/v1` Deployment -> `V1Deployment`. A kind that
 * exists in two groups carries the group in its class name (`v1` Event -> `CoreV1Event`,
 * `events.k8s.io/v1` Event -> `EventsV1Event`), so that form is tried first.
 */
export function modelClassName(apiVersion: string, kind: string, models: ModelIndex): string | undefined {
  const slash = apiVersion.lastIndexOf("/");
  const group = slash === -1 ? "" : apiVersion.slice(0, slash);
  const version = slash === -1 ? apiVersion : apiVersion.slice(slash + 1);
  if (!isKubernetesGroup(group) || !/^v\d+((alpha|beta)\d+)?$/.test(version)) return undefined;
  const prefix = group === "" ? "Core" : capitalize(group.split(".")[0]!);
  for (const name of [`${prefix}${capitalize(version)}${kind}`, `${capitalize(version)}${kind}`]) {
    const model = models.get(name);
    if (model && model.getAttributeTypeMap().some((a) => a.baseName === "kind")) return name;
  }
  return undefined;
}

const ARRAY = /^Array<(.+)>$/;
const MAP = /^\{ \[key: string\]: (.+); \}$/;
/** Types whose values have no fields of their own (IntOrString and Quantity included: a number or a string). */
const LEAVES = new Set(["string", "number", "boolean", "Date", "any", "object", "IntOrString", "Quantity"]);

/**
 * Every key of `obj` that its model does not know, in document order. Kinds the client has no
 * model for (custom resources) give nothing; so do values of types it does not describe (`any`,
 * raw extensions).
 */
export function findUnknownFields(obj: Record<string, unknown>, models: ModelIndex): UnknownField[] {
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") return [];
  const root = modelClassName(obj.apiVersion, obj.kind, models);
  if (!root) return [];
  const found: UnknownField[] = [];
  walk(obj, root, [], models, found);
  return found;
}

function walk(value: unknown, type: string, at: (string | number)[], models: ModelIndex, found: UnknownField[]): void {
  if (value === null || value === undefined) return;
  const t = type.replace(/ \| (null|undefined)$/, "");
  if (LEAVES.has(t)) return;
  const array = ARRAY.exec(t);
  if (array) {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, array[1]!, [...at, i], models, found));
    return;
  }
  const map = MAP.exec(t);
  if (map) {
    if (isRecord(value)) for (const [k, v] of Object.entries(value)) walk(v, map[1]!, [...at, k], models, found);
    return;
  }
  const model = models.get(t);
  if (!model || !isRecord(value)) return; // a type the client does not describe, or a wrong-typed value (the schema gates catch that)
  const attributes = model.getAttributeTypeMap();
  const byName = new Map(attributes.map((a) => [a.baseName, a]));
  for (const [k, v] of Object.entries(value)) {
    const attr = byName.get(k);
    if (attr) {
      walk(v, attr.type, [...at, k], models, found);
      continue;
    }
    const segments = [...at, k];
    const suggestion = closest(k, attributes.map((a) => a.baseName));
    found.push({ segments, path: formatPath(segments), field: k, ...(suggestion !== undefined && suggestion !== k ? { suggestion } : {}) });
  }
}

/** `spec.template.spec.containers[0].name`; keys that are not plain words are quoted (`metadata.labels["a/b"]`). */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
