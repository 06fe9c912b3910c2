/**
 * Which K3s configuration is a birth setting and which rolls out (DESIGN.md "Day 2").
 *
 * - Birth: what a node needs at its first start and can never change while it runs: its identity
 *   and join (node-name, node-ip, node-external-ip, server or cluster-init, token) and, on servers,
 *   K3s's critical configuration values, which must be identical on every server (a server started
 *   with another value fails with "critical configuration value mismatch"; cluster-cidr and
 *   service-cidr changes crash the controller-manager: k3s-io/k3s#2603, #3967). These go into
 *   /etc/rancher/k3s/config.yaml through user-data, once.
 * - Rollout: every other key. It is written by a system-upgrade-controller Plan as a config drop-in
 *   (/etc/rancher/k3s/config.yaml.d/, read after config.yaml, last value wins) on the running
 *   nodes, with a K3s restart (K3s reads its config only at start). Servers and agents get separate
 *   drop-ins: K3s strips server keys it does not know, but an unknown key stops `k3s agent`.
 *
 * Pure: the flag table (generator/k3s/) says which keys belong to which role.
 */
import type { ClusterSpec, K3sArgValue, Role } from "./types.js";

/**
 * K3s's "critical configuration values", compared between servers when one joins (docs.k3s.io
 * cli/server "Critical Configuration Values"); `disable-kube-proxy` is listed by the older
 * ha-embedded page. Every one is fixed at the cluster's birth.
 */
export const CRITICAL_KEYS: ReadonlySet<string> = new Set([
  "agent-token",
  "cluster-cidr",
  "cluster-dns",
  "cluster-domain",
  "disable",
  "disable-cloud-controller",
  "disable-helm-controller",
  "disable-kube-proxy",
  "disable-network-policy",
  "egress-selector-mode",
  "embedded-registry",
  "flannel-backend",
  "flannel-external-ip",
  "flannel-ipv6-masq",
  "secrets-encryption",
  "secrets-encryption-provider",
  "service-cidr",
]);

/**
 * Keys K3s acts on only when a node first starts, so a drop-in could not change them: where its
 * data lives, how the node names itself, the external datastore. Written into user-data.
 */
export const BIRTH_ONLY_KEYS: ReadonlySet<string> = new Set(["data-dir", "with-node-id", "datastore-endpoint", "datastore-cafile", "datastore-certfile", "datastore-keyfile"]);

/** The drop-in the config Plans write; 50- leaves room before and after it for the user's own. */
export const K3S_DROPIN_PATH = "/etc/rancher/k3s/config.yaml.d/50-slipway.yaml";

/** Whether a user key (of k3s.args) is written into user-data rather than rolled out. */
export const isBirthKey = (key: string): boolean => CRITICAL_KEYS.has(key) || BIRTH_ONLY_KEYS.has(key.replace(/\+$/, ""));

/** Whether `key` is a flag of `role` (the K3s flag table of the spec's version). */
export type RoleFlags = (role: Role, key: string) => boolean;

export interface K3sConfig {
  /** Birth keys every server shares (critical values among them), sorted. */
  serverBirth: Record<string, K3sArgValue>;
  /** Birth keys every agent shares, sorted. */
  agentBirth: Record<string, K3sArgValue>;
  /** The drop-in of each role, sorted keys: what the Plans write on running nodes. */
  dropIn: Record<Role, Record<string, K3sArgValue>>;
  /**
   * Keys one node gets on top of its role's drop-in, by node name (nodes with none are absent):
   * what differs between nodes of a role, e.g. a server's etcd snapshot directory on its own volume.
   */
  perNode: ReadonlyMap<string, Record<string, K3sArgValue>>;
}

/**
 * Splits the spec's K3s configuration.
 * @param derived keys Slipway derives from other fields (cluster-cidr from k3s.clusterCIDR, ...),
 *   each marked birth or rollout by {@link isBirthKey}
 * @param reserved keys a user may not set (derived ones); they never come from k3s.args
 */
export function splitK3sConfig(spec: ClusterSpec, derived: Record<string, K3sArgValue>, reserved: ReadonlySet<string>, flags: RoleFlags): K3sConfig {
  const k = spec.spec.k3s;
  const user = (args: Record<string, K3sArgValue>) => Object.entries(args).filter(([key]) => !reserved.has(key));
  const serverBirth: Record<string, K3sArgValue> = {};
  const agentBirth: Record<string, K3sArgValue> = {};
  const dropIn: Record<Role, Record<string, K3sArgValue>> = { server: {}, agent: {} };
  for (const [key, value] of Object.entries(derived)) {
    if (isBirthKey(key)) serverBirth[key] = value;
    else dropIn.server[key] = value;
  }
  // k3s.args go to every role that has the flag; serverArgs/agentArgs replace a key for one role.
  for (const role of ["server", "agent"] as const) {
    const birth = role === "server" ? serverBirth : agentBirth;
    const own = user(role === "server" ? k.serverArgs : k.agentArgs);
    const ownKeys = new Set(own.map(([key]) => key));
    for (const [key, value] of [...user(k.args).filter(([key]) => !ownKeys.has(key)), ...own]) {
      if (!flags(role, key)) continue;
      if (isBirthKey(key)) birth[key] = value;
      else dropIn[role][key] = value;
    }
  }
  return { serverBirth: sortKeys(serverBirth), agentBirth: sortKeys(agentBirth), dropIn: { server: sortKeys(dropIn.server), agent: sortKeys(dropIn.agent) }, perNode: new Map() };
}

export function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
