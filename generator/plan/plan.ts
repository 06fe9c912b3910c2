/** spec -> plan: the components with derived waves, and each node's cloud-init pieces. */
import { placeholderSecrets, type BootstrapSecrets, type Resolved, type ResolvedNode } from "../spec/resolve.js";
import { userApps } from "./components/apps.js";
import { k3sNode } from "./components/k3s-node.js";
import { metadataGuard } from "./components/metadata-guard.js";
import { sealedSecretsKeyCheck } from "./components/sealed-secrets.js";
import { day0Node, day0TreeFiles } from "./day0.js";
import { FEATURES } from "./features.js";
import type { Feature, NodeContribution, Plan } from "./types.js";
import { appWave, assignWaves } from "./waves.js";

/**
 * Plans the whole cluster. `secrets` are the real values for `userdata`, or the placeholders that
 * the committed bootstrap/ files carry.
 */
export function planCluster(r: Resolved, secrets: BootstrapSecrets = placeholderSecrets(r.spec)): Plan {
  const features = FEATURES.map((f) => f(r)).filter((f): f is Feature => f !== undefined);
  const all = features.flatMap((f) => f.components);
  const platform = assignWaves(all.filter((c) => !c.last));
  const apps = assignWaves(userApps(r, appWave(platform)));
  // The metadata guard depends on every other Application (destinations, waves), so it comes last;
  // the sealing key check after it, so a red check holds back nothing.
  const guard = metadataGuard(r, [...platform, ...apps]);
  const guarded = [...platform, ...apps, ...assignWaves(guard.components)];
  const keyCheck = sealedSecretsKeyCheck(r, guarded);
  // The node Plans in the same last wave as the check: neither holds the other back.
  const lastWave = Math.max(0, ...guarded.map((c) => c.wave)) + 1;
  const trailing = assignWaves([...(keyCheck ? [keyCheck] : []), ...all.filter((c) => c.last).map((c) => ({ ...c, wave: lastWave }))]);
  const components = [...guarded, ...trailing].sort((a, b) => a.wave - b.wave || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const nodes = r.nodes.map((node) => ({ node, contribution: nodeContribution(r, node, [...features, guard], secrets) }));
  const tree = day0TreeFiles(r, components).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { resolved: r, components, tree, nodes };
}

function nodeContribution(r: Resolved, node: ResolvedNode, features: Feature[], secrets: BootstrapSecrets): NodeContribution {
  const parts: Partial<NodeContribution>[] = [k3sNode(r, node, secrets)];
  for (const f of features) {
    const p = f.node?.(node, r);
    if (p) parts.push(p);
  }
  if (node.first) parts.push(day0Node(r, secrets));
  const out: NodeContribution = { files: [], packages: [], beforeK3s: [], afterK3s: [] };
  for (const p of parts) {
    out.files.push(...(p.files ?? []));
    out.packages.push(...(p.packages ?? []));
    out.beforeK3s.push(...(p.beforeK3s ?? []));
    out.afterK3s.push(...(p.afterK3s ?? []));
  }
  out.packages = [...new Set(out.packages)].sort();
  return out;
}
