/**
 * ValidatingAdmissionPolicy in tests: a rendered policy and its binding judged the way the API
 * server does (kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/), with
 * the CEL of the rendered objects evaluated by a real CEL interpreter (@marcbachmann/cel-js):
 * the resource rules and the binding's namespaceSelector pick the request; variables are
 * evaluated in order (one that fails stays unset, as Kubernetes evaluates them lazily); a
 * validation that is false denies with its message, one that fails denies (failurePolicy Fail).
 */
import { evaluate } from "@marcbachmann/cel-js";

type Obj = Record<string, unknown>;
interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}
interface Policy {
  metadata: { name: string };
  spec: {
    failurePolicy: string;
    matchConstraints: { resourceRules: { apiGroups: string[]; operations: string[]; resources: string[] }[] };
    variables?: { name: string; expression: string }[];
    validations: { expression: string; message: string }[];
  };
}
interface Binding {
  spec: { policyName: string; validationActions: string[]; matchResources?: { namespaceSelector?: LabelSelector } };
}

export interface AdmissionRequest {
  operation: "CREATE" | "UPDATE" | "DELETE";
  /** API group ("" for core) and plural resource, e.g. ["", "pods"]. */
  resource: [string, string];
  /** The request's namespace ("" for a cluster-scoped object such as a Namespace). */
  namespace: string;
  username: string;
  object?: Obj | null;
  oldObject?: Obj | null;
  /** The namespace object of a namespaced request. */
  namespaceObject?: Obj | null;
}

export interface Verdict {
  allowed: boolean;
  /** Messages of the validations that denied (or failed). */
  denied: string[];
}

/** Label selector semantics (apimachinery labels.Selector: NotIn and DoesNotExist match an absent key). */
export function selects(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    const ok = e.operator === "In" ? inValues : e.operator === "NotIn" ? !inValues : e.operator === "Exists" ? has : !has;
    if (!ok) return false;
  }
  return true;
}

function labelsOf(o: Obj | null | undefined): Record<string, string> {
  return ((o?.metadata as Obj | undefined)?.labels ?? {}) as Record<string, string>;
}

/** Kubernetes sets kubernetes.io/metadata.name on every namespace (NamespaceDefaultLabelName, 1.21+). */
export function namespace(name: string, labels: Record<string, string> = {}, extra: Obj = {}): Obj {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels }, ...extra } };
}

/** The verdict of one policy (with its binding) on a request; allowed when the policy does not apply. */
export function judge(policy: Policy, binding: Binding, req: AdmissionRequest): Verdict {
  const [group, resource] = req.resource;
  const applies = policy.spec.matchConstraints.resourceRules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.operations.includes(req.operation));
  if (!applies) return { allowed: true, denied: [] };
  // For a Namespace request the namespaceSelector is matched against the namespace itself.
  const ns = req.namespace === "" ? (req.object ?? req.oldObject) : req.namespaceObject;
  if (!selects(binding.spec.matchResources?.namespaceSelector, labelsOf(ns))) return { allowed: true, denied: [] };
  const ctx: Obj = {
    object: req.object ?? null,
    oldObject: req.oldObject ?? null,
    namespaceObject: req.namespaceObject ?? null,
    request: { operation: req.operation, namespace: req.namespace, userInfo: { username: req.username } },
  };
  const variables: Obj = {};
  for (const v of policy.spec.variables ?? []) {
    try {
      variables[v.name] = evaluate(v.expression, { ...ctx, variables });
    } catch {
      // unset: a validation that reads it fails unless it short-circuits first
    }
  }
  const denied: string[] = [];
  for (const v of policy.spec.validations) {
    let ok: unknown;
    try {
      ok = evaluate(v.expression, { ...ctx, variables });
    } catch (e) {
      ok = `error: ${(e as Error).message}`;
    }
    if (ok !== true) denied.push(ok === false ? v.message : `${v.message} [${String(ok)}]`);
  }
  return { allowed: denied.length === 0 || !binding.spec.validationActions.includes("Deny"), denied };
}

/** Every policy of a rendered set, each with its binding, judging one request together. */
export function admitAll(objects: Obj[], req: AdmissionRequest): Verdict {
  const policies = objects.filter((o) => o.kind === "ValidatingAdmissionPolicy") as unknown as Policy[];
  const bindings = objects.filter((o) => o.kind === "ValidatingAdmissionPolicyBinding") as unknown as Binding[];
  const denied: string[] = [];
  for (const p of policies) {
    const b = bindings.find((x) => x.spec.policyName === p.metadata.name);
    if (!b) throw new Error(`policy ${p.metadata.name} has no binding`);
    denied.push(...judge(p, b, req).denied);
  }
  return { allowed: denied.length === 0, denied };
}
