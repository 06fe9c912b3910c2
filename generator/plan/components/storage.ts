/**
 * Static volumes (storage.volumes): one hostPath PersistentVolume per entry, pinned to its node by
 * node affinity, labelled so claims bind by selector; a claim where one is asked for; and on each
 * node a small script that creates the directories with their owners before K3s starts (seed 004,
 * DESIGN.md "Static hostPath PVs"). storage.localPath is K3s's default-local-storage-path (derived
 * in spec/resolve.ts); its directory is created the same way.
 */
import { policyNamespaces } from "../../spec/network-policy.js";
import type { Resolved, ResolvedNode } from "../../spec/resolve.js";
import type { VolumeSpec } from "../../spec/types.js";
import { component, type Feature, type ManifestFile, type NodeContribution } from "../types.js";
import { SCRIPT_DIR } from "./k3s-node.js";
import { NETWORK_POLICY_APP } from "./network-policy.js";

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

export function storageNode(node: ResolvedNode, r: Resolved): Partial<NodeContribution> | undefined {
  const s = r.spec.spec.storage;
  const dirs: { path: string; owner: string | false }[] = [];
  if (s.localPath) dirs.push({ path: s.localPath, owner: false });
  for (const v of s.volumes) if (volumeNode(r, v) === node.name) dirs.push({ path: v.path, owner: v.owner ?? false });
  if (dirs.length === 0) return undefined;
  const mount = node.volume?.mountPath;
  const onDisk = mount !== undefined && dirs.some((d) => isUnder(d.path, mount));
  const script = `${SCRIPT_DIR}/storage-dirs.sh`;
  return {
    files: [{ path: script, template: "cloud-init/storage-dirs.sh.hbs", context: { dirs, mountPath: onDisk ? mount : false }, permissions: "0755", owner: "root:root" }],
    beforeK3s: [script],
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
              manifests: manifests(r),
              // Removing the Application must not delete volumes (or namespaces others use).
              finalizer: false,
              // Claims in a namespace under network.policies wait for the component that creates it.
              after: s.volumes.some((v) => v.claim && policyNamespaces(r.spec).includes(v.claim.namespace)) ? [NETWORK_POLICY_APP] : [],
            }),
          ],
    node: storageNode,
  };
}
