/**
 * The policy evaluator (test/support/policy-eval.ts) on hand-written policies whose answers the
 * Kubernetes and Cilium documentation give, so the seed tests that rely on it rest on something.
 */
import { describe, expect, it } from "vitest";
import { inCidr, PolicySet } from "../support/policy-eval.js";

const web = { namespace: "shop", labels: { app: "web" } };
const db = { namespace: "shop", labels: { app: "db" } };
const other = { namespace: "blog", labels: { app: "web" } };
const client = { address: "198.51.100.7" };

const np = (name: string, spec: Record<string, unknown>, namespace = "shop") => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec });
const cnp = (name: string, spec: Record<string, unknown>, namespace = "shop") => ({ apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", metadata: { name, namespace }, spec });

describe("NetworkPolicy semantics", () => {
  it("no policy: everything is allowed", () => {
    expect(new PolicySet([]).allows(web, db, "TCP:5432")).toBe(true);
  });

  it("default-deny isolates both directions; an allow on one side is not enough", () => {
    const deny = np("deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    const dbIn = np("db-in", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ protocol: "TCP", port: 5432 }] }] });
    expect(new PolicySet([deny, dbIn]).allows(web, db, "TCP:5432")).toBe(false);
    const webOut = np("web-out", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }], ports: [{ protocol: "TCP", port: 5432 }] }] });
    const set = new PolicySet([deny, dbIn, webOut]);
    expect(set.allows(web, db, "TCP:5432")).toBe(true);
    expect(set.allows(web, db, "UDP:5432")).toBe(false);
    expect(set.allows(web, db, "TCP:5433")).toBe(false);
    expect(set.allows(db, web, "TCP:5432")).toBe(false);
  });

  it("a podSelector alone stays in the policy's namespace; a namespaceSelector reaches others", () => {
    const dbIn = np("db-in", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }] }] });
    expect(new PolicySet([dbIn]).allows(other, db, "TCP:5432")).toBe(false);
    const cross = np("db-in", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "blog" } }, podSelector: { matchLabels: { app: "web" } } }] }] });
    expect(new PolicySet([cross]).allows(other, db, "TCP:5432")).toBe(true);
    expect(new PolicySet([cross]).allows(web, db, "TCP:5432")).toBe(false);
  });

  it("ipBlock with except; endPort ranges; protocol defaults to TCP", () => {
    const out = np("out", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "169.254.0.0/16"] } }], ports: [{ port: 30000, endPort: 30010 }] }] });
    const set = new PolicySet([out]);
    expect(set.allows(web, client, "TCP:30005")).toBe(true);
    expect(set.allows(web, client, "UDP:30005")).toBe(false);
    expect(set.allows(web, client, "TCP:30011")).toBe(false);
    expect(set.allows(web, { address: "169.254.169.254" }, "TCP:30005")).toBe(false);
    // Pods have pod-range addresses, inside the except.
    expect(set.allows(web, db, "TCP:30005")).toBe(false);
  });

  it("throws on what it does not model instead of skipping it", () => {
    const named = np("named", { podSelector: {}, ingress: [{ ports: [{ port: "http" }] }] });
    expect(() => new PolicySet([named]).allows(client, web, "TCP:80")).toThrow(/named port/);
    const odd = np("odd", { podSelector: {}, ingress: [{ from: [{ serviceAccount: "x" }] }] });
    expect(() => new PolicySet([odd]).allows(web, db, "TCP:80")).toThrow(/not modelled/);
  });
});

describe("CiliumNetworkPolicy semantics", () => {
  it("rules in a direction make it default-deny; enableDefaultDeny does so without rules", () => {
    const egressOnly = cnp("dns", { endpointSelector: {}, egress: [{ toEntities: ["world"] }] });
    expect(new PolicySet([egressOnly]).allows(other, web, "TCP:80")).toBe(true);
    const deny = cnp("deny", { endpointSelector: {}, enableDefaultDeny: { ingress: true, egress: true } });
    expect(new PolicySet([deny]).allows(other, web, "TCP:80")).toBe(false);
    expect(new PolicySet([deny]).allows(web, client, "TCP:443")).toBe(false);
  });

  it("a selector without a namespace stays in the policy's namespace; with one it crosses", () => {
    const local = cnp("in", { endpointSelector: { matchLabels: { app: "db" } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: "web" } }] }] });
    expect(new PolicySet([local]).allows(web, db, "TCP:5432")).toBe(true);
    expect(new PolicySet([local]).allows(other, db, "TCP:5432")).toBe(false);
    const cross = cnp("in", { endpointSelector: { matchLabels: { app: "db" } }, ingress: [{ fromEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "blog", app: "web" } }] }] });
    expect(new PolicySet([cross]).allows(other, db, "TCP:5432")).toBe(true);
  });

  it("CIDR rules match outside addresses only; a deny beats every allow", () => {
    const out = cnp("out", { endpointSelector: {}, egress: [{ toCIDRSet: [{ cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] }], toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] }] });
    expect(new PolicySet([out]).allows(web, client, "TCP:443")).toBe(true);
    expect(new PolicySet([out]).allows(web, { address: "10.1.2.3" }, "TCP:443")).toBe(false);
    expect(new PolicySet([out]).allows(web, db, "TCP:443")).toBe(false);
    const guard = { apiVersion: "cilium.io/v2", kind: "CiliumClusterwideNetworkPolicy", metadata: { name: "guard" }, spec: { endpointSelector: {}, enableDefaultDeny: { egress: false, ingress: false }, egressDeny: [{ toCIDR: ["169.254.169.254/32"] }] } };
    const all = cnp("all", { endpointSelector: {}, egress: [{ toEntities: ["all"] }] });
    expect(new PolicySet([guard]).allows(other, client, "TCP:443")).toBe(true);
    expect(new PolicySet([guard, all]).allows(web, { address: "169.254.169.254" }, "TCP:80")).toBe(false);
  });

  it("addresses: families never mix", () => {
    expect(inCidr("203.0.113.5", "203.0.113.0/24")).toBe(true);
    expect(inCidr("203.0.114.5", "203.0.113.0/24")).toBe(false);
    expect(inCidr("2001:db8::1", "2001:db8::/32")).toBe(true);
    expect(inCidr("2001:db8::1", "0.0.0.0/0")).toBe(false);
    expect(inCidr("10.42.0.7", "::/0")).toBe(false);
  });
});
