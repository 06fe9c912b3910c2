/**
 * The small language of network.policies (seed 002's allow-list table), read the same way by the
 * rules that check it and the plan that renders it: ports written `TCP:443`, peers written as an
 * app's name, a keyword, or `{namespace, labels}`, and which namespaces the rows govern.
 */
import type { AppSpec, ClusterSpec, PolicyPeerSpec, PolicySpec } from "./types.js";

/** Protocols a NetworkPolicy (and Cilium) can match on; ICMP cannot be allowed by port. */
export const POLICY_PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;
export type PolicyProtocol = (typeof POLICY_PROTOCOLS)[number];

export interface PolicyPort {
  protocol: PolicyProtocol;
  port: number;
  /** Last port of a range (NetworkPolicy endPort, GA in Kubernetes 1.25). */
  endPort?: number;
}

/** Why a written port is unusable: the part at fault, a message and a hint. */
export interface PortProblem {
  part: "protocol" | "port";
  message: string;
  hint: string;
}

/** `TCP:443`, `UDP:443`, `TCP:30000-32767` (the schema has already checked the shape). */
export function parsePolicyPort(written: string | number): PolicyPort | PortProblem {
  if (typeof written === "number") {
    return { part: "protocol", message: `port ${written} has no protocol`, hint: `Write TCP:${written}${written === 443 ? " (HTTPS) or UDP:443 (HTTP/3)" : ` or UDP:${written}`}: a NetworkPolicy would otherwise silently mean TCP only.` };
  }
  const text = written;
  const m = /^([A-Za-z]+):([0-9]+)(?:-([0-9]+))?$/.exec(text);
  if (!m) return { part: "port", message: `port "${text}" is not PROTOCOL:PORT`, hint: "Write TCP:443, UDP:443 or a range such as TCP:30000-32767." };
  const [, proto, first, last] = m as unknown as [string, string, string, string | undefined];
  const upper = proto.toUpperCase();
  if (!(POLICY_PROTOCOLS as readonly string[]).includes(upper)) {
    const icmp = upper.startsWith("ICMP");
    return {
      part: "protocol",
      message: `protocol ${proto} in "${text}" is not TCP, UDP or SCTP`,
      hint: icmp ? "A NetworkPolicy cannot allow ICMP by port; ping is not part of an allow list. Allow the TCP, UDP or SCTP port the service uses." : "Use TCP, UDP (HTTP/3, WebTransport, DNS) or SCTP.",
    };
  }
  if (upper !== proto) return { part: "protocol", message: `protocol ${proto} in "${text}" must be written in capitals`, hint: `Write ${upper}:${first}${last ? `-${last}` : ""}, as Kubernetes does.` };
  const port = Number(first);
  const end = last === undefined ? undefined : Number(last);
  for (const p of [port, end]) {
    if (p !== undefined && (p < 1 || p > 65535)) return { part: "port", message: `port ${p} in "${text}" is out of range`, hint: "Ports are 1 to 65535." };
  }
  if (end !== undefined && end <= port) return { part: "port", message: `port range ${port}-${end} in "${text}" does not go upwards`, hint: `Write the lower port first (${upper}:${Math.min(port, end)}-${Math.max(port, end)}), or one port (${upper}:${port}).` };
  return { protocol: upper as PolicyProtocol, port, ...(end !== undefined ? { endPort: end } : {}) };
}

export const isPortProblem = (p: PolicyPort | PortProblem): p is PortProblem => "message" in p;

/** Keywords a peer may be instead of an app's name. */
export const PEER_KEYWORDS = ["internet", "ingress"] as const;

/** A peer as written, classified. */
export type PolicyPeer =
  | { kind: "app"; name: string }
  | { kind: "internet" }
  | { kind: "ingress" }
  | { kind: "pods"; namespace: string; labels: Record<string, string> };

export function classifyPeer(peer: PolicyPeerSpec): PolicyPeer {
  if (typeof peer !== "string") return { kind: "pods", namespace: peer.namespace, labels: peer.labels ?? {} };
  if (peer === "internet") return { kind: "internet" };
  if (peer === "ingress") return { kind: "ingress" };
  return { kind: "app", name: peer };
}

/** The labels that select an app's pods: apps[].podLabels, else Helm's release label. */
export function appPodLabels(app: AppSpec): Record<string, string> {
  return app.podLabels ?? { "app.kubernetes.io/instance": app.name };
}

/** The namespace a row governs (its app's namespace for an app row), when it can be told. */
export function rowNamespace(spec: ClusterSpec, row: PolicySpec): string | undefined {
  if (row.namespace !== undefined) return row.namespace;
  return spec.spec.apps.find((a) => a.name === row.app)?.namespace;
}

/**
 * Every namespace the rows make default-deny, sorted. Other components leave these alone: the
 * metadata guard's allow-all-but-one policy would reopen their egress, and their Namespace object
 * (with its Pod Security labels) belongs to the network-policy component.
 */
export function policyNamespaces(spec: ClusterSpec): string[] {
  const out = new Set<string>();
  for (const row of spec.spec.network.policies) {
    const ns = rowNamespace(spec, row);
    if (ns !== undefined) out.add(ns);
  }
  return [...out].sort();
}
