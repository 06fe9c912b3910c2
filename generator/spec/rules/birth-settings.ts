/**
 * Settings a running cluster cannot change by a rollout (DESIGN.md "Day 2"): K3s's critical values
 * and which server ran cluster-init. Compared against what the committed tree's servers were born
 * with; a change is a warning that says the manual path (`slipway plan` classes it destructive).
 */
import type { Diagnostic } from "../../diagnostics.js";
import { BIRTH_ONLY_KEYS } from "../k3s-config.js";
import type { ClusterSpec, K3sArgValue } from "../types.js";
import type { Rule, Segments } from "./context.js";

/** What changing a critical key means, and the way to do it by hand. */
export function criticalChange(key: string): { effect: string; path: string } {
  if (BIRTH_ONLY_KEYS.has(key)) {
    return {
      effect: `K3s reads ${key} only when a node first starts: a running node keeps the value it was born with`,
      path: "Rebuild the nodes one at a time (drain, delete the Node, recreate the machine with its new user-data), or keep the value.",
    };
  }
  switch (key) {
    case "cluster-cidr":
    case "service-cidr":
    case "cluster-dns":
    case "cluster-domain":
      return {
        effect: `${key} is fixed when the cluster is born: K3s's controller-manager fails on a changed one (k3s-io/k3s#2603, #3967)`,
        path: "Keep the value, or build a new cluster with the new one and move the workloads over.",
      };
    case "flannel-backend":
      return {
        effect: "switching the overlay stops pod traffic between nodes until every node runs the new backend: nodes with different backends cannot reach each other (k3s-io/k3s#5011)",
        path: "Stop the world: set flannel-backend on every server and restart them, then reboot every node, servers first (docs.k3s.io networking/basic-network-options).",
      };
    case "secrets-encryption":
      return {
        effect: "turning on encryption at rest for a running cluster is K3s's ordered procedure, not a restart: a server started with the new value alone fails to join",
        path: "On one server: k3s secrets-encrypt enable; restart every server; k3s secrets-encrypt rotate-keys; restart every server again (docs.k3s.io cli/secrets-encrypt; supported from the January 2026 K3s patches, k3s-io/k3s#13370). Then merge this, so new servers are born with it.",
      };
    default:
      return {
        effect: `${key} must be identical on every server: a server restarted or joining with another value fails with "critical configuration value mismatch"`,
        path: "Change it on every server at once (stop K3s on all, edit /etc/rancher/k3s/config.yaml, start them again), then merge this so new servers are born with it.",
      };
  }
}

/** The field a critical key comes from, for the diagnostic's position. */
function fieldOf(key: string, spec: ClusterSpec, written: (s: Segments) => boolean): Segments {
  const fixed: Record<string, Segments> = {
    "cluster-cidr": ["spec", "k3s", "clusterCIDR"],
    "service-cidr": ["spec", "k3s", "serviceCIDR"],
    "secrets-encryption": ["spec", "k3s", "secretsEncryption"],
    "disable-network-policy": ["spec", "network", "cni"],
    "disable-kube-proxy": ["spec", "network", "cilium", "kubeProxyReplacement"],
    disable: ["spec", "k3s", "disable"],
  };
  if (key === "flannel-backend") return written(["spec", "network", "flannel", "backend"]) ? ["spec", "network", "flannel", "backend"] : ["spec", "network", "cni"];
  if (fixed[key]) return fixed[key]!;
  for (const field of ["serverArgs", "args"] as const) if (key in spec.spec.k3s[field]) return ["spec", "k3s", field, key];
  return ["spec", "k3s"];
}

const show = (v: K3sArgValue | undefined): string => (v === undefined ? "unset" : JSON.stringify(v));

export const birthSettingsUnchanged: Rule = ({ spec, problem, written, previous, birth }) => {
  const out: Diagnostic[] = [];
  const before = previous?.critical;
  const after = birth?.critical;
  if (!previous || !before || !birth || !after) return out;
  const warn = (d: Diagnostic): Diagnostic => ({ ...d, severity: "warning" });
  for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const was = before[key];
    const now = after[key];
    if (JSON.stringify(was) === JSON.stringify(now)) continue;
    const c = criticalChange(key);
    out.push(warn(problem("SW-BIRTH-SETTING-CHANGED", fieldOf(key, spec, written), `changes K3s's ${key} from ${show(was)} (the servers of ${previous.source}) to ${show(now)}: ${c.effect}`, c.path)));
  }
  if (previous.clusterInit && birth.clusterInit !== previous.clusterInit) {
    const i = spec.spec.nodes.findIndex((n) => n.name === birth.clusterInit);
    out.push(
      warn(
        problem(
          "SW-BIRTH-CLUSTER-INIT-MOVED",
          i >= 0 ? ["spec", "nodes", i] : ["spec", "nodes"],
          `${birth.clusterInit} would now initialise etcd instead of ${previous.clusterInit} (${previous.source}): right only when ${previous.clusterInit} is about to be rebuilt`,
          `${birth.clusterInit} must already be a running server (K3s ignores cluster-init once etcd exists); then rebuild ${previous.clusterInit}, which joins. ${spec.spec.k3s.registrationAddress ? "" : "Every joining node's server URL moves with it: set spec.k3s.registrationAddress to keep their user-data unchanged."}`.trim(),
        ),
      ),
    );
  }
  return out;
};

/** Embedded etcd across public networks: K3s documents it as unsupported. */
export const etcdOnPrivateNetwork: Rule = ({ spec, problem }) => {
  const servers = spec.spec.nodes.map((n, i) => ({ n, i })).filter(({ n }) => n.role === "server");
  if (servers.length < 2) return [];
  const public_ = servers.filter(({ n }) => n.privateAddress === undefined);
  if (public_.length === 0) return [];
  return [
    {
      ...problem(
        "SW-ETCD-PUBLIC-NETWORK",
        ["spec", "nodes", public_[0]!.i],
        `${public_.map(({ n }) => n.name).join(", ")} ${public_.length === 1 ? "has" : "have"} no privateAddress: embedded etcd would run across public networks, which K3s documents as unsupported (with embedded etcd, all servers must reach each other on their private addresses: docs.k3s.io networking/distributed-multicloud)`,
        "Put the servers on your provider's private network (Hetzner networks, Contabo private networking, DigitalOcean VPC) and set spec.nodes[].privateAddress on each. etcd's peer traffic is TLS either way; latency and reachability are the concern.",
      ),
      severity: "warning",
    },
  ];
};

/** A plaintext overlay while some node has no private network: pod traffic crosses the internet in clear. */
export const encryptedOverlay: Rule = ({ spec, problem }) => {
  const n = spec.spec.network;
  const plain = n.cni === "cilium" ? n.cilium.encryption === "none" : n.flannel.backend !== "wireguard-native";
  const exposed = spec.spec.nodes.filter((x) => x.privateAddress === undefined).map((x) => x.name);
  if (!plain || exposed.length === 0) return [];
  const at = n.cni === "cilium" ? ["spec", "network", "cilium", "encryption"] : ["spec", "network", "flannel", "backend"];
  return [
    {
      ...problem(
        "SW-OVERLAY-PLAINTEXT",
        at,
        `pod traffic between nodes is not encrypted, and ${exposed.join(", ")} ${exposed.length === 1 ? "has" : "have"} no private network: it crosses public networks in clear${n.cni === "flannel" && n.flannel.backend === "vxlan" ? " (K3s: the VXLAN port must not be exposed to the world)" : ""}`,
        n.cni === "cilium" ? "Remove spec.network.cilium.encryption (default wireguard), or give every node a privateAddress." : "Remove spec.network.flannel.backend (default wireguard-native), or give every node a privateAddress.",
      ),
      severity: "warning",
    },
  ];
};
