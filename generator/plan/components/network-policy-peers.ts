/**
 * The peers and ports of network.policies, resolved to what they select, and written out in the two
 * policy languages Slipway renders: Kubernetes NetworkPolicy (enforced by K3s's kube-router with
 * flannel) and CiliumNetworkPolicy. One model, two writers, so both CNIs get the same allow list.
 */
import { classifyPeer, appPodLabels, type PolicyPort } from "../../spec/network-policy.js";
import type { Resolved } from "../../spec/resolve.js";
import type { PolicyPeerSpec } from "../../spec/types.js";
import { ingressPeers, internetPeers } from "./common-peers.js";

/** What a peer selects once resolved. */
export type Peer =
  | { kind: "pods"; namespace: string; labels: Record<string, string> }
  /** Any address, pods included: `internet` as a source (see the schema's policyPeer). */
  | { kind: "anywhere" }
  /** Public addresses only: `internet` as a destination. */
  | { kind: "internet" }
  | { kind: "apiserver" };

/** The Kubernetes API behind the `kubernetes` Service: K3s's servers on 6443 (after the Service's DNAT). */
export const APISERVER_PORT: PolicyPort = { protocol: "TCP", port: 6443 };

/** Cilium's label for a pod's namespace (docs.cilium.io security/policy/kubernetes). */
const CILIUM_NAMESPACE_LABEL = "k8s:io.kubernetes.pod.namespace";

export function resolvePeer(r: Resolved, spec: PolicyPeerSpec, direction: "ingress" | "egress"): Peer[] {
  const p = classifyPeer(spec);
  switch (p.kind) {
    case "app": {
      const app = r.spec.spec.apps.find((a) => a.name === p.name);
      if (!app) throw new Error(`plan bug: policy peer ${p.name} is no app (validation should have stopped it)`);
      return [{ kind: "pods", namespace: app.namespace, labels: appPodLabels(app) }];
    }
    case "pods":
      return [{ kind: "pods", namespace: p.namespace, labels: p.labels }];
    case "internet":
      return [direction === "ingress" ? { kind: "anywhere" } : { kind: "internet" }];
    case "ingress": {
      // The same selection tenant isolation admits (isolation.ts), read back into the model.
      const peers = ingressPeers(r);
      if (!peers) throw new Error("plan bug: policy peer ingress without an ingress controller (validation should have stopped it)");
      return peers.map((k) => {
        const sel = k as { namespaceSelector: { matchLabels: Record<string, string> }; podSelector?: { matchLabels: Record<string, string> } };
        return { kind: "pods", namespace: sel.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]!, labels: sel.podSelector?.matchLabels ?? {} };
      });
    }
  }
}

/** Addresses of the servers (both, when a server has a private one): the API's endpoints. */
function apiserverBlocks(r: Resolved): Record<string, unknown>[] {
  const addrs = [...new Set(r.servers.flatMap((n) => [n.address, n.privateAddress]).filter((a): a is string => a !== undefined))].sort();
  return addrs.map((a) => ({ ipBlock: { cidr: a.includes(":") ? `${a}/128` : `${a}/32` } }));
}

// --- Kubernetes NetworkPolicy -------------------------------------------------------------------

export function networkPolicyPeers(r: Resolved, peer: Peer): Record<string, unknown>[] {
  switch (peer.kind) {
    case "pods":
      return [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": peer.namespace } },
          ...(Object.keys(peer.labels).length > 0 ? { podSelector: { matchLabels: peer.labels } } : {}),
        },
      ];
    case "anywhere":
      // Every address, and every pod for implementations whose ipBlock does not match pod IPs.
      return [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }, { namespaceSelector: {} }];
    case "internet":
      return internetPeers(r);
    case "apiserver":
      return apiserverBlocks(r);
  }
}

export function networkPolicyPorts(ports: readonly PolicyPort[]): Record<string, unknown>[] {
  return ports.map((p) => ({ protocol: p.protocol, port: p.port, ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) }));
}

// --- CiliumNetworkPolicy ------------------------------------------------------------------------

/**
 * One Cilium rule per kind of peer (endpoints, entities, CIDRs), each with the same ports: a rule
 * that mixed them would read as an intersection to some readers and a union to others.
 */
export function ciliumRules(r: Resolved, peers: readonly Peer[], ports: readonly PolicyPort[] | undefined, direction: "ingress" | "egress"): Record<string, unknown>[] {
  const pre = direction === "ingress" ? "from" : "to";
  const endpoints = peers.flatMap((p) => (p.kind === "pods" ? [{ matchLabels: { [CILIUM_NAMESPACE_LABEL]: p.namespace, ...p.labels } }] : []));
  const entities = [...new Set(peers.flatMap((p) => (p.kind === "anywhere" ? ["all"] : p.kind === "apiserver" ? ["kube-apiserver"] : [])))];
  const cidrs = peers.flatMap((p) => (p.kind === "internet" ? internetPeers(r).map((b) => (b as { ipBlock: { cidr: string; except?: string[] } }).ipBlock) : []));
  const toPorts = ports === undefined ? {} : { toPorts: [{ ports: ports.map((p) => ({ port: String(p.port), protocol: p.protocol, ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) })) }] };
  const rules: Record<string, unknown>[] = [];
  if (endpoints.length > 0) rules.push({ [`${pre}Endpoints`]: endpoints, ...toPorts });
  if (entities.length > 0) rules.push({ [`${pre}Entities`]: entities, ...toPorts });
  if (cidrs.length > 0) rules.push({ [`${pre}CIDRSet`]: cidrs, ...toPorts });
  return rules;
}

/** Cluster DNS (kube-dns in kube-system), always reachable, in both languages. */
export const DNS_PORTS: readonly PolicyPort[] = [
  { protocol: "UDP", port: 53 },
  { protocol: "TCP", port: 53 },
];
export const DNS_PEER: Peer = { kind: "pods", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
