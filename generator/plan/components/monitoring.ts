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
/**
 * The Helm release: kube-prometheus-stack's Prometheus selects ServiceMonitors and PrometheusRules
 * labelled release: <release> (ruleSelectorNilUsesHelmValues, serviceMonitorSelectorNilUsesHelmValues
 * default true: prometheus-community/helm-charts@ce8611b charts/kube-prometheus-stack/templates/prometheus/prometheus.yaml).
 */
export const MONITORING_RELEASE = "monitoring";

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

/** Where K3s serves etcd's metrics with etcd-expose-metrics: each server's node address (k3s pkg/etcd/etcd.go metricsURL). */
export const ETCD_METRICS_PORT = 2381;

/** Whether Prometheus scrapes the servers' embedded etcd (spec/resolve.ts exposesEtcdMetrics). */
export const etcdMetricsScraped = (r: Resolved): boolean => r.etcdMetrics;

/**
 * What the chart would scrape on a kubeadm cluster but K3s does not serve. K3s runs the
 * controller-manager, scheduler and kube-proxy inside its own process with their metrics on
 * 127.0.0.1 only (10257, 10259, 10249: DOMAIN-DAY2.md §2.6, docs.k3s.io installation/requirements),
 * so the chart's scrape targets never come up and its KubeControllerManagerDown, KubeSchedulerDown
 * and KubeProxyDown alerts (absent(up{...})) would fire for ever; turning the components off drops
 * their targets and those rules (templates/prometheus/rules-1.14/kubernetes-system-*.yaml are gated
 * on .Values.<component>.enabled). etcd is not a pod either: with its metrics exposed, the chart's
 * Service gets the servers' node addresses as endpoints (kubeEtcd.endpoints, "If your etcd is not
 * deployed as a pod"); without, etcd is off too.
 */
export function k3sScrapeValues(r: Resolved): Record<string, unknown> {
  const off = { enabled: false };
  const kubeEtcd = etcdMetricsScraped(r)
    ? { endpoints: r.servers.map((s) => s.privateAddress ?? s.address), service: { port: ETCD_METRICS_PORT, targetPort: ETCD_METRICS_PORT } }
    : off;
  return { kubeControllerManager: off, kubeScheduler: off, kubeProxy: off, kubeEtcd };
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
    ...k3sScrapeValues(r),
  };
  return mergeValues(derived, m.values);
}

/**
 * Labels a PrometheusRule needs for the chart's Prometheus to load it: release: <release> by
 * default (ruleSelectorNilUsesHelmValues), plus the matchLabels of a ruleSelector the user set in
 * monitoring.values (the chart then uses that selector instead, prometheus.yaml l.270-279).
 */
export function ruleSelectorLabels(r: Resolved): Record<string, string> {
  const spec = ((r.spec.spec.monitoring?.values.prometheus as Record<string, unknown> | undefined)?.prometheusSpec ?? {}) as Record<string, unknown>;
  const own = (spec.ruleSelector as { matchLabels?: Record<string, unknown> } | undefined)?.matchLabels ?? {};
  const extra = Object.fromEntries(Object.entries(own).filter((e): e is [string, string] => typeof e[1] === "string"));
  return { release: MONITORING_RELEASE, ...extra };
}

export function monitoring(r: Resolved): Feature | undefined {
  const m = r.spec.spec.monitoring;
  if (!m) return undefined;
  return {
    components: [
      component({
        name: "monitoring",
        namespace: MONITORING_NAMESPACE,
        chart: { repoURL: CHART_REPOS.prometheusCommunity, chart: "kube-prometheus-stack", version: m.version, releaseName: MONITORING_RELEASE, values: monitoringValues(r) },
        providesCrds: ["monitoring.coreos.com"],
        // The PersistentVolumes must exist before the operator's claims look for them.
        after: r.spec.spec.storage.volumes.length > 0 ? ["storage"] : [],
        // The operator's CRDs are far above the client-side apply annotation limit.
        syncOptions: ["ServerSideApply=true"],
      }),
    ],
  };
}
