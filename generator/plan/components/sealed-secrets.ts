/**
 * Sealed Secrets (DOMAIN.md §3), failing closed:
 * - the controller, named and placed where kubeseal looks by default (sealed-secrets-controller in
 *   kube-system, DOMAIN.md §3.2), with key renewal off, so it adopts the bootstrap keys the first
 *   server imports (day0.ts) and never silently makes its own;
 * - a check Job that turns the Application red when the controller's active key is not the
 *   committed certificate's key (rendered when bootstrap/sealed-secrets.crt exists);
 * - on the first server, a script that deletes the key manifest once K3s has imported it;
 * - the repository's SealedSecrets (sealed-secrets/<namespace>/<name>.yaml), one Application per
 *   namespace (`secrets-<namespace>`).
 *
 * Chart value names, checked against the chart's values for 2.18.x: the values schema of
 * https://raw.githubusercontent.com/bitnami-labs/sealed-secrets/main/carvel/package.yaml (package
 * `sealedsecrets.bitnami.com.2.18.1`, generated from helm/sealed-secrets/values.yaml) lists
 * `fullnameOverride` ("String to fully override sealed-secrets.fullname") and `keyrenewperiod`
 * (string, "Specifies key renewal period"); helm/sealed-secrets/templates/deployment.yaml passes
 * `--key-renew-period {{ .Values.keyrenewperiod | quote }}` only `if .Values.keyrenewperiod`, names
 * the Service by the fullname, and serves on `service.port` (default 8080).
 */
import { SECRETS_APP_PREFIX } from "../../spec/rules/apps.js";
import { cmp } from "../../diagnostics.js";
import type { Resolved } from "../../spec/resolve.js";
import { mergeValues } from "../merge-values.js";
import { component, TemplateAsset, type Component, type Feature } from "../types.js";
import { CHART_REPOS } from "./versions.js";

/** kubeseal's default `--controller-name`; the chart's own default fullname is `sealed-secrets`. */
export const CONTROLLER_NAME = "sealed-secrets-controller";
/** The chart's `service.port` default (values.yaml). */
const CONTROLLER_PORT = 8080;
/** Small image with sh, wget, sed and tr for the key check (the same pin other components use). */
export const KEY_CHECK_IMAGE = "docker.io/library/busybox:1.37.0";

export function sealedSecretsValues(r: Resolved): Record<string, unknown> {
  return mergeValues(
    {
      fullnameOverride: CONTROLLER_NAME,
      // A string: the chart passes the flag only when the value is truthy, and a number 0 is not
      // (the controller would then renew every 30 days); "0" disables renewal (DOMAIN.md §3.2).
      keyrenewperiod: "0",
    },
    r.spec.spec.secrets.sealedSecrets.values,
  );
}

/** URL of the certificate the controller seals with (`kubeseal --fetch-cert` reads the same). */
export function controllerCertURL(r: Resolved, values: Record<string, unknown>): string {
  const name = typeof values.fullnameOverride === "string" && values.fullnameOverride !== "" ? values.fullnameOverride : "sealed-secrets";
  const service = values.service as Record<string, unknown> | undefined;
  const port = typeof service?.port === "number" ? service.port : CONTROLLER_PORT;
  return `http://${name}.${r.spec.spec.secrets.sealedSecrets.namespace}:${port}/v1/cert.pem`;
}

export function sealedSecrets(r: Resolved): Feature {
  const cfg = r.spec.spec.secrets.sealedSecrets;
  const values = sealedSecretsValues(r);
  const controller = component({
    name: "sealed-secrets",
    namespace: cfg.namespace,
    chart: { repoURL: CHART_REPOS.sealedSecrets, chart: "sealed-secrets", version: cfg.version, releaseName: "sealed-secrets", values },
    providesCrds: ["bitnami.com"],
    finalizer: false,
  });
  return { components: [controller, ...sealedSecretApps(r)], };
}

/**
 * The key check, its own Application in the last wave (after every other): a controller that is
 * not using the committed key turns this Application red, and because nothing comes after it, the
 * rest of the tree still syncs (a failed check inside the controller's Application would hold back
 * every later wave through the child-health check).
 */
export function sealedSecretsKeyCheck(r: Resolved, others: readonly (Component & { wave: number })[]): Component | undefined {
  const cert = r.repo?.certificate;
  if (!cert) return undefined;
  const cfg = r.spec.spec.secrets.sealedSecrets;
  return component({
    name: KEY_CHECK_APP,
    namespace: cfg.namespace,
    manifests: [
      {
        file: "key-check.yaml",
        template: "manifests/sealed-secrets/key-check.yaml.hbs",
        context: {
          namespace: cfg.namespace,
          data: { "cert.pem": cert.pem },
          fingerprint: cert.fingerprint,
          jobName: `sealed-secrets-key-check-${cert.fingerprint.slice(0, 12)}`,
          url: controllerCertURL(r, sealedSecretsValues(r)),
          image: KEY_CHECK_IMAGE,
          command: ["/bin/sh", "-c", new TemplateAsset("manifests/sealed-secrets/key-check.sh")],
        },
      },
    ],
    wave: Math.max(0, ...others.map((c) => c.wave)) + 1,
    finalizer: false,
  });
}

/** Name of the key check's Application. */
export const KEY_CHECK_APP = "sealed-secrets-check";

/**
 * One Application per namespace holding that namespace's SealedSecrets. Its destination is the
 * namespace, so Argo CD creates it (CreateNamespace) before the SealedSecrets, in the wave after the
 * controller: a single Application could only create one namespace, and the Applications that
 * deploy into the others sync later, after platform waves.
 */
export function sealedSecretApps(r: Resolved): Component[] {
  const byNamespace = new Map<string, NonNullable<Resolved["repo"]>["sealedSecrets"]>();
  for (const s of r.repo?.sealedSecrets ?? []) byNamespace.set(s.namespace, [...(byNamespace.get(s.namespace) ?? []), s]);
  return [...byNamespace.keys()].sort(cmp).map((namespace) =>
    component({
      name: `${SECRETS_APP_PREFIX}${namespace}`,
      namespace,
      manifests: byNamespace.get(namespace)!.map((s) => ({
        file: `${s.name}.yaml`,
        template: "manifests/secrets/sealed-secret.yaml.hbs",
        context: { source: s.file, object: s.object },
      })),
      after: ["sealed-secrets"],
      usesCrds: ["bitnami.com"],
    }),
  );
}


