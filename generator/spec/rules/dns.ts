/**
 * dns.failover: names the registrar and resolvers will accept, records on nodes that exist, one
 * probe, servers to run the name servers, and no CNAME beside other data (RFC 1034 §3.6.2). The name
 * and value checks are the data plane's own (generator/dns/zone-config.ts), so what passes here is
 * what the generators accept. The schema already bounds TTLs and ports, and allows no NS or other
 * delegating type in extraRecords, so the only NS names are ns1..nN inside the zone, always with
 * glue: nothing out of zone to check.
 */
import type { Diagnostic } from "../../diagnostics.js";
import { dnsServers, failoverInput } from "../../dns/spec-input.js";
import { bareZone, dnsFailoverProblems, extraValueProblems, recordNameProblems, zoneNameProblems } from "../../dns/zone-config.js";
import type { DnsFailoverSpec } from "../types.js";
import type { Rule, RuleContext, Segments } from "./context.js";

const at = (...s: Segments): Segments => ["spec", "dns", "failover", ...s];
const warn = (d: Diagnostic): Diagnostic => ({ ...d, severity: "warning" });

/** The failover section, when there is one. */
const failover = (ctx: RuleContext): DnsFailoverSpec | undefined => ctx.spec.spec.dns.failover;

/** Name-server labels (ns1..nN, one per server): their names carry the glue A/AAAA records. */
function nsLabels(ctx: RuleContext): Set<string> {
  return new Set(dnsServers(ctx.spec).map((_, i) => `ns${i + 1}`));
}

export const dnsZoneName: Rule = (ctx) => {
  const f = failover(ctx);
  const problems = f ? zoneNameProblems(f.zone) : [];
  if (problems.length === 0) return [];
  return [
    ctx.problem(
      "SW-DNS-ZONE-NAME",
      at("zone"),
      `invalid zone name: ${problems.join("; ")}`,
      "The zone is the domain the registrar delegates to the servers, e.g. example.com or eu.example.com: labels of letters, digits and '-', no scheme, path or port.",
    ),
  ];
};

export const dnsRecordNames: Rule = (ctx) => {
  const f = failover(ctx);
  if (!f) return [];
  const out: Diagnostic[] = [];
  const zone = bareZone(f.zone).toLowerCase();
  const ns = nsLabels(ctx);
  const first = new Map<string, number>();
  f.records.forEach((r, i) => {
    const where = at("records", i, "name");
    const problems = recordNameProblems(r.name, { zone: f.zone });
    if (problems.length > 0) {
      out.push(ctx.problem("SW-DNS-RECORD-NAME", where, `invalid record name: ${problems.join("; ")}`, "Use '@' for the zone apex, or a name relative to the zone such as www or api.eu (no trailing dot)."));
      return;
    }
    const key = r.name.toLowerCase();
    const prev = first.get(key);
    if (prev !== undefined) {
      out.push(ctx.problem("SW-DNS-RECORD-DUPLICATE", where, `record "${r.name}" is already spec.dns.failover.records[${prev}] (DNS names ignore case)`, "List each name once, with all the nodes that serve it in its nodes."));
      return;
    }
    first.set(key, i);
    if (ns.has(key)) {
      out.push(ctx.problem("SW-DNS-RECORD-NAME-SERVER", where, `record "${r.name}" is the name of a name server: ${[...ns].join(", ")} hold the servers' glue addresses`, "Each server is a name server nsN.<zone>, whose address must not fail over; pick another name."));
    }
    if (key === zone || key.endsWith(`.${zone}`)) {
      const relative = key === zone ? "@" : r.name.slice(0, -(zone.length + 1));
      out.push(warn(ctx.problem("SW-DNS-RECORD-INCLUDES-ZONE", where, `record "${r.name}" ends with the zone, so it would be ${r.name}.${bareZone(f.zone)}`, `Record names are relative to the zone: write "${relative}".`)));
    }
  });
  return out;
};

export const dnsRecordNodes: Rule = (ctx) => {
  const f = failover(ctx);
  if (!f) return [];
  const out: Diagnostic[] = [];
  const names = ctx.spec.spec.nodes.map((n) => n.name);
  f.records.forEach((r, i) => {
    (r.nodes ?? []).forEach((node, j) => {
      if (names.includes(node)) return;
      out.push(
        ctx.problem(
          "SW-DNS-RECORD-UNKNOWN-NODE",
          at("records", i, "nodes", j),
          `record "${r.name}" is served by node "${node}", which spec.nodes does not have`,
          `Nodes: ${names.join(", ")}. Leave nodes out to serve the record from every node.`,
        ),
      );
    });
  });
  return out;
};

export const dnsServersExist: Rule = (ctx) =>
  failover(ctx) && dnsServers(ctx.spec).length === 0
    ? [ctx.problem("SW-DNS-NO-SERVER", at(), "dns.failover needs a server: every server runs CoreDNS for the zone and is one of its name servers", "Give at least one node role: server (a cluster needs one anyway).", { key: true })]
    : [];

export const dnsProbe: Rule = (ctx) => {
  const f = failover(ctx);
  if (!f) return [];
  const where = ctx.written(at("probe")) ? at("probe") : at();
  const example = "e.g. probe: {tcp: {port: 443}} to check that the ingress accepts connections, or probe: {http: {port: 15021, path: /healthz/ready}} for a health endpoint (Istio's gateway)";
  if (f.probe.tcp && f.probe.http) {
    return [ctx.problem("SW-DNS-PROBE-BOTH", where, "dns.failover.probe sets both tcp and http; the prober runs one kind of probe", `Keep one of them: ${example}.`, { key: true })];
  }
  if (!f.probe.tcp && !f.probe.http) {
    return [ctx.problem("SW-DNS-PROBE-MISSING", where, "dns.failover.probe sets neither tcp nor http, so nothing says when a node is healthy", `Add one: ${example}.`, { key: true })];
  }
  return [];
};

export const dnsExtraRecords: Rule = (ctx) => {
  const f = failover(ctx);
  if (!f) return [];
  const out: Diagnostic[] = [];
  const ns = nsLabels(ctx);
  const failoverNames = new Set(f.records.map((r) => r.name.toLowerCase()));
  const owner = (key: string): string | undefined => (ns.has(key) ? "the name of a name server (its glue)" : failoverNames.has(key) ? "a failover record" : undefined);
  const byName = new Map<string, number[]>();
  f.extraRecords.forEach((e, i) => {
    const key = e.name.toLowerCase();
    byName.set(key, [...(byName.get(key) ?? []), i]);
    const nameProblems = recordNameProblems(e.name, { zone: f.zone, allowUnderscore: true });
    if (nameProblems.length > 0) {
      out.push(ctx.problem("SW-DNS-EXTRA-NAME", at("extraRecords", i, "name"), `invalid record name: ${nameProblems.join("; ")}`, "Use '@' for the zone apex, or a name relative to the zone such as mail or _dmarc (no trailing dot)."));
    }
    const valueProblems = extraValueProblems(`${e.type} record "${e.name}"`, e);
    if (valueProblems.length > 0) {
      out.push(ctx.problem("SW-DNS-EXTRA-VALUE", at("extraRecords", i, "value"), valueProblems.join("; "), valueHint(e.type)));
    }
    if (e.type === "CNAME" && key === "@") {
      out.push(ctx.problem("SW-DNS-CNAME-AT-APEX", at("extraRecords", i, "type"), "a CNAME cannot be at the zone apex: the apex holds the SOA and NS records, and a CNAME allows no other data beside it (RFC 1034 §3.6.2)", 'Serve the apex from the nodes with a failover record (name: "@"), or give it A/AAAA records.'));
      return;
    }
    const taken = owner(key);
    if (taken && e.type === "CNAME") {
      out.push(ctx.problem("SW-DNS-CNAME-CONFLICT", at("extraRecords", i, "name"), `a CNAME at "${e.name}", which is already ${taken}: a CNAME allows no other data beside it (RFC 1034 §3.6.2)`, "Remove the CNAME or rename it."));
    } else if (taken && (e.type === "A" || e.type === "AAAA")) {
      out.push(ctx.problem("SW-DNS-EXTRA-SHADOWS", at("extraRecords", i, "name"), `a static ${e.type} record at "${e.name}", which is already ${taken}`, ns.has(key) ? "The name servers' addresses come from spec.nodes; remove this record." : "A static address beside a failover record is served even when its node is down, which defeats failover: add the node to the record's nodes instead."));
    }
  });
  for (const [key, indexes] of byName) {
    const cname = indexes.find((i) => f.extraRecords[i]!.type === "CNAME");
    if (cname === undefined || indexes.length < 2 || key === "@") continue;
    const others = indexes.filter((i) => i !== cname).map((i) => `spec.dns.failover.extraRecords[${i}] (${f.extraRecords[i]!.type})`);
    out.push(ctx.problem("SW-DNS-CNAME-CONFLICT", at("extraRecords", cname, "name"), `a CNAME at "${f.extraRecords[cname]!.name}" beside ${others.join(", ")}: a CNAME allows no other data beside it (RFC 1034 §3.6.2)`, "Keep either the CNAME or the other records at this name."));
  }
  return out;
};

function valueHint(type: DnsFailoverSpec["extraRecords"][number]["type"]): string {
  switch (type) {
    case "A":
      return "An A value is an IPv4 address, e.g. 203.0.113.10.";
    case "AAAA":
      return "An AAAA value is an IPv6 address, e.g. 2001:db8::10.";
    case "CNAME":
      return "A CNAME value is a host name: relative to the zone (www) or absolute with a final dot (host.example.net.).";
    case "MX":
      return 'An MX value is "PREFERENCE HOST", e.g. "10 mail.example.com." (absolute with a final dot) or "10 mail".';
    case "TXT":
      return "TXT text is printable ASCII, written without quotes.";
  }
}

const SPECIFIC: readonly Rule[] = [dnsZoneName, dnsRecordNames, dnsRecordNodes, dnsServersExist, dnsProbe, dnsExtraRecords];

/**
 * The data plane's full check on what the rules above let through: anything it still finds is a
 * gap in these rules, reported rather than left to throw at render time.
 */
export const dnsFailoverConsistent: Rule = (ctx) => {
  if (!failover(ctx) || SPECIFIC.some((rule) => rule(ctx).some((d) => d.severity === "error"))) return [];
  const input = failoverInput(ctx.spec);
  const problems = input ? dnsFailoverProblems(input) : [];
  return problems.map((p) => ctx.problem("SW-DNS-INVALID", at(), `dns.failover: ${p}`, "Slipway's DNS rules missed this; please report it. Fix the field the message names.", { key: true }));
};

/** Every dns.failover rule, in order. */
export const DNS_RULES: readonly Rule[] = [...SPECIFIC, dnsFailoverConsistent];
