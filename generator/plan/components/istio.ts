/**
 * Istio ambient (network.ingress: istio, seed 000): base, the Gateway API CRDs, istiod and cni with
 * `profile: ambient`, ztunnel, then an ingress gateway on every node, each a wave after the other
 * (DOMAIN.md §5). Namespaces listed in the spec are created and enrolled in the mesh.
 */
import type { Resolved } from "../../spec/resolve.js";
import { mergeValues } from "../merge-values.js";
import { component, type Component, type Feature } from "../types.js";
import { CHART_REPOS } from "./versions.js";

export const ISTIO_NAMESPACE = "istio-system";
export const GATEWAY_NAMESPACE = "istio-ingress";
/** Release of the ingress gateway chart; its pods are labelled istio=gateway (see below). */
export const GATEWAY_RELEASE = "istio-gateway";
const GATEWAY_API_REPO = "https://github.com/kubernetes-sigs/gateway-api.git";

/**
 * `global.platform: k3s` points the CNI at K3s's own flannel paths; with `flannel-backend: none`
 * (Cilium) containerd uses the standard /etc/cni/net.d and /opt/cni/bin, so it must not be set
 * (DOMAIN.md §0.6, §1.8; istio manifests/helm-profiles/platform-k3s.yaml).
 */
function platform(r: Resolved): Record<string, unknown> {
  return r.spec.spec.network.cni === "flannel" ? { global: { platform: "k3s" } } : {};
}

/**
 * istiod patches the validating webhooks (base's default-revision validator and its own) at run
 * time: caBundle, and failurePolicy from Ignore to Fail once it serves. Without these, Argo CD's
 * selfHeal and istiod would rewrite each other forever; RespectIgnoreDifferences keeps sync from
 * putting the fields back.
 */
const WEBHOOK_DIFFERENCES = [{ group: "admissionregistration.k8s.io", kind: "ValidatingWebhookConfiguration", jqPathExpressions: [".webhooks[]?.clientConfig.caBundle", ".webhooks[]?.failurePolicy"] }];

/**
 * With cert-manager's HTTP-01 solver on Istio (cert-manager.ts), istiod serves its solver Ingresses
 * through Slipway's gateway: an Ingress becomes a Gateway selecting pods labelled
 * istio=<meshConfig.ingressSelector>, whose default (ingressgateway) matches none of Slipway's pods
 * (istio pilot/pkg/config/kube/ingress, getIngressGatewaySelector); the gateway chart labels its pods
 * istio=<release without "istio-"> (istio manifests/charts/gateway/templates/_helpers.tpl,
 * gateway.selectorLabels).
 */
export function istioIngressMeshConfig(r: Resolved): Record<string, unknown> {
  const servesIngress = r.spec.spec.certManager?.acme?.http01 === true && r.spec.spec.certManager.acme.email !== undefined;
  return servesIngress ? { meshConfig: { ingressSelector: GATEWAY_RELEASE.replace(/^istio-/, "") } } : {};
}

export function istio(r: Resolved): Feature | undefined {
  const n = r.spec.spec.network;
  if (n.ingress !== "istio") return undefined;
  const version = n.istio.version;
  const chart = (name: string, releaseName: string, values: Record<string, unknown>) => ({ repoURL: CHART_REPOS.istio, chart: name, version, releaseName, values });
  const istioGroups = ["networking.istio.io", "security.istio.io", "telemetry.istio.io", "extensions.istio.io"];
  const addresses = r.nodes.map((node) => node.address);
  const components: Component[] = [
    component({
      name: "gateway-api",
      namespace: "kube-system",
      // The standard-channel CRDs as released upstream, pinned to a tag; Argo CD reads them from git.
      gitSources: [{ repoURL: GATEWAY_API_REPO, path: "config/crd/standard", revision: `v${n.istio.gatewayAPIVersion.replace(/^v/, "")}` }],
      providesCrds: ["gateway.networking.k8s.io"],
      // CRDs are large; client-side apply would overflow the last-applied annotation.
      syncOptions: ["ServerSideApply=true"],
      finalizer: false,
    }),
    component({
      name: "istio-base",
      namespace: ISTIO_NAMESPACE,
      chart: chart("base", "istio-base", { defaultRevision: "default" }),
      providesCrds: istioGroups,
      after: ["gateway-api"],
      ignoreDifferences: WEBHOOK_DIFFERENCES,
      syncOptions: ["RespectIgnoreDifferences=true"],
      finalizer: false,
    }),
    component({
      name: "istiod",
      namespace: ISTIO_NAMESPACE,
      chart: chart("istiod", "istiod", mergeValues(mergeValues({ profile: "ambient" }, platform(r)), istioIngressMeshConfig(r))),
      after: ["istio-base"],
      ignoreDifferences: WEBHOOK_DIFFERENCES,
      syncOptions: ["RespectIgnoreDifferences=true"],
    }),
    component({
      name: "istio-cni",
      namespace: ISTIO_NAMESPACE,
      chart: chart("cni", "istio-cni", mergeValues({ profile: "ambient" }, platform(r))),
      after: ["istiod"],
    }),
    component({
      name: "ztunnel",
      namespace: ISTIO_NAMESPACE,
      chart: chart("ztunnel", "ztunnel", platform(r)),
      after: ["istio-cni"],
    }),
    component({
      name: "istio-gateway",
      namespace: GATEWAY_NAMESPACE,
      chart: chart("gateway", GATEWAY_RELEASE, {
        // One gateway per node, all active: DNS failover may send a client to any node (seed 000).
        kind: "DaemonSet",
        autoscaling: { enabled: false },
        // No cloud load balancer: the Service answers on every node's public address. kube-proxy
        // forwards node:80/443 to a ready gateway pod, so a node whose own gateway restarts still
        // serves; a node that is down stops answering and DNS failover drops it.
        service: { type: "ClusterIP", externalIPs: addresses },
      }),
      after: ["ztunnel"],
    }),
  ];
  if (n.istio.ambientNamespaces.length > 0) {
    components.push(
      component({
        name: "ambient-namespaces",
        namespace: ISTIO_NAMESPACE,
        manifests: n.istio.ambientNamespaces.map((ns) => ({ file: `namespace-${ns}.yaml`, template: "manifests/istio/namespace.yaml.hbs", context: { name: ns } })),
        after: ["ztunnel"],
        // Deleting the Application must not delete the users' namespaces and everything in them.
        finalizer: false,
      }),
    );
  }
  return { components };
}
