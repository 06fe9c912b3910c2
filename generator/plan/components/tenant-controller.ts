/**
 * The tenant controller (network.isolation.tenants): a one-replica Deployment that gives every
 * tenant namespace, whenever it is created, the tenant label, Pod Security baseline and the
 * isolation NetworkPolicy, then marks it isolated (the pods policy admits no pod before that).
 *
 * Why a controller, and this one: a NetworkPolicy only selects pods of its own namespace and a
 * CiliumClusterwideNetworkPolicy cannot say "the same namespace" (cilium/cilium#24731), so a
 * namespace created later needs an object created in it later; DOMAIN-DAY2 §4f: "Kyverno generate
 * (or any controller) creating NetworkPolicy". Kyverno (§4c) costs four controllers (about 400m
 * CPU / 320Mi requested), a chart and its CRD groups, and its ClusterPolicy has no schema in the
 * strict gate; this is kubectl in a loop (10m / 32Mi requested), built only from core kinds and two
 * images the tree pins already. The same standard NetworkPolicy serves flannel (K3s's kube-router
 * controller, §4e) and Cilium.
 *
 * Images: rancher/kubectl is kubectl alone on scratch (rancher/kubectl package/Dockerfile), so an
 * init container copies busybox's statically linked musl build (docker-library/busybox
 * musl/Dockerfile.builder sets CONFIG_STATIC=y; the default glibc build is dynamic) into a shared
 * emptyDir, and the script runs under it.
 */
import type { Resolved } from "../../spec/resolve.js";
import { toYamlText } from "../../yaml.js";
import { TemplateAsset, type ManifestFile } from "../types.js";
import { ingressPeers, internetPeers } from "./common-peers.js";
import { KUBECTL_IMAGE } from "./system-upgrade.js";
import { MANAGED_BY_LABEL } from "./tenant-cel.js";

export const CONTROLLER_NAME = "slipway-tenant-controller";
export const CONTROLLER_NAMESPACE = "kube-system";
/** The NetworkPolicy the controller applies in every tenant namespace. */
export const TENANT_POLICY_NAME = "slipway-tenant-isolation";
/** Statically linked (musl): it runs inside the kubectl image, which has no shell of its own. */
export const SHELL_IMAGE = "docker.io/library/busybox:1.37.0-musl";
export const CONTROLLER_SCRIPT = "manifests/isolation/tenant-controller.sh";
const CONFIG_DIR = "/etc/slipway-tenants";

/**
 * One NetworkPolicy with the whole isolation of seed 003: nothing in or out but its own pods, the
 * ingress controller, cluster DNS, and the public internet without private ranges, the nodes and
 * the metadata address. One object, so the controller applies (and the guard protects) one thing.
 */
export function tenantPolicy(r: Resolved): Record<string, unknown> {
  const ingressFrom = ingressPeers(r);
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: TENANT_POLICY_NAME, labels: { [MANAGED_BY_LABEL]: "slipway" } },
    spec: {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: {} }] }, ...(ingressFrom ? [{ from: ingressFrom }] : [])],
      egress: [
        { to: [{ podSelector: {} }] },
        {
          to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
          ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
        },
        { to: internetPeers(r) },
      ],
    },
  };
}

export function tenantController(r: Resolved): ManifestFile {
  const t = r.spec.spec.network.isolation!.tenants!;
  const policy = `${toYamlText(tenantPolicy(r))}`;
  const data = { "tenant-controller.sh": new TemplateAsset(CONTROLLER_SCRIPT), "policy.yaml": policy };
  return {
    file: "tenant-controller.yaml",
    template: "manifests/isolation/tenant-controller.yaml.hbs",
    context: {
      name: CONTROLLER_NAME,
      namespace: CONTROLLER_NAMESPACE,
      labels: { "app.kubernetes.io/name": CONTROLLER_NAME, [MANAGED_BY_LABEL]: "slipway" },
      data,
      // New pods on a new script or policy: their first pass re-applies the policy everywhere.
      checksum: data,
      shellImage: SHELL_IMAGE,
      kubectlImage: KUBECTL_IMAGE,
      command: ["/tools/busybox", "sh", `${CONFIG_DIR}/tenant-controller.sh`],
      // Words of one shell list each; the schema keeps prefixes and names free of spaces.
      args: [`${CONFIG_DIR}/policy.yaml`, t.prefixes.join(" "), t.except.join(" ")],
      configDir: CONFIG_DIR,
    },
  };
}
