/**
 * CEL for the tenant admission policies (tenant-admission.ts). Kept to standard CEL (no optionals,
 * no Kubernetes-only functions) so the tests evaluate the rendered expressions with a stock CEL
 * interpreter. Kubernetes hands policies `object` and `oldObject` (null on CREATE and DELETE
 * respectively), `request`, and in validations and variables `namespaceObject`; matchConditions do
 * not get `namespaceObject` (DOMAIN-DAY2 §4a), which is why the tenant test lives in a variable.
 */

/** Marks a tenant namespace; Cilium's clusterwide guard selects tenants' endpoints by it (DOMAIN-DAY2 §4d). */
export const TENANT_LABEL = "slipway.dev/tenant";
/** Set (only by the tenant controller or Argo CD) once a tenant's isolation NetworkPolicy exists. */
export const ISOLATED_LABEL = "slipway.dev/isolated";
export const PSA_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

/** A CEL string literal (single-quoted; our values are DNS names and label keys, checked here). */
export function celString(s: string): string {
  if (!/^[a-z0-9.:/_-]*$/i.test(s)) throw new Error(`plan bug: ${JSON.stringify(s)} is not a plain CEL string literal`);
  return `'${s}'`;
}

export function celList(items: readonly string[]): string {
  return `[${items.map(celString).join(", ")}]`;
}

/**
 * A label's value on `obj` (a CEL expression for an object or null), or '' when the object, its
 * labels or the key are absent: never an error, whatever the request.
 */
export function labelOf(obj: string, key: string): string {
  return `((${obj} != null && has(${obj}.metadata.labels) && ${celString(key)} in ${obj}.metadata.labels) ? ${obj}.metadata.labels[${celString(key)}] : '')`;
}

/** Whether a namespace name (CEL string expression) is claimed by a prefix and not excepted. */
export function namedTenant(name: string, prefixes: readonly string[], except: readonly string[]): string {
  if (prefixes.length === 0) return "false";
  const claimed = `${celList(prefixes)}.exists(p, ${name}.startsWith(p))`;
  return except.length === 0 ? claimed : `(${claimed} && !(${name} in ${celList(except)}))`;
}

/** The tenant test for a namespaced request: by the namespace's name, or its tenant label. */
export function namespacedTenant(prefixes: readonly string[], except: readonly string[]): string {
  return `${namedTenant("request.namespace", prefixes, except)} || ${labelOf("namespaceObject", TENANT_LABEL)} == 'true'`;
}

/** Whether the request comes from one of the given users (service accounts, in their full names). */
export function requestedBy(users: readonly string[]): string {
  return `request.userInfo.username in ${celList(users)}`;
}
