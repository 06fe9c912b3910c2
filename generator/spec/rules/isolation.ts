/**
 * network.isolation: tenants are ordinary namespaces, never the platform's own, and a tenant prefix
 * claims no namespace the cluster already uses for something else. The prefix's own form (a
 * DNS-1123 label start) is the schema's (namespacePrefix).
 */
import type { Diagnostic } from "../../diagnostics.js";
import { platformNamespaces, RESERVED_NAMESPACE_PREFIXES, specNamespaces } from "../platform-namespaces.js";
import type { Rule, RuleContext } from "./context.js";

const AT = ["spec", "network", "isolation"];

/** Who reserves names starting with `p`, or whose reserved names `p` would claim. */
function reservedBy(p: string): string | undefined {
  const hit = RESERVED_NAMESPACE_PREFIXES.find((r) => p.startsWith(r) || r.startsWith(p));
  return hit && (hit === "kube-" ? `Kubernetes (${hit}*)` : `Slipway (${hit}*)`);
}

export const tenantNamespaces: Rule = (ctx) => {
  const { spec, problem } = ctx;
  const out: Diagnostic[] = [];
  const s = spec.spec;
  const iso = s.network.isolation;
  if (!iso) return out;
  const platform = platformNamespaces(spec);
  if (iso.namespaces.length === 0 && !iso.tenants) {
    out.push(problem("SW-ISOLATION-EMPTY", AT, "network.isolation names no tenant: neither namespaces nor tenants", "List the namespaces Slipway creates (namespaces: [...]) or match the ones created later (tenants: {prefixes: [dp-]}); or remove network.isolation."));
  }
  iso.namespaces.forEach((ns, i) => {
    const owner = platform.get(ns) ?? (RESERVED_NAMESPACE_PREFIXES.some((r) => ns.startsWith(r)) ? reservedBy(ns) : undefined);
    if (owner) out.push(problem("SW-ISOLATION-PLATFORM-NAMESPACE", [...AT, "namespaces", i], `namespace ${ns} belongs to ${owner}; isolating it would cut the platform off`, "List only tenant namespaces (for example dp-<user>-<project>)."));
  });
  if (iso.tenants) out.push(...prefixRules(ctx));
  if (s.network.ingress === "istio") {
    out.push({
      ...problem("SW-ISOLATION-NO-INGRESS-ALLOWANCE", AT, "with ingress: istio, tenant namespaces get no NetworkPolicy allowance for the Istio gateway", "Traffic from the gateway into tenant pods is denied; add a NetworkPolicy for your gateway's namespace in an app, or use ingress: traefik."),
      severity: "warning",
    });
  }
  return out;
};

function prefixRules({ spec, problem }: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const iso = spec.spec.network.isolation!;
  const { prefixes, except } = iso.tenants!;
  const excepted = new Set(except);
  const listed = new Set(iso.namespaces);
  const at = [...AT, "tenants"];
  prefixes.forEach((p, i) => {
    const reserved = reservedBy(p);
    if (reserved) {
      out.push(problem("SW-ISOLATION-PREFIX-RESERVED", [...at, "prefixes", i], `tenant prefix "${p}" overlaps the names reserved by ${reserved}`, "Tenant namespaces need a prefix of their own, e.g. dp- for dp-<user>-<project>."));
      return;
    }
    for (const [ns, owner] of platformNamespaces(spec)) {
      if (ns.startsWith(p) && !excepted.has(ns)) {
        out.push(problem("SW-ISOLATION-PREFIX-PLATFORM", [...at, "prefixes", i], `tenant prefix "${p}" claims namespace ${ns} of ${owner}: it would be isolated like a tenant and cut off`, `Use a longer prefix that ${ns} does not start with, or list ${ns} under network.isolation.tenants.except.`));
      }
    }
    const seen = new Set<string>();
    for (const { namespace, where } of specNamespaces(spec)) {
      if (!namespace.startsWith(p) || excepted.has(namespace) || listed.has(namespace) || seen.has(namespace)) continue;
      seen.add(namespace);
      out.push(problem("SW-ISOLATION-PREFIX-CLAIMS-NAMESPACE", where, `namespace ${namespace} starts with the tenant prefix "${p}" (network.isolation.tenants.prefixes[${i}]): it would be isolated like a tenant`, `If it is part of your platform (a deployer, a registry), list it under network.isolation.tenants.except; if it is a tenant, list it under network.isolation.namespaces.`));
    }
  });
  except.forEach((ns, i) => {
    if (!prefixes.some((p) => ns.startsWith(p))) {
      out.push({
        ...problem("SW-ISOLATION-EXCEPT-UNMATCHED", [...at, "except", i], `${ns} matches no tenant prefix: listing it under except changes nothing`, `Remove it, or check the spelling against prefixes (${prefixes.join(", ") || "none"}).`),
        severity: "warning",
      });
    }
    if (listed.has(ns)) out.push(problem("SW-ISOLATION-EXCEPT-LISTED", [...at, "except", i], `${ns} is both a listed tenant (network.isolation.namespaces) and excepted from the tenant prefixes`, "A listed namespace is a tenant by its label whatever except says: remove it from one of the two lists."));
  });
  return out;
}
