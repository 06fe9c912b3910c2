/** Traefik: the pinned chart through Argo CD, or K3s's packaged one through a HelmChartConfig. */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { appValues, cloudInit, expectExternalChecksPass, nodeFile, objectsOf, problems, render, renderOk, spec, ONE_NODE } from "./_platform.js";

const ACME_VOLUME = [
  "  storage:",
  "    volumes:",
  "      - name: traefik-acme",
  "        path: /data/traefik",
  "        size: 128Mi",
  "        claim: {name: traefik-acme, namespace: traefik}",
].join("\n");

const INIT_CONTAINER = {
  name: "volume-permissions",
  image: "docker.io/library/busybox:1.37.0",
  command: ["sh", "-c", "touch /data/acme.json && chown 65532:65532 /data /data/acme.json && chmod 600 /data/acme.json"],
  securityContext: {
    runAsUser: 0,
    runAsGroup: 0,
    runAsNonRoot: false,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "FOWNER"] },
  },
  volumeMounts: [{ name: "data", mountPath: "/data" }],
};

const HELMCHARTCONFIG = "/var/lib/rancher/k3s/server/manifests/slipway-traefik-config.yaml";

describe("traefik (install: argocd)", () => {
  it("defaults: v41 redirect syntax, metrics on 9101, K3s's own Traefik disabled", async () => {
    const r = await renderOk(spec(ONE_NODE));
    expect(appValues(r, "traefik")).toEqual({
      ports: {
        metrics: { port: 9101, exposedPort: 9101 },
        web: { http: { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } } },
      },
    });
    const [app] = objectsOf(r, "rendered/apps/traefik.yaml");
    const s = app!.spec as { source: Record<string, unknown>; destination: Record<string, unknown>; syncPolicy: { syncOptions: string[] } };
    expect(s.source).toMatchObject({ repoURL: "https://traefik.github.io/charts", chart: "traefik", targetRevision: "41.3.0" });
    expect(s.destination.namespace).toBe("traefik");
    expect(s.syncPolicy.syncOptions).toContain("ServerSideApply=true");
    const cfg = parse(nodeFile(cloudInit(r, "n1"), "/etc/rancher/k3s/config.yaml")!.content) as { disable: string[] };
    expect(cfg.disable).toContain("traefik");
    await expectExternalChecksPass(r);
  });

  it.each([
    ["39.0.0", { http: { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } } }],
    ["38.1.0", { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } }],
    ["34.0.0", { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } }],
    ["33.2.1", { redirectTo: { port: "websecure" } }],
  ])("chart %s gets its own redirect syntax", async (version, web) => {
    const r = await renderOk(spec(ONE_NODE, "  network:", `    traefik: {version: ${version}}`));
    expect((appValues(r, "traefik").ports as Record<string, unknown>).web).toEqual(web);
  });

  it("ACME on a static volume: resolver, existing claim, chown init container, synced after storage", async () => {
    const r = await renderOk(
      spec(ONE_NODE, "  network:", "    traefik:", "      metricsPort: 8082", "      redirectToHttps: false", "      acme: {email: ops@example.com, volume: traefik-acme, staging: true}", ACME_VOLUME),
    );
    expect(appValues(r, "traefik")).toEqual({
      ports: { metrics: { port: 8082, exposedPort: 8082 } },
      certificatesResolvers: {
        letsencrypt: {
          acme: {
            email: "ops@example.com",
            storage: "/data/acme.json",
            httpChallenge: { entryPoint: "web" },
            caServer: "https://acme-staging-v02.api.letsencrypt.org/directory",
          },
        },
      },
      persistence: { enabled: true, existingClaim: "traefik-acme", path: "/data" },
      deployment: { initContainers: [INIT_CONTAINER] },
    });
    const wave = (app: string) => Number(((objectsOf(r, `rendered/apps/${app}.yaml`)[0]!.metadata as { annotations: Record<string, string> }).annotations)["argocd.argoproj.io/sync-wave"]);
    expect(wave("traefik")).toBeGreaterThan(wave("storage"));
    await expectExternalChecksPass(r);
  });

  it("user values merge over the derived ones", async () => {
    const r = await renderOk(spec(ONE_NODE, "  network:", "    traefik: {values: {ports: {metrics: {expose: {default: true}}}, deployment: {replicas: 2}}}"));
    const v = appValues(r, "traefik");
    expect((v.ports as Record<string, unknown>).metrics).toEqual({ port: 9101, exposedPort: 9101, expose: { default: true } });
    expect(v.deployment).toEqual({ replicas: 2 });
  });

  it("other ingresses render no traefik", async () => {
    const r = await renderOk(spec(ONE_NODE, "  network:", "    ingress: none"));
    expect(r.files.some((f) => f.path === "rendered/apps/traefik.yaml")).toBe(false);
  });
});

describe("traefik (install: bundled)", () => {
  const TWO_SERVERS = ["  nodes:", "    - {name: s1, role: server, address: 198.51.100.1}", "    - {name: s2, role: server, address: 198.51.100.2}", "    - {name: s3, role: server, address: 198.51.100.3}"].join("\n");

  it("renders a HelmChartConfig traefik/kube-system that Argo CD applies; K3s keeps its Traefik; no user-data carries it", async () => {
    const r = await renderOk(
      spec(
        TWO_SERVERS,
        "  network:",
        "    traefik:",
        "      install: bundled",
        "      acme: {email: ops@example.com, volume: acme}",
        "  storage:",
        "    volumes:",
        "      - {name: acme, node: s1, path: /srv/acme, size: 128Mi, claim: {name: acme, namespace: kube-system}}",
      ),
    );
    expect(r.files.some((f) => f.path === "rendered/apps/traefik.yaml")).toBe(false);
    const [app] = objectsOf(r, "rendered/apps/traefik-config.yaml");
    expect((app!.spec as { destination: { namespace: string } }).destination.namespace).toBe("kube-system");
    const [hcc] = objectsOf(r, "rendered/manifests/traefik-config/helmchartconfig.yaml") as unknown as { apiVersion: string; kind: string; metadata: unknown; spec: { valuesContent: string } }[];
    expect([hcc!.apiVersion, hcc!.kind, hcc!.metadata]).toEqual(["helm.cattle.io/v1", "HelmChartConfig", { name: "traefik", namespace: "kube-system" }]);
    expect(parse(hcc!.spec.valuesContent)).toEqual({
      ports: { metrics: { port: 9101, exposedPort: 9101 } },
      // The packaged chart's version follows K3s, so the redirect goes in as Traefik CLI flags.
      additionalArguments: [
        "--entryPoints.web.http.redirections.entryPoint.to=websecure",
        "--entryPoints.web.http.redirections.entryPoint.scheme=https",
        "--entryPoints.web.http.redirections.entryPoint.permanent=true",
      ],
      certificatesResolvers: { letsencrypt: { acme: { email: "ops@example.com", storage: "/data/acme.json", httpChallenge: { entryPoint: "web" } } } },
      persistence: { enabled: true, existingClaim: "acme", path: "/data" },
      deployment: { initContainers: [INIT_CONTAINER] },
    });
    for (const n of ["s1", "s2", "s3"]) expect(nodeFile(cloudInit(r, n), HELMCHARTCONFIG)).toBeUndefined();
    const cfg = parse(nodeFile(cloudInit(r, "s1"), "/etc/rancher/k3s/config.yaml")!.content) as { disable?: string[] };
    expect(cfg.disable ?? []).not.toContain("traefik");
    await expectExternalChecksPass(r);
  });
});

describe("traefik rules", () => {
  it("acme.volume must name a storage.volumes entry", async () => {
    const r = await render(spec(ONE_NODE, "  network:", "    traefik:", "      acme: {email: ops@example.com, volume: acme}"));
    expect(problems(r, "SW-TRAEFIK")).toEqual([["error", "SW-TRAEFIK-ACME-VOLUME-UNKNOWN", "spec.network.traefik.acme.volume", 16]]);
  });

  it("the volume needs a claim", async () => {
    const r = await render(spec(ONE_NODE, "  network:", "    traefik:", "      acme:", "        email: ops@example.com", "        volume: acme", "  storage:", "    volumes: [{name: acme, path: /srv/acme, size: 1Gi}]"));
    expect(problems(r, "SW-TRAEFIK")).toEqual([["error", "SW-TRAEFIK-ACME-VOLUME-NO-CLAIM", "spec.network.traefik.acme.volume", 18]]);
  });

  it("the claim must be in Traefik's namespace", async () => {
    const r = await render(spec(ONE_NODE, "  network:", "    traefik: {acme: {email: ops@example.com, volume: acme}}", "  storage:", "    volumes:", "      - name: acme", "        path: /srv/acme", "        size: 1Gi", "        claim: {name: acme, namespace: kube-system}"));
    expect(problems(r, "SW-TRAEFIK")).toEqual([["error", "SW-TRAEFIK-ACME-CLAIM-NAMESPACE", "spec.storage.volumes[0].claim.namespace", 21]]);
  });

  it("ACME without a volume is a warning", async () => {
    const r = await render(spec(ONE_NODE, "  network:", "    traefik:", "      acme: {email: ops@example.com}"));
    expect(problems(r, "SW-TRAEFIK")).toEqual([["warning", "SW-TRAEFIK-ACME-EPHEMERAL", "spec.network.traefik.acme", 16]]);
    expect(r.files).toBeDefined();
  });

  it("bundled Traefik with traefik in k3s.disable is an error at that list item", async () => {
    const r = await render(spec("    disable: [servicelb, traefik]", ONE_NODE, "  network:", "    traefik: {install: bundled}"));
    expect(problems(r, "SW-TRAEFIK")).toEqual([["error", "SW-TRAEFIK-BUNDLED-DISABLED", "spec.k3s.disable[1]", 12]]);
  });
});
