/** Node list rules: unique names and addresses, servers, the one cluster-init server, etcd quorum. */
import type { Diagnostic } from "../../diagnostics.js";
import type { Rule } from "./context.js";

export const uniqueNodeNames: Rule = ({ spec, problem }) => duplicates(spec.spec.nodes.map((n) => n.name), (i, first) =>
  problem("SW-NODE-DUPLICATE-NAME", ["spec", "nodes", i, "name"], `node name "${spec.spec.nodes[i]!.name}" is already used by spec.nodes[${first}]`, "Node names become hostnames and bootstrap file names; give each node its own."));

export const uniqueNodeAddresses: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const seen = new Map<string, string>();
  spec.spec.nodes.forEach((n, i) => {
    for (const field of ["address", "privateAddress"] as const) {
      const written = n[field];
      if (!written) continue;
      const a = canonicalAddress(written);
      const prev = seen.get(a);
      if (prev) out.push(problem("SW-NODE-DUPLICATE-ADDRESS", ["spec", "nodes", i, field], `address ${written} is already used by ${prev}`, "Every node needs its own addresses; check for a copy-paste slip."));
      else seen.set(a, `spec.nodes[${i}].${field}`);
    }
  });
  return out;
};

/** One spelling per address: IPv6 as the URL standard writes it (`2001:DB8:0:0::11` is `2001:db8::11`). */
function canonicalAddress(a: string): string {
  if (!a.includes(":")) return a;
  try {
    return new URL(`http://[${a}]/`).hostname;
  } catch {
    return a.toLowerCase();
  }
}

/**
 * Why an address cannot be a node's, or undefined: the unspecified address, loopback, multicast or
 * broadcast. K3s would advertise it as the node's IP, and the DNS failover, the firewall's node
 * sets and the join URL would all point at it.
 */
function unusableAddress(a: string): string | undefined {
  const c = canonicalAddress(a);
  if (c === "0.0.0.0" || c === "[::]") return "the unspecified address";
  if (/^127\./.test(c) || c === "[::1]") return "a loopback address";
  if (/^(22[4-9]|23[0-9])\./.test(c) || /^\[ff/.test(c)) return "a multicast address";
  if (c === "255.255.255.255") return "the broadcast address";
  return undefined;
}

export const usableNodeAddresses: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  spec.spec.nodes.forEach((n, i) => {
    for (const field of ["address", "privateAddress"] as const) {
      const a = n[field];
      const why = a ? unusableAddress(a) : undefined;
      if (why) out.push(problem("SW-NODE-ADDRESS-UNUSABLE", ["spec", "nodes", i, field], `${a} is ${why}: no other node, and no client, can reach node ${n.name} there`, "Use the address the provider gave the node (its public IPv4 or IPv6, or its address on the private network)."));
    }
  });
  return out;
};

/**
 * Label keys Kubernetes and K3s own on a Node: the kubelet sets `kubernetes.io/hostname` and the
 * `node.kubernetes.io/` ones, K3s `node-role.kubernetes.io/control-plane`, `etcd` and `master`;
 * Slipway pins volumes to `kubernetes.io/hostname` and picks servers for its upgrade Plans by
 * `node-role.kubernetes.io/control-plane`. A role of one's own (`node-role.kubernetes.io/worker`)
 * is fine.
 */
function reservedLabel(key: string): boolean {
  const slash = key.indexOf("/");
  if (slash < 0) return false;
  const prefix = key.slice(0, slash);
  if (prefix === "node-role.kubernetes.io") return ["control-plane", "master", "etcd"].includes(key.slice(slash + 1));
  return /(^|\.)(kubernetes\.io|k8s\.io|k3s\.io)$/.test(prefix);
}

/** Taint keys the node lifecycle controller sets and removes by itself (node.kubernetes.io/not-ready, unschedulable, ...). */
function reservedTaint(taint: string): boolean {
  return /^(node\.kubernetes\.io|node\.cloudprovider\.kubernetes\.io)\//.test(taint);
}

export const ownLabelsAndTaints: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  spec.spec.nodes.forEach((n, i) => {
    for (const key of Object.keys(n.labels ?? {})) {
      if (reservedLabel(key)) {
        out.push(problem("SW-NODE-RESERVED-LABEL", ["spec", "nodes", i, "labels", key], `label ${key} belongs to Kubernetes or K3s: set here, it would mislead the scheduler and Slipway's own Plans (volumes are pinned by kubernetes.io/hostname, servers found by node-role.kubernetes.io/control-plane)`, "Use a key under a domain of your own (example.com/tier) or an unprefixed one (tier); a role of your own can be node-role.kubernetes.io/<role>.", { key: true }));
      }
    }
    (n.taints ?? []).forEach((t, j) => {
      if (reservedTaint(t)) out.push(problem("SW-NODE-RESERVED-TAINT", ["spec", "nodes", i, "taints", j], `taint ${t} belongs to the node lifecycle controller, which sets and removes it by itself`, "Use a key of your own (dedicated=ops:NoSchedule), or node-role.kubernetes.io/control-plane:NoSchedule to keep workloads off servers."));
    });
  });
  return out;
};

export const atLeastOneServer: Rule = ({ spec, problem }) =>
  spec.spec.nodes.some((n) => n.role === "server")
    ? []
    : [problem("SW-NODE-NO-SERVER", ["spec", "nodes"], "no node has role: server", "A cluster needs a control plane: set role: server on at least one node (the first server initialises etcd).")];

export const oneClusterInit: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const marked = spec.spec.nodes.map((n, i) => ({ n, i })).filter(({ n }) => n.clusterInit === true);
  for (const { n, i } of marked) {
    if (n.role !== "server") out.push(problem("SW-NODE-CLUSTER-INIT-AGENT", ["spec", "nodes", i, "clusterInit"], `node "${n.name}" is an agent and cannot initialise the cluster`, "clusterInit belongs on exactly one server; remove it here."));
  }
  const servers = marked.filter(({ n }) => n.role === "server");
  for (const { n, i } of servers.slice(1)) {
    out.push(problem("SW-NODE-CLUSTER-INIT-MULTIPLE", ["spec", "nodes", i, "clusterInit"], `node "${n.name}" also sets clusterInit: true (already set on "${servers[0]!.n.name}")`, "Exactly one server initialises embedded etcd; the others join it. Keep clusterInit on one server."));
  }
  return out;
};

export const oddServers: Rule = ({ spec, problem }) => {
  const count = spec.spec.nodes.filter((n) => n.role === "server").length;
  if (count === 0 || count % 2 === 1 || spec.spec.k3s.allowEvenServers) return [];
  const tolerated = Math.floor((count - 1) / 2);
  return [
    problem(
      "SW-ETCD-EVEN-SERVERS",
      ["spec", "nodes"],
      `${count} servers: embedded etcd wants an odd number`,
      `etcd needs a majority (${Math.floor(count / 2) + 1} of ${count}) to work, so ${count} servers survive ${tolerated} failure${tolerated === 1 ? "" : "s"}, no more than ${count - 1} would. Use ${count - 1} or ${count + 1} servers (make the extra node an agent), or set spec.k3s.allowEvenServers: true if you know why.`,
    ),
  ];
};

function duplicates(values: string[], report: (index: number, firstIndex: number) => Diagnostic): Diagnostic[] {
  const first = new Map<string, number>();
  const out: Diagnostic[] = [];
  values.forEach((v, i) => {
    const f = first.get(v);
    if (f === undefined) first.set(v, i);
    else out.push(report(i, f));
  });
  return out;
}
