/**
 * Node alerts: a PrometheusRule with seed 001's thresholds as defaults, every expression parsed by
 * Prometheus's own PromQL grammar (@prometheus-io/lezer-promql, the parser of Prometheus's web UI),
 * every metric one that kube-prometheus-stack scrapes as shipped, and labels its Prometheus selects.
 */
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { k3sScrapeValues } from "../../generator/plan/components/monitoring.js";
import { chartValues, unknownPaths } from "../support/chart-values.js";
import { appValues, cloudInit, expectExternalChecksPass, objectsOf, problems, render, renderOk, spec } from "./_platform.js";

const HA = [
  "  nodes:",
  "    - {name: s1, role: server, address: 198.51.100.1, privateAddress: 10.0.0.1}",
  "    - {name: s2, role: server, address: 198.51.100.2, privateAddress: 10.0.0.2}",
  "    - {name: s3, role: server, address: 198.51.100.3}",
  "    - {name: a1, role: agent, address: 198.51.100.4}",
].join("\n");
const SINGLE = ["  nodes:", "    - {name: n1, role: server, address: 198.51.100.1}"].join("\n");

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
type Rendered = Awaited<ReturnType<typeof renderOk>>;
const ruleObject = (r: Rendered) => objectsOf(r, "rendered/manifests/node-alerts/prometheusrule.yaml")[0] as { metadata: { name: string; namespace: string; labels: Record<string, string> }; spec: { groups: { name: string; rules: Rule[] }[] } };
const rules = (r: Rendered) => ruleObject(r).spec.groups.flatMap((g) => g.rules);
const byName = (r: Rendered) => new Map(rules(r).map((x) => [x.alert, x]));

/** Syntax errors of a PromQL expression: lezer marks them as error nodes in the tree. */
function promqlErrors(expr: string): number[] {
  const at: number[] = [];
  parser.parse(expr).iterate({ enter: (n) => void (n.type.isError ? at.push(n.from) : undefined) });
  return at;
}

/** Metric names an expression selects (VectorSelector > Identifier), from the parse tree. */
function metricsOf(expr: string): string[] {
  const out = new Set<string>();
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.name === "VectorSelector") {
        const id = n.node.getChild("Identifier");
        if (id) out.add(expr.slice(id.from, id.to));
      }
    },
  });
  return [...out].sort();
}

/** Numbers that an expression compares with (the right side of > or <), from the parse tree. */
function thresholds(expr: string): number[] {
  const out: number[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.name !== "BinaryExpr") return;
      const op = n.node.getChild("Gtr") ?? n.node.getChild("Lss");
      const rhs = n.node.lastChild;
      if (op && rhs?.name === "NumberDurationLiteral") out.push(Number(expr.slice(rhs.from, rhs.to)));
    },
  });
  return out;
}

/**
 * Every metric the rules may use, with where kube-prometheus-stack 77.6.2 (the pinned chart,
 * prometheus-community/helm-charts@ce8611b25b6bfb474b1ddb7499dc8ab1e46efbcf) itself queries it with
 * the same job label: proof that the chart's own scrape configuration collects it.
 * R = charts/kube-prometheus-stack/templates/prometheus/rules-1.14.
 */
const KNOWN_METRICS: Record<string, string> = {
  node_cpu_seconds_total: 'R/node-exporter.rules.yaml l.29 node_cpu_seconds_total{job="node-exporter",mode="idle"}',
  node_memory_MemAvailable_bytes: 'R/node-exporter.yaml l.697 (NodeMemoryHighUtilization) ... > 90',
  node_memory_MemTotal_bytes: "R/node-exporter.yaml l.697",
  node_filesystem_avail_bytes: "R/node-exporter.yaml l.41 (NodeFilesystemSpaceFillingUp) ... * 100 < 15",
  node_filesystem_size_bytes: "R/node-exporter.yaml l.41",
  node_filesystem_readonly: "R/node-exporter.yaml l.45",
  node_uname_info: 'templates/grafana/dashboards-1.14/nodes.yaml node_uname_info{job="node-exporter", sysname!="Darwin"}',
  kube_node_status_condition: 'R/kubernetes-system-kubelet.yaml l.41 (KubeNodeNotReady), job "kube-state-metrics" (_helpers.tpl l.171-175)',
  etcd_server_has_leader: 'R/etcd.yaml l.100 etcd_server_has_leader{job=~".*etcd.*"} == 0',
  apiserver_client_certificate_expiration_seconds_bucket: 'R/kubernetes-system-apiserver.yaml l.40 (KubeClientCertificateExpiration), job "apiserver"',
  apiserver_client_certificate_expiration_seconds_count: "R/kubernetes-system-apiserver.yaml l.42",
  // cert-manager/cert-manager v1.21.1 pkg/metrics (certificates_test.go l.48: "The timestamp after
  // which the certificate expires"), scraped through the chart's ServiceMonitor (cert-manager.ts).
  certmanager_certificate_expiration_timestamp_seconds: "cert-manager v1.21.1 pkg/metrics/certificates.go",
};

describe("node alerts", () => {
  it("seed 001's thresholds by default: CPU above 80% for 5 m, memory above 90%, disk free below 15%", async () => {
    const r = await renderOk(spec(SINGLE, "  monitoring: {}"));
    const a = byName(r);
    expect([...a.keys()]).toEqual(["NodeHighCPU", "NodeHighMemory", "NodeDiskFreeLow", "NodeNotReady", "EtcdNoLeader", "K3sCertificateExpiring"]);
    expect([thresholds(a.get("NodeHighCPU")!.expr), a.get("NodeHighCPU")!.for]).toEqual([[80], "5m"]);
    expect([thresholds(a.get("NodeHighMemory")!.expr), a.get("NodeHighMemory")!.for]).toEqual([[90], "5m"]);
    expect(thresholds(a.get("NodeDiskFreeLow")!.expr)).toEqual([15]);
    expect(a.get("NodeNotReady")!.for).toBe("5m");
    expect(a.get("EtcdNoLeader")!.for).toBe("1m");
    // 14 days, in seconds, against the remaining lifetime; where any client certificate is seen (> 0).
    expect(thresholds(a.get("K3sCertificateExpiring")!.expr)).toEqual([14 * 86400, 0]);
    expect(rules(r).map((x) => x.labels.severity)).toEqual(["warning", "warning", "warning", "critical", "critical", "warning"]);
    await expectExternalChecksPass(r);
  });

  it("every threshold is configurable, and seed 001's plan can be written out as it stands", async () => {
    const r = await renderOk(
      spec(
        SINGLE,
        "  monitoring:",
        "    nodeAlerts:",
        "      cpu: {percent: 80, for: 5m}",
        "      memory: {percent: 90, for: 10m}",
        "      diskFree: {percent: 15, for: 15m}",
        "      notReadyFor: 2m",
        "      etcdNoLeaderFor: 3m",
        "      certificateExpiryDays: 30",
      ),
    );
    const a = byName(r);
    expect(["NodeHighCPU", "NodeHighMemory", "NodeDiskFreeLow", "NodeNotReady", "EtcdNoLeader"].map((n) => a.get(n)!.for)).toEqual(["5m", "10m", "15m", "2m", "3m"]);
    expect(thresholds(a.get("K3sCertificateExpiring")!.expr)).toEqual([30 * 86400, 0]);
    const other = await renderOk(spec(SINGLE, "  monitoring:", "    nodeAlerts: {cpu: {percent: 95.5}, diskFree: {percent: 5}}"));
    expect(thresholds(byName(other).get("NodeHighCPU")!.expr)).toEqual([95.5]);
    expect(byName(other).get("NodeHighCPU")!.for).toBe("5m");
    expect(thresholds(byName(other).get("NodeDiskFreeLow")!.expr)).toEqual([5]);
  });

  it("thresholds out of range are schema errors at the field", async () => {
    const r = await render(spec(SINGLE, "  monitoring:", "    nodeAlerts: {cpu: {percent: 100}, memory: {for: 5 minutes}}"));
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.path).sort()).toEqual(["spec.monitoring.nodeAlerts.cpu.percent", "spec.monitoring.nodeAlerts.memory.for"]);
  });

  it("every expression is valid PromQL and selects only metrics the pinned chart collects", async () => {
    const r = await renderOk(spec(HA, "  monitoring: {}", "  certManager: {}"));
    const all = rules(r);
    expect(all.map((x) => x.alert)).toContain("CertManagerCertificateExpiring");
    for (const x of all) {
      expect({ alert: x.alert, errors: promqlErrors(x.expr) }).toEqual({ alert: x.alert, errors: [] });
      expect(metricsOf(x.expr).length, x.alert).toBeGreaterThan(0);
      for (const m of metricsOf(x.expr)) expect(KNOWN_METRICS, `${x.alert}: ${m}`).toHaveProperty(m);
    }
    // The checks can fail: a broken expression has error nodes, and the metric walk sees names.
    expect(promqlErrors("rate(node_cpu_seconds_total[5m] > 80").length).toBeGreaterThan(0);
    expect(promqlErrors("100 * (1 - avg by (instance) (rate(x[5m])) > 80")).not.toEqual([]);
    expect(metricsOf('a{job="x"} / on (i) group_left b > 1')).toEqual(["a", "b"]);
  });

  it("is labelled for kube-prometheus-stack's rule selector and lives in its namespace, a wave after it", async () => {
    const r = await renderOk(spec(SINGLE, "  monitoring: {}"));
    const o = ruleObject(r);
    expect([o.metadata.name, o.metadata.namespace]).toEqual(["slipway-node-alerts", "monitoring"]);
    expect(o.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "slipway", release: "monitoring" });
    const wave = (app: string) => Number(((objectsOf(r, `rendered/apps/${app}.yaml`)[0]!.metadata as { annotations: Record<string, string> }).annotations)["argocd.argoproj.io/sync-wave"]);
    expect(wave("node-alerts")).toBeGreaterThan(wave("monitoring"));
    // The release label is what the chart selects by default: ruleSelectorNilUsesHelmValues true and
    // an empty ruleSelector (templates/prometheus/prometheus.yaml l.270-279: matchLabels release).
    const chart = chartValues("kube-prometheus-stack-77.6.2");
    if (!chart) return console.warn("SKIP: ../shared/charts/kube-prometheus-stack-77.6.2 is absent");
    const ps = (chart.prometheus as { prometheusSpec: Record<string, unknown> }).prometheusSpec;
    expect([ps.ruleSelectorNilUsesHelmValues, ps.ruleSelector, ps.ruleNamespaceSelector]).toEqual([true, {}, {}]);
    // The release name the label must match.
    expect((objectsOf(r, "rendered/apps/monitoring.yaml")[0] as { spec: { source: { helm: { releaseName: string } } } }).spec.source.helm.releaseName).toBe("monitoring");
  });

  it("a ruleSelector of the user's: the rule carries its matchLabels too", async () => {
    const r = await renderOk(spec(SINGLE, "  monitoring:", "    values: {prometheus: {prometheusSpec: {ruleSelector: {matchLabels: {team: ops}}}}}"));
    expect(ruleObject(r).metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "slipway", release: "monitoring", team: "ops" });
  });

  it("nodeAlerts.enabled: false renders no rule; monitoring off renders nothing of it", async () => {
    const off = await renderOk(spec(SINGLE, "  monitoring:", "    nodeAlerts: {enabled: false}"));
    expect(off.files.some((f) => f.path.includes("node-alerts"))).toBe(false);
    const none = await renderOk(spec(SINGLE));
    expect(none.files.some((f) => f.path.includes("node-alerts"))).toBe(false);
  });
});

describe("node alerts: what K3s serves", () => {
  it("etcd's metrics: exposed on the servers through the config Plan (not user-data), scraped at their node addresses", async () => {
    const r = await renderOk(spec(HA, "  monitoring: {}"));
    expect(appValues(r, "monitoring")).toMatchObject({ kubeEtcd: { endpoints: ["10.0.0.1", "10.0.0.2", "198.51.100.3"], service: { port: 2381, targetPort: 2381 } } });
    expect(r.resolved!.k3s.dropIn.server["etcd-expose-metrics"]).toBe(true);
    expect(r.resolved!.k3s.dropIn.agent).not.toHaveProperty("etcd-expose-metrics");
    for (const n of ["s1", "a1"]) {
      const cfg = parse(cloudInit(r, n).files.find((f) => f.path === "/etc/rancher/k3s/config.yaml")!.content) as Record<string, unknown>;
      expect(cfg, n).not.toHaveProperty("etcd-expose-metrics");
    }
    // Monitoring off: etcd keeps its metrics on 127.0.0.1 (no drop-in key).
    const plain = await renderOk(spec(HA));
    expect(plain.resolved!.k3s.dropIn.server).not.toHaveProperty("etcd-expose-metrics");
  });

  it("with the firewall off and servers on public addresses only: no exposure, no etcd alert, a warning", async () => {
    const r = await renderOk(spec(SINGLE, "  monitoring: {}", "  hosts:", "    firewall: {enabled: false}"));
    expect(byName(r).has("EtcdNoLeader")).toBe(false);
    expect(r.resolved!.k3s.dropIn.server).not.toHaveProperty("etcd-expose-metrics");
    expect(appValues(r, "monitoring")).toMatchObject({ kubeEtcd: { enabled: false } });
    expect(problems(r, "SW-NODE-ALERTS")).toEqual([["warning", "SW-NODE-ALERTS-NO-ETCD", "spec.hosts.firewall.enabled", 16]]);
    // Private addresses on every server make exposure safe again without the firewall.
    const priv = await renderOk(spec(["  nodes:", "    - {name: n1, role: server, address: 198.51.100.1, privateAddress: 10.0.0.1}"].join("\n"), "  monitoring: {}", "  hosts:", "    firewall: {enabled: false}"));
    expect(byName(priv).has("EtcdNoLeader")).toBe(true);
    expect(problems(priv, "SW-NODE-ALERTS")).toEqual([]);
  });

  it("the chart's scrapes of components K3s keeps on 127.0.0.1 are off, so their absent() alerts cannot fire for ever", async () => {
    const r = await renderOk(spec(SINGLE, "  monitoring: {}"));
    expect(appValues(r, "monitoring")).toMatchObject({ kubeControllerManager: { enabled: false }, kubeScheduler: { enabled: false }, kubeProxy: { enabled: false } });
  });

  it("every kube-prometheus-stack key Slipway sets exists in the pinned chart's values.yaml", async () => {
    const chart = chartValues("kube-prometheus-stack-77.6.2");
    if (!chart) return console.warn("SKIP: ../shared/charts/kube-prometheus-stack-77.6.2 is absent");
    for (const text of [spec(HA, "  monitoring: {}"), spec(SINGLE, "  monitoring: {}", "  hosts:", "    firewall: {enabled: false}")]) {
      const r = await renderOk(text);
      expect(unknownPaths(k3sScrapeValues(r.resolved!), chart)).toEqual([]);
      expect(unknownPaths(appValues(r, "monitoring"), chart)).toEqual([]);
    }
    expect(unknownPaths({ kubeEtcd: { endpoint: [] } }, chart)).toEqual(["kubeEtcd.endpoint"]);
  });
});
