/**
 * Seed 002's network policy table, proved on the rendered objects of examples/dark-tower: every
 * connection the table allows is allowed, and every other one between the services, the data
 * tier, the platform, a stranger pod, internet clients, the API and the metadata address is
 * denied. The same table holds with flannel (NetworkPolicy, K3s's kube-router) and with Cilium
 * (CiliumNetworkPolicy); both renders pass the strict schemas.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { renderClusterText, type RenderResult } from "../../generator/pipeline.js";
import { ROOT } from "../support/cli.js";
import { strictProblems } from "../support/kube-schemas.js";
import { yamlObjects } from "../support/tree.js";
import { PolicySet, type Endpoint } from "../support/policy-eval.js";

const SPEC = join(ROOT, "examples/dark-tower/cluster.yaml");
const instance = (name: string) => ({ "app.kubernetes.io/instance": name });

/** Pods as their charts and manifests label them; addresses as the example's. */
const E: Record<string, Endpoint> = {
  ac: { namespace: "dark-tower", labels: { ...instance("ac-service"), "app.kubernetes.io/name": "ac-service" } },
  gc: { namespace: "dark-tower", labels: instance("global-controller") },
  mc: { namespace: "dark-tower", labels: instance("meeting-controller") },
  mh: { namespace: "dark-tower", labels: instance("media-handler") },
  postgres: { namespace: "dark-tower-data", labels: { "cnpg.io/cluster": "dark-tower-db", "cnpg.io/instanceRole": "primary" } },
  redis: { namespace: "dark-tower-data", labels: instance("redis") },
  operator: { namespace: "cnpg-system", labels: { ...instance("cloudnative-pg"), "app.kubernetes.io/name": "cloudnative-pg" } },
  prometheus: { namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus" } },
  stranger: { namespace: "default", labels: { app: "debug" } },
  dns: { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } },
  client: { address: "198.51.100.77" },
  s3: { address: "192.0.2.10" },
  lan: { address: "10.0.0.5" },
  api: { apiserver: "203.0.113.50" },
  metadata: { address: "169.254.169.254" },
};
const GOVERNED = ["ac", "gc", "mc", "mh", "postgres", "redis"];
const UNGOVERNED_PODS = ["operator", "prometheus", "stranger"];
const EVERYONE_OUTSIDE = ["client", "stranger", "operator", "prometheus"];
const PORTS = ["TCP:443", "UDP:443", "TCP:5432", "TCP:6379", "TCP:16379", "TCP:8000", "TCP:8080", "TCP:9187", "TCP:6443", "UDP:53", "TCP:53", "TCP:22"];

/**
 * Exactly what may connect, read off the seed's table ("Network Policies", ADR-0012), plus the
 * example's documented additions (metrics from Prometheus, the PostgreSQL and Redis peers, the
 * MH -> MC allowance the table forgets on MC's side). `internet` as a source admits any address.
 */
const ALLOWED = new Set([
  // AC | ingress: GC via HTTPS (TCP:443) | egress: PostgreSQL (TCP:5432)
  "gc -> ac TCP:443",
  "ac -> postgres TCP:5432",
  // GC | ingress: external HTTPS (TCP:443), external HTTP/3 (UDP:443) | egress: AC, MC via HTTPS, PostgreSQL
  ...EVERYONE_OUTSIDE.flatMap((s) => [`${s} -> gc TCP:443`, `${s} -> gc UDP:443`]),
  "gc -> mc TCP:443",
  "gc -> postgres TCP:5432",
  // MC | ingress: GC via HTTPS, clients WebTransport (UDP:443) | egress: Redis (TCP:6379), MH via HTTPS
  ...EVERYONE_OUTSIDE.map((s) => `${s} -> mc UDP:443`),
  "mc -> redis TCP:6379",
  "mc -> mh TCP:443",
  // MH | ingress: MC via HTTPS, clients and other MH media (UDP:443) | egress: MC via HTTPS, other MH media
  ...EVERYONE_OUTSIDE.map((s) => `${s} -> mh UDP:443`),
  "mh -> mh UDP:443",
  "mh -> mc TCP:443",
  // Metrics and probes' port, from Prometheus only.
  ...["ac", "gc", "mc", "mh"].map((d) => `prometheus -> ${d} TCP:8080`),
  "prometheus -> postgres TCP:9187",
  // CloudNativePG: operator to instances, instances to each other, to the API and to S3.
  "operator -> postgres TCP:8000",
  "operator -> postgres TCP:5432",
  "postgres -> postgres TCP:5432",
  "postgres -> postgres TCP:8000",
  "postgres -> api TCP:6443",
  "postgres -> s3 TCP:443",
  "postgres -> client TCP:443", // any public address: S3-compatible storage is not one fixed host
  // Redis Cluster: clients and the cluster bus between its own pods.
  "redis -> redis TCP:6379",
  "redis -> redis TCP:16379",
  // DNS, always.
  ...GOVERNED.flatMap((s) => [`${s} -> dns UDP:53`, `${s} -> dns TCP:53`]),
]);

/** The questions: every pair with a governed side, and every pod towards the metadata address. */
function questions(): [string, string, string][] {
  const out: [string, string, string][] = [];
  const sources = [...GOVERNED, ...UNGOVERNED_PODS, "client"];
  const destinations = [...GOVERNED, "dns", "client", "s3", "lan", "api", "metadata"];
  for (const s of sources) {
    for (const d of destinations) {
      const governed = GOVERNED.includes(s) || GOVERNED.includes(d);
      // The metadata guard covers every namespace the tree deploys into (not "default").
      const guarded = d === "metadata" && s !== "client" && s !== "stranger";
      if (!governed && !guarded) continue;
      if (s === "client" && !GOVERNED.includes(d)) continue;
      for (const p of PORTS) out.push([s, d, p]);
    }
  }
  return out;
}

function policiesOf(r: RenderResult): PolicySet {
  const objects = (r.files ?? []).filter((f) => f.kind === "manifest" && f.path.startsWith("rendered/manifests/")).flatMap((f) => yamlObjects(f.text));
  return new PolicySet(objects);
}

async function renderWith(cni: "flannel" | "cilium"): Promise<RenderResult> {
  const doc = parseDocument(readFileSync(SPEC, "utf8"));
  doc.setIn(["spec", "network", "cni"], cni);
  const r = await renderClusterText("examples/dark-tower/cluster.yaml", doc.toString());
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r;
}

describe.each(["flannel", "cilium"] as const)("seed 002's table with cni: %s", (cni) => {
  it("allows exactly the table's connections", async () => {
    const set = policiesOf(await renderWith(cni));
    const wrong: string[] = [];
    for (const [s, d, p] of questions()) {
      const key = `${s} -> ${d} ${p}`;
      const got = set.allows(E[s]!, E[d]!, p);
      if (got !== ALLOWED.has(key)) wrong.push(`${key}: ${got ? "allowed" : "denied"}, the table says ${ALLOWED.has(key) ? "allowed" : "denied"}`);
    }
    expect(wrong).toEqual([]);
    // Every allowed line was asked (a typo in ALLOWED would otherwise pass unnoticed).
    const asked = new Set(questions().map(([s, d, p]) => `${s} -> ${d} ${p}`));
    expect([...ALLOWED].filter((k) => !asked.has(k))).toEqual([]);
  });

  it("the seed's denials, spelled out", async () => {
    const set = policiesOf(await renderWith(cni));
    // "TCP:5432: PostgreSQL connections (from AC, GC only)"; MC's access is the seed's open item 6.
    expect(set.allows(E.mc!, E.postgres!, "TCP:5432")).toBe(false);
    expect(set.allows(E.mh!, E.postgres!, "TCP:5432")).toBe(false);
    // "TCP:6379: Redis connections (from MC only)".
    expect(set.allows(E.gc!, E.redis!, "TCP:6379")).toBe(false);
    // MC admits clients on UDP only (WebTransport), not HTTPS.
    expect(set.allows(E.client!, E.mc!, "TCP:443")).toBe(false);
    // /metrics "accessible only within the Kubernetes cluster via ServiceMonitor".
    expect(set.allows(E.client!, E.gc!, "TCP:8080")).toBe(false);
    expect(set.allows(E.stranger!, E.ac!, "TCP:8080")).toBe(false);
    // No service reaches the internet, private ranges or the metadata address.
    for (const s of ["ac", "gc", "mc", "mh"]) for (const d of ["s3", "lan", "metadata", "client"]) expect(set.allows(E[s]!, E[d]!, "TCP:443"), `${s} -> ${d}`).toBe(false);
    expect(set.allows(E.postgres!, E.lan!, "TCP:443")).toBe(false);
    expect(set.allows(E.postgres!, E.metadata!, "TCP:80")).toBe(false);
  });

  it("every rendered policy and namespace passes the strict schemas", async () => {
    const r = await renderWith(cni);
    const files = (r.files ?? []).filter((f) => f.path.startsWith("rendered/manifests/network-policy/"));
    expect(files.map((f) => f.path)).toEqual(["rendered/manifests/network-policy/namespace-dark-tower-data.yaml", "rendered/manifests/network-policy/namespace-dark-tower.yaml"]);
    const problems: string[] = [];
    for (const f of files) for (const o of yamlObjects(f.text)) for (const v of ["1.33.1", "1.36.2"]) for (const p of strictProblems(o, v)) problems.push(`${v} ${f.path} ${String(o.kind)}: ${p}`);
    expect(problems).toEqual([]);
    const kinds = files.flatMap((f) => yamlObjects(f.text).map((o) => String(o.kind)));
    expect(new Set(kinds)).toEqual(new Set(["Namespace", cni === "cilium" ? "CiliumNetworkPolicy" : "NetworkPolicy"]));
  });

  it("Pod Security: both namespaces enforce restricted, audited and warned as restricted", async () => {
    const r = await renderWith(cni);
    const namespaces = (r.files ?? []).filter((f) => f.path.startsWith("rendered/manifests/network-policy/")).flatMap((f) => yamlObjects(f.text)).filter((o) => o.kind === "Namespace");
    for (const ns of namespaces) {
      const labels = (ns.metadata as { labels: Record<string, string> }).labels;
      expect(labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
      expect(labels["pod-security.kubernetes.io/audit"]).toBe("restricted");
      expect(labels["pod-security.kubernetes.io/warn"]).toBe("restricted");
    }
  });
});
