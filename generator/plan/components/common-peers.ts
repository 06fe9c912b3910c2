/**
 * The peers both kinds of policy share (tenant isolation, seed 003; the allow list of
 * network.policies, seed 002): the public internet (without private ranges, the nodes and the
 * metadata address) and, inbound, the ingress controller.
 */
import type { Resolved } from "../../spec/resolve.js";
import { traefikNamespace } from "./traefik.js";

/** Never part of `internet`: RFC 1918, CGNAT, loopback and link-local (169.254.169.254). */
export const PRIVATE_V4 = ["10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"];
/** IPv6: unique-local, link-local and loopback. */
export const PRIVATE_V6 = ["::1/128", "fc00::/7", "fe80::/10"];

function v4(addr: string): number {
  const parts = addr.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`plan bug: ${addr} is not an IPv4 address`);
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

/** Whether an IPv4 address or CIDR lies inside another CIDR. */
export function v4Within(inner: string, outer: string): boolean {
  const [oAddr, oBits] = outer.split("/");
  const [iAddr, iBits = "32"] = inner.split("/");
  if (Number(iBits) < Number(oBits)) return false;
  const mask = Number(oBits) === 0 ? 0 : (~0 << (32 - Number(oBits))) >>> 0;
  return ((v4(iAddr!) & mask) >>> 0) === ((v4(oAddr!) & mask) >>> 0);
}

/** The egress peers for "the public internet": everything except private ranges and the nodes. */
export function internetPeers(r: Resolved): Record<string, unknown>[] {
  const s = r.spec.spec;
  const extra4 = new Set<string>();
  const extra6 = new Set<string>();
  const nodeAddrs = r.nodes.flatMap((n) => [n.address, n.privateAddress]).filter((a): a is string => a !== undefined);
  for (const a of [...nodeAddrs, s.k3s.clusterCIDR, s.k3s.serviceCIDR]) {
    if (a.includes(":")) extra6.add(a.includes("/") ? a : `${a}/128`);
    else if (!PRIVATE_V4.some((p) => v4Within(a, p))) extra4.add(a.includes("/") ? a : `${a}/32`);
  }
  const peers: Record<string, unknown>[] = [{ ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_V4, ...[...extra4].sort()] } }];
  const anyV6 = extra6.size > 0;
  if (anyV6) peers.push({ ipBlock: { cidr: "::/0", except: [...PRIVATE_V6, ...[...extra6].sort()] } });
  return peers;
}

/** Who may open connections into tenant pods besides themselves: the ingress controller's pods. */
export function ingressPeers(r: Resolved): Record<string, unknown>[] | false {
  const n = r.spec.spec.network;
  if (n.ingress !== "traefik") return false;
  const ns = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": traefikNamespace(r) } } };
  // Packaged Traefik shares kube-system with everything else K3s runs: admit only its pods.
  return [n.traefik.install === "bundled" ? { ...ns, podSelector: { matchLabels: { "app.kubernetes.io/name": "traefik" } } } : ns];
}
