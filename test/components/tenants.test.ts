/**
 * Tenants created at runtime (network.isolation.tenants, seed 003): everything here works from the
 * rendered objects. The admission policies' CEL is evaluated by a CEL interpreter on the requests a
 * deployer, a tenant, the tenant controller and Kubernetes make; the controller's script runs for
 * real (sh and busybox sh) against a kubectl stand-in, and what it asks of the API is judged by the
 * same policies; the isolation NetworkPolicy is evaluated for who may reach whom.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { v4Within } from "../../generator/plan/components/common-peers.js";
import { platformNamespaces, specNamespaces } from "../../generator/spec/platform-namespaces.js";
import { admitAll, namespace, type AdmissionRequest } from "../support/admission.js";
import { hasTool, ROOT, tempDir, warnSkip } from "../support/cli.js";
import { strictProblems } from "../support/kube-schemas.js";
import { reachable, type Endpoint } from "../support/netpol.js";
import { yamlObjects } from "../support/tree.js";
import { expectExternalChecksPass, objectsOf, problems, render, renderOk, shellcheck, spec } from "./_platform.js";

type Obj = Record<string, unknown>;
type Rendered = Awaited<ReturnType<typeof renderOk>>;

const NODES = [
  "  nodes:",
  "    - {name: ctrl, role: server, address: 203.0.113.10, privateAddress: 10.0.1.1}",
  "    - {name: run-1, role: agent, address: 203.0.113.11, privateAddress: 10.0.1.2, labels: {sandbox.gvisor: \"true\"}}",
].join("\n");
const TENANTS = ["    isolation:", "      tenants: {prefixes: [dp-], except: [dp-system]}", "      forceGvisor: true", "  sandbox:", "    gvisor: {nodeSelector: {sandbox.gvisor: \"true\"}}"];
const APPS = ["  apps:", "    - {name: deployer, namespace: dp-system, chart: {repo: https://charts.example.org, name: deployer, version: 1.0.0}}"];
const K136 = "  k3s:\n    version: v1.36.3+k3s1";
const withVersion = (text: string) => text.replace("  k3s:\n    version: v1.33.4+k3s1", K136);

const CONTROLLER = "system:serviceaccount:kube-system:slipway-tenant-controller";
const ARGOCD = "system:serviceaccount:argocd:argocd-application-controller";
const DEPLOYER = "system:serviceaccount:dp-system:deployer";
const NS_CONTROLLER = "system:serviceaccount:kube-system:namespace-controller";

let flannel: Rendered;
let cilium: Rendered;
beforeAll(async () => {
  flannel = await renderOk(withVersion(spec(NODES, "  network:", ...TENANTS, ...APPS)));
  cilium = await renderOk(withVersion(spec(NODES, "  network:", "    cni: cilium", ...TENANTS, ...APPS)));
}, 60_000);

const isolationObjects = (r: Rendered): Obj[] => r.files.filter((f) => f.path.startsWith("rendered/manifests/isolation/")).flatMap((f) => yamlObjects(f.text));
const policiesOf = (r: Rendered) => isolationObjects(r).filter((o) => String(o.kind).startsWith("ValidatingAdmissionPolicy"));
const controllerObjects = (r: Rendered) => objectsOf(r, "rendered/manifests/isolation/tenant-controller.yaml");
const configMap = (r: Rendered) => controllerObjects(r).find((o) => o.kind === "ConfigMap")!.data as Record<string, string>;
/** The isolation NetworkPolicy the controller applies, as it would be in namespace `ns`. */
const tenantPolicyIn = (r: Rendered, ns: string): Obj => {
  const [p] = yamlObjects(configMap(r)["policy.yaml"]!);
  return { ...p, metadata: { ...(p!.metadata as Obj), namespace: ns } };
};

/** Labels of a tenant namespace once the controller is done with it. */
const ISOLATED = { "slipway.dev/tenant": "true", "slipway.dev/isolated": "true", "pod-security.kubernetes.io/enforce": "baseline" };
const pod = (name: string, runtimeClassName?: string): Obj => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "app", image: "app:1" }], ...(runtimeClassName ? { runtimeClassName } : {}) } });
const createPod = (ns: Obj, p: Obj, username = DEPLOYER): AdmissionRequest => ({ operation: "CREATE", resource: ["", "pods"], namespace: (ns.metadata as { name: string }).name, username, object: p, namespaceObject: ns });
const nsRequest = (operation: "CREATE" | "UPDATE", object: Obj, oldObject: Obj | null, username = DEPLOYER): AdmissionRequest => ({ operation, resource: ["", "namespaces"], namespace: "", username, object, oldObject });
const netpol = (name: string, spec: Obj, labels: Record<string, string> = {}): Obj => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, labels }, spec: { podSelector: {}, ...spec } });
const npRequest = (operation: "CREATE" | "UPDATE" | "DELETE", ns: Obj, object: Obj | null, oldObject: Obj | null = null, username = DEPLOYER): AdmissionRequest => ({
  operation,
  resource: ["networking.k8s.io", "networkpolicies"],
  namespace: (ns.metadata as { name: string }).name,
  username,
  object,
  oldObject,
  namespaceObject: ns,
});

describe("tenants: what renders", () => {
  it("every rendered object passes the strict schemas, the policy inside the ConfigMap too", async () => {
    await expectExternalChecksPass(flannel);
    await expectExternalChecksPass(cilium);
    expect(strictProblems(tenantPolicyIn(flannel, "dp-u1-web"), "1.36.2")).toEqual([]);
    expect(strictProblems(tenantPolicyIn(flannel, "dp-u1-web"), "1.33.1")).toEqual([]);
    // The oldest line Slipway supports: the same kinds exist there (VAP v1 is GA since 1.30).
    await expectExternalChecksPass(await renderOk(spec(NODES, "  network:", "    cni: cilium", ...TENANTS, ...APPS)));
  });

  it("renders the admission policies and the controller into the isolation Application; the Cilium guard and policy only with Cilium", () => {
    const files = (r: Rendered) => r.files.filter((f) => f.path.startsWith("rendered/manifests/isolation/")).map((f) => f.path.split("/").pop());
    expect(files(flannel)).toEqual(["admission-namespaces.yaml", "admission-network-policies.yaml", "admission-pods.yaml", "tenant-controller.yaml"]);
    expect(files(cilium)).toEqual(["admission-cilium-policies.yaml", "admission-namespaces.yaml", "admission-network-policies.yaml", "admission-pods.yaml", "cilium-tenant-guard.yaml", "tenant-controller.yaml"]);
    // Every policy is bound, denies, fails closed and leaves kube-system alone.
    for (const r of [flannel, cilium]) {
      const objs = policiesOf(r);
      for (const p of objs.filter((o) => o.kind === "ValidatingAdmissionPolicy")) {
        expect((p.spec as Obj).failurePolicy).toBe("Fail");
        const b = objs.find((o) => o.kind === "ValidatingAdmissionPolicyBinding" && (o.spec as Obj).policyName === (p.metadata as Obj).name)!;
        expect(b.spec).toEqual({
          policyName: (p.metadata as Obj).name,
          validationActions: ["Deny"],
          matchResources: { namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system"] }] } },
        });
      }
    }
  });

  it("the controller: kubectl under a static busybox, least privilege, args from the spec", () => {
    const objs = controllerObjects(flannel);
    expect(objs.map((o) => `${String(o.kind)}/${String((o.metadata as Obj).name)}`)).toEqual([
      "ServiceAccount/slipway-tenant-controller",
      "ClusterRole/slipway-tenant-controller",
      "ClusterRoleBinding/slipway-tenant-controller",
      "ConfigMap/slipway-tenant-controller",
      "Deployment/slipway-tenant-controller",
    ]);
    const role = objs[1] as { rules: { resources: string[]; verbs: string[] }[] };
    expect(role.rules).toEqual([
      { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch", "patch"] },
      { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list", "create", "patch"] },
    ]);
    const podSpec = ((objs[4]!.spec as Obj).template as { spec: { initContainers: Obj[]; containers: Obj[] } }).spec;
    expect(podSpec.initContainers[0]!.image).toBe("docker.io/library/busybox:1.37.0-musl");
    const c = podSpec.containers[0]!;
    expect(c.image).toBe("rancher/kubectl:v1.36.0");
    expect(c.command).toEqual(["/tools/busybox", "sh", "/etc/slipway-tenants/tenant-controller.sh"]);
    expect(c.args).toEqual(["/etc/slipway-tenants/policy.yaml", "dp-", "dp-system"]);
    expect(shellcheck(configMap(flannel)["tenant-controller.sh"]!)).not.toMatch(/SC\d+/);
  });
});

describe("tenants: admission (the rendered CEL, evaluated)", () => {
  const fresh = namespace("dp-u1-web");
  const done = namespace("dp-u1-web", ISOLATED);

  it("a deployer creates dp-<user>-<project> as it likes; it cannot mark it isolated or make a prefixed name no tenant", () => {
    const p = policiesOf(flannel);
    expect(admitAll(p, nsRequest("CREATE", fresh, null)).allowed).toBe(true);
    expect(admitAll(p, nsRequest("CREATE", namespace("dp-u1-web", { "slipway.dev/isolated": "true", "pod-security.kubernetes.io/enforce": "baseline" }), null)).denied).toEqual([
      "only Slipway's tenant controller and Argo CD set slipway.dev/isolated: it says the namespace's isolation policy exists",
    ]);
    expect(admitAll(p, nsRequest("CREATE", namespace("dp-u1-web", { "slipway.dev/tenant": "false" }), null)).allowed).toBe(false);
    // The deployer's own namespace and others are no tenants.
    expect(admitAll(p, nsRequest("CREATE", namespace("dp-system", { "slipway.dev/tenant": "false" }), null)).allowed).toBe(true);
  });

  it("once a tenant, always a tenant; an isolated tenant keeps Pod Security baseline or restricted", () => {
    const p = policiesOf(flannel);
    const byLabel = namespace("acme", { ...ISOLATED });
    const { "slipway.dev/tenant": _dropped, ...unlabelled } = ISOLATED;
    expect(admitAll(p, nsRequest("UPDATE", namespace("acme", unlabelled), byLabel)).allowed).toBe(false);
    expect(admitAll(p, nsRequest("UPDATE", namespace("acme", unlabelled), byLabel, CONTROLLER)).allowed).toBe(false);
    expect(admitAll(p, nsRequest("UPDATE", namespace("dp-u1-web", { ...ISOLATED, "pod-security.kubernetes.io/enforce": "privileged" }), done)).allowed).toBe(false);
    expect(admitAll(p, nsRequest("UPDATE", namespace("dp-u1-web", { ...ISOLATED, "pod-security.kubernetes.io/enforce": "restricted" }), done)).allowed).toBe(true);
    // Any other update of a tenant (an annotation, another label) goes through.
    expect(admitAll(p, nsRequest("UPDATE", namespace("dp-u1-web", { ...ISOLATED, team: "a" }), done)).allowed).toBe(true);
  });

  it("with cert-manager solving HTTP-01, its solver pods may run in a tenant namespace without gVisor; nobody else's", async () => {
    const CERT_MANAGER = "system:serviceaccount:cert-manager:cert-manager";
    const acme = ["  certManager:", "    acme: {email: ops@example.org}"];
    const withAcme = await renderOk(withVersion(spec(NODES, "  network:", "    ingress: traefik", ...TENANTS, ...acme, ...APPS)));
    const p = policiesOf(withAcme);
    expect(admitAll(p, createPod(done, pod("cm-acme-http-solver-x"), CERT_MANAGER)).allowed).toBe(true);
    expect(admitAll(p, createPod(done, pod("web"))).allowed).toBe(false);
    // Not before the namespace is isolated, even for cert-manager.
    expect(admitAll(p, createPod(fresh, pod("cm-acme-http-solver-x"), CERT_MANAGER)).allowed).toBe(false);
    // Without cert-manager, its name opens nothing.
    expect(admitAll(policiesOf(flannel), createPod(done, pod("cm-acme-http-solver-x"), CERT_MANAGER)).allowed).toBe(false);
  });

  it("no pod in a tenant namespace before it is isolated, none outside gVisor after; other namespaces are untouched", () => {
    const p = policiesOf(flannel);
    expect(admitAll(p, createPod(fresh, pod("web", "gvisor"))).denied[0]).toMatch(/^this tenant namespace is not isolated yet/);
    expect(admitAll(p, createPod(done, pod("web"))).denied).toEqual(["pods in tenant namespaces must set runtimeClassName: gvisor (network.isolation.forceGvisor)"]);
    expect(admitAll(p, createPod(done, pod("web", "runc"))).allowed).toBe(false);
    expect(admitAll(p, createPod(done, pod("web", "gvisor"))).allowed).toBe(true);
    // A tenant by its label alone, whatever its name.
    expect(admitAll(p, createPod(namespace("acme", ISOLATED), pod("web"))).allowed).toBe(false);
    expect(admitAll(p, createPod(namespace("dp-system"), pod("deployer"))).allowed).toBe(true);
    expect(admitAll(p, createPod(namespace("kube-system"), pod("coredns"), "system:serviceaccount:kube-system:replicaset-controller")).allowed).toBe(true);
  });

  it("a tenant cannot re-open the metadata address, other tenants or the platform with its own NetworkPolicy", () => {
    const p = policiesOf(flannel);
    const reopen = {
      metadata: netpol("metadata", { policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }] }] }),
      anywhere: netpol("anywhere", { policyTypes: ["Egress"], egress: [{}] }),
      "every namespace": netpol("all-ns", { policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: {} }] }] }),
      "pods of every namespace": netpol("all-pods", { policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: {}, podSelector: {} }] }] }),
      "another tenant": netpol("b", { policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "dp-u2-api" } } }] }] }),
      "the world in": netpol("world", { policyTypes: ["Ingress"], ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] }),
    };
    for (const [what, np] of Object.entries(reopen)) {
      expect({ what, allowed: admitAll(p, npRequest("CREATE", done, np)).allowed }).toEqual({ what, allowed: false });
    }
    // Policies among its own pods are fine; outside tenant namespaces nothing is checked.
    const own = netpol("web-to-db", { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }] }] });
    expect(admitAll(p, npRequest("CREATE", done, own)).allowed).toBe(true);
    expect(admitAll(p, npRequest("CREATE", namespace("dp-system"), reopen.metadata)).allowed).toBe(true);
    // Argo CD (the listed tenants' policies) and the controller may.
    expect(admitAll(p, npRequest("CREATE", done, reopen.metadata, null, ARGOCD)).allowed).toBe(true);
  });

  it("Slipway's isolation policy is the controller's: a tenant neither changes nor deletes it, the namespace's deletion does", () => {
    const p = policiesOf(flannel);
    const mine = tenantPolicyIn(flannel, "dp-u1-web");
    const narrowed = { ...mine, spec: { podSelector: {}, policyTypes: ["Ingress"] } };
    expect(admitAll(p, npRequest("UPDATE", done, narrowed, mine)).allowed).toBe(false);
    expect(admitAll(p, npRequest("DELETE", done, null, mine)).allowed).toBe(false);
    expect(admitAll(p, npRequest("CREATE", done, mine, null, CONTROLLER)).allowed).toBe(true);
    expect(admitAll(p, npRequest("UPDATE", done, mine, mine, CONTROLLER)).allowed).toBe(true);
    const terminating = namespace("dp-u1-web", ISOLATED, { deletionTimestamp: "2026-11-24T10:00:00Z" });
    expect(admitAll(p, npRequest("DELETE", terminating, null, mine, NS_CONTROLLER)).allowed).toBe(true);
    // A tenant's own policy it may delete.
    expect(admitAll(p, npRequest("DELETE", done, null, netpol("web-to-db", {}))).allowed).toBe(true);
  });

  it("with Cilium, tenants write no CiliumNetworkPolicy", () => {
    const p = policiesOf(cilium);
    const cnp = { apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", metadata: { name: "x" }, spec: { endpointSelector: {}, egress: [{ toEntities: ["world"] }] } };
    const req = (ns: Obj, username = DEPLOYER): AdmissionRequest => ({ operation: "CREATE", resource: ["cilium.io", "ciliumnetworkpolicies"], namespace: (ns.metadata as { name: string }).name, username, object: cnp, namespaceObject: ns });
    expect(admitAll(p, req(done)).allowed).toBe(false);
    expect(admitAll(p, req(namespace("dp-system"))).allowed).toBe(true);
    expect(admitAll(policiesOf(flannel), req(done)).allowed).toBe(true); // no such policy without Cilium
  });
});

describe("tenants: the isolation NetworkPolicy, evaluated", () => {
  const a: Endpoint = { namespace: "dp-u1-web", labels: { app: "web" } };
  const a2: Endpoint = { namespace: "dp-u1-web", labels: { app: "db" } };
  const b: Endpoint = { namespace: "dp-u2-api", labels: { app: "api" } };
  const policies = () => [tenantPolicyIn(flannel, "dp-u1-web"), tenantPolicyIn(flannel, "dp-u2-api")];
  const dns: Endpoint = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };

  it("tenants reach their own pods, DNS and the internet; not each other, the platform, the nodes, private ranges or the metadata address", () => {
    const ps = policies();
    const cases: [string, Endpoint, Endpoint, number, string?][] = [
      ["own pods", a, a2, 5432],
      ["DNS over UDP", a, dns, 53, "UDP"],
      ["DNS over TCP", a, dns, 53],
      ["the internet", a, { ip: "1.1.1.1" }, 443],
      ["from Traefik", { namespace: "traefik", labels: { "app.kubernetes.io/name": "traefik" } }, a, 8080],
    ];
    for (const [what, src, dst, port, proto] of cases) expect({ what, ok: reachable(ps, src, dst, port, proto) }).toEqual({ what, ok: true });
    const denied: [string, Endpoint, Endpoint, number][] = [
      ["another tenant", a, b, 8080],
      ["from another tenant", b, a, 8080],
      ["the deployer's namespace", a, { namespace: "dp-system", labels: { app: "deployer" } }, 8080],
      ["Argo CD", a, { namespace: "argocd", labels: {} }, 8080],
      ["kube-system besides DNS", a, { namespace: "kube-system", labels: { app: "metrics-server" } }, 443],
      ["DNS on another port", a, dns, 9153],
      ["the metadata address", a, { ip: "169.254.169.254" }, 80],
      ["a node's public address (kubelet)", a, { ip: "203.0.113.11" }, 10250],
      ["a node's private address", a, { ip: "10.0.1.1" }, 6443],
      ["the service network", a, { ip: "10.43.0.1" }, 443],
      ["from a platform namespace", { namespace: "monitoring", labels: {} }, a, 8080],
    ];
    for (const [what, src, dst, port] of denied) expect({ what, ok: reachable(ps, src, dst, port) }).toEqual({ what, ok: false });
  });

  it("whatever NetworkPolicy a tenant gets admitted changes none of that", () => {
    const p = policiesOf(flannel);
    const done = namespace("dp-u1-web", ISOLATED);
    const candidates = [
      netpol("t1", { policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }] }] }),
      netpol("t2", { policyTypes: ["Egress"], egress: [{ to: [{ podSelector: {} }] }] }),
      netpol("t3", { policyTypes: ["Egress", "Ingress"], egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }], ingress: [{ from: [{ podSelector: {} }] }] }),
      netpol("t4", { policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: {}, podSelector: {} }] }] }),
      netpol("t5", { policyTypes: ["Ingress"], ingress: [{}] }),
    ];
    const probes: [Endpoint, Endpoint, number][] = [
      [a, { ip: "169.254.169.254" }, 80],
      [a, b, 8080],
      [b, a, 8080],
      [a, { namespace: "argocd", labels: {} }, 8080],
      [a, { ip: "203.0.113.10" }, 6443],
    ];
    let admitted = 0;
    for (const np of candidates) {
      if (!admitAll(p, npRequest("CREATE", done, np)).allowed) continue;
      admitted++;
      const ps = [...policies(), { ...np, metadata: { ...(np.metadata as Obj), namespace: "dp-u1-web" } }];
      for (const [src, dst, port] of probes) expect(reachable(ps, src, dst, port)).toBe(false);
    }
    expect(admitted).toBe(2); // t2 and t3
  });
});

describe("tenants: the Cilium guard", () => {
  it("selects tenants by the label the controller sets and denies private ranges, the nodes and the platform, never DNS", () => {
    const [ccnp] = objectsOf(cilium, "rendered/manifests/isolation/cilium-tenant-guard.yaml") as { spec: { endpointSelector: Obj; egressDeny: Obj[]; enableDefaultDeny: Obj } }[];
    expect(ccnp!.spec.endpointSelector).toEqual({ matchLabels: { "k8s:io.cilium.k8s.namespace.labels.slipway.dev/tenant": "true" } });
    expect(configMap(cilium)["tenant-controller.sh"]).toContain("label namespace \"$1\" --overwrite slipway.dev/tenant=true");
    expect(ccnp!.spec.enableDefaultDeny).toEqual({ egress: false, ingress: false });
    const [entities, cidrs, endpoints] = ccnp!.spec.egressDeny as [{ toEntities: string[] }, { toCIDR: string[] }, { toEndpoints: { matchExpressions: { key: string; values: string[] }[] }[] }];
    expect(entities.toEntities).toEqual(["host", "remote-node", "kube-apiserver"]);
    for (const addr of ["169.254.169.254", "10.0.1.1", "203.0.113.10", "203.0.113.11", "192.168.1.1", "172.16.0.1", "100.64.0.1"]) {
      expect({ addr, denied: cidrs.toCIDR.some((c) => !c.includes(":") && v4Within(addr, c)) }).toEqual({ addr, denied: true });
    }
    expect(cidrs.toCIDR.some((c) => !c.includes(":") && v4Within("1.1.1.1", c))).toBe(false);
    const [nsExpr, dnsExpr] = endpoints.toEndpoints[0]!.matchExpressions;
    expect(nsExpr!.key).toBe("k8s:io.kubernetes.pod.namespace");
    expect(nsExpr!.values).toEqual(expect.arrayContaining(["argocd", "default", "dp-system", "kube-system", "slipway-system", "system-upgrade"]));
    expect(dnsExpr).toEqual({ key: "k8s:k8s-app", operator: "NotIn", values: ["kube-dns"] });
  });
});

describe("tenants: the controller's script, run", () => {
  const tmp = tempDir("slipway-tenants-");
  afterAll(() => tmp.cleanup());
  const SHELLS: [string, string[]][] = [["sh", ["sh"]], ...(hasTool("busybox") ? [["busybox sh", ["busybox", "sh"]] as [string, string[]]] : [])];
  if (!hasTool("busybox")) warnSkip("the tenant controller under busybox sh (its image's shell)", "busybox");
  let n = 0;

  /**
   * Runs the script from the rendered ConfigMap with the Deployment's args against a kubectl
   * stand-in that lists `namespaces` (name|tenant|isolated|enforce|deletionTimestamp, as the
   * script's jsonpath prints them) and logs every other call.
   */
  function run(shell: string[], namespaces: string[], passes: number) {
    const dir = join(tmp.dir, `run-${n++}`);
    mkdirSync(dir, { recursive: true });
    const data = configMap(flannel);
    for (const [f, text] of Object.entries(data)) writeFileSync(join(dir, f), text);
    writeFileSync(join(dir, "namespaces"), namespaces.map((l) => `${l}\n`).join(""));
    const log = join(dir, "kubectl.log");
    const kubectl = join(dir, "kubectl");
    writeFileSync(kubectl, `#!/bin/sh\nif [ "$1" = get ]; then printf '%s\\n' "$*" >> '${log}.get'; cat '${join(dir, "namespaces")}'; exit 0; fi\nprintf '%s\\n' "$*" >> '${log}'\n`);
    chmodSync(kubectl, 0o755);
    const deploy = controllerObjects(flannel).find((o) => o.kind === "Deployment")!;
    const c = ((deploy.spec as Obj).template as { spec: { containers: { args: string[] }[] } }).spec.containers[0]!;
    const args = c.args.map((a) => a.replace("/etc/slipway-tenants", dir));
    const r = spawnSync(shell[0]!, [...shell.slice(1), join(dir, "tenant-controller.sh"), ...args], {
      encoding: "utf8",
      env: { PATH: "/usr/bin:/bin", SLIPWAY_KUBECTL: kubectl, SLIPWAY_PASSES: String(passes), SLIPWAY_INTERVAL: "0" },
      timeout: 20_000,
    });
    const calls = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
    const gets = readFileSync(`${log}.get`, "utf8").trim().split("\n");
    return { r, calls, gets, dir };
  }

  describe.each(SHELLS)("under %s", (_label, shell) => {
    it("labels, applies and marks every tenant, in that order; skips others, the excepted and the terminating", () => {
      const { r, calls, gets, dir } = run(shell, ["dp-u1-web||||", "dp-system||||", "acme|true|||", "dp-u2-api|||restricted|", "dp-u3-old||||2026-11-24T10:00:00Z", "default||||"], 1);
      expect(r.status, r.stderr).toBe(0);
      expect(gets).toEqual([
        'get namespaces -o jsonpath={range .items[*]}{.metadata.name}{"|"}{.metadata.labels.slipway\\.dev/tenant}{"|"}{.metadata.labels.slipway\\.dev/isolated}{"|"}{.metadata.labels.pod-security\\.kubernetes\\.io/enforce}{"|"}{.metadata.deletionTimestamp}{"\\n"}{end}',
      ]);
      const apply = `apply --namespace NS --server-side --force-conflicts --field-manager=slipway-tenant-controller -f ${dir}/policy.yaml`;
      const steps = (ns: string, psa: boolean) => [
        `label namespace ${ns} --overwrite slipway.dev/tenant=true${psa ? " pod-security.kubernetes.io/enforce=baseline pod-security.kubernetes.io/warn=restricted" : ""}`,
        apply.replace("NS", ns),
        `label namespace ${ns} --overwrite slipway.dev/isolated=true`,
      ];
      expect(calls).toEqual([...steps("dp-u1-web", true), ...steps("acme", true), ...steps("dp-u2-api", false)]);
      expect(r.stdout).toContain("slipway-tenants: isolated tenant namespace dp-u1-web");
    });

    it("after the first (full) pass, only namespaces not isolated yet", () => {
      const { r, calls } = run(shell, ["dp-u1-web|true|true|baseline|", "dp-u4-new||||"], 2);
      expect(r.status, r.stderr).toBe(0);
      const applied = calls.filter((c) => c.startsWith("apply")).map((c) => c.split(" ")[2]);
      expect(applied).toEqual(["dp-u1-web", "dp-u4-new", "dp-u4-new"]);
    });
  });

  it("what it asks of the API, the admission policies allow; after it, the deployer's gVisor pods are admitted", () => {
    const p = policiesOf(flannel);
    let ns = namespace("dp-u1-web");
    // The deployer creates the namespace; the controller's label calls, as the API server sees them.
    expect(admitAll(p, nsRequest("CREATE", ns, null)).allowed).toBe(true);
    expect(admitAll(p, createPod(ns, pod("web", "gvisor"))).allowed).toBe(false);
    const labelled = namespace("dp-u1-web", { "slipway.dev/tenant": "true", "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted" });
    expect(admitAll(p, nsRequest("UPDATE", labelled, ns, CONTROLLER)).allowed).toBe(true);
    expect(admitAll(p, npRequest("CREATE", labelled, tenantPolicyIn(flannel, "dp-u1-web"), null, CONTROLLER)).allowed).toBe(true);
    const marked = namespace("dp-u1-web", { ...(labelled.metadata as { labels: Record<string, string> }).labels, "slipway.dev/isolated": "true" });
    expect(admitAll(p, nsRequest("UPDATE", marked, labelled, CONTROLLER)).allowed).toBe(true);
    ns = marked;
    expect(admitAll(p, createPod(ns, pod("web", "gvisor"))).allowed).toBe(true);
  });
});

describe("tenants: spec rules", () => {
  const nodesAnd = (...lines: string[]) => withVersion(spec(NODES, "  network:", "    isolation:", ...lines));

  it("a prefix must be a namespace-name start (schema, with the field's hint)", async () => {
    const r = await render(nodesAnd("      tenants: {prefixes: [Dp_]}"));
    expect(problems(r, "SW-SCHEMA")).toEqual([["error", "SW-SCHEMA-FORMAT", "spec.network.isolation.tenants.prefixes[0]", 17]]);
    expect(r.diagnostics.find((d) => d.code === "SW-SCHEMA-FORMAT")!.message).toBe('"Dp_" is not a valid namespace prefix');
  });

  it("prefixes may not overlap Kubernetes' or Slipway's names, or claim a platform or app namespace unless excepted", async () => {
    const r = await render(
      [
        nodesAnd("      tenants: {prefixes: [kube, slipway-x, a, s, dp-], except: [system-upgrade, zz-unused]}").replace(/\n$/, ""),
        "  apps:",
        "    - {name: deployer, namespace: dp-system, chart: {repo: https://charts.example.org, name: d, version: 1.0.0}}",
        "",
      ].join("\n"),
    );
    // kube and s would claim names Kubernetes and Slipway reserve; a claims argocd; dp- claims the app's dp-system.
    expect(problems(r, "SW-ISOLATION")).toEqual([
      ["error", "SW-ISOLATION-PREFIX-RESERVED", "spec.network.isolation.tenants.prefixes[0]", 17],
      ["error", "SW-ISOLATION-PREFIX-RESERVED", "spec.network.isolation.tenants.prefixes[1]", 17],
      ["error", "SW-ISOLATION-PREFIX-PLATFORM", "spec.network.isolation.tenants.prefixes[2]", 17],
      ["error", "SW-ISOLATION-PREFIX-RESERVED", "spec.network.isolation.tenants.prefixes[3]", 17],
      ["warning", "SW-ISOLATION-EXCEPT-UNMATCHED", "spec.network.isolation.tenants.except[1]", 17],
      ["error", "SW-ISOLATION-PREFIX-CLAIMS-NAMESPACE", "spec.apps[0].namespace", 19],
    ]);
    expect(r.diagnostics.filter((d) => d.code === "SW-ISOLATION-PREFIX-PLATFORM").map((d) => d.message)).toEqual([
      'tenant prefix "a" claims namespace argocd of Argo CD: it would be isolated like a tenant and cut off',
    ]);
  });

  it("isolation needs tenants or namespaces; forceGvisor needs gVisor", async () => {
    const r = await render(withVersion(spec(NODES, "  network:", "    isolation: {forceGvisor: true}")));
    expect(problems(r, "SW-ISOLATION")).toEqual([
      ["error", "SW-ISOLATION-EMPTY", "spec.network.isolation", 16],
      ["error", "SW-ISOLATION-GVISOR-MISSING", "spec.network.isolation.forceGvisor", 16],
    ]);
  });
});

describe("platform namespaces", () => {
  it("the rule's list holds every namespace the plan deploys platform components into", async () => {
    const everything = withVersion(
      spec(
        NODES.replace("10.0.1.1}", "10.0.1.1, labels: {dns: \"true\"}}"),
        "  network:",
        "    isolation: {tenants: {prefixes: [dp-]}}",
        "  monitoring: {}",
        "  certManager: {acme: {email: ops@example.org}}",
        "  dns:",
        "    failover: {zone: example.org, records: [{name: www}], probe: {tcp: {port: 443}}}",
        ...APPS.map((l) => l.replace("dp-system", "tools")),
      ),
    );
    const examples = ["contabo-ha", "hetzner-single", "mcpdeploy"].map((e) => readFileSync(join(ROOT, "examples", e, "cluster.yaml"), "utf8"));
    for (const text of [everything, ...examples]) {
      const r = await render(text);
      if (!r.files) continue; // an example may carry a warning only; errors would show in its own tests
      const known = new Set([...platformNamespaces(r.resolved!.spec).keys(), ...specNamespaces(r.resolved!.spec).map((n) => n.namespace), ...(r.resolved!.spec.spec.network.isolation?.namespaces ?? [])]);
      const destinations = r.files.filter((f) => f.path.startsWith("rendered/apps/")).flatMap((f) => yamlObjects(f.text)).filter((a) => a.kind === "Application").map((a) => ((a.spec as Obj).destination as { namespace: string }).namespace);
      for (const d of destinations) expect({ namespace: d, known: known.has(d) || d.startsWith("slipway-") }).toEqual({ namespace: d, known: true });
    }
  }, 60_000);
});
