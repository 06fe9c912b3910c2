/**
 * The scripts the tree runs on nodes, executed for real against a temporary root, exactly as their
 * Plan or DaemonSet starts them (`sh -c SCRIPT NAME ARGS...`), under the system sh and busybox sh
 * (the image they run in): the drop-in is written atomically and K3s restarts only when its
 * content changed, and a K3s that does not come back gets the previous drop-in again; labels and
 * taints follow cluster.yaml without touching others'; the firewall DaemonSet applies a changed
 * ruleset, keeps it for the next boot, and serves every node's on servers; the storage directories
 * are made with their owners, never on the root disk in place of the data disk. All pass shellcheck.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasTool, ROOT, tempDir, warnSkip } from "../support/cli.js";
import { yamlObjects } from "../support/tree.js";
import { rulesetFor } from "../support/firewall.js";

const tmp = tempDir("slipway-node-scripts-");
afterAll(() => tmp.cleanup());
let n = 0;
const fresh = (what: string) => {
  const d = join(tmp.dir, `${what}-${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};

const SHELLS: [string, string[]][] = [["sh", ["sh"]], ...(hasTool("busybox") ? [["busybox sh", ["busybox", "sh"]] as [string, string[]]] : [])];
if (!hasTool("busybox")) warnSkip("the node scripts under busybox sh (their image's shell)", "busybox");

/** A Plan of the golden tree. */
function plan(example: string, name: string): { command: string[]; args: string[]; envs: { name: string; value: string }[] } {
  const [p] = yamlObjects(readFileSync(join(ROOT, "test/cases", example, "rendered/manifests/node-rollout", `plan-${name}.yaml`), "utf8"));
  return (p!.spec as { upgrade: { command: string[]; args: string[]; envs: { name: string; value: string }[] } }).upgrade;
}

/** A stand-in command that appends its argv to `log` and exits with the code in `codeFile` (0 when absent). */
function recorder(dir: string, name: string, log: string, body = ""): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

function runPlanScript(shell: string[], upgrade: ReturnType<typeof plan>, root: string, env: Record<string, string>) {
  // command: [/bin/sh, -c, SCRIPT, NAME], args: [ROOT-as-/host, ...]: the same argv with the root moved.
  const [, flag, script, name] = upgrade.command;
  const args = upgrade.args.map((a) => (a === "/host" ? root : a));
  const planEnv = Object.fromEntries(upgrade.envs.map((e) => [e.name, e.value]));
  return spawnSync(shell[0]!, [...shell.slice(1), flag!, script!, name!, ...args], { encoding: "utf8", env: { PATH: "/usr/bin:/bin", ...planEnv, ...env }, timeout: 20_000 });
}

describe.each(SHELLS)("apply-dropin.sh under %s", (_label, shell) => {
  const upgrade = plan("contabo-ha", "k3s-config-server");
  const payload = Buffer.from(upgrade.envs.find((e) => e.name === "SLIPWAY_DROPIN")!.value, "base64").toString("utf8");

  function setup(systemctlBody = "") {
    const root = fresh("root");
    const log = join(root, "systemctl.log");
    const systemctl = recorder(root, "systemctl", log, systemctlBody);
    return { root, log, env: { SLIPWAY_SYSTEMCTL: systemctl, SLIPWAY_SETTLE: "0" }, target: join(root, "etc/rancher/k3s/config.yaml.d/50-slipway.yaml") };
  }
  const calls = (log: string) => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);

  it("writes the drop-in (mode 0600, no temporary file left) and restarts K3s once; the same content again restarts nothing", () => {
    const { root, log, env, target } = setup();
    const first = runPlanScript(shell, upgrade, root, env);
    expect(first.status, first.stderr).toBe(0);
    expect(readFileSync(target, "utf8")).toBe(payload);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(root, "etc/rancher/k3s/config.yaml.d"))).toEqual(["50-slipway.yaml"]);
    expect(calls(log)).toEqual(["restart k3s", ...Array(6).fill("is-active --quiet k3s")]);
    const again = runPlanScript(shell, upgrade, root, env);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("is up to date; k3s not restarted");
    expect(calls(log)).toHaveLength(7);
  });

  it("a changed drop-in replaces the old one and restarts K3s", () => {
    const { root, log, env, target } = setup();
    mkdirSync(join(root, "etc/rancher/k3s/config.yaml.d"), { recursive: true });
    writeFileSync(target, "kubelet-arg: [max-pods=10]\n");
    const r = runPlanScript(shell, upgrade, root, env);
    expect(r.status).toBe(0);
    expect(readFileSync(target, "utf8")).toBe(payload);
    expect(calls(log)[0]).toBe("restart k3s");
  });

  it("K3s that does not come back with it gets the previous drop-in again, and the Job fails", () => {
    // is-active fails while the new drop-in is in place.
    const { root, log, env, target } = setup(`[ "$1" = is-active ] && grep -q max-pods=50 '${join("TARGET")}' && exit 3; exit 0`);
    writeFileSync(env.SLIPWAY_SYSTEMCTL, readFileSync(env.SLIPWAY_SYSTEMCTL, "utf8").replace("TARGET", target));
    mkdirSync(join(root, "etc/rancher/k3s/config.yaml.d"), { recursive: true });
    writeFileSync(target, "kubelet-arg: [max-pods=10]\n");
    const r = runPlanScript(shell, upgrade, root, env);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("did not come back with the new /etc/rancher/k3s/config.yaml.d/50-slipway.yaml; restoring the previous one");
    expect(readFileSync(target, "utf8")).toBe("kubelet-arg: [max-pods=10]\n");
    expect(calls(log)).toEqual(["restart k3s", "is-active --quiet k3s", "restart k3s"]);
  });

  it("a first drop-in that K3s refuses is removed again", () => {
    const { root, env, target } = setup(`[ "$1" = is-active ] && exit 3; exit 0`);
    const r = runPlanScript(shell, upgrade, root, env);
    expect(r.status).toBe(1);
    expect(existsSync(target)).toBe(false);
  });
});

describe.each(SHELLS)("node-labels.sh under %s", (_label, shell) => {
  const upgrade = plan("mcpdeploy", "node-labels");

  /** A kubectl stand-in over a state dir: labels, taints and annotations of one node, as jsonpath would print them. */
  function setup(state: { annotations?: Record<string, string>; taints?: string[] } = {}) {
    const root = fresh("labels");
    const log = join(root, "kubectl.log");
    writeFileSync(join(root, "labels-annotation"), state.annotations?.["slipway.dev/labels"] ?? "");
    writeFileSync(join(root, "taints-annotation"), state.annotations?.["slipway.dev/taints"] ?? "");
    writeFileSync(join(root, "taints"), (state.taints ?? []).map((t) => `${t} `).join(""));
    const kubectl = recorder(
      root,
      "kubectl",
      log,
      [
        'case "$*" in',
        `  *"slipway\\.dev/labels"*) cat '${join(root, "labels-annotation")}' ;;`,
        `  *"slipway\\.dev/taints"*) cat '${join(root, "taints-annotation")}' ;;`,
        `  *"spec.taints"*) cat '${join(root, "taints")}' ;;`,
        "esac",
      ].join("\n"),
    );
    return { root, log, env: { SLIPWAY_KUBECTL: kubectl } };
  }
  const changes = (log: string) => readFileSync(log, "utf8").trim().split("\n").filter((l) => !l.startsWith("get "));

  it("sets cluster.yaml's labels and taints on its own node and records what it set", () => {
    const { root, log, env } = setup();
    // The example's run-1 has labels, no taints: give it one, as cluster.yaml's taints would.
    const r = runPlanScript(shell, upgrade, root, { ...env, SYSTEM_UPGRADE_NODE_NAME: "run-1", SLIPWAY_TAINTS_RUN_1: "sandbox=gvisor:NoSchedule" });
    expect(r.status, r.stderr).toBe(0);
    expect(changes(log)).toEqual([
      "label node run-1 --overwrite pool=run sandbox.gvisor=true",
      "taint node run-1 --overwrite sandbox=gvisor:NoSchedule",
      "annotate node run-1 --overwrite slipway.dev/labels=pool,sandbox.gvisor slipway.dev/taints=sandbox:NoSchedule",
    ]);
  });

  it("removes only what it set before and cluster.yaml dropped; leaves others' labels and taints", () => {
    const { root, log, env } = setup({ annotations: { "slipway.dev/labels": "pool,old", "slipway.dev/taints": "sandbox:NoSchedule,gone:NoExecute" }, taints: ["sandbox:NoSchedule", "gone:NoExecute", "node.kubernetes.io/unschedulable:NoSchedule"] });
    const r = runPlanScript(shell, upgrade, root, { ...env, SYSTEM_UPGRADE_NODE_NAME: "run-1", SLIPWAY_TAINTS_RUN_1: "sandbox=gvisor:NoSchedule" });
    expect(r.status, r.stderr).toBe(0);
    expect(changes(log)).toEqual([
      "label node run-1 --overwrite pool=run sandbox.gvisor=true old-",
      "taint node run-1 gone:NoExecute-",
      "taint node run-1 --overwrite sandbox=gvisor:NoSchedule",
      "annotate node run-1 --overwrite slipway.dev/labels=pool,sandbox.gvisor slipway.dev/taints=sandbox:NoSchedule",
    ]);
  });

  it("a node cluster.yaml does not list is left alone", () => {
    const { root, log, env } = setup();
    const r = runPlanScript(shell, upgrade, root, { ...env, SYSTEM_UPGRADE_NODE_NAME: "hand-made" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("hand-made is not in cluster.yaml");
    expect(existsSync(log)).toBe(false);
  });
});

describe.each(SHELLS)("host-firewall.sh under %s", (_label, shell) => {
  const [cm] = yamlObjects(readFileSync(join(ROOT, "test/cases/contabo-ha/rendered/manifests/host-firewall/configmap.yaml"), "utf8"));
  const data = cm!.data as Record<string, string>;
  const [ds] = yamlObjects(readFileSync(join(ROOT, "test/cases/contabo-ha/rendered/manifests/host-firewall/daemonset.yaml"), "utf8"));
  const container = (ds!.spec as { template: { spec: { containers: { command: string[]; args: string[] }[] } } }).template.spec.containers[0]!;

  function setup(server: boolean) {
    const root = fresh("fw");
    const rulesets = join(root, "configmap");
    mkdirSync(rulesets);
    for (const [k, v] of Object.entries(data)) writeFileSync(join(rulesets, k), v);
    if (server) mkdirSync(join(root, "var/lib/rancher/k3s/server"), { recursive: true });
    const log = join(root, "nft.log");
    const nft = recorder(root, "nft", log);
    const args = container.args.map((a) => (a === "/host" ? root : a === "/etc/slipway-firewall" ? rulesets : a === "$(NODE_NAME)" ? "node-2" : a));
    const go = () => spawnSync(shell[0]!, [...shell.slice(1), join(rulesets, "host-firewall.sh"), ...args], { encoding: "utf8", env: { PATH: "/usr/bin:/bin", SLIPWAY_NFT: nft, SLIPWAY_ONCE: "1" }, timeout: 10_000 });
    return { root, rulesets, log, go };
  }

  it("applies this node's ruleset (checked first), keeps it for the next boot, and a server serves every node's", () => {
    const { root, log, go } = setup(true);
    const r = go();
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(root, "var/lib/slipway/firewall.nft"), "utf8")).toBe(rulesetFor(data, "node-2"));
    expect(readFileSync(log, "utf8").trim().split("\n")).toEqual([`-c ${root}/var/lib/slipway/firewall.nft.new`, `-f ${root}/var/lib/slipway/firewall.nft.new`]);
    const served = join(root, "var/lib/rancher/k3s/server/static/slipway/firewall");
    expect(readdirSync(served).sort()).toEqual(["node-1.nft", "node-2.nft", "node-3.nft"]);
    expect(readFileSync(join(served, "node-3.nft"), "utf8")).toBe(rulesetFor(data, "node-3"));
  });

  it("an agent serves nothing; a node gone from the tree is no longer served", () => {
    const agent = setup(false);
    expect(agent.go().status).toBe(0);
    expect(existsSync(join(agent.root, "var/lib/rancher/k3s/server/static"))).toBe(false);
    const server = setup(true);
    const served = join(server.root, "var/lib/rancher/k3s/server/static/slipway/firewall");
    mkdirSync(served, { recursive: true });
    writeFileSync(join(served, "removed-node.nft"), "old");
    expect(server.go().status).toBe(0);
    expect(readdirSync(served)).not.toContain("removed-node.nft");
  });

  it("a ruleset that does not load leaves the firewall as it was", () => {
    const { root, log, go } = setup(false);
    writeFileSync(join(root, "nft"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexit 1\n`);
    const r = go();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("the ruleset for node-2 does not load; the firewall is left as it was");
    expect(existsSync(join(root, "var/lib/slipway/firewall.nft"))).toBe(false);
  });
});

describe.each(SHELLS)("storage-dirs.sh under %s", (_label, shell) => {
  const [p] = yamlObjects(readFileSync(join(ROOT, "test/cases/hetzner-single/rendered/manifests/storage/plan-storage-dirs.yaml"), "utf8"));
  const upgrade = (p!.spec as { upgrade: ReturnType<typeof plan> }).upgrade;
  const root = () => fresh("dirs");
  /** `mountpoint -q DIR` answers yes for the directories in `mounted`. */
  const mountpoint = (dir: string, mounted: string[]) => {
    const bin = join(dir, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "mountpoint"), `#!/bin/sh
case "$2" in ${mounted.map((m) => `'${m}'`).join("|") || "''"}) exit 0 ;; esac
exit 1
`);
    chmodSync(join(bin, "mountpoint"), 0o755);
    return `${bin}:/usr/bin:/bin`;
  };
  const ownerOf = (path: string) => `${statSync(path).uid}:${statSync(path).gid}`;

  it("on the node that holds them, with its data disk mounted: every volume's directory, with its owner", () => {
    const r0 = root();
    const r = runPlanScript(shell, upgrade, r0, { SYSTEM_UPGRADE_NODE_NAME: "cosmos-1", PATH: mountpoint(r0, [`${r0}/data`]) });
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(join(r0, "data")).sort()).toEqual(["alertmanager", "prometheus", "traefik"]);
    if (process.getuid?.() !== 0) return warnSkip("storage-dirs.sh: directory owners (chown needs root)", "root");
    expect([ownerOf(join(r0, "data/prometheus")), ownerOf(join(r0, "data/alertmanager")), ownerOf(join(r0, "data/traefik"))]).toEqual(["1000:2000", "1000:2000", "65532:65532"]);
    // Again: the same, nothing else.
    expect(runPlanScript(shell, upgrade, r0, { SYSTEM_UPGRADE_NODE_NAME: "cosmos-1", PATH: mountpoint(r0, [`${r0}/data`]) }).status).toBe(0);
    expect(readdirSync(join(r0, "data")).sort()).toEqual(["alertmanager", "prometheus", "traefik"]);
  });

  it("data disk not mounted: nothing is created on the root disk, and the Job fails", () => {
    const r0 = root();
    const r = runPlanScript(shell, upgrade, r0, { SYSTEM_UPGRADE_NODE_NAME: "cosmos-1", PATH: mountpoint(r0, []) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the data disk is not mounted at /data on cosmos-1");
    expect(existsSync(join(r0, "data"))).toBe(false);
  });

  it("a node without volumes creates nothing", () => {
    const r0 = root();
    const r = runPlanScript(shell, upgrade, r0, { SYSTEM_UPGRADE_NODE_NAME: "other-node", PATH: mountpoint(r0, []) });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("no storage directories on other-node");
    expect(readdirSync(r0)).toEqual(["bin"]);
  });
});

describe.each(SHELLS)("apply-dropin.sh with a node's own drop-in under %s", (_label, shell) => {
  // Seed 004: the lone server keeps its etcd snapshots on its volume, so its drop-in holds more.
  const upgrade = plan("hetzner-single", "k3s-config-server");
  const decode = (name: string) => Buffer.from(upgrade.envs.find((e) => e.name === name)!.value, "base64").toString("utf8");

  it("writes SLIPWAY_DROPIN_<NODE> on that node and the role's drop-in on any other", () => {
    expect(decode("SLIPWAY_DROPIN_COSMOS_1")).toContain("etcd-snapshot-dir: /data/k3s-etcd-snapshots\n");
    expect(decode("SLIPWAY_DROPIN")).not.toContain("etcd-snapshot-dir");
    for (const [node, expected] of [["cosmos-1", "SLIPWAY_DROPIN_COSMOS_1"], ["cosmos-2", "SLIPWAY_DROPIN"]] as const) {
      const root = fresh("own-dropin");
      const systemctl = recorder(root, "systemctl", join(root, "systemctl.log"));
      const r = runPlanScript(shell, upgrade, root, { SLIPWAY_SYSTEMCTL: systemctl, SLIPWAY_SETTLE: "0", SYSTEM_UPGRADE_NODE_NAME: node });
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(root, "etc/rancher/k3s/config.yaml.d/50-slipway.yaml"), "utf8")).toBe(decode(expected));
    }
  });
});

describe.each(SHELLS)("fail2ban.sh under %s", (_label, shell) => {
  const upgrade = plan("mcpdeploy", "host-fail2ban");
  const jail = Buffer.from(upgrade.envs.find((e) => e.name === "SLIPWAY_JAIL")!.value, "base64").toString("utf8");
  const JAIL = "etc/fail2ban/jail.d/slipway.conf";

  /**
   * A stand-in for the host's commands (dpkg-query, apt-get, systemctl, fail2ban-client) over a
   * state dir: installed-<package>, active; fail2ban-client fails while the jail holds `refuse`.
   */
  function setup(opts: { os?: string; installed?: string[]; active?: boolean; jail?: string; marker?: boolean; refuse?: string } = {}) {
    const root = fresh("f2b");
    const state = join(root, "state");
    mkdirSync(join(root, "etc"), { recursive: true });
    mkdirSync(state);
    writeFileSync(join(root, "etc/os-release"), `PRETTY_NAME="x"\nID=${opts.os ?? "debian"}\nVERSION_ID="12"\n`);
    for (const p of opts.installed ?? []) writeFileSync(join(state, `installed-${p}`), "");
    if (opts.active) writeFileSync(join(state, "active"), "");
    if (opts.jail !== undefined) {
      mkdirSync(join(root, "etc/fail2ban/jail.d"), { recursive: true });
      writeFileSync(join(root, JAIL), opts.jail);
    }
    if (opts.marker) {
      mkdirSync(join(root, "var/lib/slipway"), { recursive: true });
      writeFileSync(join(root, "var/lib/slipway/fail2ban-installed"), "");
    }
    const log = join(root, "host.log");
    const host = recorder(
      root,
      "host",
      log,
      [
        `state='${state}'`,
        'for last; do :; done',
        'case "$1" in',
        `  dpkg-query) [ -f "$state/installed-$last" ] && printf 'install ok installed'; exit 0 ;;`,
        `  apt-get) [ -f '${join(root, JAIL)}' ] && echo "jail present at $*" >> '${log}'; case "$*" in *install*) for p in "$@"; do case "$p" in -*|install|apt-get) ;; *) : > "$state/installed-$p" ;; esac; done ;; esac; exit 0 ;;`,
        '  systemctl) case "$2" in restart) : > "$state/active" ;; is-active) [ -f "$state/active" ] || exit 3 ;; disable) rm -f "$state/active" ;; esac; exit 0 ;;',
        `  fail2ban-client) ${opts.refuse ? `grep -q '${opts.refuse}' '${join(root, JAIL)}' && exit 255;` : ""} exit 0 ;;`,
        "esac",
      ].join("\n"),
    );
    const calls = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);
    const go = (mode = "on") => runPlanScript(shell, { ...upgrade, args: upgrade.args.map((a) => (a === "on" ? mode : a)) }, root, { SLIPWAY_HOST: host, SLIPWAY_WAIT: "2" });
    return { root, calls, go };
  }

  it("a fresh node: the jail goes in first, then fail2ban and python3-systemd are installed, enabled and restarted", () => {
    expect(upgrade.args).toEqual(["/host", "on", "/etc/fail2ban/jail.d/slipway.conf", "fail2ban python3-systemd"]);
    const { root, calls, go } = setup();
    const r = go();
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(root, JAIL), "utf8")).toBe(jail);
    expect(statSync(join(root, JAIL)).mode & 0o777).toBe(0o644);
    expect(readdirSync(join(root, "etc/fail2ban/jail.d"))).toEqual(["slipway.conf"]);
    expect(existsSync(join(root, "var/lib/slipway/fail2ban-installed"))).toBe(true);
    const c = calls().filter((l) => !l.startsWith("dpkg-query"));
    expect(c).toEqual([
      "apt-get -q -o DPkg::Lock::Timeout=600 update",
      "jail present at apt-get -q -o DPkg::Lock::Timeout=600 update",
      "apt-get -q -y -o DPkg::Lock::Timeout=600 install --no-install-recommends fail2ban python3-systemd",
      "jail present at apt-get -q -y -o DPkg::Lock::Timeout=600 install --no-install-recommends fail2ban python3-systemd",
      "systemctl enable fail2ban.service",
      "systemctl restart fail2ban.service",
      "fail2ban-client status sshd",
    ]);
    const before = calls().filter((l) => /restart|apt-get/.test(l)).length;
    const again = go();
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("is up to date and fail2ban runs; nothing restarted");
    expect(calls().filter((l) => /restart|apt-get/.test(l))).toHaveLength(before);
  });

  it("a changed jail on a node that has the packages: no apt, one restart", () => {
    const { root, calls, go } = setup({ installed: ["fail2ban", "python3-systemd"], active: true, jail: "[sshd]\nbantime = 10m\n" });
    const r = go();
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(root, JAIL), "utf8")).toBe(jail);
    expect(calls().filter((l) => l.startsWith("apt-get"))).toEqual([]);
    expect(calls()).toContain("systemctl restart fail2ban.service");
    // fail2ban was there before Slipway: switching it off later must not stop it.
    expect(existsSync(join(root, "var/lib/slipway/fail2ban-installed"))).toBe(false);
  });

  it("fail2ban that does not come up with the new jail gets the previous one again, and the Job fails", () => {
    const { root, go } = setup({ installed: ["fail2ban", "python3-systemd"], active: true, jail: "[sshd]\nbantime = 10m\n", refuse: "ignoreself" });
    const r = go();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("fail2ban did not come up with the new /etc/fail2ban/jail.d/slipway.conf; restoring the previous one");
    expect(readFileSync(join(root, JAIL), "utf8")).toBe("[sshd]\nbantime = 10m\n");
    expect(readdirSync(join(root, "etc/fail2ban/jail.d"))).toEqual(["slipway.conf"]);
  });

  it("off: removes Slipway's jail; stops fail2ban only where Slipway installed it", () => {
    const ours = setup({ installed: ["fail2ban"], active: true, jail, marker: true });
    expect(ours.go("off").status).toBe(0);
    expect(existsSync(join(ours.root, JAIL))).toBe(false);
    expect(existsSync(join(ours.root, "var/lib/slipway/fail2ban-installed"))).toBe(false);
    expect(ours.calls()).toContain("systemctl disable --now fail2ban.service");
    const theirs = setup({ installed: ["fail2ban"], active: true, jail });
    expect(theirs.go("off").status).toBe(0);
    expect(theirs.calls()).not.toContain("systemctl disable --now fail2ban.service");
    expect(theirs.calls()).toContain("systemctl restart fail2ban.service");
    const none = setup();
    const r = none.go("off");
    expect(r.status).toBe(0);
    expect(none.calls()).toEqual([]);
  });

  it("a node without apt is refused with the reason", () => {
    const { go } = setup({ os: "alpine" });
    const r = go();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("fail2ban is installed with apt (Debian, Ubuntu); this node runs 'alpine'");
  });
});

describe("the node scripts pass shellcheck", () => {
  it.each(["manifests/node-rollout/apply-dropin.sh", "manifests/node-rollout/node-labels.sh", "manifests/node-rollout/storage-dirs.sh", "manifests/node-rollout/fail2ban.sh", "manifests/host-firewall/host-firewall.sh"])("%s", (path) => {
    if (!hasTool("shellcheck")) return warnSkip(`shellcheck of ${path}`, "shellcheck");
    const r = spawnSync("shellcheck", ["-s", "sh", join(ROOT, "templates", path)], { encoding: "utf8" });
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
  });
});
