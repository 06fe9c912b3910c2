/**
 * The dns-failover component as rendered: the ConfigMap's Corefiles (parsed), its prober script
 * (byte for byte the shipped one, shellcheck-clean), its prober config run through that very script
 * under BusyBox against loopback listeners (every zone passes named-checkzone), the DaemonSet's
 * placement and hardening, and the Contabo example through the strict schemas and cloud-init schema.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { corefile } from "../../generator/dns/zone-config.js";
import { DNS_FAILOVER_IMAGES, DNS_PORTS, servesDns } from "../../generator/plan/components/dns-failover.js";
import { sha256 } from "../../generator/render/helpers.js";
import { resolve } from "../../generator/spec/resolve.js";
import { BIRTH_RULES_PATH as FIREWALL_RULES_PATH } from "../../generator/plan/components/host-firewall.js";
import { cloudInit, expectExternalChecksPass, nodeFile, objectsOf, problems, render, renderOk, spec } from "../components/_platform.js";
import { ROOT } from "../support/cli.js";
import { rulesetFor } from "../support/firewall.js";
import {
  addressesOf,
  busyboxPath,
  checkZone,
  freePort,
  haveTool,
  parseCorefile,
  PROBER_SCRIPT,
  readZone,
  removeTempDirs,
  startTracked,
  stopAll,
  TcpNode,
  tempDir,
  waitFor,
  type CoreNode,
} from "./helpers.js";

const hasBusybox = haveTool("busybox", "busybox");
const hasShellcheck = haveTool("shellcheck", "shellcheck");
const hasCheckzone = haveTool("named-checkzone", "bind9-utils");

const CONFIGMAP = "rendered/manifests/dns-failover/configmap.yaml";
const DAEMONSET = "rendered/manifests/dns-failover/daemonset.yaml";

afterEach(async () => {
  await stopAll();
});
afterAll(async () => {
  await stopAll();
  removeTempDirs();
});

// Rendered objects are checked field by field below; the strict schemas check their types.
type Obj = Record<string, any>;

const THREE_SERVERS = [
  "  nodes:",
  "    - {name: node-1, role: server, address: 203.0.113.11}",
  "    - {name: node-2, role: server, address: 203.0.113.12, privateAddress: 10.0.0.12}",
  "    - {name: node-3, role: server, address: 2001:db8::13}",
  "    - {name: worker-1, role: agent, address: 203.0.113.21}",
].join("\n");

function failover(...lines: string[]): string {
  return ["  dns:", "    failover:", ...lines.map((l) => `      ${l}`)].join("\n");
}

const BASIC = failover("zone: example.com", "records:", '  - {name: "@"}', "  - {name: api, nodes: [node-2, worker-1]}", "probe: {tcp: {port: 443}}");

function configData(r: Awaited<ReturnType<typeof render>>): Record<string, string> {
  const [cm] = objectsOf(r, CONFIGMAP) as Obj[];
  expect(cm!.kind).toBe("ConfigMap");
  return cm!.data as Record<string, string>;
}

function daemonSet(r: Awaited<ReturnType<typeof render>>): Obj {
  const [ds] = objectsOf(r, DAEMONSET) as Obj[];
  expect(ds!.kind).toBe("DaemonSet");
  return ds!;
}

function directive(block: CoreNode, name: string): CoreNode[] {
  return block.children?.filter((c) => c.words[0] === name) ?? [];
}

describe("dns-failover ConfigMap", () => {
  it("has one Corefile per server: the zone from the prober's file with reload, bound to that server's public address", async () => {
    const r = await renderOk(spec(THREE_SERVERS, BASIC));
    const data = configData(r);
    expect(Object.keys(data)).toEqual(["Corefile.node-1", "Corefile.node-2", "Corefile.node-3", "prober.conf", "prober.sh"]);
    const publicAddress = { "node-1": "203.0.113.11", "node-2": "203.0.113.12", "node-3": "2001:db8::13" };
    for (const [node, address] of Object.entries(publicAddress)) {
      const blocks = parseCorefile(data[`Corefile.${node}`]!);
      expect(blocks.map((b) => b.words)).toEqual([["example.com.:53"]]);
      const [block] = blocks as [CoreNode];
      // The public address, also on node-2 whose K3s node-ip (the pod's status.hostIP) is private.
      expect(directive(block, "bind").map((d) => d.words)).toEqual([["bind", address]]);
      const [file, ...moreFiles] = directive(block, "file");
      expect(moreFiles).toEqual([]);
      expect(file!.words).toEqual(["file", "/zone/db.example.com"]);
      expect(file!.children?.map((c) => c.words)).toEqual([["reload", "5s"]]);
      expect(block.children?.map((c) => c.words[0]).sort()).toEqual(["bind", "errors", "file", "loadbalance"]);
    }
  });

  it("carries templates/manifests/dns-failover/prober.sh byte for byte, and that script passes shellcheck", async () => {
    const r = await renderOk(spec(THREE_SERVERS, BASIC));
    const script = configData(r)["prober.sh"]!;
    expect(Buffer.from(script, "utf8").equals(readFileSync(PROBER_SCRIPT))).toBe(true);
    if (!hasShellcheck) return;
    const sc = spawnSync("shellcheck", ["-s", "sh", "-"], { input: script, encoding: "utf8" });
    expect(`${sc.stdout}${sc.stderr}`).toBe("");
    expect(sc.status).toBe(0);
  });

  it("defaults a record's nodes to every node (no ingress pool: the ingress runs everywhere)", async () => {
    const r = await renderOk(spec(THREE_SERVERS, BASIC));
    const conf = configData(r)["prober.conf"]!.split("\n");
    expect(conf.filter((l) => l.startsWith("record "))).toEqual(["record @ node-1,node-2,node-3,worker-1", "record api node-2,worker-1"]);
    // Name servers are the servers only, in spec order; agents are probed but serve no DNS.
    expect(conf.filter((l) => l.startsWith("ns "))).toEqual(["ns ns1 203.0.113.11", "ns ns2 203.0.113.12", "ns ns3 2001:db8::13"]);
    expect(conf).toContain("node worker-1 203.0.113.21");
  });
});

describe("dns-failover DaemonSet", () => {
  it("runs on the servers only, on the host network, hardened, with pinned images and no API access", async () => {
    const r = await renderOk(spec(THREE_SERVERS, BASIC));
    const ds = daemonSet(r);
    expect(ds.metadata.namespace).toBe("dns-failover");
    const pod = ds.spec.template.spec as Obj;
    expect(pod.nodeSelector).toEqual({ "node-role.kubernetes.io/control-plane": "true" });
    expect(pod.tolerations).toEqual([
      { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
      { key: "CriticalAddonsOnly", operator: "Exists" },
    ]);
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe("ClusterFirstWithHostNet");
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    const [coredns, prober] = pod.containers as Obj[];
    expect(coredns!.image).toBe(DNS_FAILOVER_IMAGES.coredns);
    expect(prober!.image).toBe(DNS_FAILOVER_IMAGES.busybox);
    for (const c of pod.containers as Obj[]) {
      expect(c.image).toMatch(/^[a-z/]+:[0-9]+\.[0-9]+\.[0-9]+$/);
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    }
    expect(coredns!.securityContext.capabilities.add).toEqual(["NET_BIND_SERVICE"]);
    // Binding host port 53 needs uid 0 (file capabilities do not survive no_new_privs); nothing else does.
    expect(coredns!.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false });
    expect(prober!.securityContext.capabilities.add).toBeUndefined();
    expect(coredns!.args).toEqual(["-conf", "/etc/dns-failover/Corefile.$(NODE_NAME)"]);
    expect(coredns!.env).toEqual([{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }]);
    expect(coredns!.ports.map((p: Obj) => `${p.hostPort}:${p.containerPort}/${p.protocol}`)).toEqual(["53:53/UDP", "53:53/TCP"]);
    expect(prober!.command).toEqual(["sh", "/etc/dns-failover/prober.sh"]);
    expect(prober!.resources.limits.memory).toBe("20Mi");
    expect(coredns!.resources.limits).toEqual({ cpu: "250m", memory: "64Mi" });
    // The zone dir is shared: CoreDNS reads what the prober writes.
    const mounts = (c: Obj) => Object.fromEntries((c.volumeMounts as Obj[]).map((m) => [m.mountPath, m.readOnly === true]));
    expect(mounts(coredns!)).toEqual({ "/etc/dns-failover": true, "/zone": true });
    expect(mounts(prober!)).toEqual({ "/etc/dns-failover": true, "/zone": false });
    expect(pod.volumes).toEqual([
      { name: "config", configMap: { name: "dns-failover" } },
      { name: "zone", emptyDir: { sizeLimit: "8Mi" } },
    ]);
    // No RBAC and no ServiceAccount anywhere in the component.
    const kinds = r.files.filter((f) => f.path.startsWith("rendered/manifests/dns-failover/")).flatMap((f) => objectsOf(r, f.path).map((o) => o.kind));
    expect(kinds.sort()).toEqual(["ConfigMap", "DaemonSet"]);
    await expectExternalChecksPass(r);
  });

  it("rolls the pods when the config changes: the annotation is the SHA-256 of the ConfigMap's data", async () => {
    // (Changes to the prober's environment, e.g. ttl, change the pod template itself.)
    const a = await renderOk(spec(THREE_SERVERS, BASIC));
    const b = await renderOk(spec(THREE_SERVERS, BASIC.replace('{name: "@"}', '{name: "@"}\n        - {name: www}')));
    const c = await renderOk(spec(THREE_SERVERS, BASIC));
    const sum = (r: typeof a) => daemonSet(r).spec.template.metadata.annotations["slipway.dev/config-sha256"] as string;
    expect(sum(a)).toBe(sha256(configData(a)));
    expect(sum(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(sum(b)).not.toBe(sum(a));
    expect(sum(c)).toBe(sum(a));
  });

  it("the prober's environment comes from the spec: http probe, interval and thresholds", async () => {
    const r = await renderOk(spec(THREE_SERVERS, failover("zone: example.com.", "records: [{name: www}]", "ttl: 45", "probe: {http: {port: 8080, path: /ready}, interval: 7s, timeout: 3s, failures: 4, successes: 1}")));
    const env = Object.fromEntries((daemonSet(r).spec.template.spec.containers[1].env as Obj[]).map((e) => [e.name, e.value]));
    expect(env).toEqual({
      ZONE: "example.com",
      CONFIG: "/etc/dns-failover/prober.conf",
      ZONE_DIR: "/zone",
      TTL: "45",
      NS_TTL: "3600",
      PROBE_KIND: "http",
      PROBE_PORT: "8080",
      PROBE_PATH: "/ready",
      INTERVAL: "7",
      TIMEOUT: "3",
      FAILURES: "4",
      SUCCESSES: "1",
    });
  });

  it("is absent without dns.failover", async () => {
    const r = await renderOk(spec(THREE_SERVERS));
    expect(r.files.some((f) => f.path.includes("dns-failover"))).toBe(false);
  });

  it("opens 53/udp and 53/tcp in the cluster firewall of the servers only (the tree's ruleset, not user-data)", async () => {
    const r = await renderOk(spec(THREE_SERVERS, BASIC, "  hosts:", "    firewall: {sshFrom: [198.51.100.0/24]}"));
    const res = resolve(r.spec!);
    expect(res.nodes.filter((n) => servesDns(res, n)).map((n) => n.name)).toEqual(["node-1", "node-2", "node-3"]);
    expect(DNS_PORTS).toEqual([
      { port: 53, protocol: "udp" },
      { port: 53, protocol: "tcp" },
    ]);
    const rulesets = (rr: typeof r) => (objectsOf(rr, "rendered/manifests/host-firewall/configmap.yaml")[0]!.data ?? {}) as Record<string, string>;
    const dnsRules = (node: string, rr = r) => rulesetFor(rulesets(rr), node).split("\n").filter((l) => / dport 53 /.test(l)).map((l) => l.trim());
    for (const server of ["node-1", "node-2", "node-3"]) {
      expect(dnsRules(server)).toEqual(['udp dport 53 accept comment "DNS failover zone"', 'tcp dport 53 accept comment "DNS failover zone"']);
    }
    expect(dnsRules("worker-1")).toEqual([]);
    // The birth ruleset in user-data opens no DNS: turning failover on changes no user-data.
    expect(nodeFile(cloudInit(r, "node-1"), FIREWALL_RULES_PATH)!.content).not.toContain("dport 53");
    const without = await renderOk(spec(THREE_SERVERS, "  hosts:", "    firewall: {sshFrom: [198.51.100.0/24]}"));
    expect(dnsRules("node-1", without)).toEqual([]);
  });
});

describe("spec rules for dns.failover", () => {
  it("accepts TXT text with ';' and quotes (DMARC), MX and TXT beside a failover name, and renders them", async () => {
    const extras = [
      "extraRecords:",
      '  - {name: _dmarc, type: TXT, value: "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"}',
      '  - {name: "@", type: MX, value: "10 mail"}',
      '  - {name: "@", type: TXT, value: "say \\"hi\\""}',
      "  - {name: mail, type: A, value: 203.0.113.40}",
      "  - {name: docs, type: CNAME, value: docs.example.net.}",
    ];
    const r = await renderOk(spec(THREE_SERVERS, `${BASIC}\n${extras.map((l) => `      ${l}`).join("\n")}`));
    expect(problems(r).filter(([, code]) => code.startsWith("SW-DNS"))).toEqual([]);
    const conf = configData(r)["prober.conf"]!;
    expect(conf).toContain('extra _dmarc 3600 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"\n');
    expect(conf).toContain('extra @ 3600 IN TXT "say \\"hi\\""\n');
  });

  it("warns when a record name repeats the zone", async () => {
    const r = await renderOk(spec(THREE_SERVERS, failover("zone: example.com", "records: [{name: api.example.com}, {name: example.com}]", "probe: {tcp: {port: 443}}")));
    expect(r.diagnostics.filter((d) => d.code.startsWith("SW-DNS")).map((d) => [d.severity, d.code, d.path, d.hint])).toEqual([
      ["warning", "SW-DNS-RECORD-INCLUDES-ZONE", "spec.dns.failover.records[0].name", 'Record names are relative to the zone: write "api".'],
      ["warning", "SW-DNS-RECORD-INCLUDES-ZONE", "spec.dns.failover.records[1].name", 'Record names are relative to the zone: write "@".'],
    ]);
  });

  it("every example's failover passes the data plane's own full check (no SW-DNS-INVALID)", async () => {
    const r = await render(readFileSync(join(ROOT, "examples/contabo-ha/cluster.yaml"), "utf8"));
    expect(r.diagnostics.filter((d) => d.code.startsWith("SW-DNS"))).toEqual([]);
  });
});

describe("corefile with a bind address", () => {
  it("refuses an address that is not an IP (a bug upstream)", () => {
    const input = { zone: "example.com", ttl: 30, nodes: [{ name: "n", address: "203.0.113.1" }], records: [{ name: "@", nodes: [{ name: "n", address: "203.0.113.1" }] }], probe: { kind: "tcp" as const, port: 1, intervalSeconds: 1, timeoutSeconds: 1, failures: 1, successes: 1 } };
    expect(() => corefile(input, "eth0")).toThrow(/not an IP address/);
  });
});

describe("the rendered prober config, run by the rendered script", () => {
  it.skipIf(!hasBusybox)(
    "yields zones that named-checkzone accepts, dropping and restoring a node",
    async () => {
      const hosts = ["127.0.0.11", "127.0.0.12", "127.0.0.13"];
      const port = await freePort(hosts);
      const nodes = hosts.map((h) => new TcpNode(h, port));
      await Promise.all(nodes.map((n) => n.start()));
      // A spec refuses loopback node addresses (SW-NODE-ADDRESS-UNUSABLE): render with documentation
      // addresses, then point the rendered config at the test's loopback nodes.
      const published = hosts.map((_, i) => `192.0.2.${11 + i}`);
      const toLoopback = (text: string) => published.reduce((t, a, i) => t.replaceAll(a, hosts[i]!), text);
      const nodeList = ["  nodes:", ...published.map((a, i) => `    - {name: node-${i + 1}, role: server, address: ${a}}`)].join("\n");
      const r = await renderOk(
        spec(
          nodeList,
          failover(
            "zone: failover.test",
            "records:",
            '  - {name: "@"}',
            "  - {name: www}",
            "  - {name: api, nodes: [node-2, node-3]}",
            `probe: {tcp: {port: ${port}}, interval: 1s, timeout: 1s, failures: 1, successes: 1}`,
            "extraRecords:",
            '  - {name: _dmarc, type: TXT, value: "v=DMARC1; p=none"}',
            '  - {name: "@", type: MX, value: "10 mail"}',
            "  - {name: mail, type: A, value: 127.0.0.50}",
            "  - {name: docs, type: CNAME, value: www}",
          ),
        ),
      );
      const data = configData(r);
      const dir = tempDir("rendered-prober");
      writeFileSync(join(dir, "prober.sh"), data["prober.sh"]!);
      for (const a of published) expect(data["prober.conf"]).toContain(a);
      writeFileSync(join(dir, "prober.conf"), toLoopback(data["prober.conf"]!));
      const env: Record<string, string> = {};
      for (const e of daemonSet(r).spec.template.spec.containers[1].env as Obj[]) env[e.name] = typeof e.value === "string" ? toLoopback(e.value) : e.value;
      // Only the paths move: the pod's mounts are the test's temp dir.
      const child = startTracked("busybox", ["sh", join(dir, "prober.sh")], { ...env, CONFIG: join(dir, "prober.conf"), ZONE_DIR: dir, PATH: busyboxPath() });
      let output = "";
      child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
      const file = join(dir, "db.failover.test");
      const zoneWhere = (what: string, ok: (z: NonNullable<ReturnType<typeof readZone>>) => boolean) =>
        waitFor(what, 10_000, () => {
          const z = readZone(file);
          return z && ok(z) ? z : undefined;
        }).catch((e: Error) => {
          throw new Error(`${e.message}\n${output}`);
        });
      const valid = () => {
        if (!hasCheckzone) return;
        const c = checkZone("failover.test", file);
        expect(c.output).toContain("OK");
        expect(c.status, c.output).toBe(0);
      };

      const up = await zoneWhere("all nodes in the zone", (z) => addressesOf(z, "@").length === 3);
      expect(addressesOf(up, "api")).toEqual(["127.0.0.12", "127.0.0.13"]);
      expect(up.records.filter((x) => x.type === "NS").map((x) => x.data)).toEqual(["ns1.failover.test.", "ns2.failover.test.", "ns3.failover.test."]);
      expect(up.records.find((x) => x.name === "_dmarc")?.data).toBe('"v=DMARC1; p=none"');
      valid();

      await nodes[2]!.stop();
      const down = await zoneWhere("node-3 to leave", (z) => !addressesOf(z, "@").includes("127.0.0.13"));
      expect(addressesOf(down, "api")).toEqual(["127.0.0.12"]);
      valid();

      await nodes[2]!.start();
      await zoneWhere("node-3 to return", (z) => addressesOf(z, "@").includes("127.0.0.13"));
      valid();
    },
    30_000,
  );
});

describe("the Contabo example", () => {
  it("renders DNS failover for its three servers and passes the strict schemas and cloud-init schema", async () => {
    const r = await renderOk(readFileSync(join(ROOT, "examples/contabo-ha/cluster.yaml"), "utf8"));
    const data = configData(r);
    expect(Object.keys(data).filter((k) => k.startsWith("Corefile."))).toEqual(["Corefile.node-1", "Corefile.node-2", "Corefile.node-3"]);
    expect(parseCorefile(data["Corefile.node-1"]!)[0]!.words).toEqual(["talentmesh.example.:53"]);
    const [app] = objectsOf(r, "rendered/apps/dns-failover.yaml") as Obj[];
    expect(app!.spec.destination.namespace).toBe("dns-failover");
    expect(app!.spec.syncPolicy.syncOptions).toContain("CreateNamespace=true");
    await expectExternalChecksPass(r);
  });
});
