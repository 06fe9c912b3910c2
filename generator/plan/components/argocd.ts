/**
 * Argo CD: installed on day 0 by K3s's helm-controller, then managed by its own Application with
 * the same chart, version and values, so adoption changes nothing.
 */
import { mergeValues } from "../merge-values.js";
import { component, type Feature } from "../types.js";
import type { Resolved } from "../../spec/resolve.js";
import { PLAN_HEALTH_LUA } from "./system-upgrade.js";
import { CHART_REPOS } from "./versions.js";

/**
 * Since Argo CD 1.8 a parent does not assess child Applications' health, so app-of-apps waves do
 * not wait for children (DOMAIN.md §8.4; argo-cd docs/operator-manual/upgrading/1.7-1.8.md). This
 * restores it; a child with no health yet counts as Progressing.
 */
export const APPLICATION_HEALTH_LUA = [
  "hs = {}",
  'hs.status = "Progressing"',
  'hs.message = ""',
  "if obj.status ~= nil and obj.status.health ~= nil then",
  "  hs.status = obj.status.health.status",
  "  if obj.status.health.message ~= nil then",
  "    hs.message = obj.status.health.message",
  "  end",
  "end",
  "return hs",
  "",
].join("\n");

export function argocdValues(r: Resolved): Record<string, unknown> {
  const derived = {
    crds: { install: true, keep: true },
    configs: {
      cm: {
        "resource.customizations.health.argoproj.io_Application": APPLICATION_HEALTH_LUA,
        // A stuck or failed node rollout turns its Application red, and later waves wait for it.
        "resource.customizations.health.upgrade.cattle.io_Plan": PLAN_HEALTH_LUA,
      },
      params: { "server.insecure": true },
    },
  };
  return mergeValues(derived, r.spec.spec.gitops.argocd.values);
}

export function argocd(r: Resolved): Feature {
  return {
    components: [
      component({
        name: "argocd",
        namespace: r.argocdNamespace,
        chart: { repoURL: CHART_REPOS.argocd, chart: "argo-cd", version: r.spec.spec.gitops.argocd.chartVersion, releaseName: "argocd", values: argocdValues(r) },
        providesCrds: ["argoproj.io"],
        finalizer: false,
        day0: { bootstrap: false },
        // The chart's CRDs are large; client-side apply would exceed the annotation size limit.
        syncOptions: ["ServerSideApply=true"],
      }),
    ],
  };
}
