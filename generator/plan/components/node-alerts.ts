/**
 * Node alerts (monitoring.nodeAlerts, seed 001): one PrometheusRule, its own Application a wave
 * after kube-prometheus-stack (whose operator provides the CRD), labelled so that the chart's
 * Prometheus selects it (MONITORING_RELEASE).
 *
 * Every metric is one the chart scrapes as shipped, with the job label its own rules use
 * (prometheus-community/helm-charts@ce8611b, charts/kube-prometheus-stack/templates/prometheus/rules-1.14/):
 * node_cpu_seconds_total, node_memory_*, node_filesystem_*, node_uname_info from node-exporter
 * (job node-exporter: node-exporter.rules.yaml, node-exporter.yaml); kube_node_status_condition from
 * kube-state-metrics (kubernetes-system-kubelet.yaml); apiserver_client_certificate_expiration_seconds
 * from the API server (job apiserver: kubernetes-system-apiserver.yaml); etcd_server_has_leader from
 * etcd (job matching .*etcd.*: etcd.yaml), which K3s serves only when monitoring.ts wires it; and
 * certmanager_certificate_expiration_timestamp_seconds from cert-manager's ServiceMonitor
 * (cert-manager.ts). test/components/node-alerts.test.ts parses every expression with Prometheus's
 * own PromQL grammar and checks each metric against that list.
 */
import type { Resolved } from "../../spec/resolve.js";
import type { NodeAlertsSpec } from "../../spec/types.js";
import { component, type Feature } from "../types.js";
import { etcdMetricsScraped, MONITORING_NAMESPACE, ruleSelectorLabels } from "./monitoring.js";

export const NODE_ALERTS_APP = "node-alerts";
export const NODE_ALERTS_RULE = "slipway-node-alerts";

/** One alerting rule as the PrometheusRule CRD has it (spec.groups[].rules[]). */
export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: "warning" | "critical" };
  annotations: { summary: string; description: string };
}

const NODE = 'job="node-exporter"';
/** Filesystems that are memory, not disk (node-exporter already leaves out the virtual ones: the chart's fs-types-exclude). */
const DISK = `${NODE},fstype!="",fstype!~"tmpfs|ramfs",mountpoint!=""`;
/** Adds the node's name (node_uname_info's nodename) to a per-instance node-exporter series. */
const withNodename = `* on (instance) group_left (nodename) node_uname_info{${NODE}}`;
const DAY = 86400;

export function nodeAlertRules(r: Resolved, a: NodeAlertsSpec): AlertRule[] {
  const expirySeconds = a.certificateExpiryDays * DAY;
  const rules: AlertRule[] = [
    {
      alert: "NodeHighCPU",
      expr: `(100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{${NODE},mode="idle"}[5m])))) ${withNodename} > ${a.cpu.percent}`,
      for: a.cpu.for,
      labels: { severity: "warning" },
      annotations: {
        summary: `CPU above ${a.cpu.percent}% on {{ $labels.nodename }}`,
        description: `{{ $labels.nodename }} ({{ $labels.instance }}) has used {{ printf "%.0f" $value }}% of its CPUs for ${a.cpu.for}.`,
      },
    },
    {
      alert: "NodeHighMemory",
      expr: `(100 * (1 - node_memory_MemAvailable_bytes{${NODE}} / node_memory_MemTotal_bytes{${NODE}})) ${withNodename} > ${a.memory.percent}`,
      for: a.memory.for,
      labels: { severity: "warning" },
      annotations: {
        summary: `Memory above ${a.memory.percent}% on {{ $labels.nodename }}`,
        description: `{{ $labels.nodename }} ({{ $labels.instance }}) has used {{ printf "%.0f" $value }}% of its memory for ${a.memory.for}.`,
      },
    },
    {
      alert: "NodeDiskFreeLow",
      expr: `(100 * node_filesystem_avail_bytes{${DISK}} / node_filesystem_size_bytes{${DISK}}) ${withNodename} < ${a.diskFree.percent} and on (instance, device, mountpoint) node_filesystem_readonly{${DISK}} == 0`,
      for: a.diskFree.for,
      labels: { severity: "warning" },
      annotations: {
        summary: `Less than ${a.diskFree.percent}% disk free on {{ $labels.nodename }} {{ $labels.mountpoint }}`,
        description: `{{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.nodename }} has {{ printf "%.1f" $value }}% free.`,
      },
    },
    {
      alert: "NodeNotReady",
      expr: 'kube_node_status_condition{job="kube-state-metrics",condition="Ready",status="true"} == 0',
      for: a.notReadyFor,
      labels: { severity: "critical" },
      annotations: {
        summary: "Node {{ $labels.node }} is not ready",
        description: `{{ $labels.node }} has not been Ready for ${a.notReadyFor}: its kubelet or K3s is down, or it lost the network. Pods on it are evicted after the taint tolerations run out.`,
      },
    },
  ];
  if (etcdMetricsScraped(r)) {
    rules.push({
      alert: "EtcdNoLeader",
      expr: 'etcd_server_has_leader{job=~".*etcd.*"} == 0',
      for: a.etcdNoLeaderFor,
      labels: { severity: "critical" },
      annotations: {
        summary: "etcd member {{ $labels.instance }} has no leader",
        description: `The etcd member on {{ $labels.instance }} has had no leader for ${a.etcdNoLeaderFor}: the servers cannot reach a majority of each other, and the Kubernetes API on that server stops accepting writes.`,
      },
    });
  }
  rules.push({
    alert: "K3sCertificateExpiring",
    // As the chart's KubeClientCertificateExpiration: the 1% quantile of the remaining lifetime of
    // client certificates seen by the API server, only where any are seen.
    expr: `histogram_quantile(0.01, sum without (namespace, service, endpoint) (rate(apiserver_client_certificate_expiration_seconds_bucket{job="apiserver"}[5m]))) < ${expirySeconds} and on (job, instance) apiserver_client_certificate_expiration_seconds_count{job="apiserver"} > 0`,
    for: "5m",
    labels: { severity: "warning" },
    annotations: {
      summary: `A client certificate of the cluster expires in under ${a.certificateExpiryDays} days`,
      description: `A client certificate presented to the API server on {{ $labels.instance }} expires in under ${a.certificateExpiryDays} days. K3s renews its certificates only when it starts with under 120 days left: restart K3s on each node (a K3s upgrade does it), or run k3s certificate rotate.`,
    },
  });
  if (r.spec.spec.certManager) {
    rules.push({
      alert: "CertManagerCertificateExpiring",
      // 0 until the Certificate is first issued (cert-manager pkg/metrics/certificates.go).
      expr: `certmanager_certificate_expiration_timestamp_seconds > 0 and certmanager_certificate_expiration_timestamp_seconds - time() < ${expirySeconds}`,
      for: "1h",
      labels: { severity: "warning" },
      annotations: {
        summary: "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires soon",
        description: `{{ $labels.namespace }}/{{ $labels.name }} (issuer {{ $labels.issuer_name }}) expires in under ${a.certificateExpiryDays} days: cert-manager renews Let's Encrypt certificates 30 days ahead, so renewal has been failing (kubectl describe certificate -n {{ $labels.namespace }} {{ $labels.name }}).`,
      },
    });
  }
  return rules;
}

export function nodeAlerts(r: Resolved): Feature | undefined {
  const m = r.spec.spec.monitoring;
  if (!m?.nodeAlerts.enabled) return undefined;
  return {
    components: [
      component({
        name: NODE_ALERTS_APP,
        namespace: MONITORING_NAMESPACE,
        manifests: [
          {
            file: "prometheusrule.yaml",
            template: "manifests/node-alerts/prometheusrule.yaml.hbs",
            context: { name: NODE_ALERTS_RULE, namespace: MONITORING_NAMESPACE, labels: ruleSelectorLabels(r), rules: nodeAlertRules(r, m.nodeAlerts) },
          },
        ],
        usesCrds: ["monitoring.coreos.com"],
      }),
    ],
  };
}
