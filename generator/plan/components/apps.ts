/** The user's own applications: Helm charts with values, or folders of the GitOps repository. */
import { component, type Component } from "../types.js";
import type { Resolved } from "../../spec/resolve.js";

export function userApps(r: Resolved, defaultWave: number): Component[] {
  return r.spec.spec.apps.map((a) =>
    component({
      name: a.name,
      namespace: a.namespace,
      wave: a.wave ?? defaultWave,
      ...(a.chart ? { chart: { repoURL: a.chart.repo.replace(/^oci:\/\//, ""), chart: a.chart.name, version: a.chart.version, releaseName: a.name, values: a.values } } : {}),
      ...(a.path !== undefined ? { repoPath: a.path } : {}),
      // A user's own manifests may hold custom resources whose CRD a platform component installs
      // in the same sync; skip the dry run for those instead of failing the whole sync.
      syncOptions: ["SkipDryRunOnMissingResource=true"],
    }),
  );
}
