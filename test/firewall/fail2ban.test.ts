/**
 * fail2ban for sshd, with the real fail2ban (issue 12, item 5): the jail the host-fail2ban Plan
 * writes, read by fail2ban's own configuration reader over Debian 12's packaged configuration
 * (`fail2ban-client -d` prints what the server would be told), and fail2ban's own nftables
 * commands (actionstart, actionban, actionstop as that dump resolves them) run in a network
 * namespace beside Slipway's host firewall: a ban drops SSH from that address, a reload of
 * Slipway's ruleset (what the host-firewall DaemonSet and the boot unit do) keeps the ban, and
 * stopping fail2ban keeps Slipway's table.
 *
 * Needs fail2ban's files, not its service: .ci/run unpacks Debian's package (never installs it,
 * so no daemon starts) into SLIPWAY_FAIL2BAN_ROOT (default /var/cache/slipway-test/fail2ban).
 * Skips loudly without it, without python3, or where network namespaces cannot be made.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderClusterText } from "../../generator/pipeline.js";
import { hasTool, tempDir } from "../support/cli.js";
import { netnsUnavailable, TwoHosts } from "../support/netns.js";
import { yamlObjects } from "../support/tree.js";
import { rulesetFor } from "../support/firewall.js";

const F2B = process.env.SLIPWAY_FAIL2BAN_ROOT ?? "/var/cache/slipway-test/fail2ban";
const PYTHON = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "0"]).status === 0);
const missing = !existsSync(join(F2B, "etc/fail2ban/jail.conf")) ? `fail2ban's files are not at ${F2B} (.ci/run unpacks Debian's package there)` : !PYTHON ? "python3 is not installed" : undefined;
if (missing) console.warn(`SKIP: fail2ban's configuration reader: ${missing}`);
const why = missing ?? netnsUnavailable();
if (why && !missing) console.warn(`SKIP: fail2ban beside the host firewall with real packets: ${why}`);

const tmp = tempDir("slipway-fail2ban-");
afterAll(() => tmp.cleanup());

const NODE = "198.51.100.1";
const ADMIN = "198.51.100.77";
const ATTACKER = "192.0.2.66";
const BYSTANDER = "192.0.2.67";

function specText(hosts: string[]): string {
  return [
    "apiVersion: slipway.dev/v1alpha1",
    "kind: Cluster",
    "metadata: {name: f2b}",
    "spec:",
    "  gitops: {repoURL: https://github.com/example/infra.git}",
    "  nodes:",
    `    - {name: s1, role: server, address: ${NODE}}`,
    ...hosts,
    "",
  ].join("\n");
}

async function rendered(hosts: string[]) {
  const r = await renderClusterText("cluster.yaml", specText(hosts));
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const file = (path: string) => r.files!.find((f) => f.path === path)!.text;
  const [plan] = yamlObjects(file("rendered/manifests/node-rollout/plan-host-fail2ban.yaml"));
  const envs = ((plan!.spec as { upgrade: { envs?: { name: string; value: string }[] } }).upgrade.envs ?? []);
  const jail = envs.find((e) => e.name === "SLIPWAY_JAIL");
  const [cm] = yamlObjects(file("rendered/manifests/host-firewall/configmap.yaml"));
  return { jail: jail ? Buffer.from(jail.value, "base64").toString("utf8") : undefined, ruleset: rulesetFor(cm!.data as Record<string, string>, "s1") };
}

type Command = (string | number | unknown[])[];

/** What fail2ban-client would send the server for a config dir: its `-d` dump, as data. */
function dump(conf: string): Command[] {
  const env = { ...process.env, PYTHONPATH: join(F2B, "usr/lib/python3/dist-packages") };
  const r = spawnSync(PYTHON!, [join(F2B, "usr/bin/fail2ban-client"), "-c", conf, "-d"], { encoding: "utf8", env });
  expect(r.status, r.stderr).toBe(0);
  const json = spawnSync(PYTHON!, ["-c", "import ast, json, sys; print(json.dumps([ast.literal_eval(l) for l in sys.stdin if l.startswith('[')]))"], { input: r.stdout, encoding: "utf8" });
  return JSON.parse(json.stdout) as Command[];
}

/** Debian's /etc/fail2ban, plus `jail` as the Plan writes it, and optionally another distribution's defaults file. */
function configDir(jail: string | undefined, defaults?: string): string {
  const dir = join(tmp.dir, `conf-${Math.random().toString(36).slice(2, 8)}`);
  cpSync(join(F2B, "etc/fail2ban"), dir, { recursive: true });
  if (defaults !== undefined) writeFileSync(join(dir, "jail.d/defaults-debian.conf"), defaults);
  if (jail !== undefined) writeFileSync(join(dir, "jail.d/slipway.conf"), jail);
  return dir;
}

const find = (cmds: Command[], ...prefix: unknown[]) => cmds.find((c) => prefix.every((p, i) => c[i] === p));

/** The nftables action of the sshd jail, its commands resolved the way fail2ban does for an IPv4 address. */
function nftAction(cmds: Command[]): Record<string, string> {
  const multi = find(cmds, "multi-set", "sshd", "action", "nftables");
  expect(multi, "the sshd jail has the nftables action").toBeDefined();
  const values = Object.fromEntries((multi![4] as [string, string][]).map(([k, v]) => [k, v]));
  const tags: Record<string, string> = { name: "sshd", addr_set: "addr-set-sshd", addr_type: "ipv4_addr", addr_family: "ip" };
  const resolve = (s: string) => s.replace(/<([a-z_]+)>/g, (whole, tag: string) => tags[tag] ?? whole);
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, resolve(String(v))]));
}

describe.skipIf(missing !== undefined)("the rendered jail, read by fail2ban 1.0.2 over Debian 12's configuration", () => {
  it("sshd on the systemd journal, banning through nftables, never the sshFrom and ignoreFrom networks", async () => {
    const { jail } = await rendered(["  hosts:", "    firewall: {sshFrom: [198.51.100.0/24, 0.0.0.0/0]}", "    hardening:", "      fail2ban: {maxRetry: 3, banTime: 1d, ignoreFrom: [203.0.113.0/24]}"]);
    const cmds = dump(configDir(jail));
    expect(find(cmds, "add", "sshd")).toEqual(["add", "sshd", "systemd"]);
    expect(find(cmds, "set", "sshd", "addignoreip")).toEqual(["set", "sshd", "addignoreip", "127.0.0.1/8", "::1", "198.51.100.0/24", "203.0.113.0/24"]);
    expect(find(cmds, "set", "sshd", "maxretry")).toEqual(["set", "sshd", "maxretry", 3]);
    expect(find(cmds, "set", "sshd", "bantime")).toEqual(["set", "sshd", "bantime", "1d"]);
    expect(find(cmds, "set", "sshd", "findtime")).toEqual(["set", "sshd", "findtime", "10m"]);
    expect(find(cmds, "set", "sshd", "addjournalmatch")).toBeDefined();
    const action = nftAction(cmds);
    expect([action.table_family, action.table, action.chain_hook, action.chain_priority]).toEqual(["inet", "f2b-table", "input", "-1"]);
    const check = spawnSync(PYTHON!, [join(F2B, "usr/bin/fail2ban-client"), "-c", configDir(jail), "-t"], { encoding: "utf8", env: { ...process.env, PYTHONPATH: join(F2B, "usr/lib/python3/dist-packages") } });
    expect(check.stdout).toContain("OK: configuration test is successful");
  });

  it("without Slipway's jail Debian 12 would read auth.log (backend auto) and ban with iptables, which is why the jail exists", () => {
    const cmds = dump(configDir(undefined));
    expect(find(cmds, "add", "sshd")).toEqual(["add", "sshd", "auto"]);
    expect(find(cmds, "set", "sshd", "addaction")).toEqual(["set", "sshd", "addaction", "iptables-multiport"]);
  });

  it("Ubuntu 24.04's defaults ([DEFAULT] banaction nftables, backend systemd; DOMAIN-DAY2 §6.1) end in the same jail", async () => {
    const { jail } = await rendered([]);
    const ubuntu = "[DEFAULT]\nbanaction = nftables\nbanaction_allports = nftables[type=allports]\nbackend = systemd\n\n[sshd]\nenabled = true\n";
    const a = dump(configDir(jail, ubuntu)).filter((c) => c[1] === "sshd");
    const b = dump(configDir(jail)).filter((c) => c[1] === "sshd");
    expect(a).toEqual(b);
  });

  it("fail2ban off renders no jail: the Plan removes Slipway's", async () => {
    expect((await rendered(["  hosts:", "    hardening:", "      fail2ban: {enabled: false}"])).jail).toBeUndefined();
    expect((await rendered(["  hosts:", "    hardening: {enabled: false}"])).jail).toBeUndefined();
  });
});

describe.skipIf(why !== undefined)("fail2ban's table beside Slipway's firewall, with real packets", () => {
  it("a ban drops SSH from that address only; reloading Slipway's ruleset keeps it; stopping fail2ban keeps Slipway's table", async () => {
    const { jail, ruleset } = await rendered(["  hosts:", "    hardening:", `      fail2ban: {ignoreFrom: [${ADMIN}/32]}`]);
    const action = nftAction(dump(configDir(jail)));
    const hosts = new TwoHosts(tmp.dir, [NODE], [ADMIN, ATTACKER, BYSTANDER]);
    const inNode = (script: string) => {
      const r = spawnSync("ip", ["netns", "exec", hosts.node, "sh", "-c", script], { encoding: "utf8" });
      expect(r.status, `${script}\n${r.stderr}`).toBe(0);
      return r.stdout;
    };
    const ssh = (from: string) => hosts.probe(NODE, from, [{ port: 22, protocol: "tcp" }]);
    const rules = join(tmp.dir, "cluster.nft");
    writeFileSync(rules, ruleset);
    try {
      hosts.load(rules);
      expect([ssh(ATTACKER), ssh(BYSTANDER)]).toEqual([["22/tcp"], ["22/tcp"]]);

      inNode(action.actionstart!);
      inNode(action.actionban!.replace("<ip>", ATTACKER));
      expect([ssh(ATTACKER), ssh(BYSTANDER), ssh(ADMIN)]).toEqual([[], ["22/tcp"], ["22/tcp"]]);

      // The DaemonSet's and the boot unit's `nft -f`: table inet slipway replaced whole.
      hosts.load(rules);
      expect(inNode("nft list set inet f2b-table addr-set-sshd")).toContain(ATTACKER);
      expect([ssh(ATTACKER), ssh(BYSTANDER)]).toEqual([[], ["22/tcp"]]);

      inNode(action.actionstop!);
      expect(inNode("nft list tables")).toContain("table inet slipway");
      expect(inNode("nft list tables")).not.toContain("f2b-table");
      expect(ssh(ATTACKER)).toEqual(["22/tcp"]);
    } finally {
      hosts.close();
    }
  });
});

if (!hasTool("nft")) console.warn("SKIP: nft is not installed");
