/** Istio ambient: the charts in order, K3s CNI paths only with flannel, a gateway on every node. */
import { describe, expect, it } from "vitest";
import { appValues, expectExternalChecksPass, objectsOf, problems, render, renderOk, spec } from "./_platform.js";

const THREE = ["  nodes:", "    - {name: s1, role: server, address: 198.51.100.1}", "    - {name: s2, role: server, address: 198.51.100.2}", "    - {name: s3, role: server, address: 198.51.100.3}"].join("\n");
const ISTIO = (cni: string) => ["  network:", `    cni: ${cni}`, "    ingress: istio", "    istio:", "      ambientNamespaces: [assessments]"].join("\n");

type App = { metadata: { annotations: Record<string, string> }; spec: { ignoreDifferences?: unknown[]; syncPolicy: { syncOptions: string[] } } };
const app = (r: Awaited<ReturnType<typeof renderOk>>, name: string) => objectsOf(r, `rendered/apps/${name}.yaml`)[0] as App;
const wave = (r: Awaited<ReturnType<typeof renderOk>>, name: string) => Number(app(r, name).metadata.annotations["argocd.argoproj.io/sync-wave"]);

describe("istio ambient", () => {
  it("syncs Gateway API CRDs, base, istiod, cni, ztunnel and the gateway in that order", async () => {
    const r = await renderOk(spec(THREE, ISTIO("flannel")));
    const order = ["gateway-api", "istio-base", "istiod", "istio-cni", "ztunnel", "istio-gateway"].map((n) => wave(r, n));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(order.length);
    await expectExternalChecksPass(r);
  });

  it("uses K3s's flannel CNI paths only with flannel (DOMAIN.md §5)", async () => {
    const flannel = await renderOk(spec(THREE, ISTIO("flannel")));
    expect(appValues(flannel, "istio-cni")).toEqual({ profile: "ambient", global: { platform: "k3s" } });
    const cilium = await renderOk(spec(THREE, ISTIO("cilium")));
    expect(appValues(cilium, "istio-cni")).toEqual({ profile: "ambient" });
    expect(appValues(cilium, "istiod")).toEqual({ profile: "ambient" });
  });

  it("runs the gateway on every node, answering on every node address", async () => {
    const r = await renderOk(spec(THREE, ISTIO("flannel")));
    expect(appValues(r, "istio-gateway")).toEqual({
      kind: "DaemonSet",
      autoscaling: { enabled: false },
      service: { type: "ClusterIP", externalIPs: ["198.51.100.1", "198.51.100.2", "198.51.100.3"] },
    });
  });

  it("leaves istiod's webhook patches to istiod in both Applications that carry webhooks", async () => {
    const r = await renderOk(spec(THREE, ISTIO("flannel")));
    for (const name of ["istio-base", "istiod"]) {
      expect(app(r, name).spec.ignoreDifferences).toEqual([
        { group: "admissionregistration.k8s.io", kind: "ValidatingWebhookConfiguration", jqPathExpressions: [".webhooks[]?.clientConfig.caBundle", ".webhooks[]?.failurePolicy"] },
      ]);
      expect(app(r, name).spec.syncPolicy.syncOptions).toContain("RespectIgnoreDifferences=true");
    }
  });

  it("enrolls the listed namespaces in the mesh", async () => {
    const r = await renderOk(spec(THREE, ISTIO("flannel")));
    expect(objectsOf(r, "rendered/manifests/ambient-namespaces/namespace-assessments.yaml")).toEqual([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "assessments", labels: { "istio.io/dataplane-mode": "ambient" } } },
    ]);
  });

  it("Traefik settings with ingress istio are an error at the settings", async () => {
    const r = await render(spec(THREE, ISTIO("flannel"), "    traefik: {metricsPort: 9101}"));
    expect(problems(r, "SW-INGRESS")).toEqual([["error", "SW-INGRESS-MISMATCH", "spec.network.traefik", expect.any(Number)]]);
  });
});
