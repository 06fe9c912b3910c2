/**
 * A small evaluator of rendered network policy: "may this pod (or address) open a connection to
 * that pod (or address) on PROTOCOL:PORT?", answered from the policy objects themselves, so tests
 * assert behaviour rather than strings. It reads the two languages Slipway renders, with the
 * semantics of their documentation:
 *
 * - networking.k8s.io/v1 NetworkPolicy (kubernetes/api networking/v1 types.go, the field docs in
 *   the strict schemas): a pod is isolated for a direction once a policy selects it for that
 *   policyType; then a connection needs a matching rule; policies add up; egress and ingress
 *   must both allow a pod-to-pod connection. ipBlock matches addresses, pods' included (kube-router
 *   matches by address, so pods get addresses from the pod range here).
 * - cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (docs.cilium.io
 *   security/policy: language, intro "default mode", deny): a direction is default-deny when a
 *   selecting policy has rules in it or says enableDefaultDeny; deny rules win over every allow;
 *   a namespaced policy's endpoint selectors stay in its namespace unless they name one; CIDR rules
 *   match only addresses outside the cluster (world).
 *
 * Anything it does not model (named ports, L7 rules, FQDNs, matchExpressions operators it does not
 * know) throws, so a test can never pass because a field was skipped. Connections from the pod's
 * own node (kubelet probes) are admitted by both and are not asked about here.
 */

export type Protocol = "TCP" | "UDP" | "SCTP";

/** A pod, by namespace and labels; its address is drawn from the pod range when not given. */
export interface PodEndpoint {
  namespace: string;
  labels?: Record<string, string>;
  ip?: string;
}
/** An address outside the cluster (a client on the internet, the metadata service). */
export interface AddressEndpoint {
  address: string;
}
/** The Kubernetes API on a server node (Cilium's kube-apiserver entity). */
export interface ApiServerEndpoint {
  apiserver: string;
}
export type Endpoint = PodEndpoint | AddressEndpoint | ApiServerEndpoint;

type Obj = { apiVersion?: unknown; kind?: unknown; metadata?: { name?: string; namespace?: string }; spec?: Record<string, unknown> };
type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

export class PolicySet {
  private readonly policies: Obj[];
  private readonly nsLabels: Map<string, Record<string, string>>;

  /**
   * @param objects every rendered object (non-policy kinds are ignored; Namespaces give labels)
   * @param namespaces extra namespace labels, for namespaces the tree does not render
   */
  constructor(objects: readonly Record<string, unknown>[], namespaces: Record<string, Record<string, string>> = {}) {
    this.policies = (objects as Obj[]).filter((o) => ["NetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"].includes(String(o.kind)));
    this.nsLabels = new Map(Object.entries(namespaces));
    for (const o of objects as Obj[]) {
      if (o.kind === "Namespace") this.nsLabels.set(o.metadata!.name!, { ...((o.metadata as { labels?: Record<string, string> }).labels ?? {}), ...(this.nsLabels.get(o.metadata!.name!) ?? {}) });
    }
  }

  /** Whether `from` may open a connection to `to` on `port` (`TCP:443`). */
  allows(from: Endpoint, to: Endpoint, port: string): boolean {
    const [proto, num] = port.split(":") as [Protocol, string];
    const p = Number(num);
    if (!["TCP", "UDP", "SCTP"].includes(proto) || !Number.isInteger(p)) throw new Error(`evaluator: bad port ${port}`);
    const out = isPod(from) ? this.direction("egress", from, to, proto, p) : true;
    const inn = isPod(to) ? this.direction("ingress", to, from, proto, p) : true;
    return out && inn;
  }

  /** The policy decision at `subject` (a pod) for traffic with `peer` in one direction. */
  private direction(dir: "ingress" | "egress", subject: PodEndpoint, peer: Endpoint, proto: Protocol, port: number): boolean {
    const k8s = this.policies.filter((o) => o.kind === "NetworkPolicy" && this.k8sSelects(o, subject, dir));
    const cilium = this.policies.filter((o) => o.kind !== "NetworkPolicy" && this.ciliumSelects(o, subject));
    const ciliumEnforced = cilium.some((o) => ciliumDefaultDeny(o, dir));
    // Cilium enforces Kubernetes NetworkPolicies too; deny rules beat both.
    if (cilium.some((o) => ((o.spec![`${dir}Deny`] as unknown[] | undefined) ?? []).some((r) => this.ciliumRuleMatches(o, r as Record<string, unknown>, dir, peer, proto, port, true)))) return false;
    if (k8s.length === 0 && !ciliumEnforced) return true;
    const byK8s = k8s.some((o) => ((o.spec![dir] as unknown[] | undefined) ?? []).some((r) => this.k8sRuleMatches(o, r as Record<string, unknown>, dir, peer, proto, port)));
    const byCilium = cilium.some((o) => ((o.spec![dir] as unknown[] | undefined) ?? []).some((r) => this.ciliumRuleMatches(o, r as Record<string, unknown>, dir, peer, proto, port, false)));
    return byK8s || byCilium;
  }

  // --- NetworkPolicy ---------------------------------------------------------------------------

  private k8sSelects(o: Obj, pod: PodEndpoint, dir: "ingress" | "egress"): boolean {
    const spec = o.spec!;
    known(spec, ["podSelector", "policyTypes", "ingress", "egress"], "NetworkPolicy spec");
    const types = (spec.policyTypes as string[] | undefined) ?? ["Ingress", ...(spec.egress ? ["Egress"] : [])];
    return o.metadata!.namespace === pod.namespace && types.includes(dir === "ingress" ? "Ingress" : "Egress") && selects(spec.podSelector as Selector, pod.labels ?? {});
  }

  private k8sRuleMatches(o: Obj, rule: Record<string, unknown>, dir: "ingress" | "egress", peer: Endpoint, proto: Protocol, port: number): boolean {
    const key = dir === "ingress" ? "from" : "to";
    known(rule, [key, "ports"], `NetworkPolicy ${dir} rule`);
    const peers = rule[key] as Record<string, unknown>[] | undefined;
    const peerOk = !peers || peers.length === 0 || peers.some((p) => this.k8sPeerMatches(o.metadata!.namespace!, p, peer));
    return peerOk && k8sPortsMatch(rule.ports as Record<string, unknown>[] | undefined, proto, port);
  }

  private k8sPeerMatches(policyNs: string, p: Record<string, unknown>, peer: Endpoint): boolean {
    known(p, ["ipBlock", "namespaceSelector", "podSelector"], "NetworkPolicy peer");
    if (p.ipBlock) {
      const b = p.ipBlock as { cidr: string; except?: string[] };
      known(b, ["cidr", "except"], "ipBlock");
      const ip = addressOf(peer);
      return inCidr(ip, b.cidr) && !(b.except ?? []).some((e) => inCidr(ip, e));
    }
    if (!isPod(peer)) return false;
    const nsOk = p.namespaceSelector ? selects(p.namespaceSelector as Selector, this.namespaceLabels(peer.namespace)) : peer.namespace === policyNs;
    return nsOk && (p.podSelector ? selects(p.podSelector as Selector, peer.labels ?? {}) : true);
  }

  // --- Cilium ----------------------------------------------------------------------------------

  private ciliumSelects(o: Obj, pod: PodEndpoint): boolean {
    const spec = o.spec!;
    known(spec, ["description", "endpointSelector", "enableDefaultDeny", "ingress", "egress", "ingressDeny", "egressDeny"], `${String(o.kind)} spec`);
    if (o.kind === "CiliumNetworkPolicy" && o.metadata!.namespace !== pod.namespace) return false;
    return selects(spec.endpointSelector as Selector, this.identity(pod), true);
  }

  /** A pod's Cilium identity labels: its own, its namespace, and its namespace's labels. */
  private identity(pod: PodEndpoint): Record<string, string> {
    const ns = Object.fromEntries(Object.entries(this.namespaceLabels(pod.namespace)).map(([k, v]) => [`io.cilium.k8s.namespace.labels.${k}`, v]));
    return { ...(pod.labels ?? {}), ...ns, "io.kubernetes.pod.namespace": pod.namespace };
  }

  private ciliumRuleMatches(o: Obj, rule: Record<string, unknown>, dir: "ingress" | "egress", peer: Endpoint, proto: Protocol, port: number, deny: boolean): boolean {
    const pre = dir === "ingress" ? "from" : "to";
    known(rule, [`${pre}Endpoints`, `${pre}Entities`, `${pre}CIDR`, `${pre}CIDRSet`, "toPorts"], `${String(o.kind)} ${dir}${deny ? "Deny" : ""} rule`);
    const l3 = [`${pre}Endpoints`, `${pre}Entities`, `${pre}CIDR`, `${pre}CIDRSet`].filter((k) => rule[k] !== undefined);
    const peerOk =
      l3.length === 0 ||
      l3.some((k) => {
        if (k.endsWith("Endpoints")) return isPod(peer) && (rule[k] as Selector[]).some((s) => this.ciliumEndpointMatches(o, s, peer));
        if (k.endsWith("Entities")) return (rule[k] as string[]).some((e) => entityMatches(e, peer));
        const blocks: { cidr: string; except?: string[] }[] = k.endsWith("CIDRSet") ? (rule[k] as { cidr: string; except?: string[] }[]) : (rule[k] as string[]).map((cidr) => ({ cidr }));
        // CIDR rules select addresses outside the cluster only (world).
        return "address" in peer && blocks.some((b) => inCidr(peer.address, b.cidr) && !(b.except ?? []).some((e) => inCidr(peer.address, e)));
      });
    return peerOk && ciliumPortsMatch(rule.toPorts as Record<string, unknown>[] | undefined, proto, port);
  }

  private ciliumEndpointMatches(o: Obj, s: Selector, peer: PodEndpoint): boolean {
    const id = this.identity(peer);
    const namesNamespace = Object.keys(s.matchLabels ?? {}).some((k) => strip(k) === "io.kubernetes.pod.namespace") || (s.matchExpressions ?? []).some((e) => strip(e.key) === "io.kubernetes.pod.namespace");
    // A namespaced policy's selector without a namespace stays in the policy's namespace.
    if (o.kind === "CiliumNetworkPolicy" && !namesNamespace && peer.namespace !== o.metadata!.namespace) return false;
    return selects(s, id, true);
  }

  private namespaceLabels(ns: string): Record<string, string> {
    return { ...(this.nsLabels.get(ns) ?? {}), "kubernetes.io/metadata.name": ns };
  }
}

const isPod = (e: Endpoint): e is PodEndpoint => "namespace" in e;

let nextPod = 0;
const podAddresses = new WeakMap<PodEndpoint, string>();
/** A pod's address (from 10.42.0.0/16, K3s's default pod range, when not given). */
function addressOf(e: Endpoint): string {
  if ("address" in e) return e.address;
  if ("apiserver" in e) return e.apiserver;
  if (e.ip) return e.ip;
  let ip = podAddresses.get(e);
  if (!ip) {
    nextPod++;
    ip = `10.42.${Math.floor(nextPod / 250)}.${(nextPod % 250) + 2}`;
    podAddresses.set(e, ip);
  }
  return ip;
}

/** Cilium entities (docs.cilium.io security/policy/language "Entities Based"). */
function entityMatches(entity: string, peer: Endpoint): boolean {
  switch (entity) {
    case "all":
      return true;
    case "world":
      return "address" in peer;
    case "cluster":
      return !("address" in peer);
    case "kube-apiserver":
    case "host":
    case "remote-node":
      return "apiserver" in peer;
    default:
      throw new Error(`evaluator: entity ${entity} is not modelled`);
  }
}

/** Cilium defaults a direction to deny when a policy has rules in it, unless enableDefaultDeny says. */
function ciliumDefaultDeny(o: Obj, dir: "ingress" | "egress"): boolean {
  const spec = o.spec!;
  const explicit = (spec.enableDefaultDeny as Record<string, boolean> | undefined)?.[dir];
  if (explicit !== undefined) return explicit;
  return ((spec[dir] as unknown[] | undefined) ?? []).length > 0 || ((spec[`${dir}Deny`] as unknown[] | undefined) ?? []).length > 0;
}

const strip = (k: string): string => k.replace(/^(k8s|any):/, "");

function selects(sel: Selector | undefined, labels: Record<string, string>, cilium = false): boolean {
  if (sel === undefined) throw new Error("evaluator: missing selector");
  known(sel as Record<string, unknown>, ["matchLabels", "matchExpressions"], "label selector");
  const key = (k: string) => (cilium ? strip(k) : k);
  const okLabels = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[key(k)] === v);
  const okExpr = (sel.matchExpressions ?? []).every((e) => {
    const v = labels[key(e.key)];
    switch (e.operator) {
      case "In":
        return v !== undefined && (e.values ?? []).includes(v);
      case "NotIn":
        return v === undefined || !(e.values ?? []).includes(v);
      case "Exists":
        return v !== undefined;
      case "DoesNotExist":
        return v === undefined;
      default:
        throw new Error(`evaluator: selector operator ${e.operator} is not modelled`);
    }
  });
  return okLabels && okExpr;
}

function k8sPortsMatch(ports: Record<string, unknown>[] | undefined, proto: Protocol, port: number): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    known(p, ["protocol", "port", "endPort"], "NetworkPolicy port");
    if ((p.protocol ?? "TCP") !== proto) return false;
    if (p.port === undefined) return true;
    if (typeof p.port !== "number") throw new Error(`evaluator: named port ${String(p.port)} is not modelled`);
    return p.endPort === undefined ? port === p.port : port >= p.port && port <= (p.endPort as number);
  });
}

function ciliumPortsMatch(toPorts: Record<string, unknown>[] | undefined, proto: Protocol, port: number): boolean {
  if (!toPorts || toPorts.length === 0) return true;
  return toPorts.some((tp) => {
    known(tp, ["ports"], "Cilium toPorts (L7 rules are not modelled)");
    const ports = (tp.ports as Record<string, unknown>[] | undefined) ?? [];
    return ports.some((p) => {
      known(p, ["port", "protocol", "endPort"], "Cilium port");
      const pr = (p.protocol as string | undefined) ?? "ANY";
      if (pr !== "ANY" && pr !== proto) return false;
      if (!/^[0-9]+$/.test(String(p.port))) throw new Error(`evaluator: named port ${String(p.port)} is not modelled`);
      const first = Number(p.port);
      if (first === 0) return true;
      return p.endPort === undefined ? port === first : port >= first && port <= (p.endPort as number);
    });
  });
}

function known(o: Record<string, unknown>, keys: string[], what: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new Error(`evaluator: ${what} field ${k} is not modelled`);
}

// --- addresses ----------------------------------------------------------------------------------

function v6Bits(addr: string): bigint {
  const [head, tail] = addr.includes("::") ? addr.split("::") : [addr, undefined];
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  if (groups.length !== 8) throw new Error(`evaluator: bad IPv6 address ${addr}`);
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

function v4Bits(addr: string): bigint {
  const parts = addr.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`evaluator: bad IPv4 address ${addr}`);
  return parts.reduce((acc, p) => (acc << 8n) + BigInt(p), 0n);
}

/** Whether an address lies in a CIDR of the same family. */
export function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split("/") as [string, string | undefined];
  const v6 = net.includes(":");
  if (v6 !== ip.includes(":")) return false;
  const width = v6 ? 128 : 32;
  const bits = BigInt(bitsText ?? width);
  const shift = BigInt(width) - bits;
  const a = v6 ? v6Bits(ip) : v4Bits(ip);
  const b = v6 ? v6Bits(net) : v4Bits(net);
  return a >> shift === b >> shift;
}
