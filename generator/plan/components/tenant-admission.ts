/**
 * Admission policies for tenant namespaces: those listed in network.isolation.namespaces (which
 * carry the tenant label from their manifest) and those created at runtime that
 * network.isolation.tenants matches by name prefix or by the tenant label.
 *
 * Why ValidatingAdmissionPolicy: DOMAIN-DAY2 §4f. It is the one admission mechanism every K3s
 * line Slipway supports runs without a feature gate (GA in 1.30, §4a), it needs no extra
 * component (Kyverno would, §4c: about 400m CPU / 320Mi requested and its own CRDs, for which
 * the strict gate has no schema), and its objects are core kinds the strict gate checks. What a
 * VAP cannot do, create objects, the tenant controller does (tenant-controller.ts).
 * MutatingAdmissionPolicy could set runtimeClassName instead of rejecting pods, but is GA only
 * from 1.36 and off by default before (§4b), so the VAP rejects and the deployer sets it.
 *
 * Four policies, each with one binding:
 * - namespaces: the tenant label sticks, the isolated mark and Pod Security stay as the
 *   controller set them;
 * - pods: no pod in a tenant namespace before it is isolated; with forceGvisor, only gVisor pods;
 * - NetworkPolicies: a tenant's own policies may only allow its own pods (policies are additive,
 *   so any other peer would re-open what the isolation policy closes: the metadata address, other
 *   tenants, the platform; DOMAIN-DAY2 §0.9); Slipway's own policies are Slipway's;
 * - CiliumNetworkPolicies (with Cilium): tenants write none.
 * The tenant test is a CEL variable, not a binding selector: a prefix-named namespace is a tenant
 * from its first request on, before the controller has labelled it.
 */
import type { Resolved } from "../../spec/resolve.js";
import type { ManifestFile } from "../types.js";
import { ISOLATED_LABEL, labelOf, MANAGED_BY_LABEL, namedTenant, namespacedTenant, PSA_ENFORCE_LABEL, requestedBy, TENANT_LABEL } from "./tenant-cel.js";
import { CERT_MANAGER_CONTROLLER_USER, solvesHttp01 } from "./cert-manager.js";
import { CONTROLLER_NAME, CONTROLLER_NAMESPACE } from "./tenant-controller.js";

/** Argo CD's application controller: syncs the listed tenants' namespaces and policies. */
export const ARGOCD_CONTROLLER_SA = "argocd-application-controller";

interface Validation {
  expression: string;
  message: string;
  reason: "Forbidden" | "Invalid";
}

interface ResourceRule {
  apiGroups: string[];
  apiVersions: string[];
  operations: string[];
  resources: string[];
}

/** The service accounts that may write what tenants may not. */
export function trustedUsers(r: Resolved): string[] {
  const s = r.spec.spec;
  const controller = (s.gitops.argocd.values.controller as { serviceAccount?: { name?: unknown } } | undefined)?.serviceAccount?.name;
  const argocd = `system:serviceaccount:${s.gitops.argocd.namespace}:${typeof controller === "string" ? controller : ARGOCD_CONTROLLER_SA}`;
  return s.network.isolation?.tenants ? [`system:serviceaccount:${CONTROLLER_NAMESPACE}:${CONTROLLER_NAME}`, argocd] : [argocd];
}

function policyFile(name: string, rules: ResourceRule[], variables: Record<string, string>, validations: Validation[]): ManifestFile {
  return {
    file: `admission-${name}.yaml`,
    template: "manifests/isolation/admission-policy.yaml.hbs",
    context: { name: `slipway-tenant-${name}`, rules, variables: Object.entries(variables).map(([n, expression]) => ({ name: n, expression })), validations },
  };
}

const rule = (apiGroup: string, resource: string, operations: string[]): ResourceRule => ({ apiGroups: [apiGroup], apiVersions: ["*"], operations, resources: [resource] });

export function tenantAdmission(r: Resolved): ManifestFile[] {
  const iso = r.spec.spec.network.isolation!;
  const prefixes = iso.tenants?.prefixes ?? [];
  const except = iso.tenants?.except ?? [];
  const trusted = requestedBy(trustedUsers(r));
  const tenant = namespacedTenant(prefixes, except);
  const terminating = "has(namespaceObject.metadata.deletionTimestamp)";
  const files = [
    namespacesPolicy(prefixes, except, trusted),
    podsPolicy(tenant, iso.forceGvisor, solvesHttp01(r)),
    networkPoliciesPolicy(tenant, trusted, terminating),
  ];
  if (r.spec.spec.network.cni === "cilium") {
    files.push(
      policyFile("cilium-policies", [rule("cilium.io", "ciliumnetworkpolicies", ["CREATE", "UPDATE", "DELETE"])], { tenant, trusted, terminating }, [
        {
          expression: "!variables.tenant || variables.trusted || variables.terminating",
          message: "tenants write no CiliumNetworkPolicy: its rules could reach past the namespace. Use a NetworkPolicy whose peers are pods of the same namespace (podSelector only).",
          reason: "Forbidden",
        },
      ]),
    );
  }
  return files;
}

function namespacesPolicy(prefixes: string[], except: string[], trusted: string): ManifestFile {
  const label = (obj: string, key: string) => labelOf(obj, key);
  return policyFile("namespaces", [rule("", "namespaces", ["CREATE", "UPDATE"])], {
    named: namedTenant("object.metadata.name", prefixes, except),
    wasTenant: `${label("oldObject", TENANT_LABEL)} == 'true'`,
    tenant: `variables.named || variables.wasTenant || ${label("object", TENANT_LABEL)} == 'true'`,
    trusted,
  }, [
    {
      expression: `!variables.wasTenant || ${label("object", TENANT_LABEL)} == 'true'`,
      message: `a tenant namespace keeps the label ${TENANT_LABEL}: "true" (once a tenant, always a tenant); delete the namespace to end it`,
      reason: "Forbidden",
    },
    {
      expression: `!variables.named || ${label("object", TENANT_LABEL)} in ['', 'true']`,
      message: `this namespace's name makes it a tenant (network.isolation.tenants.prefixes): its label ${TENANT_LABEL} can only be "true"`,
      reason: "Invalid",
    },
    {
      expression: `variables.trusted || ${label("object", ISOLATED_LABEL)} == ${label("oldObject", ISOLATED_LABEL)}`,
      message: `only Slipway's tenant controller and Argo CD set ${ISOLATED_LABEL}: it says the namespace's isolation policy exists`,
      reason: "Forbidden",
    },
    {
      expression: `!variables.tenant || ${label("object", ISOLATED_LABEL)} != 'true' || ${label("object", PSA_ENFORCE_LABEL)} in ['baseline', 'restricted']`,
      message: `an isolated tenant namespace keeps Pod Security ${PSA_ENFORCE_LABEL}: baseline or restricted (privileged pods and host namespaces would step around its network policy)`,
      reason: "Forbidden",
    },
  ]);
}

function podsPolicy(tenant: string, forceGvisor: boolean, acmeSolvers: boolean): ManifestFile {
  const validations: Validation[] = [
    {
      expression: `!variables.tenant || ${labelOf("namespaceObject", ISOLATED_LABEL)} == 'true'`,
      message: `this tenant namespace is not isolated yet: Slipway's tenant controller adds its NetworkPolicy and the label ${ISOLATED_LABEL}: "true" within seconds, and the pod's controller retries`,
      reason: "Forbidden",
    },
  ];
  // cert-manager's HTTP-01 solver pods run in the certificate's namespace, created by its
  // controller, and the issuer's podTemplate cannot set runtimeClassName (the ClusterIssuer CRD's
  // solvers[].http01.*.podTemplate.spec has affinity, imagePullSecrets, nodeSelector,
  // priorityClassName, resources, securityContext, serviceAccountName, tolerations): they are
  // cert-manager's own image, not tenant code, so they may run without gVisor.
  const solver = acmeSolvers ? ` || ${requestedBy([CERT_MANAGER_CONTROLLER_USER])}` : "";
  if (forceGvisor) {
    validations.push({
      expression: `!variables.tenant || (has(object.spec.runtimeClassName) && object.spec.runtimeClassName == 'gvisor')${solver}`,
      message: "pods in tenant namespaces must set runtimeClassName: gvisor (network.isolation.forceGvisor)",
      reason: "Forbidden",
    });
  }
  // CREATE only: runtimeClassName and the host namespaces are immutable, and the isolated mark is
  // needed before a pod exists, not for its status updates.
  return policyFile("pods", [rule("", "pods", ["CREATE"])], { tenant }, validations);
}

/** Every peer of every rule is a podSelector alone (the policy's own namespace), and no rule is open to all. */
function confinedTo(obj: string, direction: "ingress" | "egress"): string {
  const peers = direction === "ingress" ? "from" : "to";
  return `(!has(${obj}.spec.${direction}) || ${obj}.spec.${direction}.all(r, has(r.${peers}) && r.${peers}.size() > 0 && r.${peers}.all(p, has(p.podSelector) && !has(p.namespaceSelector) && !has(p.ipBlock))))`;
}

function networkPoliciesPolicy(tenant: string, trusted: string, terminating: string): ManifestFile {
  const managed = (obj: string) => `${labelOf(obj, MANAGED_BY_LABEL)} == 'slipway'`;
  return policyFile("network-policies", [rule("networking.k8s.io", "networkpolicies", ["CREATE", "UPDATE", "DELETE"])], {
    tenant,
    trusted,
    // The namespace controller deletes every policy of a namespace being deleted.
    terminating,
    managed: `${managed("object")} || ${managed("oldObject")}`,
    confined: `object == null || (${confinedTo("object", "ingress")} && ${confinedTo("object", "egress")})`,
  }, [
    {
      expression: "!variables.tenant || variables.trusted || variables.terminating || !variables.managed",
      message: `NetworkPolicies labelled ${MANAGED_BY_LABEL}: slipway are Slipway's: only its tenant controller and Argo CD change or delete them`,
      reason: "Forbidden",
    },
    {
      expression: "!variables.tenant || variables.trusted || request.operation == 'DELETE' || variables.confined",
      message: "in a tenant namespace a NetworkPolicy may only allow traffic from and to pods of the same namespace (every from/to peer a podSelector alone): any other peer would re-open what the isolation policy closes (other tenants, the platform, private ranges, the metadata address)",
      reason: "Forbidden",
    },
  ]);
}
