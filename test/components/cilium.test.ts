/** Cilium: day-0 HelmChart with bootstrap: true on the first server, adopted by Argo CD with the same values. */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { appValues, cloudInit, expectExternalChecksPass, nodeFile, objectsOf, problems, render, renderOk, spec, ONE_NODE } from "./_platform.js";

const THREE_SERVERS = [
  "  nodes:",
  "    - {name: s1, role: server, address: 198.51.100.1}",
  "    - {name: s2, role: server, address: 198.51.100.2}",
  "    - {name: s3, role: server, address: 198.51.100.3}",
].join("\n");

describe("cilium", () => {
  it("single node, no KPR, traefik: one operator, the K3s pod CIDR, no local API balancer", async () => {
    const r = await renderOk(spec(ONE_NODE, "  network:", "    cni: cilium"));
    expect(appValues(r, "cilium")).toEqual({
      ipam: { mode: "cluster-pool", operator: { clusterPoolIPv4PodCIDRList: ["10.42.0.0/16"] } },
      operator: { replicas: 1 },
      kubeProxyReplacement: "false",
      // Pod traffic between nodes through WireGuard, by default.
      encryption: { enabled: true, type: "wireguard" },
    });
    const [app] = objectsOf(r, "rendered/apps/cilium.yaml");
    const meta = app!.metadata as Record<string, unknown>;
    expect(meta.finalizers).toBeUndefined();
    const src = (app!.spec as { source: Record<string, unknown>; destination: Record<string, unknown> });
    expect(src.source).toMatchObject({ repoURL: "https://helm.cilium.io", chart: "cilium", targetRevision: "1.19.6" });
    expect(src.destination.namespace).toBe("kube-system");
    await expectExternalChecksPass(r);
  });

  it("KPR on three servers with istio: 127.0.0.1:6444, two operators, chaining-friendly, user values merged", async () => {
    const r = await renderOk(
      spec(
        THREE_SERVERS,
        "  network:",
        "    cni: cilium",
        "    ingress: istio",
        "    cilium:",
        "      version: 1.20.0",
        "      kubeProxyReplacement: true",
        "      values: {hubble: {relay: {enabled: true}}, operator: {prometheus: {enabled: true}}}",
      ),
    );
    expect(appValues(r, "cilium")).toEqual({
      ipam: { mode: "cluster-pool", operator: { clusterPoolIPv4PodCIDRList: ["10.42.0.0/16"] } },
      operator: { replicas: 2, prometheus: { enabled: true } },
      kubeProxyReplacement: "true",
      encryption: { enabled: true, type: "wireguard" },
      k8sServiceHost: "127.0.0.1",
      k8sServicePort: 6444,
      cni: { exclusive: false },
      socketLB: { hostNamespaceOnly: true },
      hubble: { relay: { enabled: true } },
    });
    // K3s side: flannel off, kube-router netpol off, kube-proxy off; identical on every server.
    for (const n of ["s1", "s2", "s3"]) {
      const cfg = parse(nodeFile(cloudInit(r, n), "/etc/rancher/k3s/config.yaml")!.content) as Record<string, unknown>;
      expect(cfg).toMatchObject({ "flannel-backend": "none", "disable-network-policy": true, "disable-kube-proxy": true });
    }
  });

  it("the tree carries it for the first server's day 0, as a bootstrap HelmChart with the Application's values", async () => {
    const r = await renderOk(spec(THREE_SERVERS, "  network:", "    cni: cilium", "    cilium: {values: {hubble: {enabled: false}}}"));
    // rendered/day0/ is what a new first server reads from the tree; no Application syncs it.
    const [hc] = objectsOf(r, "rendered/day0/slipway-cilium.yaml") as Record<string, unknown>[];
    expect(hc).toMatchObject({
      apiVersion: "helm.cattle.io/v1",
      kind: "HelmChart",
      metadata: { name: "cilium", namespace: "kube-system" },
      spec: { repo: "https://helm.cilium.io", chart: "cilium", version: "1.19.6", targetNamespace: "kube-system", bootstrap: true },
    });
    expect(parse((hc!.spec as { valuesContent: string }).valuesContent)).toEqual(appValues(r, "cilium"));
    // No node's user-data carries it: a Cilium value changed later changes no user-data.
    for (const n of ["s1", "s2", "s3"]) expect(nodeFile(cloudInit(r, n), "/var/lib/rancher/k3s/server/manifests/slipway-cilium.yaml")).toBeUndefined();
    await expectExternalChecksPass(r);
  });

  it("ignores Hubble's template-time certificates in Argo CD's diff", async () => {
    const r = await renderOk(spec(ONE_NODE, "  network:", "    cni: cilium"));
    const [app] = objectsOf(r, "rendered/apps/cilium.yaml");
    const ignored = (app!.spec as { ignoreDifferences: { name: string }[] }).ignoreDifferences.map((d) => d.name);
    expect(ignored).toEqual(["hubble-ca-cert", "hubble-relay-client-certs", "hubble-server-certs"]);
  });

  it("flannel clusters render no cilium", async () => {
    const r = await renderOk(spec(ONE_NODE));
    expect(r.files.some((f) => f.path === "rendered/apps/cilium.yaml" || f.path === "rendered/day0/slipway-cilium.yaml")).toBe(false);
  });
});

describe("cilium rules", () => {
  it("KPR with the local apiserver balancer disabled is an error at the k3s.args key", async () => {
    const text = spec(
      "    args:",
      "      disable-apiserver-lb: true",
      ONE_NODE,
      "  network:",
      "    cni: cilium",
      "    cilium: {kubeProxyReplacement: true}",
    );
    const r = await render(text);
    expect(problems(r, "SW-CILIUM")).toEqual([["error", "SW-CILIUM-APISERVER-LB-DISABLED", "spec.k3s.args.disable-apiserver-lb", 13]]);
  });

  it("KPR follows a moved lb-server-port", async () => {
    const r = await renderOk(spec("    args: {lb-server-port: 6555}", ONE_NODE, "  network:", "    cni: cilium", "    cilium: {kubeProxyReplacement: true}"));
    expect(appValues(r, "cilium").k8sServicePort).toBe(6555);
  });
});
