/**
 * Tenant isolation (network.isolation), for untrusted code (seed 003). Tenants are the listed
 * namespaces, which Slipway creates with default-deny NetworkPolicies and the few allowances seed
 * 003 names (their own pods, the ingress controller, cluster DNS, the public internet minus private
 * ranges, the nodes and the metadata address), and the namespaces network.isolation.tenants
 * matches when someone else creates them later, which the tenant controller gives the same
 * allowances in one NetworkPolicy (tenant-controller.ts). Standard NetworkPolicy, so K3s's
 * kube-router controller (flannel) and Cilium both enforce it.
 *
 * For every tenant, admission policies (tenant-admission.ts) keep tenants from widening their
 * policies, admit no pod before the namespace is isolated, and with forceGvisor none outside
 * gVisor. With Cilium a CiliumClusterwideNetworkPolicy adds deny rules no tenant policy can
 * override (DOMAIN-DAY2 §4d, §4f): flannel has no such thing, there the admission policy on
 * NetworkPolicies is what holds (§0.9).
 */
import { cmp } from "../../diagnostics.js";
import { platformNamespaces, specNamespaces } from "../../spec/platform-namespaces.js";
import type { Resolved } from "../../spec/resolve.js";
import { component, type Feature, type ManifestFile } from "../types.js";
import { tenantAdmission } from "./tenant-admission.js";
import { TENANT_LABEL } from "./tenant-cel.js";
import { tenantController } from "./tenant-controller.js";
import { ingressPeers, internetPeers, PRIVATE_V4, PRIVATE_V6 } from "./common-peers.js";

export function isolation(r: Resolved): Feature | undefined {
  const iso = r.spec.spec.network.isolation;
  if (!iso) return undefined;
  const ingressFrom = ingressPeers(r);
  const internet = internetPeers(r);
  const cilium = r.spec.spec.network.cni === "cilium";
  const manifests: ManifestFile[] = iso.namespaces.map((name) => ({
    file: `tenant-${name}.yaml`,
    template: "manifests/isolation/tenant.yaml.hbs",
    context: { name, ingressFrom, internet },
  }));
  manifests.push(...tenantAdmission(r));
  if (iso.tenants) manifests.push(tenantController(r));
  if (cilium) manifests.push(ciliumTenantGuard(r));
  return {
    components: [
      component({
        name: "isolation",
        namespace: "kube-system",
        manifests: manifests.sort((a, b) => cmp(a.file, b.file)),
        // Policies exist before any tenant workload (user apps sync after platform waves); deleting
        // the Application must not delete tenants' namespaces with everything in them.
        finalizer: false,
        after: iso.forceGvisor ? ["gvisor"] : [],
        usesCrds: cilium ? ["cilium.io"] : [],
      }),
    ],
  };
}

/** Deny rules for every tenant endpoint, by the namespace label the controller (or the manifest) sets. */
function ciliumTenantGuard(r: Resolved): ManifestFile {
  const s = r.spec.spec;
  const tenants = new Set(s.network.isolation!.namespaces);
  const named = [...platformNamespaces(r.spec).keys(), ...specNamespaces(r.spec).map((n) => n.namespace)];
  const nodes = r.nodes.flatMap((n) => [n.address, n.privateAddress]).filter((a): a is string => a !== undefined);
  const nodeCidrs = nodes.map((a) => (a.includes(":") ? `${a}/128` : `${a}/32`));
  return {
    file: "cilium-tenant-guard.yaml",
    template: "manifests/isolation/cilium-tenant-guard.yaml.hbs",
    context: {
      selector: { [`k8s:io.cilium.k8s.namespace.labels.${TENANT_LABEL}`]: "true" },
      cidrs: [...new Set([...PRIVATE_V4, ...PRIVATE_V6, ...nodeCidrs])],
      platformNamespaces: [...new Set(named)].filter((n) => !tenants.has(n)).sort(cmp),
    },
  };
}
