/**
 * Chart repositories and pinned images. Chart versions are spec fields with schema defaults; these
 * are the sources they come from (DOMAIN.md §3.2, §4, §5, §6.1, §8.1; DOMAIN-DAY2.md §5 for cert-manager).
 */
export const CHART_REPOS = {
  argocd: "https://argoproj.github.io/argo-helm",
  sealedSecrets: "https://bitnami-labs.github.io/sealed-secrets",
  cilium: "https://helm.cilium.io",
  traefik: "https://traefik.github.io/charts",
  istio: "https://istio-release.storage.googleapis.com/charts",
  prometheusCommunity: "https://prometheus-community.github.io/helm-charts",
  jetstack: "https://charts.jetstack.io",
} as const;
