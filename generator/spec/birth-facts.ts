/**
 * What a running cluster was born with and cannot change by a rollout: the K3s version it runs
 * (it only moves up, one minor at a time), the servers' critical K3s values, and which server
 * initialised etcd. Taken from a resolved spec (the base of `slipway plan`) or from the committed
 * tree beside cluster.yaml (`validate`, `render`): rules compare the spec against them.
 */
import { readAsCloudInit } from "../yaml.js";
import { CRITICAL_KEYS } from "./k3s-config.js";
import type { Resolved } from "./resolve.js";
import type { K3sArgValue } from "./types.js";

export interface BirthFacts {
  /** Where the facts come from, for messages (`the committed tree`, `origin/main`). */
  source: string;
  k3sVersion?: string;
  /** The servers' critical K3s values. */
  critical?: Record<string, K3sArgValue>;
  /** The server that ran cluster-init. */
  clusterInit?: string;
}

/** The facts a resolved spec gives its nodes. */
export function factsOf(r: Resolved, source: string): BirthFacts {
  return { source, k3sVersion: r.spec.spec.k3s.version, critical: pickCritical(r.k3s.serverBirth), clusterInit: r.firstServer.name };
}

function pickCritical(config: Record<string, unknown>): Record<string, K3sArgValue> {
  return Object.fromEntries(Object.entries(config).filter(([k]) => CRITICAL_KEYS.has(k))) as Record<string, K3sArgValue>;
}

/** The K3s config written into a node's user-data (bootstrap/<node>.yaml), or undefined. */
export function birthConfigOf(userData: string, configPath: string): Record<string, unknown> | undefined {
  const files = (readAsCloudInit(userData) as { write_files?: { path?: unknown; content?: unknown }[] } | null | undefined)?.write_files;
  const content = Array.isArray(files) ? files.find((f) => f?.path === configPath)?.content : undefined;
  if (typeof content !== "string") return undefined;
  const value = readAsCloudInit(content);
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Facts of a committed tree: `versionText` is rendered/day0/k3s-version, `userData` the
 * bootstrap/<node>.yaml texts. Servers carry cluster-cidr in their birth config (derived, always);
 * the one with cluster-init ran it.
 */
export function factsOfTree(source: string, versionText: string | undefined, userData: readonly string[], configPath: string): BirthFacts | undefined {
  const version = versionText?.split("\n").find((l) => /^v1\.[0-9]+\.[0-9]+\+k3s[0-9]+$/.test(l));
  const facts: BirthFacts = { source, ...(version ? { k3sVersion: version } : {}) };
  for (const text of userData) {
    // Only a server's birth config carries cluster-cidr: a user-data that never spells it out is an
    // agent's, and is not parsed (parsing every node's user-data was most of `validate` on a
    // 100-node tree). A hand-edited file that escapes the key (`"cluster\x2dcidr"`) is not looked for.
    if (!text.includes("cluster-cidr")) continue;
    const config = birthConfigOf(text, configPath);
    if (!config || !("cluster-cidr" in config)) continue;
    facts.critical ??= pickCritical(config);
    if (config["cluster-init"] === true && typeof config["node-name"] === "string") facts.clusterInit = config["node-name"];
  }
  return facts.k3sVersion || facts.critical ? facts : undefined;
}

/** `v1.36.3+k3s1` as numbers; undefined when the text is no K3s release. */
export function parseK3sVersion(v: string): { minor: number; patch: number; build: number } | undefined {
  const m = /^v1\.([0-9]+)\.([0-9]+)\+k3s([0-9]+)$/.exec(v);
  return m ? { minor: Number(m[1]), patch: Number(m[2]), build: Number(m[3]) } : undefined;
}

/** Negative when a is older than b. */
export function compareK3sVersions(a: string, b: string): number {
  const x = parseK3sVersion(a);
  const y = parseK3sVersion(b);
  if (!x || !y) return 0;
  return x.minor - y.minor || x.patch - y.patch || x.build - y.build;
}
