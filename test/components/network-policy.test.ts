/**
 * network.policies beyond seed 002 (test/network-policy/dark-tower.test.ts): the ingress
 * controller as a peer, namespace rows, the default Pod Security level, the API and port ranges,
 * the interplay with storage and the metadata guard, and the rules' positions. Behaviour is read
 * off the rendered objects with the policy evaluator.
 */
import { describe, expect, it } from "vitest";
import { platformNamespaces } from "../../generator/spec/platform-namespaces.js";
import { PolicySet } from "../support/policy-eval.js";
import { yamlObjects } from "../support/tree.js";
import { expectExternalChecksPass, objectsOf, problems, render, renderOk, spec } from "./_platform.js";
import type { RenderResult } from "../../generator/pipeline.js";

const NODES = ["  nodes:", "    - {name: s1, role: server, address: 203.0.113.10, privateAddress: 10.0.0.10}", "    - {name: a1, role: agent, address: 203.0.113.11, privateAddress: 10.0.0.11}"].join("\n");
const APPS = ["  apps:", "    - {name: web, namespace: shop, path: apps/web}", "    - {name: db, namespace: shop, path: apps/db}", "    - {name: blog, namespace: blog, path: apps/blog}"].join("\n");

const policies = (r: RenderResult) => new PolicySet((r.files ?? []).filter((f) => f.kind === "manifest").flatMap((f) => yamlObjects(f.text)));
const pod = (namespace: string, app: string) => ({ namespace, labels: { "app.kubernetes.io/instance": app } });
const wave = (r: RenderResult, app: string) => Number((objectsOf(r, `rendered/apps/${app}.yaml`)[0]!.metadata as { annotations: Record<string, string> }).annotations["argocd.argoproj.io/sync-wave"]);

describe("network.policies rendering", () => {
  it("no rows: no component, nothing changes", async () => {
    const r = await renderOk(spec(NODES, APPS));
    expect(r.files.some((f) => f.path.includes("network-policy"))).toBe(false);
  });

  it("the ingress controller as a peer: Traefik's namespace, or only Traefik's pods in kube-system when bundled", async () => {
    for (const install of ["argocd", "bundled"] as const) {
      const r = await renderOk(spec(NODES, "  network:", `    traefik: {install: ${install}}`, "    policies:", "      - app: web", "        ingress:", "          - {from: [ingress], ports: [TCP:8080]}", APPS));
      const set = policies(r);
      const traefik = install === "argocd" ? { namespace: "traefik", labels: { "app.kubernetes.io/name": "traefik" } } : { namespace: "kube-system", labels: { "app.kubernetes.io/name": "traefik" } };
      expect(set.allows(traefik, pod("shop", "web"), "TCP:8080"), install).toBe(true);
      expect(set.allows(traefik, pod("shop", "web"), "TCP:8081"), install).toBe(false);
      expect(set.allows({ namespace: "kube-system", labels: { "k8s-app": "metrics-server" } }, pod("shop", "web"), "TCP:8080"), install).toBe(false);
      expect(set.allows({ address: "198.51.100.9" }, pod("shop", "web"), "TCP:8080"), install).toBe(false);
      await expectExternalChecksPass(r);
    }
  });

  it("a namespace row governs every pod of it; the default Pod Security level is baseline", async () => {
    const r = await renderOk(spec(NODES, "  network:", "    policies:", "      - namespace: shop", "        egress:", "          - {to: [internet], ports: [TCP:443]}", "      - app: db", "        ingress:", "          - {from: [web], ports: [TCP:5432]}", APPS));
    const set = policies(r);
    // The namespace row's egress holds for web and db alike; db's own row adds its ingress.
    expect(set.allows(pod("shop", "web"), { address: "198.51.100.9" }, "TCP:443")).toBe(true);
    expect(set.allows(pod("shop", "db"), { address: "198.51.100.9" }, "TCP:443")).toBe(true);
    expect(set.allows(pod("shop", "web"), { address: "10.0.0.10" }, "TCP:443")).toBe(false);
    expect(set.allows(pod("shop", "web"), { address: "203.0.113.10" }, "TCP:443")).toBe(false); // a node
    // web's egress to db is not allowed (the one-sided warning says so), so db is unreachable.
    expect(set.allows(pod("shop", "web"), pod("shop", "db"), "TCP:5432")).toBe(false);
    expect(problems(r, "SW-POLICY")).toEqual([["warning", "SW-POLICY-ONE-SIDED", "spec.network.policies[1].ingress[0].from[0]", 22]]);
    // blog is not governed: open both ways.
    expect(set.allows(pod("blog", "blog"), pod("blog", "blog"), "TCP:1")).toBe(true);
    const ns = objectsOf(r, "rendered/manifests/network-policy/namespace-shop.yaml")[0]!;
    expect((ns.metadata as { labels: Record<string, string> }).labels).toEqual({
      "app.kubernetes.io/managed-by": "slipway",
      "pod-security.kubernetes.io/enforce": "baseline",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    });
    await expectExternalChecksPass(r);
  });

  it("kubernetesAPI: every server address on 6443, no agent, nothing else", async () => {
    const r = await renderOk(spec(NODES, "  network:", "    policies:", "      - {app: web, kubernetesAPI: true}", APPS));
    const set = policies(r);
    for (const a of ["203.0.113.10", "10.0.0.10"]) expect(set.allows(pod("shop", "web"), { apiserver: a }, "TCP:6443"), a).toBe(true);
    expect(set.allows(pod("shop", "web"), { apiserver: "10.0.0.11" }, "TCP:6443")).toBe(false);
    expect(set.allows(pod("shop", "web"), { apiserver: "10.0.0.10" }, "TCP:10250")).toBe(false);
  });

  it("port ranges render as endPort, in both languages", async () => {
    for (const cni of ["flannel", "cilium"]) {
      const r = await renderOk(spec(NODES, "  network:", `    cni: ${cni}`, "    policies:", "      - app: web", "        ingress:", "          - {from: [internet], ports: [UDP:30000-30100]}", APPS));
      const set = policies(r);
      expect(set.allows({ address: "198.51.100.9" }, pod("shop", "web"), "UDP:30050"), cni).toBe(true);
      expect(set.allows({ address: "198.51.100.9" }, pod("shop", "web"), "UDP:30101"), cni).toBe(false);
      expect(set.allows({ address: "198.51.100.9" }, pod("shop", "web"), "TCP:30050"), cni).toBe(false);
      await expectExternalChecksPass(r);
    }
  });

  it("Cilium: the policies sync after Cilium's CRDs; the metadata guard still denies the address", async () => {
    const r = await renderOk(spec(NODES, "  network:", "    cni: cilium", "    policies:", "      - app: web", "        egress:", "          - {to: [internet]}", APPS));
    expect(wave(r, "network-policy")).toBeGreaterThan(wave(r, "cilium"));
    const set = policies(r);
    expect(set.allows(pod("shop", "web"), { address: "198.51.100.9" }, "TCP:25")).toBe(true);
    expect(set.allows(pod("shop", "web"), { address: "169.254.169.254" }, "TCP:80")).toBe(false);
  });

  it("flannel: the metadata guard leaves governed namespaces alone (it would reopen their egress)", async () => {
    const r = await renderOk(spec(NODES, "  network:", "    policies:", "      - app: web", APPS));
    const guarded = r.files.filter((f) => f.path.startsWith("rendered/manifests/metadata-guard/")).map((f) => f.path.split("/").pop());
    expect(guarded).toContain("networkpolicy-blog.yaml");
    expect(guarded).not.toContain("networkpolicy-shop.yaml");
    expect(policies(r).allows(pod("shop", "web"), { address: "198.51.100.9" }, "TCP:443")).toBe(false);
  });

  it("storage: a claim in a governed namespace leaves the Namespace to this component, which syncs first", async () => {
    const r = await renderOk(
      spec(NODES, "  network:", "    policies:", "      - {namespace: shop, podSecurity: restricted}", "  storage:", "    volumes:", "      - {name: db-data, node: s1, path: /srv/db, size: 1Gi, claim: {name: db-data, namespace: shop}}", APPS),
    );
    expect(r.files.some((f) => f.path === "rendered/manifests/storage/namespace-shop.yaml")).toBe(false);
    expect(r.files.some((f) => f.path === "rendered/manifests/storage/pvc-shop-db-data.yaml")).toBe(true);
    expect(wave(r, "storage")).toBeGreaterThan(wave(r, "network-policy"));
    const namespaces = r.files.flatMap((f) => (f.kind === "manifest" ? yamlObjects(f.text) : [])).filter((o) => o.kind === "Namespace" && (o.metadata as { name: string }).name === "shop");
    expect(namespaces).toHaveLength(1);
  });
});

describe("network.policies rules", () => {
  it("the platform's namespaces as the rules know them are every platform component's", async () => {
    for (const extra of [["  network:", "    ingress: traefik", "  monitoring: {}", "  sandbox:", "    gvisor: {nodeSelector: {pool: run}}"], ["  network:", "    cni: cilium", "    ingress: istio"]]) {
      const nodes = NODES.replace("203.0.113.11, privateAddress: 10.0.0.11}", "203.0.113.11, privateAddress: 10.0.0.11, labels: {pool: run}}");
      const r = await renderOk(spec(nodes, ...extra, APPS));
      const known = new Set([...platformNamespaces(r.spec!).keys(), "default"]);
      const apps = new Set(r.spec!.spec.apps.map((a) => a.name));
      const unknown = r.plan!.components.filter((c) => !apps.has(c.name) && !known.has(c.namespace)).map((c) => `${c.name}: ${c.namespace}`);
      expect(unknown).toEqual([]);
    }
  });

  it("seed 002's table as written: MH's egress to MC is one-sided, and the warning says where", async () => {
    const r = await render(
      spec(
        NODES,
        "  network:",
        "    ingress: none",
        "    policies:",
        "      - app: gc",
        "        egress:",
        "          - {to: [mc], ports: [TCP:443]}",
        "      - app: mc",
        "        ingress:",
        "          - {from: [gc], ports: [TCP:443]}",
        "          - {from: [internet], ports: [UDP:443]}",
        "        egress:",
        "          - {to: [mh], ports: [TCP:443]}",
        "      - app: mh",
        "        ingress:",
        "          - {from: [mc], ports: [TCP:443]}",
        "        egress:",
        "          - {to: [mc], ports: [TCP:443]}",
        "  apps:",
        "    - {name: gc, namespace: dt, path: apps/gc}",
        "    - {name: mc, namespace: dt, path: apps/mc}",
        "    - {name: mh, namespace: dt, path: apps/mh}",
      ),
    );
    // gc -> mc is allowed on both sides; mh -> mc is the table's gap.
    expect(problems(r, "SW-POLICY")).toEqual([["warning", "SW-POLICY-ONE-SIDED", "spec.network.policies[2].egress[0].to[0]", 31]]);
    expect(r.diagnostics.find((d) => d.code === "SW-POLICY-ONE-SIDED")!.hint).toBe("Add {from: [mh], ports: [TCP:443]} to the ingress of spec.network.policies[1] (mc), or remove this allowance.");
  });

  it("an app in an ambient-enrolled namespace cannot have a row yet", async () => {
    const r = await render(spec(NODES, "  network:", "    cni: cilium", "    ingress: istio", "    istio: {ambientNamespaces: [shop]}", "    policies:", "      - app: web", APPS));
    expect(problems(r, "SW-POLICY")).toEqual([["error", "SW-POLICY-AMBIENT-NAMESPACE", "spec.network.policies[0].app", 20]]);
  });

  it("with Istio, the ingress keyword points at the gateway's namespace instead", async () => {
    const r = await render(spec(NODES, "  network:", "    cni: cilium", "    ingress: istio", "    policies:", "      - app: web", "        ingress:", "          - {from: [ingress]}", APPS));
    const d = r.diagnostics.find((x) => x.code === "SW-POLICY-NO-INGRESS-CONTROLLER")!;
    expect(d.hint).toBe("With Istio, name the gateway's pods: {namespace: istio-ingress}.");
    const ok = await renderOk(spec(NODES, "  network:", "    cni: cilium", "    ingress: istio", "    policies:", "      - app: web", "        ingress:", "          - {from: [{namespace: istio-ingress}], ports: [TCP:8080]}", APPS));
    expect(policies(ok).allows({ namespace: "istio-ingress", labels: { app: "istio-gateway" } }, pod("shop", "web"), "TCP:8080")).toBe(true);
  });
});
