/**
 * Cilium (network.cni: cilium). With `flannel-backend: none` no pod gets an address until a CNI
 * runs, Argo CD included, so the first server installs Cilium on day 0 as a K3s HelmChart with
 * `bootstrap: true`; Argo CD then adopts the release with the same chart, version and values
 * (DOMAIN.md §0.1, §4). The K3s side (flannel-backend none, disable-network-policy,
 * disable-kube-proxy with KPR) is derived in spec/resolve.ts.
 */
import { mergeValues } from "../merge-values.js";
import { component, type Feature } from "../types.js";
import type { Resolved } from "../../spec/resolve.js";
import { CHART_REPOS } from "./versions.js";

/**
 * K3s runs a client-side apiserver load balancer on every node at 127.0.0.1:6444
 * (`lb-server-port`). With kube-proxy replaced, Cilium cannot reach the kubernetes ClusterIP before
 * it is itself up, so it talks to that local balancer (DOMAIN.md §4; cilium/cilium#19038).
 */
export const K3S_LOCAL_APISERVER = { host: "127.0.0.1", port: 6444 } as const;

/**
 * The chart generates Hubble's TLS certificates at template time, so every render differs; without
 * these Argo CD shows Cilium OutOfSync forever (docs.cilium.io/en/latest/configuration/argocd-issues/,
 * cilium/cilium#14550).
 */
export const HUBBLE_CERT_DIFFERENCES: Record<string, unknown>[] = [
  { group: "", kind: "ConfigMap", name: "hubble-ca-cert", jsonPointers: ["/data/ca.crt"] },
  { group: "", kind: "Secret", name: "hubble-relay-client-certs", jsonPointers: ["/data/ca.crt", "/data/tls.crt", "/data/tls.key"] },
  { group: "", kind: "Secret", name: "hubble-server-certs", jsonPointers: ["/data/ca.crt", "/data/tls.crt", "/data/tls.key"] },
];

export function ciliumValues(r: Resolved): Record<string, unknown> {
  const n = r.spec.spec.network;
  const cidr = r.spec.spec.k3s.clusterCIDR;
  const ipv6 = cidr.includes(":");
  const derived: Record<string, unknown> = {
    // Cilium's default pool (10.0.0.0/8) ignores K3s's cluster-cidr; use the same pod range.
    ipam: { mode: "cluster-pool", operator: ipv6 ? { clusterPoolIPv6PodCIDRList: [cidr] } : { clusterPoolIPv4PodCIDRList: [cidr] } },
    ...(ipv6 ? { ipv4: { enabled: false }, ipv6: { enabled: true } } : {}),
    // Two operators have required anti-affinity: on a single node the second stays Pending.
    operator: { replicas: r.servers.length === 1 && r.agents.length === 0 ? 1 : 2 },
    // A string: the chart's documented values are "true"/"false" (strict/partial went in 1.14).
    kubeProxyReplacement: n.cilium.kubeProxyReplacement ? "true" : "false",
  };
  // Pod traffic between nodes through WireGuard (UDP 51871). Not nodeEncryption: that mode opts out
  // control-plane nodes, which on K3s are all the servers (DOMAIN-DAY2.md §3.3).
  if (r.ciliumEncryption) derived.encryption = { enabled: true, type: "wireguard" };
  if (n.cilium.kubeProxyReplacement) {
    derived.k8sServiceHost = K3S_LOCAL_APISERVER.host;
    // The balancer follows lb-server-port when the user moved it.
    const lbPort = r.spec.spec.k3s.args["lb-server-port"];
    derived.k8sServicePort = typeof lbPort === "number" ? lbPort : typeof lbPort === "string" && /^[0-9]+$/.test(lbPort) ? Number(lbPort) : K3S_LOCAL_APISERVER.port;
  }
  if (n.ingress === "istio") {
    // Istio ambient chains its CNI plugin after Cilium's: Cilium must not rename other CNI configs,
    // and socket load balancing must stay in the host namespace so Istio's redirection sees the
    // service address (DOMAIN.md §4, §5).
    derived.cni = { exclusive: false };
    derived.socketLB = { hostNamespaceOnly: true };
  }
  return mergeValues(derived, n.cilium.values);
}

export function cilium(r: Resolved): Feature | undefined {
  const n = r.spec.spec.network;
  if (n.cni !== "cilium") return undefined;
  return {
    components: [
      component({
        name: "cilium",
        namespace: "kube-system",
        chart: { repoURL: CHART_REPOS.cilium, chart: "cilium", version: n.cilium.version, releaseName: "cilium", values: ciliumValues(r) },
        providesCrds: ["cilium.io"],
        // Deleting the Application must never uninstall the cluster's network.
        finalizer: false,
        day0: { bootstrap: true },
        ignoreDifferences: HUBBLE_CERT_DIFFERENCES,
      }),
    ],
  };
}
