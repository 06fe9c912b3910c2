/**
 * Static volumes (storage.volumes): one hostPath PersistentVolume per entry, pinned to its node by
 * node affinity, labelled so claims bind by selector; a claim where one is asked for (seed 004,
 * DESIGN.md "Static hostPath PVs"). The directories, with their owners, are made by a Plan on the
 * nodes ({@link storageDirs}). storage.localPath is K3s's default-local-storage-path (derived in
 * spec/resolve.ts); its directory is made the same way.
 */
import { createHash } from "node:crypto";
import { policyNamespaces } from "../../spec/network-policy.js";
import type { Resolved } from "../../spec/resolve.js";
import type { VolumeSpec } from "../../spec/types.js";
import { component, TemplateAsset, type Feature, type ManifestFile } from "../types.js";
import { NETWORK_POLICY_APP } from "./network-policy.js";
import { NODE_SCRIPT_IMAGE, nodeEnv, planFile, PLANS, SUC_NAMESPACE, TOLERATE_ALL } from "./system-upgrade.js";

/** Label every static volume carries; claims select it. */
export const VOLUME_LABEL = "slipway.dev/volume";
/** Namespaces that always exist; never rendered as objects. */
const BUILTIN_NAMESPACES = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);

/** The node a volume lives on: as written, or the only node of a single-node cluster. */
export function volumeNode(r: Resolved, v: VolumeSpec): string {
  const name = v.node ?? (r.nodes.length === 1 ? r.nodes[0]!.name : undefined);
  if (name === undefined) throw new Error(`plan bug: volume ${v.name} has no node (validation should have stopped it)`);
  return name;
}

/** Whether `path` is `dir` or inside it. */
export function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
}

/** The claim of a storage.volumes entry, by volume name (Traefik's ACME store, monitoring). */
export function volumeClaim(r: Resolved, volume: string): { name: string; namespace: string } | undefined {
  return r.spec.spec.storage.volumes.find((v) => v.name === volume)?.claim;
}

function manifests(r: Resolved): ManifestFile[] {
  const out: ManifestFile[] = [];
  const namespaces = new Set<string>();
  // Namespaces under network.policies are the network-policy component's objects (with their Pod
  // Security labels); it syncs first (see storage() below).
  const governed = new Set(policyNamespaces(r.spec));
  for (const v of r.spec.spec.storage.volumes) {
    const labels = { ...v.labels, "app.kubernetes.io/managed-by": "slipway", [VOLUME_LABEL]: v.name };
    out.push({
      file: `pv-${v.name}.yaml`,
      template: "manifests/storage/persistentvolume.yaml.hbs",
      context: { name: v.name, node: volumeNode(r, v), path: v.path, size: v.size, labels, claimRef: v.claim ? { namespace: v.claim.namespace, name: v.claim.name } : false },
    });
    if (v.claim) {
      out.push({
        file: `pvc-${v.claim.namespace}-${v.claim.name}.yaml`,
        template: "manifests/storage/persistentvolumeclaim.yaml.hbs",
        context: { name: v.claim.name, namespace: v.claim.namespace, size: v.size, volume: v.name },
      });
      // Built-in namespaces always exist; tenant namespaces are the isolation component's objects.
      const tenant = r.spec.spec.network.isolation?.namespaces.includes(v.claim.namespace) ?? false;
      if (!BUILTIN_NAMESPACES.has(v.claim.namespace) && v.claim.namespace !== r.argocdNamespace && !tenant && !governed.has(v.claim.namespace)) namespaces.add(v.claim.namespace);
    }
  }
  for (const ns of [...namespaces].sort()) out.push({ file: `namespace-${ns}.yaml`, template: "manifests/storage/namespace.yaml.hbs", context: { name: ns } });
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** A node's storage directories (PATH or PATH:UID:GID), and its data disk's mount point when one lies on it. */
export interface NodeDirs {
  node: string;
  dirs: string[];
  mount?: string;
}

/**
 * Every node's static volume directories, made by the storage-dirs Plan, not by user-data, so
 * adding a volume changes no node's user-data. (storage.localPath needs none: K3s's local-path
 * provisioner makes its directories itself.)
 */
export function storageDirs(r: Resolved): NodeDirs[] {
  const s = r.spec.spec.storage;
  const out: NodeDirs[] = [];
  for (const node of r.nodes) {
    const dirs: string[] = [];
    for (const v of s.volumes) if (volumeNode(r, v) === node.name) dirs.push(v.owner ? `${v.path}:${v.owner}` : v.path);
    if (dirs.length === 0) continue;
    const mount = node.volume?.mountPath;
    const onDisk = mount !== undefined && dirs.some((d) => isUnder(d.split(":")[0]!, mount));
    out.push({ node: node.name, dirs, ...(onDisk ? { mount } : {}) });
  }
  return out;
}

/**
 * The storage-dirs Plan: each node that holds storage directories creates them with their owners
 * (templates/manifests/node-rollout/storage-dirs.sh), again whenever the list changes. All at once:
 * it restarts nothing. In the storage component, so the volumes' users (after it) find them made.
 */
function storageDirsPlan(r: Resolved): Record<string, unknown> | undefined {
  const entries = storageDirs(r);
  if (entries.length === 0) return undefined;
  const envs = entries.flatMap((e) => [
    { name: nodeEnv("SLIPWAY_DIRS", e.node), value: e.dirs.join(" ") },
    // Always there (empty: no directory on a data disk), so the Plan's shape never depends on a path.
    { name: nodeEnv("SLIPWAY_MOUNT", e.node), value: e.mount ?? "" },
  ]);
  const digest = createHash("sha256").update(JSON.stringify(entries)).digest("hex").slice(0, 16);
  return {
    concurrency: entries.length,
    version: `dirs-${digest}`,
    nodeSelector: { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: entries.map((e) => e.node) }] },
    serviceAccountName: SUC_NAMESPACE,
    tolerations: TOLERATE_ALL,
    upgrade: {
      image: NODE_SCRIPT_IMAGE,
      command: ["/bin/sh", "-c", new TemplateAsset("manifests/node-rollout/storage-dirs.sh"), "storage-dirs"],
      args: ["/host"],
      envs,
    },
  };
}

export function storage(r: Resolved): Feature | undefined {
  const s = r.spec.spec.storage;
  if (s.volumes.length === 0 && !s.localPath) return undefined;
  return {
    components:
      s.volumes.length === 0
        ? []
        : [
            component({
              name: "storage",
              // PersistentVolumes are cluster-scoped; claims carry their own namespace.
              namespace: "kube-system",
              manifests: [...manifests(r), planFile(PLANS.storageDirs, storageDirsPlan(r)!)],
              // The Plan; the Application is Healthy once every node has its directories.
              usesCrds: ["upgrade.cattle.io"],
              // Removing the Application must not delete volumes (or namespaces others use).
              finalizer: false,
              // Claims in a namespace under network.policies wait for the component that creates it.
              after: s.volumes.some((v) => v.claim && policyNamespaces(r.spec).includes(v.claim.namespace)) ? [NETWORK_POLICY_APP] : [],
            }),
          ],
  };
}
