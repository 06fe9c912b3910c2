/** spec.apps: one source each, unique names, values only for charts. */
import type { Diagnostic } from "../../diagnostics.js";
import type { Rule } from "./context.js";

/** Names of Applications Slipway renders itself; a user app may not take one. */
export const PLATFORM_APP_NAMES = [
  "root", "argocd", "sealed-secrets", "cilium", "traefik", "gateway-api", "istio-base", "istiod", "istio-cni", "ztunnel",
  "istio-gateway", "ambient-namespaces", "sealed-secrets-check", "gvisor", "storage", "monitoring", "dns-failover", "isolation", "network-policy", "metadata-guard",
  "host-firewall", "system-upgrade", "node-rollout", "traefik-config", "node-alerts", "cert-manager", "cert-manager-issuers",
];

/** `secrets-<namespace>`: the Application that deploys the SealedSecrets of one namespace. */
export const SECRETS_APP_PREFIX = "secrets-";

export const isPlatformAppName = (name: string): boolean => PLATFORM_APP_NAMES.includes(name) || name.startsWith(SECRETS_APP_PREFIX);

export const appSources: Rule = ({ spec, problem, written }) => {
  const out: Diagnostic[] = [];
  spec.spec.apps.forEach((a, i) => {
    if (a.chart && a.path !== undefined) out.push(problem("SW-APP-SOURCE", ["spec", "apps", i, "path"], `app "${a.name}" has both chart and path`, "An app is either a Helm chart (chart:) or a folder of manifests in the repository (path:); keep one."));
    if (!a.chart && a.path === undefined) out.push(problem("SW-APP-SOURCE", ["spec", "apps", i], `app "${a.name}" has neither chart nor path`, "Add chart: {repo, name, version} for a Helm chart, or path: for a folder of manifests in the repository."));
    if (!a.chart && written(["spec", "apps", i, "values"])) out.push(problem("SW-APP-VALUES-WITHOUT-CHART", ["spec", "apps", i, "values"], `app "${a.name}" has values but no chart`, "values are Helm values; they apply to chart apps only. Remove them or use chart:.", { key: true }));
  });
  return out;
};

export const uniqueAppNames: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const seen = new Map<string, number>();
  spec.spec.apps.forEach((a, i) => {
    if (isPlatformAppName(a.name)) out.push(problem("SW-APP-RESERVED-NAME", ["spec", "apps", i, "name"], `app name "${a.name}" is used by a Slipway platform component`, `Choose another name; reserved: ${PLATFORM_APP_NAMES.join(", ")}, and names starting with ${SECRETS_APP_PREFIX}.`));
    const prev = seen.get(a.name);
    if (prev !== undefined) out.push(problem("SW-APP-DUPLICATE-NAME", ["spec", "apps", i, "name"], `app name "${a.name}" is already used by spec.apps[${prev}]`, "Each Application needs its own name."));
    else seen.set(a.name, i);
  });
  return out;
};
