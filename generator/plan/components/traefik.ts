/**
 * Traefik (network.ingress: traefik). install: argocd disables K3s's packaged Traefik (spec/resolve.ts)
 * and installs the pinned chart through Argo CD; install: bundled keeps K3s's and customises it with
 * a HelmChartConfig that Argo CD applies (DOMAIN.md §6.1).
 * Either way: HTTP->HTTPS redirect, metrics off node-exporter's port 9100, and a Let's Encrypt
 * resolver whose acme.json lives on a static volume so a rebuild does not hit rate limits (seed 004).
 */
import type { Resolved } from "../../spec/resolve.js";
import { toYamlText } from "../../yaml.js";
import { mergeValues } from "../merge-values.js";
import { component, type Component, type Feature } from "../types.js";
import { volumeClaim } from "./storage.js";
import { CHART_REPOS } from "./versions.js";

/** The ACME resolver's name; routers use `certResolver: letsencrypt`. */
export const ACME_RESOLVER = "letsencrypt";
export const LETSENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";
/** The chart's pod user (podSecurityContext runAsUser/runAsGroup, DOMAIN.md §6.2). */
export const TRAEFIK_UID = 65532;
/** Image of the init container that hands the ACME volume to Traefik's user. */
export const PERMISSIONS_IMAGE = "docker.io/library/busybox:1.37.0";

/** Namespace Traefik runs in: its own with Argo CD, kube-system when K3s packages it. */
export function traefikNamespace(r: Resolved): string {
  return r.spec.spec.network.traefik.install === "bundled" ? "kube-system" : "traefik";
}

/**
 * The web entry point's redirect, in the syntax of the chart's major version (DOMAIN.md §6.3:
 * ≥ v39 `ports.web.http.redirections`, v34–v38 `ports.web.redirections`, older `redirectTo`).
 */
export function redirectValues(chartMajor: number): Record<string, unknown> {
  const entryPoint = { to: "websecure", scheme: "https", permanent: true };
  if (chartMajor >= 39) return { http: { redirections: { entryPoint } } };
  if (chartMajor >= 34) return { redirections: { entryPoint } };
  return { redirectTo: { port: "websecure" } };
}

/**
 * Traefik's static-configuration flags for the same redirect. The packaged chart's version follows
 * the K3s release, so for bundled Traefik the redirect is given as CLI flags, which every Traefik
 * v2/v3 reads whatever the chart's values syntax.
 */
export const REDIRECT_ARGS = [
  "--entryPoints.web.http.redirections.entryPoint.to=websecure",
  "--entryPoints.web.http.redirections.entryPoint.scheme=https",
  "--entryPoints.web.http.redirections.entryPoint.permanent=true",
];

export function traefikValues(r: Resolved): Record<string, unknown> {
  const t = r.spec.spec.network.traefik;
  const bundled = t.install === "bundled";
  const major = Number(/^([0-9]+)/.exec(t.version)?.[1] ?? "0");
  // 9100 is node-exporter's host port; keep Traefik's metrics off it, exposed or not (DOMAIN.md §6.4).
  const ports: Record<string, unknown> = { metrics: { port: t.metricsPort, exposedPort: t.metricsPort } };
  const derived: Record<string, unknown> = { ports };
  if (t.redirectToHttps) {
    if (bundled) derived.additionalArguments = REDIRECT_ARGS;
    else ports.web = redirectValues(major);
  }
  if (t.acme) {
    derived.certificatesResolvers = {
      [ACME_RESOLVER]: {
        acme: {
          email: t.acme.email,
          storage: "/data/acme.json",
          httpChallenge: { entryPoint: "web" },
          ...(t.acme.staging ? { caServer: LETSENCRYPT_STAGING } : {}),
        },
      },
    };
    const claim = t.acme.volume === undefined ? undefined : volumeClaim(r, t.acme.volume);
    if (claim) {
      derived.persistence = { enabled: true, existingClaim: claim.name, path: "/data" };
      // hostPath volumes ignore fsGroup, so the chart's fsGroup recipe does not help: a root init
      // container hands the directory to Traefik's user and makes acme.json 0600, as ACME requires
      // (DOMAIN.md §6.2; traefik/traefik-helm-chart#396).
      derived.deployment = {
        initContainers: [
          {
            name: "volume-permissions",
            image: PERMISSIONS_IMAGE,
            command: ["sh", "-c", `touch /data/acme.json && chown ${TRAEFIK_UID}:${TRAEFIK_UID} /data /data/acme.json && chmod 600 /data/acme.json`],
            securityContext: {
              runAsUser: 0,
              runAsGroup: 0,
              runAsNonRoot: false,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "FOWNER"] },
            },
            volumeMounts: [{ name: "data", mountPath: "/data" }],
          },
        ],
      };
    }
  }
  return mergeValues(derived, t.values);
}

/**
 * Bundled Traefik: K3s's packaged chart, customised by a HelmChartConfig named like the HelmChart
 * (traefik in kube-system). It is an ordinary object that helm-controller watches, so Argo CD
 * applies it from the tree and a change rolls out like any other sync, never through user-data.
 */
function bundledConfig(r: Resolved): Component {
  return component({
    name: "traefik-config",
    namespace: "kube-system",
    manifests: [{ file: "helmchartconfig.yaml", template: "manifests/traefik/helmchartconfig.yaml.hbs", context: { valuesContent: toYamlText(traefikValues(r)) } }],
    // Removing the Application must leave K3s's Traefik its configuration.
    finalizer: false,
  });
}

export function traefik(r: Resolved): Feature | undefined {
  const n = r.spec.spec.network;
  if (n.ingress !== "traefik") return undefined;
  const t = n.traefik;
  if (t.install === "bundled") return { components: [bundledConfig(r)] };
  const usesVolume = t.acme?.volume !== undefined;
  return {
    components: [
      component({
        name: "traefik",
        namespace: traefikNamespace(r),
        chart: { repoURL: CHART_REPOS.traefik, chart: "traefik", version: t.version, releaseName: "traefik", values: traefikValues(r) },
        providesCrds: ["traefik.io"],
        // The ACME claim must be bound before the pod that mounts it starts.
        after: usesVolume ? ["storage"] : [],
        // The chart's CRDs are large; client-side apply's last-applied annotation may not fit.
        syncOptions: ["ServerSideApply=true"],
      }),
    ],
  };
}
