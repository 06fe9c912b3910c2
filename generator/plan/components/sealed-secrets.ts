/**
 * Sealed Secrets controller: the name and namespace kubeseal expects by default
 * (sealed-secrets-controller in kube-system, DOMAIN.md §3.2) and key renewal off, so it adopts
 * the bootstrap key the first server imports and never silently makes its own.
 */
import { mergeValues } from "../merge-values.js";
import { component, type Feature } from "../types.js";
import type { Resolved } from "../../spec/resolve.js";
import { CHART_REPOS } from "./versions.js";

export function sealedSecrets(r: Resolved): Feature {
  const cfg = r.spec.spec.secrets.sealedSecrets;
  const values = mergeValues(
    {
      fullnameOverride: "sealed-secrets-controller",
      // "0" disables renewal; the chart wants a string (DOMAIN.md §3.2).
      keyrenewperiod: "0",
    },
    cfg.values,
  );
  return {
    components: [
      component({
        name: "sealed-secrets",
        namespace: cfg.namespace,
        chart: { repoURL: CHART_REPOS.sealedSecrets, chart: "sealed-secrets", version: cfg.version, releaseName: "sealed-secrets", values },
        providesCrds: ["bitnami.com"],
        finalizer: false,
      }),
    ],
  };
}
