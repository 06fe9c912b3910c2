/**
 * Metadata guard: pods must not reach the cloud metadata address, because the first server's
 * user-data (Sealed Secrets keys, K3s token, Git credentials) is readable there (DESIGN.md; DOMAIN.md
 * §3.2 security note). Two layers:
 * - in the cluster, with Cilium one CiliumClusterwideNetworkPolicy denying egress to the address
 *   for every endpoint (right after Cilium's CRDs exist); with flannel (K3s's network policy
 *   controller) one NetworkPolicy per namespace the tree deploys into, allowing all other egress;
 * - on every node from the first boot, an nftables drop of forwarded traffic to the address, which
 *   holds before any policy syncs and whatever Argo CD does, and one for host-network pods
 *   (host-firewall.ts, templates/cloud-init/firewall-boot.sh.hbs).
 *
 * The flannel variant comes in the last wave: a NetworkPolicy needs its namespace, and the
 * Applications that create the namespaces sync in earlier waves (the nftables drop covers the gap).
 */
import { cmp } from "../../diagnostics.js";
import { policyNamespaces } from "../../spec/network-policy.js";
import type { Resolved } from "../../spec/resolve.js";
import { component, type Component, type Feature } from "../types.js";
import { METADATA_ADDRESS } from "./host-firewall.js";

/** Egress peers of the NetworkPolicy: everything but the metadata address. */
export const ALLOW_ALL_BUT_METADATA: readonly Record<string, unknown>[] = [
  { ipBlock: { cidr: "0.0.0.0/0", except: [`${METADATA_ADDRESS}/32`] } },
  { ipBlock: { cidr: "::/0" } },
  { namespaceSelector: {} },
];

/**
 * The guard for a planned set of Applications (it needs their destinations and waves).
 * @param components every other component, waves assigned
 */
export function metadataGuard(r: Resolved, components: readonly (Component & { wave: number })[]): Feature {
  const cilium = r.spec.spec.network.cni === "cilium";
  const guard = cilium ? ciliumGuard(components) : networkPolicyGuard(r, components);
  return { components: [guard] };
}

function ciliumGuard(components: readonly (Component & { wave: number })[]): Component {
  const provider = components.find((c) => c.providesCrds.includes("cilium.io"));
  return component({
    name: "metadata-guard",
    // Cluster-scoped policy; the destination namespace is nominal.
    namespace: "kube-system",
    manifests: [
      {
        file: "cilium-clusterwide-policy.yaml",
        template: "manifests/metadata-guard/cilium-policy.yaml.hbs",
        context: {
          address: METADATA_ADDRESS,
          cidr: `${METADATA_ADDRESS}/32`,
          description: "Slipway: no pod may reach the cloud metadata address (the user-data there holds secrets).",
        },
      },
    ],
    usesCrds: ["cilium.io"],
    wave: (provider?.wave ?? 0) + 1,
  });
}

function networkPolicyGuard(r: Resolved, components: readonly (Component & { wave: number })[]): Component {
  // Isolated tenants already deny link-local; an allow-all-but policy would widen their egress.
  const isolated = new Set(r.spec.spec.network.isolation?.namespaces ?? []);
  // So do the namespaces under network.policies: default-deny, egress only as their rows allow.
  for (const ns of policyNamespaces(r.spec)) isolated.add(ns);
  const namespaces = [...new Set(components.map((c) => c.namespace))].filter((n) => !isolated.has(n)).sort(cmp);
  return component({
    name: "metadata-guard",
    namespace: "kube-system",
    manifests: namespaces.map((namespace) => ({
      file: `networkpolicy-${namespace}.yaml`,
      template: "manifests/metadata-guard/network-policy.yaml.hbs",
      context: { namespace, address: METADATA_ADDRESS, peers: ALLOW_ALL_BUT_METADATA },
    })),
    wave: Math.max(0, ...components.map((c) => c.wave)) + 1,
  });
}
