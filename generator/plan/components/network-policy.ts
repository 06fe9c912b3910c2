/**
 * Network policy from an allow list (network.policies, seed 002's table). Every namespace a row
 * governs is rendered as one file: the Namespace with its Pod Security admission labels, a
 * default-deny for ingress and egress that still lets pods resolve names (kube-dns), and one
 * policy per row with exactly the rows' allowances. NetworkPolicy with flannel (K3s's embedded
 * kube-router enforces it; DOMAIN-DAY2 §4e), CiliumNetworkPolicy with Cilium.
 *
 * Kept apart from tenant isolation (isolation.ts): isolation is seed 003's fixed tenant shape,
 * this is the user's own table; a namespace belongs to one of the two (spec/rules/network-policy.ts).
 */
import { appPodLabels, isPortProblem, parsePolicyPort, policyNamespaces, rowNamespace, type PolicyPort } from "../../spec/network-policy.js";
import type { Resolved } from "../../spec/resolve.js";
import type { PolicyPeerSpec, PolicyPortSpec, PolicySpec } from "../../spec/types.js";
import { component, type Feature, type ManifestFile } from "../types.js";
import { APISERVER_PORT, ciliumRules, DNS_PEER, DNS_PORTS, networkPolicyPeers, networkPolicyPorts, resolvePeer, type Peer } from "./network-policy-peers.js";

export const NETWORK_POLICY_APP = "network-policy";

/** Pod Security: what a namespace enforces unless its row says otherwise, and what is always audited. */
export const DEFAULT_POD_SECURITY = "baseline";
const AUDITED_POD_SECURITY = "restricted";

/** One allowance, resolved: who, on which ports (undefined: every port). */
interface Allowance {
  peers: Peer[];
  ports: PolicyPort[] | undefined;
}

/** A row's allowances in both directions, and the pods it selects. */
interface RowPlan {
  /** Policy object name, unique within the namespace. */
  name: string;
  /** Named in the purpose annotation: `app ac-service` or `namespace dark-tower`. */
  subject: string;
  index: number;
  /** Pod labels the policy selects ({} for a namespace row: every pod). */
  pods: Record<string, string>;
  ingress: Allowance[];
  egress: Allowance[];
}

function ports(written: PolicyPortSpec[] | undefined): PolicyPort[] | undefined {
  return written?.map((t) => {
    const p = parsePolicyPort(t);
    if (isPortProblem(p)) throw new Error(`plan bug: policy port ${t}: ${p.message} (validation should have stopped it)`);
    return p;
  });
}

function rowPlan(r: Resolved, row: PolicySpec, index: number): RowPlan {
  const allow = (peers: PolicyPeerSpec[], written: PolicyPortSpec[] | undefined, dir: "ingress" | "egress"): Allowance => ({ peers: peers.flatMap((p) => resolvePeer(r, p, dir)), ports: ports(written) });
  const egress = row.egress.map((e) => allow(e.to, e.ports, "egress"));
  if (row.kubernetesAPI) egress.push({ peers: [{ kind: "apiserver" }], ports: [APISERVER_PORT] });
  if (row.app !== undefined) {
    const app = r.spec.spec.apps.find((a) => a.name === row.app)!;
    return { name: `slipway-app-${app.name}`, subject: `app ${app.name}`, index, pods: appPodLabels(app), ingress: row.ingress.map((i) => allow(i.from, i.ports, "ingress")), egress };
  }
  return { name: "slipway-namespace", subject: `namespace ${row.namespace!}`, index, pods: {}, ingress: row.ingress.map((i) => allow(i.from, i.ports, "ingress")), egress };
}

// --- Kubernetes NetworkPolicy -------------------------------------------------------------------

function networkPolicies(r: Resolved, rows: RowPlan[]): PolicyObject[] {
  const out: PolicyObject[] = [
    { name: "slipway-default-deny", purpose: "Nothing in or out unless a row allows it.", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
    {
      name: "slipway-allow-dns",
      purpose: "Every pod may resolve names through cluster DNS.",
      spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: networkPolicyPeers(r, DNS_PEER), ports: networkPolicyPorts(DNS_PORTS) }] },
    },
  ];
  for (const row of rows) {
    const rule = (a: Allowance, key: "from" | "to") => ({ [key]: a.peers.flatMap((p) => networkPolicyPeers(r, p)), ...(a.ports ? { ports: networkPolicyPorts(a.ports) } : {}) });
    const types = [...(row.ingress.length > 0 ? ["Ingress"] : []), ...(row.egress.length > 0 ? ["Egress"] : [])];
    if (types.length === 0) continue;
    out.push({
      name: row.name,
      purpose: `The allowances of spec.network.policies[${row.index}], ${row.subject}.`,
      spec: {
        podSelector: Object.keys(row.pods).length > 0 ? { matchLabels: row.pods } : {},
        policyTypes: types,
        ...(row.ingress.length > 0 ? { ingress: row.ingress.map((a) => rule(a, "from")) } : {}),
        ...(row.egress.length > 0 ? { egress: row.egress.map((a) => rule(a, "to")) } : {}),
      },
    });
  }
  return out;
}

// --- CiliumNetworkPolicy ------------------------------------------------------------------------

function ciliumPolicies(r: Resolved, rows: RowPlan[]): PolicyObject[] {
  const out: PolicyObject[] = [
    {
      name: "slipway-default-deny",
      purpose: "Nothing in or out unless a row allows it; every pod may resolve names through cluster DNS.",
      spec: { endpointSelector: {}, enableDefaultDeny: { ingress: true, egress: true }, egress: ciliumRules(r, [DNS_PEER], DNS_PORTS, "egress") },
    },
  ];
  for (const row of rows) {
    const ingress = row.ingress.flatMap((a) => ciliumRules(r, a.peers, a.ports, "ingress"));
    const egress = row.egress.flatMap((a) => ciliumRules(r, a.peers, a.ports, "egress"));
    if (ingress.length + egress.length === 0) continue;
    out.push({
      name: row.name,
      purpose: `The allowances of spec.network.policies[${row.index}], ${row.subject}.`,
      spec: { endpointSelector: Object.keys(row.pods).length > 0 ? { matchLabels: row.pods } : {}, ...(ingress.length > 0 ? { ingress } : {}), ...(egress.length > 0 ? { egress } : {}) },
    });
  }
  return out;
}

interface PolicyObject {
  name: string;
  purpose: string;
  spec: Record<string, unknown>;
}

/** The Pod Security level of a governed namespace: its namespace row's, else the default. */
function podSecurity(r: Resolved, namespace: string): string {
  return r.spec.spec.network.policies.find((p) => p.app === undefined && p.namespace === namespace)?.podSecurity ?? DEFAULT_POD_SECURITY;
}

export function networkPolicy(r: Resolved): Feature | undefined {
  const rows = r.spec.spec.network.policies;
  if (rows.length === 0) return undefined;
  const cilium = r.spec.spec.network.cni === "cilium";
  const manifests: ManifestFile[] = policyNamespaces(r.spec).map((namespace) => {
    const planned = rows.map((row, i) => ({ row, i })).filter(({ row }) => rowNamespace(r.spec, row) === namespace).map(({ row, i }) => rowPlan(r, row, i));
    const level = podSecurity(r, namespace);
    return {
      file: `namespace-${namespace}.yaml`,
      template: "manifests/network-policy/namespace.yaml.hbs",
      context: {
        name: namespace,
        labels: {
          "app.kubernetes.io/managed-by": "slipway",
          "pod-security.kubernetes.io/enforce": level,
          "pod-security.kubernetes.io/audit": AUDITED_POD_SECURITY,
          "pod-security.kubernetes.io/warn": AUDITED_POD_SECURITY,
        },
        apiVersion: cilium ? "cilium.io/v2" : "networking.k8s.io/v1",
        kind: cilium ? "CiliumNetworkPolicy" : "NetworkPolicy",
        cilium,
        policies: cilium ? ciliumPolicies(r, planned) : networkPolicies(r, planned),
      },
    };
  });
  return {
    components: [
      component({
        name: NETWORK_POLICY_APP,
        // The objects carry their own namespaces; the destination is nominal.
        namespace: "kube-system",
        manifests,
        ...(cilium ? { usesCrds: ["cilium.io"] } : {}),
        // Removing the Application (the last row gone) deletes its policies, opening the
        // namespaces again; the Namespaces themselves carry Delete=false and stay, with the apps in
        // them (a resource annotation Argo CD honours on cascade deletion; DOMAIN.md §8.2).
        finalizer: true,
      }),
    ],
  };
}
