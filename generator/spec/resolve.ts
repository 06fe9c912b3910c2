/**
 * Derived facts: everything later stages need that follows from the spec but is not written in it.
 * Pure; runs only on a schema-valid spec with defaults applied.
 */
import { flagTableFor, isFlag } from "../k3s/flags.js";
import type { ClusterSpec, K3sArgValue, NodeSpec } from "./types.js";

/** Placeholders that `render` writes where a secret goes; `userdata` fills them. */
export const SECRET_ENV = {
  k3sToken: "SLIPWAY_K3S_TOKEN",
  gitUsername: "SLIPWAY_GIT_USERNAME",
  gitToken: "SLIPWAY_GIT_TOKEN",
} as const;

export interface BootstrapSecrets {
  k3sToken: string;
  gitUsername?: string;
  gitToken?: string;
  /**
   * The Sealed Secrets key pairs from .slipway/sealed-secrets/ (key-store `StoredKey` fits), every
   * one, rotated ones too; the first server imports them as the controller's key Secrets. Absent in
   * the committed bootstrap/ (a secret-free placeholder file stands there instead).
   */
  sealingKeys?: { index: number; certificatePem: string; privateKeyPem: string }[];
}

/** The secret-free stand-ins committed in bootstrap/. */
export function placeholderSecrets(spec: ClusterSpec): BootstrapSecrets {
  return {
    k3sToken: placeholder(SECRET_ENV.k3sToken),
    ...(spec.spec.gitops.private ? { gitUsername: placeholder(SECRET_ENV.gitUsername), gitToken: placeholder(SECRET_ENV.gitToken) } : {}),
  };
}

export const placeholder = (name: string): string => `__SLIPWAY_SECRET_${name}__`;

/**
 * Keys Slipway derives from other fields: a user may not set them in k3s.args. The value says
 * which field to use instead.
 */
export const RESERVED_ARGS: Readonly<Record<string, string>> = {
  token: "the SLIPWAY_K3S_TOKEN environment variable at `slipway userdata`",
  "token-file": "the SLIPWAY_K3S_TOKEN environment variable at `slipway userdata`",
  "agent-token": "the SLIPWAY_K3S_TOKEN environment variable at `slipway userdata`",
  server: "the order of spec.nodes (the first server, or the one with clusterInit: true)",
  "cluster-init": "spec.nodes[].clusterInit",
  "node-name": "spec.nodes[].name",
  "node-ip": "spec.nodes[].privateAddress",
  "node-external-ip": "spec.nodes[].address",
  "node-label": "spec.nodes[].labels",
  "node-taint": "spec.nodes[].taints",
  disable: "spec.k3s.disable",
  "flannel-backend": "spec.network.cni and spec.network.flannel.backend",
  "disable-network-policy": "spec.network.cni (cilium disables K3s's network policy controller)",
  "disable-kube-proxy": "spec.network.cilium.kubeProxyReplacement",
  "cluster-cidr": "spec.k3s.clusterCIDR",
  "service-cidr": "spec.k3s.serviceCIDR",
  "default-local-storage-path": "spec.storage.localPath",
};

export interface ResolvedNode extends NodeSpec {
  /** Index in spec.nodes. */
  index: number;
  first: boolean;
}

export interface Resolved {
  spec: ClusterSpec;
  name: string;
  nodes: ResolvedNode[];
  servers: ResolvedNode[];
  agents: ResolvedNode[];
  firstServer: ResolvedNode;
  /** URL joining nodes use: the first server's cluster address. */
  joinURL: string;
  /** K3s `disable` list: the user's plus what components imply, sorted. */
  disable: string[];
  /** Config keys identical on every server (critical values among them, DOMAIN.md §1.3). */
  serverCommon: Record<string, K3sArgValue>;
  /** Config keys every agent gets from k3s.args. */
  agentCommon: Record<string, K3sArgValue>;
  /** Namespace of Argo CD and its Applications. */
  argocdNamespace: string;
  /** Files beside the spec the plan uses; set by the pipeline's I/O edge (absent: none). */
  repo?: RepoInputs;
}

/**
 * What the repository holds besides cluster.yaml and goes into the tree: read by the pipeline
 * (generator/secrets/repo-inputs.ts), never by the plan itself, which stays pure.
 */
export interface RepoInputs {
  /** bootstrap/sealed-secrets.crt (the newest key's certificate), when committed. */
  certificate?: { file: string; pem: string; fingerprint: string };
  /** Validated SealedSecrets from sealed-secrets/<namespace>/<name>.yaml, sorted by namespace, name. */
  sealedSecrets: RepoSealedSecret[];
}

/** One SealedSecret file, parsed, runtime fields dropped. */
export interface RepoSealedSecret {
  /** Path relative to the repository, e.g. `sealed-secrets/web/db.yaml`. */
  file: string;
  namespace: string;
  name: string;
  object: Record<string, unknown>;
}

export function resolve(spec: ClusterSpec): Resolved {
  const s = spec.spec;
  const nodes: ResolvedNode[] = s.nodes.map((n, index) => ({ ...n, index, first: false }));
  const servers = nodes.filter((n) => n.role === "server");
  const agents = nodes.filter((n) => n.role === "agent");
  const first = servers.find((n) => n.clusterInit === true) ?? servers[0];
  if (!first) throw new Error("resolve() called on a spec without a server (validation should have stopped it)");
  first.first = true;

  const disable = new Set(s.k3s.disable);
  if (s.network.ingress !== "traefik" || s.network.traefik.install === "argocd") disable.add("traefik");
  if (s.storage.localPath === undefined && s.storage.volumes.length > 0) {
    // Static volumes do not need the provisioner, but keep it: users' charts may still ask for local-path.
  }

  const derived: Record<string, K3sArgValue> = {
    "cluster-cidr": s.k3s.clusterCIDR,
    "service-cidr": s.k3s.serviceCIDR,
    "flannel-backend": s.network.cni === "cilium" ? "none" : s.network.flannel.backend,
  };
  if (s.network.cni === "cilium") derived["disable-network-policy"] = true;
  if (s.network.cni === "cilium" && s.network.cilium.kubeProxyReplacement) derived["disable-kube-proxy"] = true;
  if (disable.size > 0) derived.disable = [...disable].sort();
  if (s.storage.localPath) derived["default-local-storage-path"] = s.storage.localPath;

  const userArgs = Object.fromEntries(Object.entries(s.k3s.args).filter(([k]) => !(k in RESERVED_ARGS)));
  const serverCommon = sortKeys({ ...userArgs, ...derived, "write-kubeconfig-mode": userArgs["write-kubeconfig-mode"] ?? "0600" });
  // Agents get the keys that are `k3s agent` flags of this release: `k3s agent` does not start with any other.
  const { table: flags } = flagTableFor(s.k3s.version);
  const agentCommon = sortKeys(Object.fromEntries(Object.entries(userArgs).filter(([k]) => isFlag(flags, "agent", k))));

  return {
    spec,
    name: spec.metadata.name,
    nodes,
    servers,
    agents,
    firstServer: first,
    joinURL: `https://${hostPort(first.privateAddress ?? first.address)}:6443`,
    disable: [...disable].sort(),
    serverCommon,
    agentCommon,
    argocdNamespace: s.gitops.argocd.namespace,
  };
}

/** The whole /etc/rancher/k3s/config.yaml of one node. */
export function nodeK3sConfig(r: Resolved, node: ResolvedNode, secrets: BootstrapSecrets): Record<string, K3sArgValue> {
  const cfg: Record<string, K3sArgValue> = node.role === "server" ? { ...r.serverCommon } : { ...r.agentCommon };
  if (node.first) cfg["cluster-init"] = true;
  else cfg.server = r.joinURL;
  cfg.token = secrets.k3sToken;
  cfg["node-name"] = node.name;
  cfg["node-ip"] = node.privateAddress ?? node.address;
  cfg["node-external-ip"] = node.address;
  const labels = Object.entries(node.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (labels.length) cfg["node-label"] = labels.map(([k, v]) => `${k}=${v}`);
  if (node.taints?.length) cfg["node-taint"] = [...node.taints];
  if (node.role === "server") {
    const sans = new Set<string>();
    for (const s of r.servers) {
      sans.add(s.address);
      if (s.privateAddress) sans.add(s.privateAddress);
    }
    const extra = r.spec.spec.k3s.args["tls-san"];
    for (const x of Array.isArray(extra) ? extra : typeof extra === "string" ? [extra] : []) sans.add(x);
    cfg["tls-san"] = [...sans];
  }
  return sortKeys(cfg);
}

function hostPort(addr: string): string {
  return addr.includes(":") ? `[${addr}]` : addr;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
