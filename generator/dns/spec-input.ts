/**
 * cluster.yaml's `dns.failover` as the data plane's input (zone-config.ts): which nodes run DNS,
 * which nodes serve each record, and the probe. Pure; used by the plan, the semantic rules and
 * `slipway dns records`, so all three agree on the same resolution.
 */
import type { ClusterSpec, DnsFailoverSpec, NodeSpec } from "../spec/types.js";
import type { DnsFailoverInput, DnsNode, ProbeSettings } from "./zone-config.js";

/**
 * Names of the nodes whose addresses answer for a record. Without `nodes`, every node: Slipway has
 * no dedicated ingress pool, and the ingress (Traefik or the Istio gateway) runs on every node, so
 * every node is a place a client can land (seed 000: "all gateways active").
 */
export function recordNodeNames(spec: ClusterSpec, record: DnsFailoverSpec["records"][number]): string[] {
  return record.nodes ?? spec.spec.nodes.map((n) => n.name);
}

/** The servers, in spec order: each runs CoreDNS and becomes a name server (`ns1` is the first). */
export function dnsServers(spec: ClusterSpec): NodeSpec[] {
  return spec.spec.nodes.filter((n) => n.role === "server");
}

/** `5s` -> 5 (the schema's duration pattern: whole seconds with an `s`). */
export function durationSeconds(d: string): number {
  const m = /^([0-9]+)s$/.exec(d);
  if (!m) throw new Error(`dns failover: duration ${JSON.stringify(d)} passed the schema but is not NNs`);
  return Number(m[1]);
}

/** The probe as the prober takes it; exactly one of tcp and http must be set (rules/dns.ts). */
export function probeSettings(probe: DnsFailoverSpec["probe"]): ProbeSettings {
  const timing = {
    intervalSeconds: durationSeconds(probe.interval),
    timeoutSeconds: durationSeconds(probe.timeout),
    failures: probe.failures,
    successes: probe.successes,
  };
  if (probe.tcp && !probe.http) return { kind: "tcp", port: probe.tcp.port, ...timing };
  if (probe.http && !probe.tcp) return { kind: "http", port: probe.http.port, path: probe.http.path, ...timing };
  throw new Error("dns failover: probe needs exactly one of tcp and http (validation should have stopped it)");
}

/**
 * The data plane's input, or undefined when the spec has no `dns.failover`. Runs on a validated
 * spec: a record naming an unknown node is a bug here (rules/dns.ts reports it with a position).
 */
export function failoverInput(spec: ClusterSpec): DnsFailoverInput | undefined {
  const f = spec.spec.dns.failover;
  if (!f) return undefined;
  const byName = new Map(spec.spec.nodes.map((n) => [n.name, n]));
  const dnsNode = (n: NodeSpec): DnsNode => ({ name: n.name, address: n.address });
  return {
    zone: f.zone,
    ttl: f.ttl,
    nodes: dnsServers(spec).map(dnsNode),
    records: f.records.map((record) => ({
      name: record.name,
      nodes: recordNodeNames(spec, record).map((name) => {
        const n = byName.get(name);
        if (!n) throw new Error(`dns failover: record ${record.name} names unknown node ${name} (validation should have stopped it)`);
        return dnsNode(n);
      }),
    })),
    probe: probeSettings(f.probe),
    extraRecords: f.extraRecords.map((e) => ({ name: e.name, type: e.type, value: e.value, ...(e.ttl !== undefined ? { ttl: e.ttl } : {}) })),
  };
}
