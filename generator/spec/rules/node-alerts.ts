/**
 * monitoring.nodeAlerts: the etcd alert needs etcd's metrics, which K3s serves in plain HTTP on the
 * node address once exposed (resolve.ts exposesEtcdMetrics); Slipway exposes them only where the
 * internet cannot read them, and says so when it therefore leaves the alert out.
 */
import { exposesEtcdMetrics } from "../resolve.js";
import type { Rule } from "./context.js";

export const etcdAlertNeedsPrivateMetrics: Rule = ({ spec, problem }) => {
  const m = spec.spec.monitoring;
  if (!m?.nodeAlerts.enabled || exposesEtcdMetrics(spec)) return [];
  return [
    {
      ...problem(
        "SW-NODE-ALERTS-NO-ETCD",
        ["spec", "hosts", "firewall", "enabled"],
        "no EtcdNoLeader alert: with the host firewall off and servers without a privateAddress, exposing etcd's plain-text metrics (port 2381) would publish them on the internet",
        "Turn the host firewall back on (hosts.firewall.enabled: true), or give every server a privateAddress; the other node alerts are rendered either way.",
      ),
      severity: "warning" as const,
    },
  ];
};
