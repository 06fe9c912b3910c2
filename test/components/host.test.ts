/** Host firewall and hardening in cloud-init: nftables table, sshd drop-in, upgrades, SMTP block. */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasTool, tempDir } from "../support/cli.js";
import { cloudInit, expectExternalChecksPass, nodeFile, objectsOf, problems, render, renderOk, scripts, shellcheck, spec } from "./_platform.js";
import { rulesetFor } from "../support/firewall.js";

const KEY = '      authorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleOnlyKeyForHetzner ops@example"]';
const NODES = [
  "  nodes:",
  "    - {name: s1, role: server, address: 198.51.100.1, privateAddress: 10.0.0.1}",
  "    - {name: a1, role: agent, address: 198.51.100.2, privateAddress: 10.0.0.2}",
].join("\n");
const RULES = "/etc/slipway/firewall.nft";

/** `nft -c -f` on a ruleset (syntax and semantics, nothing applied), or null when nft is absent. */
function nftCheck(rules: string): string | null {
  if (!hasTool("nft")) {
    console.warn("SKIP: nft -c: nft is not installed");
    return null;
  }
  const { dir, cleanup } = tempDir("slipway-nft-");
  try {
    const file = join(dir, "rules.nft");
    writeFileSync(file, rules);
    const r = spawnSync("nft", ["-c", "-f", file], { encoding: "utf8" });
    if (/Operation not permitted/.test(r.stderr)) {
      console.warn("SKIP: nft -c: not permitted here");
      return null;
    }
    return `${r.stdout}${r.stderr}`.trim();
  } finally {
    cleanup();
  }
}

function sshdCheck(dropin: string): string | null {
  const sshd = ["/usr/sbin/sshd", "sshd"].find((s) => spawnSync(s, ["-V"], { encoding: "utf8" }).error === undefined);
  if (!sshd) {
    console.warn("SKIP: sshd -t: sshd is not installed");
    return null;
  }
  const { dir, cleanup } = tempDir("slipway-sshd-");
  try {
    writeFileSync(join(dir, "10-slipway.conf"), dropin);
    writeFileSync(join(dir, "sshd_config"), `Include ${join(dir, "10-slipway.conf")}\n`);
    spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "hostkey")]);
    const r = spawnSync(sshd, ["-t", "-f", join(dir, "sshd_config"), "-h", join(dir, "hostkey")], { encoding: "utf8" });
    if (/privilege separation directory/.test(r.stderr)) {
      console.warn("SKIP: sshd -t: no /run/sshd here");
      return null;
    }
    return `${r.stdout}${r.stderr}`.trim();
  } finally {
    cleanup();
  }
}

/** The cluster ruleset of `node` from the host-firewall ConfigMap in the tree. */
function clusterRules(r: Awaited<ReturnType<typeof renderOk>>, node: string): string {
  const [cm] = objectsOf(r, "rendered/manifests/host-firewall/configmap.yaml");
  const data = (cm!.data ?? {}) as Record<string, string>;
  return rulesetFor(data, node);
}

describe("host firewall", () => {
  it("birth ruleset in user-data: SSH and HTTP(S) only, naming no node; loaded at boot before K3s", async () => {
    const r = await renderOk(spec(NODES, "  hosts:", "    ssh:", KEY, "    firewall:", "      sshFrom: [192.0.2.0/24]"));
    const ci = cloudInit(r, "s1");
    expect(ci.packages).toEqual(expect.arrayContaining(["nftables", "unattended-upgrades"]));
    expect(scripts(ci, "harden-host.sh", "install-k3s.sh")).toEqual(["harden-host.sh", "install-k3s.sh"]);
    const rules = nodeFile(ci, RULES)!;
    expect(rules.permissions).toBe("0600");
    const text = rules.content;
    expect(text).toContain("table inet slipway\ndelete table inet slipway\ntable inet slipway {");
    expect(text).not.toMatch(/flush ruleset/);
    expect(text).toContain("type filter hook input priority filter; policy drop;");
    expect(text).toContain("    tcp dport 22 accept\n    tcp dport { 80, 443 } accept\n    udp dport 443 accept\n");
    // Nothing about the cluster: no node, no admin network; cluster ports stay closed until the tree's ruleset arrives.
    for (const a of ["10.0.0.1", "10.0.0.2", "198.51.100.1", "198.51.100.2", "192.0.2.0/24"]) expect(text).not.toContain(a);
    expect(text).not.toMatch(/dport (6443|10250|2379|8472|51820|4240)/);
    const nft = nftCheck(text);
    if (nft !== null) expect(nft).toBe("");
    const unit = nodeFile(ci, "/etc/systemd/system/slipway-firewall.service")!.content;
    expect(unit).toContain("ExecStart=/bin/sh /usr/local/lib/slipway/firewall-boot.sh");
    expect(unit).toContain("Before=network-pre.target shutdown.target k3s.service k3s-agent.service");
    // No default dependencies: After=basic.target would close a boot ordering cycle with network-pre.
    expect(unit).toContain("DefaultDependencies=no");
    const boot = nodeFile(ci, "/usr/local/lib/slipway/firewall-boot.sh")!.content;
    // The cluster's ruleset, kept by the DaemonSet, wins over the birth one at the next boot.
    expect(boot).toContain("for f in '/var/lib/slipway/firewall.nft' '/etc/slipway/firewall.nft'; do");
    expect(boot).toContain('socket cgroupv2 level 1 "system.slice" accept');
    const out = shellcheck(boot);
    if (out !== null) expect(out).toBe("");
    await expectExternalChecksPass(r);
  });

  it("cluster ruleset in the tree: SSH from sshFrom, web from httpFrom (before DNAT), 6443 from apiFrom, everything from nodes, etcd from servers", async () => {
    const r = await renderOk(
      spec(NODES, "  hosts:", "    ssh:", KEY, "    firewall:", "      sshFrom: [192.0.2.0/24, 192.0.2.128/25]", "      httpFrom: [173.245.48.0/20]", "      apiFrom: [203.0.113.0/24]"),
    );
    const text = clusterRules(r, "s1");
    expect(text).toContain("set nodes4 { type ipv4_addr; flags interval; auto-merge; elements = { 10.0.0.1, 10.0.0.2, 198.51.100.1, 198.51.100.2 }; }");
    expect(text).toContain("set servers4 { type ipv4_addr; flags interval; auto-merge; elements = { 10.0.0.1, 198.51.100.1 }; }");
    expect(text).toContain("    tcp dport 2379-2380 ip saddr @servers4 accept\n    tcp dport 2379-2380 ip6 saddr @servers6 accept\n    tcp dport 2379-2380 drop\n    ip saddr @nodes4 accept\n");
    expect(text).toContain("tcp dport 22 ip saddr @ssh4 accept");
    expect(text).not.toMatch(/^\s+tcp dport 22 accept$/m);
    expect(text).toContain("tcp dport 6443 ip saddr @api4 accept");
    expect(text).toContain("set api4 { type ipv4_addr; flags interval; auto-merge; elements = { 203.0.113.0/24 }; }");
    expect(text).toContain("set web4 { type ipv4_addr; flags interval; auto-merge; elements = { 173.245.48.0/20 }; }");
    expect(text).toContain("type filter hook prerouting priority mangle; policy accept;\n    fib daddr type local tcp dport { 80, 443 } jump web_sources");
    // NodePorts are DNATed before input: only nodes and pods reach them.
    expect(text).toContain("fib daddr type local meta l4proto { tcp, udp } th dport 30000-32767 jump cluster_sources");
    const nft = nftCheck(text);
    if (nft !== null) expect(nft).toBe("");
    // Every node is mapped to its ruleset; nodes whose rulesets are the same share one copy (the
    // ConfigMap grows with the node count, not its square). The DaemonSet that applies them has no
    // API access and runs everywhere.
    expect(clusterRules(r, "a1")).toBe(text);
    const [cm] = objectsOf(r, "rendered/manifests/host-firewall/configmap.yaml");
    const data = cm!.data as Record<string, string>;
    expect(Object.keys(data).filter((k) => k.endsWith(".nft"))).toHaveLength(1);
    expect(data.nodes).toMatch(/^a1 ruleset-[0-9a-f]{12}\.nft\ns1 ruleset-[0-9a-f]{12}\.nft\n$/);
    const [ds] = objectsOf(r, "rendered/manifests/host-firewall/daemonset.yaml");
    const pod = (ds!.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    expect(pod).toMatchObject({ hostNetwork: true, automountServiceAccountToken: false, tolerations: [{ operator: "Exists" }] });
    const [ns] = objectsOf(r, "rendered/manifests/host-firewall/namespace.yaml");
    expect((ns!.metadata as { labels: Record<string, string> }).labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
  });

  it("without sshFrom/httpFrom: 22 and 80/443 from everyone, no web guard", async () => {
    const r = await renderOk(spec(NODES, "  hosts:", "    ssh:", KEY));
    const text = clusterRules(r, "a1");
    expect(text).toContain("set ssh4 { type ipv4_addr; flags interval; auto-merge; elements = { 0.0.0.0/0 }; }");
    expect(text).toContain("set web6 { type ipv6_addr; flags interval; auto-merge; elements = { ::/0 }; }");
    expect(text).toContain("set api4 { type ipv4_addr; flags interval; auto-merge; }");
    expect(text).not.toContain("web_sources");
    const nft = nftCheck(text);
    if (nft !== null) expect(nft).toBe("");
  });

  it("servers answering DNS failover open 53 (agents do not), in the cluster ruleset only", async () => {
    const r = await renderOk(spec(NODES, "  dns:", "    failover: {zone: example.org, records: [{name: app}], probe: {tcp: {port: 443}}}", "  hosts:", "    ssh:", KEY));
    expect(clusterRules(r, "s1")).toContain('    udp dport 53 accept comment "DNS failover zone"\n    tcp dport 53 accept comment "DNS failover zone"\n');
    expect(clusterRules(r, "a1")).not.toContain("dport 53");
    expect(nodeFile(cloudInit(r, "s1"), RULES)!.content).not.toContain("dport 53");
  });

  it("enabled: false: no input filter in the cluster ruleset, the metadata guard stays, and a warning", async () => {
    const r = await render(spec(NODES, "  hosts:", "    ssh:", KEY, "    firewall: {enabled: false}"));
    expect(problems(r, "SW-FIREWALL")).toEqual([["warning", "SW-FIREWALL-DISABLED", "spec.hosts.firewall.enabled", 18]]);
    const text = clusterRules(r as Awaited<ReturnType<typeof renderOk>>, "s1");
    expect(text).not.toContain("chain input");
    expect(text).toContain(`ip daddr 169.254.169.254 drop comment "user-data holds secrets"`);
  });
});

describe("host hardening", () => {
  it("sshd drop-in, unattended upgrades, SMTP egress blocked; scripts pass shellcheck and sshd -t", async () => {
    const r = await renderOk(spec(NODES, "  hosts:", "    ssh:", KEY));
    const ci = cloudInit(r, "s1");
    const dropin = nodeFile(ci, "/etc/ssh/sshd_config.d/10-slipway.conf")!.content;
    for (const l of ["PermitRootLogin no", "PasswordAuthentication no", "KbdInteractiveAuthentication no", "X11Forwarding no", 'AllowUsers "ops"']) expect(dropin).toContain(`\n${l}\n`);
    const sshd = sshdCheck(dropin);
    if (sshd !== null) expect(sshd).toBe("");
    expect(nodeFile(ci, "/etc/apt/apt.conf.d/20auto-upgrades")!.content).toContain('APT::Periodic::Unattended-Upgrade "1";');
    for (const rules of [nodeFile(ci, RULES)!.content, clusterRules(r, "s1")]) {
      expect(rules).toContain("chain smtp_forward {\n    type filter hook forward priority filter; policy accept;\n    tcp dport 25 ip daddr != @cluster4 ip daddr != @nodes4 reject with tcp reset");
      const nft = nftCheck(rules);
      if (nft !== null) expect(nft).toBe("");
    }
    const out = shellcheck(nodeFile(ci, "/usr/local/lib/slipway/harden-host.sh")!.content);
    if (out !== null) expect(out).toBe("");
    await expectExternalChecksPass(r);
  });

  it("hardening off: no sshd drop-in or upgrades; the firewall and the metadata guard stay", async () => {
    const r = await renderOk(spec(NODES, "  hosts:", "    hardening: {enabled: false}"));
    const ci = cloudInit(r, "s1");
    expect(ci.files.filter((f) => /sshd_config|auto-upgrades/.test(f.path))).toEqual([]);
    expect(nodeFile(ci, RULES)!.content).not.toContain("smtp_");
    expect(nodeFile(ci, RULES)!.content).toContain("chain metadata_guard");
  });

  it("blockSmtp: false leaves mail alone", async () => {
    const r = await renderOk(spec(NODES, "  hosts:", "    ssh:", KEY, "    hardening: {blockSmtp: false}"));
    expect(nodeFile(cloudInit(r, "s1"), RULES)!.content).not.toContain("dport 25");
    expect(clusterRules(r, "s1")).not.toContain("dport 25");
  });
});

describe("host rules", () => {
  it("hardening without an admin user keeps root's key-only login instead of locking everyone out", async () => {
    const r = await renderOk(spec(NODES, "  hosts:", "    hardening: {enabled: true}"));
    const dropin = nodeFile(cloudInit(r, "s1"), "/etc/ssh/sshd_config.d/10-slipway.conf")!.content;
    expect(dropin).toContain("\nPermitRootLogin prohibit-password\n");
    expect(dropin).not.toContain("AllowUsers");
    expect(dropin).toContain("\nPasswordAuthentication no\n");
    const sshd = sshdCheck(dropin);
    if (sshd !== null) expect(sshd).toBe("");
  });

  it("httpFrom under Cilium KPR is a warning (eBPF serves those ports before nftables)", async () => {
    const r = await render(spec(NODES, "  network:", "    cni: cilium", "    cilium: {kubeProxyReplacement: true}", "  hosts:", "    ssh:", KEY, "    firewall:", "      httpFrom: [173.245.48.0/20]"));
    expect(problems(r, "SW-FIREWALL")).toEqual([["warning", "SW-FIREWALL-HTTP-FROM-KPR", "spec.hosts.firewall.httpFrom", 22]]);
  });
});
