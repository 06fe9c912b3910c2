/** Tenant isolation: default-deny namespaces with seed 003's allowances, and gVisor enforcement. */
import { describe, expect, it } from "vitest";
import { admitAll, namespace } from "../support/admission.js";
import { yamlObjects } from "../support/tree.js";
import { expectExternalChecksPass, objectsOf, problems, render, renderOk, spec } from "./_platform.js";

const POOLS = [
  "  nodes:",
  "    - {name: ctrl, role: server, address: 203.0.113.10, privateAddress: 10.0.1.1}",
  "    - {name: run-1, role: agent, address: 203.0.113.11, privateAddress: 10.0.1.2, labels: {sandbox.gvisor: \"true\"}}",
].join("\n");

type Obj = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec: Record<string, unknown> };

describe("isolation", () => {
  it("creates each tenant namespace with default-deny and the allowances", async () => {
    const r = await renderOk(spec(POOLS, "  network:", "    isolation: {namespaces: [dp-alice-web, dp-bob-api]}"));
    const objs = objectsOf(r, "rendered/manifests/isolation/tenant-dp-alice-web.yaml") as Obj[];
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Namespace/dp-alice-web",
      "NetworkPolicy/default-deny",
      "NetworkPolicy/allow-same-namespace",
      "NetworkPolicy/allow-ingress-controller",
      "NetworkPolicy/allow-dns",
      "NetworkPolicy/allow-internet",
    ]);
    // Pod Security baseline: no hostNetwork, hostPath or privileged pods stepping around the policies.
    expect(objs[0]!.metadata.labels).toEqual({
      "app.kubernetes.io/managed-by": "slipway",
      "slipway.dev/tenant": "true",
      "slipway.dev/isolated": "true",
      "pod-security.kubernetes.io/enforce": "baseline",
      "pod-security.kubernetes.io/warn": "restricted",
    });
    // Labelled as Slipway's: the tenant admission policy keeps tenants from changing them.
    for (const o of objs.slice(1)) expect(o.metadata).toEqual({ name: o.metadata.name, namespace: "dp-alice-web", labels: { "app.kubernetes.io/managed-by": "slipway" } });
    expect(objs[1]!.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(objs[3]!.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } } }] }]);
    expect(objs[4]!.spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
      },
    ]);
    // Public internet, minus private ranges, the metadata address and the nodes' public addresses.
    expect(objs[5]!.spec.egress).toEqual([
      {
        to: [
          {
            ipBlock: {
              cidr: "0.0.0.0/0",
              except: ["10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "203.0.113.10/32", "203.0.113.11/32"],
            },
          },
        ],
      },
    ]);
    expect(r.files.some((f) => f.path === "rendered/manifests/isolation/tenant-dp-bob-api.yaml")).toBe(true);
    // No controller without network.isolation.tenants; the admission policies are there.
    expect(r.files.some((f) => f.path === "rendered/manifests/isolation/tenant-controller.yaml")).toBe(false);
    expect(r.files.some((f) => f.path === "rendered/manifests/isolation/admission-pods.yaml")).toBe(true);
    await expectExternalChecksPass(r);
  });

  it("forceGvisor: listed tenants admit only gVisor pods (the rendered CEL, evaluated); synced after the RuntimeClass", async () => {
    const r = await renderOk(spec(POOLS, "  network:", "    isolation: {namespaces: [dp-alice-web], forceGvisor: true}", "  sandbox:", "    gvisor: {}"));
    const policies = r.files.filter((f) => f.path.startsWith("rendered/manifests/isolation/admission-")).flatMap((f) => yamlObjects(f.text));
    const [ns] = objectsOf(r, "rendered/manifests/isolation/tenant-dp-alice-web.yaml");
    const nsObject = namespace("dp-alice-web", (ns!.metadata as { labels: Record<string, string> }).labels);
    const create = (runtimeClassName?: string) =>
      admitAll(policies, { operation: "CREATE", resource: ["", "pods"], namespace: "dp-alice-web", username: "system:serviceaccount:dp-alice-web:default", namespaceObject: nsObject, object: { spec: { containers: [], ...(runtimeClassName ? { runtimeClassName } : {}) } } });
    expect(create().denied).toEqual(["pods in tenant namespaces must set runtimeClassName: gvisor (network.isolation.forceGvisor)"]);
    expect(create("gvisor").allowed).toBe(true);
    const wave = (app: string) => Number(((objectsOf(r, `rendered/apps/${app}.yaml`)[0]!.metadata as { annotations: Record<string, string> }).annotations)["argocd.argoproj.io/sync-wave"]);
    expect(wave("isolation")).toBeGreaterThan(wave("gvisor"));
    await expectExternalChecksPass(r);
  });

  it("bundled Traefik: only Traefik's pods in kube-system may connect in", async () => {
    const r = await renderOk(spec(POOLS, "  network:", "    traefik: {install: bundled}", "    isolation: {namespaces: [t1]}"));
    const objs = objectsOf(r, "rendered/manifests/isolation/tenant-t1.yaml") as Obj[];
    expect(objs.find((o) => o.metadata.name === "allow-ingress-controller")!.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "traefik" } } }] },
    ]);
  });

  it("ingress none: no ingress allowance at all", async () => {
    const r = await renderOk(spec(POOLS, "  network:", "    ingress: none", "    isolation: {namespaces: [t1]}"));
    const objs = objectsOf(r, "rendered/manifests/isolation/tenant-t1.yaml") as Obj[];
    expect(objs.some((o) => o.metadata.name === "allow-ingress-controller")).toBe(false);
  });
});

describe("isolation rules", () => {
  it("platform namespaces cannot be tenants", async () => {
    const r = await render(spec(POOLS, "  network:", "    isolation:", "      namespaces: [tenant-a, kube-system, argocd]"));
    expect(problems(r, "SW-ISOLATION")).toEqual([
      ["error", "SW-ISOLATION-PLATFORM-NAMESPACE", "spec.network.isolation.namespaces[1]", 17],
      ["error", "SW-ISOLATION-PLATFORM-NAMESPACE", "spec.network.isolation.namespaces[2]", 17],
    ]);
  });

  it("with istio ingress, a warning that the gateway gets no allowance", async () => {
    const r = await render(spec(POOLS, "  network:", "    ingress: istio", "    isolation:", "      namespaces: [t1]"));
    expect(problems(r, "SW-ISOLATION")).toEqual([["warning", "SW-ISOLATION-NO-INGRESS-ALLOWANCE", "spec.network.isolation", 18]]);
  });
});
