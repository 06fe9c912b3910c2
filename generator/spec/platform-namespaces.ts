/**
 * The namespaces a cluster of this spec has that are no tenants: Kubernetes' and K3s's own, those
 * of Slipway's platform components, and those the spec names for apps and volume claims. Tenant
 * prefixes may not claim them (rules/isolation.ts); tenants may not reach them (the Cilium tenant
 * guard). The component names are written here, not imported from plan/ (spec/ does not look down
 * the pipeline); test/components/tenants.test.ts holds them equal to every Application destination
 * the plan renders.
 */
import type { ClusterSpec } from "./types.js";

/** Names starting with these belong to Kubernetes (kube-) and to Slipway (slipway-). */
export const RESERVED_NAMESPACE_PREFIXES = ["kube-", "slipway-"] as const;

/** Namespace -> who it belongs to, for Kubernetes, K3s and the platform components this spec turns on. */
export function platformNamespaces(spec: ClusterSpec): Map<string, string> {
  const s = spec.spec;
  const out = new Map<string, string>();
  // The first owner named stays: Sealed Secrets' default namespace is kube-system.
  const add = (ns: string, owner: string) => void (out.has(ns) || out.set(ns, owner));
  add("default", "Kubernetes");
  add("kube-system", "Kubernetes and K3s");
  add("kube-public", "Kubernetes");
  add("kube-node-lease", "Kubernetes");
  add(s.gitops.argocd.namespace, "Argo CD");
  add(s.secrets.sealedSecrets.namespace, "Sealed Secrets");
  add("slipway-system", "Slipway's host firewall");
  add("system-upgrade", "system-upgrade-controller");
  if (s.network.ingress === "traefik" && s.network.traefik.install === "argocd") add("traefik", "Traefik");
  if (s.network.ingress === "istio") {
    add("istio-system", "Istio");
    add("istio-ingress", "Istio's gateway");
  }
  if (s.monitoring) add("monitoring", "monitoring (kube-prometheus-stack)");
  if (s.dns.failover) add("dns-failover", "DNS failover");
  if (s.certManager) add("cert-manager", "cert-manager");
  return out;
}

/** Namespaces the spec itself names for its own workloads (apps, volume claims, the ambient mesh), with where. */
export function specNamespaces(spec: ClusterSpec): { namespace: string; where: (string | number)[] }[] {
  const s = spec.spec;
  return [
    ...s.apps.map((a, i) => ({ namespace: a.namespace, where: ["spec", "apps", i, "namespace"] })),
    ...s.storage.volumes.flatMap((v, i) => (v.claim ? [{ namespace: v.claim.namespace, where: ["spec", "storage", "volumes", i, "claim", "namespace"] }] : [])),
    ...s.network.istio.ambientNamespaces.map((n, i) => ({ namespace: n, where: ["spec", "network", "istio", "ambientNamespaces", i] })),
  ];
}

/** Whether network.isolation makes `ns` a tenant by name: listed, or matching a tenant prefix and not excepted. */
export function isTenantByName(spec: ClusterSpec, ns: string): boolean {
  const iso = spec.spec.network.isolation;
  if (!iso) return false;
  if (iso.namespaces.includes(ns)) return true;
  const t = iso.tenants;
  return t !== undefined && t.prefixes.some((p) => ns.startsWith(p)) && !t.except.includes(ns);
}
