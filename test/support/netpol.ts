/**
 * Standard NetworkPolicy semantics (kubernetes.io/docs/concepts/services-networking/network-policies/)
 * for asserting who may reach whom from rendered policies: a connection is allowed when the
 * source's egress and the destination's ingress both allow it; a pod selected by no policy of a
 * direction is open in that direction; policies add up. ipBlock matches addresses outside the pod
 * network (here: any endpoint that is not a pod), as K3s's kube-router and Cilium treat it.
 */
type Obj = Record<string, unknown>;

export interface Pod {
  namespace: string;
  labels?: Record<string, string>;
}
export type Endpoint = Pod | { ip: string };
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface Selector {
  matchLabels?: Record<string, string>;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { protocol?: string; port?: number }[];
}
interface Spec {
  podSelector: Selector;
  policyTypes?: string[];
  ingress?: Rule[];
  egress?: Rule[];
}

const isPod = (e: Endpoint): e is Pod => "namespace" in e;
const matches = (sel: Selector | undefined, labels: Record<string, string>) => Object.entries(sel?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

function v4(a: string): number {
  return a.split(".").reduce((n, p) => n * 256 + Number(p), 0);
}
/** Whether an IPv4 address lies in a CIDR (IPv6 blocks never match the IPv4 addresses used here). */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  if (base!.includes(":") || ip.includes(":")) return false;
  const size = 2 ** (32 - Number(bits));
  return Math.floor(v4(ip) / size) === Math.floor(v4(base!) / size);
}

function peerMatches(peer: Peer, policyNamespace: string, e: Endpoint): boolean {
  if (peer.ipBlock) return !isPod(e) && inCidr(e.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((x) => inCidr(e.ip, x));
  if (!isPod(e)) return false;
  const nsLabels = { "kubernetes.io/metadata.name": e.namespace };
  const nsOk = peer.namespaceSelector ? matches(peer.namespaceSelector, nsLabels) : e.namespace === policyNamespace;
  return nsOk && matches(peer.podSelector, e.labels ?? {});
}

function direction(policies: Obj[], pod: Pod, type: "Ingress" | "Egress", peer: Endpoint, port: number, protocol: string): boolean {
  const selecting = policies.filter((p) => (p.metadata as { namespace: string }).namespace === pod.namespace && matches((p.spec as Spec).podSelector, pod.labels ?? {}) && ((p.spec as Spec).policyTypes ?? ["Ingress"]).includes(type));
  if (selecting.length === 0) return true;
  return selecting.some((p) => {
    const spec = p.spec as Spec;
    const ns = (p.metadata as { namespace: string }).namespace;
    const rules = (type === "Ingress" ? spec.ingress : spec.egress) ?? [];
    return rules.some((r) => {
      const peers = type === "Ingress" ? r.from : r.to;
      const peerOk = peers === undefined || peers.length === 0 || peers.some((x) => peerMatches(x, ns, peer));
      const portOk = r.ports === undefined || r.ports.some((x) => (x.protocol ?? "TCP") === protocol && (x.port === undefined || x.port === port));
      return peerOk && portOk;
    });
  });
}

/** Whether `src` may open a connection to `dst` on port/protocol under `policies` (NetworkPolicies with their namespaces set). */
export function reachable(policies: Obj[], src: Endpoint, dst: Endpoint, port: number, protocol = "TCP"): boolean {
  const out = isPod(src) ? direction(policies, src, "Egress", dst, port, protocol) : true;
  const inn = isPod(dst) ? direction(policies, dst, "Ingress", src, port, protocol) : true;
  return out && inn;
}
