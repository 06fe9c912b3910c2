/** network.isolation: tenants are ordinary namespaces, never the platform's own. */
import type { Diagnostic } from "../../diagnostics.js";
import type { Rule } from "./context.js";

export const tenantNamespaces: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const s = spec.spec;
  const iso = s.network.isolation;
  if (!iso) return out;
  const platform = new Map<string, string>([
    ["default", "Kubernetes"],
    ["kube-system", "Kubernetes and K3s"],
    ["kube-public", "Kubernetes"],
    ["kube-node-lease", "Kubernetes"],
    [s.gitops.argocd.namespace, "Argo CD"],
    [s.secrets.sealedSecrets.namespace, "Sealed Secrets"],
  ]);
  if (s.network.ingress === "traefik" && s.network.traefik.install === "argocd") platform.set("traefik", "Traefik");
  iso.namespaces.forEach((ns, i) => {
    const owner = platform.get(ns);
    if (owner) out.push(problem("SW-ISOLATION-PLATFORM-NAMESPACE", ["spec", "network", "isolation", "namespaces", i], `namespace ${ns} belongs to ${owner}; isolating it would cut the platform off`, "List only tenant namespaces (for example dp-<user>-<project>)."));
  });
  if (s.network.ingress === "istio") {
    out.push({
      ...problem("SW-ISOLATION-NO-INGRESS-ALLOWANCE", ["spec", "network", "isolation"], "with ingress: istio, tenant namespaces get no NetworkPolicy allowance for the Istio gateway", "Traffic from the gateway into tenant pods is denied; add a NetworkPolicy for your gateway's namespace in an app, or use ingress: traefik."),
      severity: "warning",
    });
  }
  return out;
};
