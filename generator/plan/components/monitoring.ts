/**
 * Monitoring (spec.monitoring): kube-prometheus-stack, with Prometheus and Alertmanager on static
 * hostPath volumes (seed 004). The operator creates each StatefulSet's claim from a
 * volumeClaimTemplate; its selector matches the volume's `slipway.dev/volume` label, so the claim
 * binds to the pre-created PersistentVolume on the data disk and the data survives a node rebuild.
 */
import type { Resolved } from "../../spec/resolve.js";
import type { VolumeSpec } from "../../spec/types.js";
import { mergeValues } from "../merge-values.js";
import { component, type Feature } from "../types.js";
import { VOLUME_LABEL } from "./storage.js";
import { CHART_REPOS } from "./versions.js";

export const MONITORING_NAMESPACE = "monitoring";

/** A volumeClaimTemplate bound by selector to one static volume (storageClassName manual). */
function claimTemplate(v: VolumeSpec): Record<string, unknown> {
  return {
    spec: {
      storageClassName: "manual",
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: v.size } },
      selector: { matchLabels: { [VOLUME_LABEL]: v.name } },
    },
  };
}

export function monitoringValues(r: Resolved): Record<string, unknown> {
  const m = r.spec.spec.monitoring!;
  const volume = (name: string | undefined) => r.spec.spec.storage.volumes.find((v) => v.name === name);
  const prometheus = volume(m.prometheusVolume);
  const alertmanager = volume(m.alertmanagerVolume);
  const derived: Record<string, unknown> = {
    // Traefik's metrics moved to 9101 (network.traefik.metricsPort) so node-exporter keeps 9100.
    prometheus: { prometheusSpec: prometheus ? { storageSpec: { volumeClaimTemplate: claimTemplate(prometheus) } } : {} },
    alertmanager: { alertmanagerSpec: alertmanager ? { storage: { volumeClaimTemplate: claimTemplate(alertmanager) } } : {} },
  };
  return mergeValues(derived, m.values);
}

export function monitoring(r: Resolved): Feature | undefined {
  const m = r.spec.spec.monitoring;
  if (!m) return undefined;
  return {
    components: [
      component({
        name: "monitoring",
        namespace: MONITORING_NAMESPACE,
        chart: { repoURL: CHART_REPOS.prometheusCommunity, chart: "kube-prometheus-stack", version: m.version, releaseName: "monitoring", values: monitoringValues(r) },
        providesCrds: ["monitoring.coreos.com"],
        // The PersistentVolumes must exist before the operator's claims look for them.
        after: r.spec.spec.storage.volumes.length > 0 ? ["storage"] : [],
        // The operator's CRDs are far above the client-side apply annotation limit.
        syncOptions: ["ServerSideApply=true"],
      }),
    ],
  };
}
