/**
 * cert-manager (spec.certManager, seed 003; DOMAIN-DAY2.md §5), two Applications:
 *
 * - `cert-manager`: the jetstack chart with its CRDs (`crds.enabled`) carrying
 *   `helm.sh/resource-policy: keep` (`crds.keep`). Argo CD honours keep as Delete=false, so deleting
 *   the Application (removing spec.certManager) leaves the CRDs and with them every Certificate and
 *   Issuer (argoproj/argo-cd#13157). It is not Prune=false: a CRD that drops out of the rendered chart
 *   is still pruned under auto-prune, and every custom resource of it goes too (argoproj/argo-cd#17819,
 *   DOMAIN-DAY2.md §0.10). So the CRDs never drop out: crds.enabled and crds.keep are Slipway's, and
 *   a rule (spec/rules/cert-manager.ts) refuses values that would turn them off. The chart's CRDs are
 *   far above client-side apply's annotation limit (clusterissuers alone is 332 KB at v1.21.1), hence
 *   server-side apply.
 * - `cert-manager-issuers`: the Let's Encrypt ClusterIssuers, a wave after the controller (their CRD
 *   group is the controller's) and after the Cloudflare token's SealedSecret Application when there is
 *   one. The chart's startupapicheck Job is a Helm post-install hook, which Argo CD runs as PostSync,
 *   so the controller's Application turns healthy only once the webhook answers, and the child health
 *   check makes the issuers' wave wait for it: a ClusterIssuer sent earlier fails with "failed calling
 *   webhook webhook.cert-manager.io" (cert-manager/cert-manager#5429). SkipDryRunOnMissingResource
 *   covers a sync of the issuers alone on a cluster whose CRDs are not there yet.
 *
 * Chart value names, checked against deploy/charts/cert-manager/values.yaml at the pinned tag
 * (test/components/cert-manager.test.ts holds the list and the citation).
 */
import type { Resolved } from "../../spec/resolve.js";
import { SECRETS_APP_PREFIX } from "../../spec/rules/apps.js";
import { mergeValues } from "../merge-values.js";
import { component, type Component, type Feature } from "../types.js";
import { MONITORING_RELEASE } from "./monitoring.js";
import { LETSENCRYPT_STAGING } from "./traefik.js";
import { CHART_REPOS } from "./versions.js";

export const CERT_MANAGER_NAMESPACE = "cert-manager";
export const CERT_MANAGER_APP = "cert-manager";
/** The controller's ServiceAccount (the chart's fullname for release cert-manager): it creates the HTTP-01 solver pods. */
export const CERT_MANAGER_CONTROLLER_USER = `system:serviceaccount:${CERT_MANAGER_NAMESPACE}:cert-manager`;

/** Whether cert-manager solves HTTP-01 challenges: its solver pods then run in the namespaces of the certificates. */
export function solvesHttp01(r: Resolved): boolean {
  const acme = r.spec.spec.certManager?.acme;
  return acme !== undefined && acme.http01 && http01Solver(r) !== undefined;
}
export const ISSUERS_APP = "cert-manager-issuers";
export const LETSENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";

/** The two ClusterIssuers, named as cert-manager's own tutorials name them (seed 003 uses letsencrypt-prod). */
export const ISSUERS = [
  { name: "letsencrypt-staging", server: LETSENCRYPT_STAGING },
  { name: "letsencrypt-prod", server: LETSENCRYPT_PRODUCTION },
] as const;

/**
 * The Istio class: istiod serves Ingresses annotated kubernetes.io/ingress.class: istio (mesh config
 * defaults ingressClass "istio", ingressControllerMode STRICT: istio pkg/config/mesh/mesh.go).
 */
export const ISTIO_INGRESS_CLASS = "istio";

/** The values Slipway owns: the CRDs are installed by the chart and kept (see the file comment). */
export const CRD_VALUES = { crds: { enabled: true, keep: true } } as const;

export function certManagerValues(r: Resolved): Record<string, unknown> {
  const cm = r.spec.spec.certManager!;
  const derived: Record<string, unknown> = { ...CRD_VALUES };
  // With monitoring, a ServiceMonitor that kube-prometheus-stack's Prometheus selects (release
  // label, like the PrometheusRule in node-alerts.ts): certmanager_certificate_expiration_timestamp_seconds
  // feeds the certificate expiry alert.
  if (r.spec.spec.monitoring) derived.prometheus = { enabled: true, servicemonitor: { enabled: true, labels: { release: MONITORING_RELEASE } } };
  return mergeValues(derived, cm.values);
}

/**
 * The IngressClass Traefik's chart creates: ingressClass.name, else the release's fullname, which
 * is the release name `traefik` (traefik/templates/ingressclass.yaml; K3s's packaged chart is the
 * same chart, released as traefik too).
 */
export function traefikIngressClass(r: Resolved): string {
  const ic = r.spec.spec.network.traefik.values.ingressClass as { name?: unknown } | undefined;
  return typeof ic?.name === "string" && ic.name !== "" ? ic.name : "traefik";
}

/**
 * HTTP-01 through the chosen ingress. The solver Service defaults to NodePort (cert-manager's
 * clusterissuer CRD, http01.ingress.serviceType); on nodes with public addresses that opens a port
 * on every node for each challenge, so it is ClusterIP: the ingress reaches it inside the cluster.
 */
export function http01Solver(r: Resolved): Record<string, unknown> | undefined {
  const n = r.spec.spec.network;
  if (n.ingress === "traefik") return { http01: { ingress: { ingressClassName: traefikIngressClass(r), serviceType: "ClusterIP" } } };
  // Istio's Ingress support keys on the class annotation (no IngressClass object needed); istio.ts
  // points it at Slipway's gateway (istioIngressMeshConfig).
  if (n.ingress === "istio") return { http01: { ingress: { class: ISTIO_INGRESS_CLASS, serviceType: "ClusterIP" } } };
  return undefined;
}

/** Both issuers' solvers: Cloudflare DNS-01 for its zones (the more specific selector wins), HTTP-01 for every other name. */
export function solvers(r: Resolved): Record<string, unknown>[] {
  const acme = r.spec.spec.certManager?.acme;
  if (!acme) return [];
  const out: Record<string, unknown>[] = [];
  if (acme.cloudflare) {
    out.push({
      selector: { dnsZones: acme.cloudflare.dnsZones },
      dns01: { cloudflare: { apiTokenSecretRef: { name: acme.cloudflare.secretName, key: acme.cloudflare.secretKey } } },
    });
  }
  const http = acme.http01 ? http01Solver(r) : undefined;
  if (http) out.push(http);
  return out;
}

export function certManager(r: Resolved): Feature | undefined {
  const cm = r.spec.spec.certManager;
  if (!cm) return undefined;
  const components: Component[] = [
    component({
      name: CERT_MANAGER_APP,
      namespace: CERT_MANAGER_NAMESPACE,
      chart: { repoURL: CHART_REPOS.jetstack, chart: "cert-manager", version: cm.version, releaseName: "cert-manager", values: certManagerValues(r) },
      providesCrds: ["cert-manager.io", "acme.cert-manager.io"],
      // The ServiceMonitor needs the operator's CRDs.
      usesCrds: r.spec.spec.monitoring ? ["monitoring.coreos.com"] : [],
      syncOptions: ["ServerSideApply=true"],
    }),
  ];
  const acme = cm.acme;
  if (acme?.email !== undefined) {
    const token = acme.cloudflare ? `${SECRETS_APP_PREFIX}${CERT_MANAGER_NAMESPACE}` : undefined;
    components.push(
      component({
        name: ISSUERS_APP,
        namespace: CERT_MANAGER_NAMESPACE,
        manifests: ISSUERS.map((i) => ({
          file: `clusterissuer-${i.name}.yaml`,
          template: "manifests/cert-manager/clusterissuer.yaml.hbs",
          context: { name: i.name, server: i.server, email: acme.email, accountKey: `${i.name}-account-key`, solvers: solvers(r), staging: i.server === LETSENCRYPT_STAGING },
        })),
        usesCrds: ["cert-manager.io"],
        // The token's SealedSecret Application, when the repository has one (absent names are ignored).
        after: [CERT_MANAGER_APP, ...(token ? [token] : [])],
        syncOptions: ["SkipDryRunOnMissingResource=true"],
      }),
    );
  }
  return { components };
}
