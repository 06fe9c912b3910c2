/**
 * cert-manager: the pinned chart with its CRDs kept, Let's Encrypt ClusterIssuers (staging and
 * production) a wave later, HTTP-01 through the chosen ingress with a ClusterIP solver, optional
 * Cloudflare DNS-01 with a sealed token, and the rules that keep it safe.
 */
import { describe, expect, it } from "vitest";
import { certManagerValues, ISSUERS } from "../../generator/plan/components/cert-manager.js";
import { istioIngressMeshConfig } from "../../generator/plan/components/istio.js";
import { renderClusterText } from "../../generator/pipeline.js";
import { chartValues, unknownInList, unknownPaths } from "../support/chart-values.js";
import { appValues, expectExternalChecksPass, objectsOf, problems, render, renderOk, spec, ONE_NODE } from "./_platform.js";

const ACME = ["  certManager:", "    acme:", "      email: ops@example.com"].join("\n");
const CLOUDFLARE = "      cloudflare: {dnsZones: [example.com]}";

type App = { metadata: { annotations: Record<string, string>; finalizers?: string[] }; spec: { source: { helm: { valuesObject: Record<string, unknown> } }; syncPolicy: { syncOptions: string[] } } };
const app = (r: Awaited<ReturnType<typeof renderOk>>, name: string) => objectsOf(r, `rendered/apps/${name}.yaml`)[0] as unknown as App;
const wave = (r: Awaited<ReturnType<typeof renderOk>>, name: string) => Number(app(r, name).metadata.annotations["argocd.argoproj.io/sync-wave"]);
const issuer = (r: Awaited<ReturnType<typeof renderOk>>, name: string) =>
  objectsOf(r, `rendered/manifests/cert-manager-issuers/clusterissuer-${name}.yaml`)[0] as { metadata: { name: string; annotations: Record<string, string> }; spec: { acme: { server: string; email: string; privateKeySecretRef: { name: string }; solvers: Record<string, unknown>[] } } };

/**
 * Facts from cert-manager/cert-manager at tag v1.21.1 (commit 24e33194fb39488eff2bbf10c6dc640f407cad44,
 * 2026-07-29), deploy/charts/cert-manager/values.yaml: every key Slipway may set, with its line.
 * The chart is not in ../shared/charts; these were read from the upstream file at that tag.
 */
const CERT_MANAGER_V1_21_1_KEYS: Record<string, string> = {
  installCRDs: "l.104 `installCRDs: false` (Deprecated: use crds.enabled and crds.keep instead)",
  "crds.enabled": "l.109 `enabled: false` (This option decides if the CRDs should be installed as part of the Helm installation)",
  "crds.keep": 'l.116 `keep: true` (adds the "helm.sh/resource-policy": keep annotation to the CRD)',
  "prometheus.enabled": "l.658 `enabled: true`",
  "prometheus.servicemonitor.enabled": "l.662 `enabled: false` (Create a ServiceMonitor to add cert-manager to Prometheus)",
  "prometheus.servicemonitor.labels": "l.681 `labels: {}` (Additional labels to add to the ServiceMonitor)",
};
const PINNED = "v1.21.1";

describe("cert-manager: the chart", () => {
  it("pins the chart, installs and keeps its CRDs, applies server-side, and cascades deletion (the CRDs stay: keep)", async () => {
    const r = await renderOk(spec(ONE_NODE, ACME));
    const a = app(r, "cert-manager");
    expect((a.spec.source as unknown as Record<string, unknown>)).toMatchObject({ repoURL: "https://charts.jetstack.io", chart: "cert-manager", targetRevision: PINNED });
    expect(a.spec.source.helm.valuesObject).toEqual({ crds: { enabled: true, keep: true } });
    expect(a.spec.syncPolicy.syncOptions).toContain("ServerSideApply=true");
    // Deleting the Application deletes the controller, and Argo CD keeps resources annotated
    // helm.sh/resource-policy: keep (argoproj/argo-cd#13157): the CRDs, hence every Certificate.
    expect(a.metadata.finalizers).toEqual(["resources-finalizer.argocd.argoproj.io"]);
    await expectExternalChecksPass(r);
  });

  it("every values key Slipway sets is a key of the pinned chart's values.yaml (recorded list, cited above)", async () => {
    const r = await renderOk(spec(ONE_NODE, ACME, "  monitoring: {}"));
    expect(r.resolved!.spec.spec.certManager!.version).toBe(PINNED);
    const values = certManagerValues(r.resolved!);
    expect(unknownInList(values, Object.keys(CERT_MANAGER_V1_21_1_KEYS), ["prometheus.servicemonitor.labels"])).toEqual([]);
    // The check itself can fail: a key the chart does not have.
    expect(unknownInList({ crds: { enable: true } }, Object.keys(CERT_MANAGER_V1_21_1_KEYS))).toEqual(["crds.enable"]);
  });

  it("with monitoring: a ServiceMonitor the chart's Prometheus selects, so the syncs wait for the operator's CRDs", async () => {
    const r = await renderOk(spec(ONE_NODE, ACME, "  monitoring: {}"));
    expect(appValues(r, "cert-manager")).toEqual({ crds: { enabled: true, keep: true }, prometheus: { enabled: true, servicemonitor: { enabled: true, labels: { release: "monitoring" } } } });
    expect(wave(r, "cert-manager")).toBeGreaterThan(wave(r, "monitoring"));
  });

  it("the user's values merge in, but never switch the CRDs off (a rule, with the pruning story in the hint)", async () => {
    const ok = await renderOk(spec(ONE_NODE, "  certManager:", "    values: {replicaCount: 2}"));
    expect(appValues(ok, "cert-manager")).toEqual({ crds: { enabled: true, keep: true }, replicaCount: 2 });
    const r = await render(spec(ONE_NODE, "  certManager:", "    values:", "      crds: {enabled: false, keep: false}", "      installCRDs: true"));
    expect(problems(r, "SW-CERT-MANAGER")).toEqual([
      ["error", "SW-CERT-MANAGER-CRDS", "spec.certManager.values.crds.enabled", 16],
      ["error", "SW-CERT-MANAGER-CRDS", "spec.certManager.values.crds.keep", 16],
      ["error", "SW-CERT-MANAGER-CRDS", "spec.certManager.values.installCRDs", 17],
    ]);
    expect(r.diagnostics.find((d) => d.code === "SW-CERT-MANAGER-CRDS")!.hint).toContain("Argo CD prunes a CRD that drops out of the rendered chart");
  });

  it("a chart older than v1.15.0 (no crds.enabled) is an error at the version", async () => {
    const r = await render(spec(ONE_NODE, "  certManager: {version: v1.14.5}"));
    expect(problems(r, "SW-CERT-MANAGER")).toEqual([["error", "SW-CERT-MANAGER-VERSION", "spec.certManager.version", 14]]);
    expect(problems(await render(spec(ONE_NODE, "  certManager: {version: v1.15.0}")), "SW-CERT-MANAGER")).toEqual([]);
  });

  it("without acme: the controller only, no issuers", async () => {
    const r = await renderOk(spec(ONE_NODE, "  certManager: {}"));
    expect(r.files.some((f) => f.path.includes("cert-manager-issuers"))).toBe(false);
  });
});

describe("cert-manager: the Let's Encrypt ClusterIssuers", () => {
  it("staging and production, HTTP-01 through Traefik's IngressClass with a ClusterIP solver, a wave after the controller", async () => {
    const r = await renderOk(spec(ONE_NODE, ACME));
    expect(ISSUERS.map((i) => i.name)).toEqual(["letsencrypt-staging", "letsencrypt-prod"]);
    const servers = { "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory", "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory" };
    for (const [name, server] of Object.entries(servers)) {
      const i = issuer(r, name);
      expect(i.metadata.name).toBe(name);
      expect(i.spec.acme).toEqual({
        server,
        email: "ops@example.com",
        privateKeySecretRef: { name: `${name}-account-key` },
        solvers: [{ http01: { ingress: { ingressClassName: "traefik", serviceType: "ClusterIP" } } }],
      });
      expect(i.metadata.annotations["argocd.argoproj.io/sync-options"]).toBe("SkipDryRunOnMissingResource=true");
    }
    expect(wave(r, "cert-manager-issuers")).toBeGreaterThan(wave(r, "cert-manager"));
    expect(app(r, "cert-manager-issuers").spec.syncPolicy.syncOptions).toContain("SkipDryRunOnMissingResource=true");
    await expectExternalChecksPass(r);
  });

  it("follows Traefik's own IngressClass name, and K3s's bundled Traefik", async () => {
    const named = await renderOk(spec(ONE_NODE, "  network:", "    traefik: {values: {ingressClass: {name: edge}}}", ACME));
    expect(issuer(named, "letsencrypt-prod").spec.acme.solvers).toEqual([{ http01: { ingress: { ingressClassName: "edge", serviceType: "ClusterIP" } } }]);
    const bundled = await renderOk(spec(ONE_NODE, "  network:", "    traefik: {install: bundled}", ACME));
    expect(issuer(bundled, "letsencrypt-prod").spec.acme.solvers).toEqual([{ http01: { ingress: { ingressClassName: "traefik", serviceType: "ClusterIP" } } }]);
  });

  it("on Istio: the istio class, and istiod serves Ingresses through Slipway's gateway (meshConfig.ingressSelector)", async () => {
    const r = await renderOk(spec(ONE_NODE, "  network: {ingress: istio}", ACME));
    expect(issuer(r, "letsencrypt-prod").spec.acme.solvers).toEqual([{ http01: { ingress: { class: "istio", serviceType: "ClusterIP" } } }]);
    expect(appValues(r, "istiod")).toMatchObject({ meshConfig: { ingressSelector: "gateway" } });
    // The gateway chart labels its pods istio=<release without "istio-">: the release is istio-gateway.
    const gw = objectsOf(r, "rendered/apps/istio-gateway.yaml")[0] as { spec: { source: { helm: { releaseName: string } } } };
    expect(gw.spec.source.helm.releaseName).toBe("istio-gateway");
    // Without cert-manager's HTTP-01, istiod's values stay as they were.
    const plain = await renderOk(spec(ONE_NODE, "  network: {ingress: istio}"));
    expect(appValues(plain, "istiod")).not.toHaveProperty("meshConfig");
    await expectExternalChecksPass(r);
  });

  it("istiod's meshConfig and the istio gateway's keys exist in the pinned charts", async () => {
    const istiod = chartValues("istiod-1.30.3");
    if (!istiod) return console.warn("SKIP: ../shared/charts/istiod-1.30.3 is absent");
    const r = await renderOk(spec(ONE_NODE, "  network: {ingress: istio}", ACME));
    // Only what cert-manager adds (profile and global.platform are the charts' profile plumbing).
    // meshConfig goes to the mesh ConfigMap whole; ingressSelector is a MeshConfig field
    // (istio/api mesh/v1alpha1 MeshConfig.ingress_selector; istio pkg/config/mesh/mesh.go applies it).
    const added = istioIngressMeshConfig(r.resolved!);
    expect(added).toEqual({ meshConfig: { ingressSelector: "gateway" } });
    expect(Object.hasOwn(istiod, "meshConfig")).toBe(true);
    expect(unknownPaths(added, istiod, ["meshConfig"])).toEqual([]);
    expect(unknownPaths(added, istiod)).toEqual(["meshConfig.ingressSelector"]);
  });

  it("Cloudflare DNS-01 for its zones first (the more specific selector wins), HTTP-01 for every other name", async () => {
    const r = await renderOk(spec(ONE_NODE, ACME, CLOUDFLARE));
    expect(issuer(r, "letsencrypt-staging").spec.acme.solvers).toEqual([
      { selector: { dnsZones: ["example.com"] }, dns01: { cloudflare: { apiTokenSecretRef: { name: "cloudflare-api-token", key: "api-token" } } } },
      { http01: { ingress: { ingressClassName: "traefik", serviceType: "ClusterIP" } } },
    ]);
    // No token in the repository: a warning that says how to seal it.
    const w = r.diagnostics.find((d) => d.code === "SW-CERT-MANAGER-TOKEN-MISSING")!;
    expect([w.severity, w.path]).toEqual(["warning", "spec.certManager.acme.cloudflare"]);
    expect(w.hint).toContain("npx slipway seal cloudflare-api-token -n cert-manager --from-file api-token=cloudflare-token.txt");
    // Nothing secret in the tree: the issuers name the Secret, and no Secret is rendered.
    expect(r.files.filter((f) => /\nkind: Secret\n/.test(f.text)).map((f) => f.path)).toEqual([]);
  });

  it("with the token sealed in the repository: its Application syncs before the issuers, and no warning", async () => {
    const token = { file: "sealed-secrets/cert-manager/dns-token.yaml", namespace: "cert-manager", name: "dns-token", object: { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: { name: "dns-token", namespace: "cert-manager" }, spec: { encryptedData: { token: "AgBy3i4OJSWK+PiTySYZZA==" }, template: { metadata: { name: "dns-token", namespace: "cert-manager" } } } } };
    const text = spec(ONE_NODE, ACME, "      cloudflare: {dnsZones: [example.com, example.org], secretName: dns-token, secretKey: token}");
    const r = (await renderClusterText("cluster.yaml", text, undefined, { repo: { sealedSecrets: [token] } })) as Awaited<ReturnType<typeof renderOk>>;
    expect(r.diagnostics.filter((d) => d.severity === "error" || d.code === "SW-CERT-MANAGER-TOKEN-MISSING")).toEqual([]);
    expect(issuer(r, "letsencrypt-prod").spec.acme.solvers[0]).toEqual({ selector: { dnsZones: ["example.com", "example.org"] }, dns01: { cloudflare: { apiTokenSecretRef: { name: "dns-token", key: "token" } } } });
    expect(wave(r, "secrets-cert-manager")).toBeGreaterThan(wave(r, "sealed-secrets"));
    expect(wave(r, "cert-manager-issuers")).toBeGreaterThan(wave(r, "secrets-cert-manager"));
  });
});

describe("cert-manager: rules", () => {
  it("acme needs an email, with a hint that says why", async () => {
    const r = await render(spec(ONE_NODE, "  certManager:", "    acme: {http01: true}"));
    expect(problems(r, "SW-CERT-MANAGER")).toEqual([["error", "SW-CERT-MANAGER-EMAIL", "spec.certManager.acme", 15]]);
    expect(r.diagnostics.find((d) => d.code === "SW-CERT-MANAGER-EMAIL")!.hint).toContain("email: you@example.com");
  });

  it("HTTP-01 needs an ingress; with none, DNS-01 alone is fine", async () => {
    const r = await render(spec(ONE_NODE, "  network: {ingress: none}", ACME));
    expect(problems(r, "SW-CERT-MANAGER")).toEqual([["error", "SW-CERT-MANAGER-HTTP01-NO-INGRESS", "spec.certManager.acme", 17]]);
    const dns = await renderOk(spec(ONE_NODE, "  network: {ingress: none}", ACME, "      http01: false", CLOUDFLARE));
    expect(issuer(dns, "letsencrypt-prod").spec.acme.solvers).toHaveLength(1);
  });

  it("an issuer with no solver is an error", async () => {
    const r = await render(spec(ONE_NODE, ACME, "      http01: false"));
    expect(problems(r, "SW-CERT-MANAGER")).toEqual([["error", "SW-CERT-MANAGER-NO-SOLVER", "spec.certManager.acme.http01", 17]]);
  });

  it("the Applications' names are reserved for user apps", async () => {
    const r = await render(spec(ONE_NODE, ACME, "  apps:", "    - {name: cert-manager-issuers, namespace: x, path: apps/x}"));
    expect(problems(r, "SW-APP-RESERVED")).toEqual([["error", "SW-APP-RESERVED-NAME", "spec.apps[0].name", 18]]);
  });
});
