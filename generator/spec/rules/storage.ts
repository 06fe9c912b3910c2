/**
 * storage.volumes: each volume on one existing node, no two volumes sharing a directory on a node,
 * and (warning) volumes on the node's data disk when it has one, since that disk is what survives
 * a rebuild.
 */
import type { Diagnostic } from "../../diagnostics.js";
import type { VolumeSpec } from "../types.js";
import type { Rule, RuleContext } from "./context.js";

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir.replace(/\/$/, "")}/`);

/** The node a volume is on: as written, or the only node; undefined when neither applies. */
function nodeOf(spec: RuleContext["spec"], v: VolumeSpec): string | undefined {
  return v.node ?? (spec.spec.nodes.length === 1 ? spec.spec.nodes[0]!.name : undefined);
}

const warn = (d: Diagnostic): Diagnostic => ({ ...d, severity: "warning" });

export const volumeNodes: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const names = spec.spec.nodes.map((n) => n.name);
  spec.spec.storage.volumes.forEach((v, i) => {
    if (v.node === undefined && names.length > 1) {
      out.push(problem("SW-VOLUME-NODE-REQUIRED", ["spec", "storage", "volumes", i], `volume "${v.name}" has no node, and the cluster has ${names.length}`, `A hostPath volume lives on one machine: add node: (one of ${names.join(", ")}).`));
    } else if (v.node !== undefined && !names.includes(v.node)) {
      out.push(problem("SW-VOLUME-NODE-UNKNOWN", ["spec", "storage", "volumes", i, "node"], `volume "${v.name}" is on node "${v.node}", which spec.nodes does not have`, `Use one of: ${names.join(", ")}.`));
    }
  });
  return out;
};

export const uniqueVolumes: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const names = new Map<string, number>();
  const claims = new Map<string, number>();
  spec.spec.storage.volumes.forEach((v, i) => {
    const prev = names.get(v.name);
    if (prev !== undefined) out.push(problem("SW-VOLUME-DUPLICATE-NAME", ["spec", "storage", "volumes", i, "name"], `volume name "${v.name}" is already used by spec.storage.volumes[${prev}]`, "Each volume becomes a PersistentVolume of that name; give each its own."));
    else names.set(v.name, i);
    if (!v.claim) return;
    const key = `${v.claim.namespace}/${v.claim.name}`;
    const prevClaim = claims.get(key);
    if (prevClaim !== undefined) out.push(problem("SW-VOLUME-DUPLICATE-CLAIM", ["spec", "storage", "volumes", i, "claim", "name"], `claim ${key} is already made by spec.storage.volumes[${prevClaim}]`, "A claim binds one volume; name this one differently."));
    else claims.set(key, i);
  });
  return out;
};

export const volumePaths: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const seen: { node: string; path: string; index: number }[] = [];
  spec.spec.storage.volumes.forEach((v, i) => {
    const node = nodeOf(spec, v);
    if (node === undefined) return;
    for (const s of seen) {
      if (s.node !== node) continue;
      const other = spec.spec.storage.volumes[s.index]!;
      if (s.path === v.path) {
        out.push(problem("SW-VOLUME-PATH-SHARED", ["spec", "storage", "volumes", i, "path"], `volume "${v.name}" uses ${v.path} on node ${node}, as volume "${other.name}" does`, "Two volumes sharing a directory share (and overwrite) each other's data; give each its own directory."));
      } else if (under(v.path, s.path) || under(s.path, v.path)) {
        out.push(problem("SW-VOLUME-PATH-SHARED", ["spec", "storage", "volumes", i, "path"], `volume "${v.name}" (${v.path}) and volume "${other.name}" (${s.path}) nest on node ${node}`, "One volume's pods would see and could change the other's data; use sibling directories, e.g. /data/a and /data/b."));
      }
    }
    seen.push({ node, path: v.path, index: i });
  });
  const mounts = new Map(spec.spec.nodes.filter((n) => n.volume).map((n) => [n.name, n.volume!.mountPath]));
  spec.spec.storage.volumes.forEach((v, i) => {
    const node = nodeOf(spec, v);
    const mount = node === undefined ? undefined : mounts.get(node);
    if (mount !== undefined && !under(v.path, mount)) {
      out.push(warn(problem("SW-VOLUME-NOT-ON-DISK", ["spec", "storage", "volumes", i, "path"], `volume "${v.name}" (${v.path}) is not under ${mount}, the data disk of node ${node}`, `Data outside the data disk is lost when the node is rebuilt; use a path under ${mount}, e.g. ${mount}/${v.name}.`)));
    }
  });
  return out;
};

/**
 * monitoring.*Volume name storage.volumes entries without a claim: the Prometheus operator makes
 * its own claim from a volumeClaimTemplate whose selector matches the volume's labels (seed 004),
 * and a claim of ours would reserve the volume for something else.
 */
export const monitoringVolumes: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const m = spec.spec.monitoring;
  if (!m) return out;
  const volumes = spec.spec.storage.volumes;
  for (const field of ["prometheusVolume", "alertmanagerVolume"] as const) {
    const name = m[field];
    if (name === undefined) continue;
    const i = volumes.findIndex((v) => v.name === name);
    if (i < 0) {
      const known = volumes.map((v) => v.name);
      out.push(problem("SW-MONITORING-VOLUME-UNKNOWN", ["spec", "monitoring", field], `monitoring.${field} "${name}" is not in storage.volumes`, known.length ? `Use one of: ${known.join(", ")}; or add a volume of that name.` : `Add it: storage.volumes: [{name: ${name}, path: /data/${name}, size: 10Gi}].`));
    } else if (volumes[i]!.claim) {
      out.push(problem("SW-MONITORING-VOLUME-HAS-CLAIM", ["spec", "storage", "volumes", i, "claim"], `volume "${name}" (monitoring.${field}) has a claim, which would reserve it away from the operator's own claim`, "Remove the claim: the operator's volumeClaimTemplate binds the volume by its labels."));
    }
  }
  return out;
};
