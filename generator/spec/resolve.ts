/**
 * Derived facts: everything later stages need that follows from the spec but is not written in it.
 * Pure; runs only on a schema-valid spec with defaults applied.
 */
import { flagTableFor, isFlag } from "../k3s/flags.js";
import { snapshotArgs, snapshotDir } from "./etcd-snapshots.js";
import { splitK3sConfig, sortKeys, type K3sConfig } from "./k3s-config.js";
import type { ClusterSpec, FlannelBackend, K3sArgValue, NodeSpec } from "./types.js";

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

/** K3s keys whose value is a credential: never in cluster.yaml, which is committed. */
export const CREDENTIAL_ARGS: ReadonlySet<string> = new Set(["etcd-s3-access-key", "etcd-s3-secret-key", "etcd-s3-session-token"]);

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
  "secrets-encryption": "spec.k3s.secretsEncryption",
  "etcd-disable-snapshots": "spec.k3s.etcdSnapshots.enabled",
  "etcd-snapshot-schedule-cron": "spec.k3s.etcdSnapshots.schedule",
  "etcd-snapshot-retention": "spec.k3s.etcdSnapshots.retention",
  "etcd-snapshot-dir": "spec.k3s.etcdSnapshots.onVolume (each server's snapshots on its own data volume)",
  "etcd-s3": "spec.k3s.etcdSnapshots.s3",
  "etcd-s3-config-secret": "spec.k3s.etcdSnapshots.s3.secret",
  ...Object.fromEntries([...CREDENTIAL_ARGS].map((k) => [k, "a key of the SealedSecret that spec.k3s.etcdSnapshots.s3.secret names"])),
  ...Object.fromEntries(
    ["https-listen-port", "supervisor-port", "apiserver-port"].map((k) => [k, "joining nodes, the Plans and the host firewall reach the API on 6443"]),
  ),
  ...Object.fromEntries(
    ["disable-agent", "disable-apiserver", "disable-etcd", "disable-controller-manager", "disable-scheduler"].map((k) => [k, "every Slipway server runs the whole control plane with embedded etcd"]),
  ),
};

/** Of {@link RESERVED_ARGS}, the keys no field sets: Slipway does not support them. */
export const UNSUPPORTED_ARGS: ReadonlySet<string> = new Set(["https-listen-port", "supervisor-port", "apiserver-port", "disable-agent", "disable-apiserver", "disable-etcd", "disable-controller-manager", "disable-scheduler"]);

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
  /** URL joining nodes use: k3s.registrationAddress, else the first server's cluster address. */
  joinURL: string;
  /** K3s `disable` list: the user's plus what components imply, sorted. */
  disable: string[];
  /** The flannel backend in effect (`none` with Cilium): written or defaulted (encrypted on public networks). */
  flannelBackend: FlannelBackend | "none";
  /** Whether Cilium encrypts pod traffic between nodes (WireGuard). */
  ciliumEncryption: boolean;
  /** Whether any node has no privateAddress, so cluster traffic crosses public networks. */
  publicOnly: boolean;
  /** Whether the servers serve etcd's metrics for Prometheus (see {@link exposesEtcdMetrics}). */
  etcdMetrics: boolean;
  /** Birth configuration and drop-ins (spec/k3s-config.ts). */
  k3s: K3sConfig;
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

  const publicOnly = nodes.some((n) => n.privateAddress === undefined);
  // Pod traffic between nodes is encrypted unless the spec says otherwise: flannel's VXLAN is
  // plaintext and unauthenticated (docs.k3s.io installation/requirements: "should not be exposed to
  // the world"). Always, not only while some node lacks a private address: a default that flipped
  // when such a node joins would change every server's critical flannel-backend.
  const flannelBackend = s.network.cni === "cilium" ? "none" : s.network.flannel.backend;
  const ciliumEncryption = s.network.cni === "cilium" && s.network.cilium.encryption === "wireguard";
  const derived: Record<string, K3sArgValue> = {
    "cluster-cidr": s.k3s.clusterCIDR,
    "service-cidr": s.k3s.serviceCIDR,
    "flannel-backend": flannelBackend,
    "write-kubeconfig-mode": "0600",
  };
  if (s.k3s.secretsEncryption) derived["secrets-encryption"] = true;
  if (s.network.cni === "cilium") derived["disable-network-policy"] = true;
  if (s.network.cni === "cilium" && s.network.cilium.kubeProxyReplacement) derived["disable-kube-proxy"] = true;
  if (disable.size > 0) derived.disable = [...disable].sort();
  if (s.storage.localPath) derived["default-local-storage-path"] = s.storage.localPath;
  Object.assign(derived, snapshotArgs(s.k3s.etcdSnapshots));
  const sans = tlsSans(spec);
  if (sans.length > 0) derived["tls-san"] = sans;
  // Not a birth key: the k3s-config-server Plan rolls it out, one server at a time.
  if (exposesEtcdMetrics(spec)) derived["etcd-expose-metrics"] = true;

  // tls-san is the user's and derived at once: the derived list already holds the user's names.
  // Each role gets the keys that are its flags in this release: `k3s agent` does not start with any other.
  const { table: flags } = flagTableFor(s.k3s.version);
  const k3s = splitK3sConfig(spec, derived, new Set([...Object.keys(RESERVED_ARGS), "tls-san"]), (role, key) => isFlag(flags, role, key));
  // The registration address must be in the servers' certificate from their first start: joiners
  // verify it (tls-san additions at a restart are reported not to apply reliably, k3s-io/k3s#3369).
  if (s.k3s.registrationAddress) k3s.serverBirth = sortKeys({ ...k3s.serverBirth, "tls-san": [s.k3s.registrationAddress] });
  // A Map: node names are user text ("constructor" is a valid one).
  k3s.perNode = new Map(nodes.flatMap((n) => {
    const dir = snapshotDir(s.k3s.etcdSnapshots, n);
    return dir ? [[n.name, { "etcd-snapshot-dir": dir }] as const] : [];
  }));
  // What the servers end up with: the user's own etcd-expose-metrics (k3s.args) overrides the derived one.
  const etcdMetrics = s.monitoring !== undefined && k3s.dropIn.server["etcd-expose-metrics"] === true;

  return {
    spec,
    name: spec.metadata.name,
    nodes,
    servers,
    agents,
    firstServer: first,
    joinURL: `https://${hostPort(s.k3s.registrationAddress ?? first.privateAddress ?? first.address)}:6443`,
    disable: [...disable].sort(),
    flannelBackend,
    ciliumEncryption,
    publicOnly,
    etcdMetrics,
    k3s,
    argocdNamespace: s.gitops.argocd.namespace,
  };
}

/**
 * Whether Prometheus (spec.monitoring) scrapes embedded etcd, which every Slipway cluster runs (the
 * first server starts with cluster-init). K3s serves etcd's metrics on 127.0.0.1:2381 only, unless
 * etcd-expose-metrics moves them to the node address, in plain HTTP (k3s pkg/etcd/etcd.go
 * metricsURL): so only where nothing outside the cluster reaches that address, the host firewall
 * being on (cluster ports admitted from the nodes only) or every server on a private network. A
 * user's own etcd-expose-metrics in k3s.args wins either way.
 */
export function exposesEtcdMetrics(spec: ClusterSpec): boolean {
  const s = spec.spec;
  if (!s.monitoring) return false;
  return s.hosts.firewall.enabled || s.nodes.every((n) => n.role !== "server" || n.privateAddress !== undefined);
}

/**
 * The servers' extra certificate names: what the user lists in k3s.args tls-san and the
 * registration address. Each server's own addresses are in its certificate already (K3s adds
 * node-ip and node-external-ip), so no other node's address is needed here.
 */
function tlsSans(spec: ClusterSpec): string[] {
  const k = spec.spec.k3s;
  const listed = [k.args["tls-san"], k.serverArgs["tls-san"]].flatMap((v) => (Array.isArray(v) ? v : typeof v === "string" ? [v] : []));
  return [...new Set([...listed, ...(k.registrationAddress ? [k.registrationAddress] : [])])];
}

/**
 * The birth /etc/rancher/k3s/config.yaml of one node: identity, join, and on servers the critical
 * values. Nothing here depends on another node (but the join URL) or on anything that rolls out.
 */
export function nodeK3sConfig(r: Resolved, node: ResolvedNode, secrets: BootstrapSecrets): Record<string, K3sArgValue> {
  const cfg: Record<string, K3sArgValue> = node.role === "server" ? { ...r.k3s.serverBirth } : { ...r.k3s.agentBirth };
  if (node.first) cfg["cluster-init"] = true;
  else cfg.server = r.joinURL;
  cfg.token = secrets.k3sToken;
  cfg["node-name"] = node.name;
  cfg["node-ip"] = node.privateAddress ?? node.address;
  cfg["node-external-ip"] = node.address;
  return sortKeys(cfg);
}

function hostPort(addr: string): string {
  return addr.includes(":") ? `[${addr}]` : addr;
}
