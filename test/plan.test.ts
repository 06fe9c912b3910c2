/**
 * `slipway plan` on real git history: each test makes a temporary repository, commits a spec,
 * changes it, and runs the built CLI against the commit (`--base main`, `--base HEAD`, or the
 * default merge base), checking the class every change gets.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ROOT, slipway, tempDir } from "./support/cli.js";

interface PlanJson {
  base: { ref: string; commit: string };
  notes: string[];
  summary: Record<string, number>;
  changes: { class: string; action: string; subject: string; effect: string; nodes?: string[] }[];
}

let work: { dir: string; cleanup: () => void };
beforeEach(() => {
  work = tempDir("slipway-plan-");
});
afterEach(() => work.cleanup());

const example = readFileSync(join(ROOT, "examples/contabo-ha/cluster.yaml"), "utf8");

function git(...args: string[]): string {
  const r = spawnSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", ...args], {
    cwd: work.dir,
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: work.dir, GIT_CONFIG_NOSYSTEM: "1" },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** A repository on main with one commit holding `spec` (none: no cluster.yaml) and any extra files. */
function repoWith(spec: string | undefined, extra: Record<string, string> = {}): void {
  git("init", "-q");
  if (spec !== undefined) writeFileSync(join(work.dir, "cluster.yaml"), spec);
  for (const [path, text] of Object.entries(extra)) {
    mkdirSync(join(work.dir, path, ".."), { recursive: true });
    writeFileSync(join(work.dir, path), text);
  }
  git("add", "-A");
  git("commit", "-q", "-m", "base");
}

const edit = (from: string | RegExp, to: string) => writeFileSync(join(work.dir, "cluster.yaml"), readFileSync(join(work.dir, "cluster.yaml"), "utf8").replace(from, to));

function plan(...args: string[]): { code: number; json: PlanJson; stderr: string } {
  const r = slipway(["plan", "--format", "json", ...args], { cwd: work.dir });
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return { code: r.code, json: r.code === 2 ? ({} as PlanJson) : (JSON.parse(r.stdout) as PlanJson), stderr: r.stderr };
}

const classes = (p: PlanJson) => [...new Set(p.changes.map((c) => c.class))].sort();

/** The nodes of seed 000's example with an agent, so rollouts have both roles. */
const withAgent = example.replace("    - {name: node-3, role: server, address: 203.0.113.13}\n", "    - {name: node-3, role: server, address: 203.0.113.13}\n    - {name: agent-1, role: agent, address: 203.0.113.21}\n");

describe("slipway plan classifies every change", () => {
  it("no change: nothing to plan, exit 0", () => {
    repoWith(example);
    const r = plan("--base", "HEAD");
    expect(r.code).toBe(0);
    expect(r.json.changes).toEqual([]);
    expect(r.json.base.commit).toBe(git("rev-parse", "HEAD").trim());
  });

  it("sync: an app's values changed -> its Application is synced by Argo CD, no node is touched", () => {
    repoWith(example);
    edit("values: {mode: distributed, replicas: 3}", "values: {mode: distributed, replicas: 4}");
    const r = plan("--base", "main");
    expect(r.code).toBe(0);
    expect(r.json.changes).toEqual([{ class: "sync", action: "changed", subject: "Application argocd/minio", effect: "Argo CD updates it in place" }]);
    expect(r.json.summary).toEqual({ destructive: 0, reprovision: 0, "node-rollout": 0, sync: 1 });
  });

  it("sync: network policy rows added, then a namespace's Pod Security level raised; no node is touched", () => {
    repoWith(example);
    const rows = ["    policies:", "      - {namespace: storage, podSecurity: baseline}", "      - app: minio", "        ingress:", "          - {from: [minio], ports: [TCP:9000]}", "        egress:", "          - {to: [minio], ports: [TCP:9000]}", ""].join("\n");
    edit("      ambientNamespaces: [assessments, platform]\n", `      ambientNamespaces: [assessments, platform]\n${rows}`);
    const added = plan("--base", "main");
    expect(added.code).toBe(0);
    expect(added.json.changes.map((c) => `${c.class} ${c.action} ${c.subject}`)).toEqual([
      "sync added Application argocd/network-policy",
      "sync added CiliumNetworkPolicy storage/slipway-app-minio",
      "sync added CiliumNetworkPolicy storage/slipway-default-deny",
      "sync added Namespace storage",
    ]);
    git("commit", "-q", "-am", "policies");
    edit("{namespace: storage, podSecurity: baseline}", "{namespace: storage, podSecurity: restricted}");
    const raised = plan("--base", "HEAD");
    expect(raised.json.changes).toEqual([{ class: "sync", action: "changed", subject: "Namespace storage", effect: "Argo CD updates it in place" }]);
    // The last row gone: the policies go with their Application; the Namespace stays (Prune=false).
    edit(rows.replace("baseline", "restricted"), "");
    const removed = plan("--base", "HEAD");
    expect(removed.json.changes.filter((c) => c.subject === "Namespace storage")).toEqual([
      { class: "sync", action: "removed", subject: "Namespace storage", effect: "Argo CD leaves the Namespace and everything in it in place (Prune=false) and shows it OutOfSync until it is deleted by hand or back in the tree" },
    ]);
  });

  it("node-rollout: a K3s patch bump -> servers one at a time (cordon, drain), then agents; no user-data changes", () => {
    repoWith(withAgent);
    edit("version: v1.36.3+k3s1", "version: v1.36.5+k3s1");
    const r = plan("--base", "main");
    expect(r.code).toBe(0);
    expect(r.json.changes).toEqual([
      {
        class: "node-rollout",
        action: "changed",
        subject: "K3s v1.36.3+k3s1 -> v1.36.5+k3s1",
        effect: expect.stringMatching(/^system-upgrade-controller upgrades the servers one at a time, cordoned and drained \(node-1, node-2, node-3; Plan k3s-server\); then the agents one at a time, drained, each after every server runs v1\.36\.5\+k3s1 \(agent-1; Plan k3s-agent\)/),
        nodes: ["node-1", "node-2", "node-3", "agent-1"],
      },
    ]);
  });

  it("node-rollout: the next minor is one step; a lone server is cordoned, not drained", () => {
    repoWith(readFileSync(join(ROOT, "examples/hetzner-single/cluster.yaml"), "utf8"));
    edit("version: v1.36.3+k3s1", "version: v1.37.1+k3s1");
    const r = plan("--base", "main");
    expect(r.code).toBe(0);
    expect(r.json.changes.map((c) => [c.class, c.subject])).toEqual([["node-rollout", "K3s v1.36.3+k3s1 -> v1.37.1+k3s1"]]);
    expect(r.json.changes[0]!.effect).toContain("cordoned, not drained");
  });

  it("a downgrade or a skipped minor is an error at spec.k3s.version (exit 1)", () => {
    repoWith(example);
    edit("version: v1.36.3+k3s1", "version: v1.36.2+k3s1");
    const down = slipway(["plan", "--base", "main"], { cwd: work.dir });
    expect(down.code).toBe(1);
    // At the version's own line and column, wherever the example puts it.
    const text = readFileSync(join(work.dir, "cluster.yaml"), "utf8").split("\n");
    const line = text.findIndex((l) => l.includes("version: v1.36.2+k3s1")) + 1;
    const col = text[line - 1]!.indexOf("v1.36.2") + 1;
    expect(down.stderr).toContain(`cluster.yaml:${line}:${col}: error SW-K3S-DOWNGRADE spec.k3s.version: K3s v1.36.2+k3s1 is older than v1.36.3+k3s1, which main runs`);
    edit("version: v1.36.2+k3s1", "version: v1.38.0+k3s1");
    const skip = slipway(["plan", "--base", "main"], { cwd: work.dir });
    expect(skip.code).toBe(1);
    expect(skip.stderr).toContain("error SW-K3S-MINOR-SKIP spec.k3s.version: K3s v1.38.0+k3s1 skips from 1.36 (main) past 1.37");
  });

  it("node-rollout: a kubelet argument -> the drop-in Plans restart K3s one node at a time, servers then agents; no user-data changes", () => {
    repoWith(withAgent);
    edit("max-pods=50", "max-pods=60");
    const r = plan("--base", "main");
    expect(classes(r.json)).toEqual(["node-rollout"]);
    expect(r.json.changes.map((c) => [c.subject, c.nodes])).toEqual([
      ["K3s config of the agents: kubelet-arg", ["agent-1"]],
      ["K3s config of the servers: kubelet-arg", ["node-1", "node-2", "node-3"]],
    ]);
    expect(r.json.changes[1]!.effect).toContain("Plan k3s-config-server writes /etc/rancher/k3s/config.yaml.d/50-slipway.yaml and restarts K3s on one server at a time");
  });

  it("node-rollout: a server-only argument reaches only the servers' drop-in", () => {
    repoWith(withAgent);
    edit("default-watch-cache-size=50", "default-watch-cache-size=100");
    const r = plan("--base", "main");
    expect(r.json.changes.map((c) => c.subject)).toEqual(["K3s config of the servers: kube-apiserver-arg"]);
  });

  it("node-rollout: an existing node's label -> set through the API, no restart, no user-data change", () => {
    repoWith(withAgent);
    edit("{name: agent-1, role: agent, address: 203.0.113.21}", "{name: agent-1, role: agent, address: 203.0.113.21, labels: {pool: edge}, taints: [\"dedicated=edge:NoSchedule\"]}");
    const r = plan("--base", "main");
    expect(r.json.changes).toEqual([
      {
        class: "node-rollout",
        action: "changed",
        subject: "labels and taints of node agent-1: +label pool=edge, +taint dedicated=edge:NoSchedule",
        effect: expect.stringContaining("Plan node-labels sets them on the Node through the API"),
        nodes: ["agent-1"],
      },
    ]);
  });

  it("node-rollout: the etcd snapshot schedule and an S3 target -> the servers' drop-in, agents untouched; no user-data changes", () => {
    repoWith(withAgent);
    edit("    version: v1.36.3+k3s1\n", '    version: v1.36.3+k3s1\n    etcdSnapshots: {schedule: "0 */6 * * *", retention: 14, s3: {}}\n');
    const r = plan("--base", "main");
    expect(r.json.changes).toEqual([
      {
        class: "node-rollout",
        action: "changed",
        subject: "K3s config of the servers: etcd-s3, etcd-s3-config-secret, etcd-snapshot-retention, etcd-snapshot-schedule-cron",
        effect: expect.stringContaining("Plan k3s-config-server writes /etc/rancher/k3s/config.yaml.d/50-slipway.yaml and restarts K3s on one server at a time (node-1, node-2, node-3)"),
        nodes: ["node-1", "node-2", "node-3"],
      },
    ]);
  });

  it("node-rollout: snapshots off the data volume -> only that server's own drop-in (seed 004)", () => {
    repoWith(readFileSync(join(ROOT, "examples/hetzner-single/cluster.yaml"), "utf8"));
    edit("      onVolume: true\n", "      onVolume: false\n");
    const r = plan("--base", "main");
    expect(r.json.changes.map((c) => [c.class, c.subject, c.nodes])).toEqual([["node-rollout", "K3s config of server cosmos-1: etcd-snapshot-dir", ["cosmos-1"]]]);
    expect(r.json.changes[0]!.effect).toContain("writes cosmos-1's own /etc/rancher/k3s/config.yaml.d/50-slipway.yaml and restarts K3s on it");
  });

  it("node-rollout: fail2ban's ban time -> the host-fail2ban Plan on every node, nothing else restarts", () => {
    repoWith(withAgent);
    edit("      sshFrom: [198.51.100.0/24]\n", "      sshFrom: [198.51.100.0/24]\n    hardening:\n      fail2ban: {banTime: 1d, maxRetry: 3}\n");
    const r = plan("--base", "main");
    expect(r.json.changes).toEqual([
      {
        class: "node-rollout",
        action: "changed",
        subject: "fail2ban for sshd: bantime 1h -> 1d, maxretry 5 -> 3",
        effect: expect.stringMatching(/^Plan host-fail2ban writes \/etc\/fail2ban\/jail\.d\/slipway\.conf and restarts fail2ban on one node at a time \(node-1, node-2, node-3, agent-1\); sshd and K3s are not restarted/),
        nodes: ["node-1", "node-2", "node-3", "agent-1"],
      },
    ]);
  });

  it("sshFrom: the firewall ConfigMap syncs and fail2ban's ignoreip rolls out; fail2ban off is removed by the Plan", () => {
    repoWith(example);
    edit("sshFrom: [198.51.100.0/24]", "sshFrom: [198.51.100.0/24, 203.0.113.128/25]");
    const r = plan("--base", "main");
    expect(r.json.changes.map((c) => [c.class, c.action, c.subject])).toEqual([
      ["node-rollout", "changed", "fail2ban for sshd: ignoreip +203.0.113.128/25"],
      ["sync", "changed", "ConfigMap slipway-system/host-firewall"],
    ]);
    git("commit", "-q", "-am", "ssh from two networks");
    edit("      sshFrom: [198.51.100.0/24, 203.0.113.128/25]\n", "      sshFrom: [198.51.100.0/24, 203.0.113.128/25]\n    hardening:\n      fail2ban: {enabled: false}\n");
    const off = plan("--base", "HEAD");
    expect(off.json.changes.map((c) => [c.class, c.action, c.subject])).toEqual([["node-rollout", "removed", "fail2ban for sshd"]]);
    expect(off.json.changes[0]!.effect).toContain("stops the fail2ban it installed");
  });

  it("reprovision: a new agent gets its user-data; no other node's changes; the firewall ruleset syncs", () => {
    repoWith(example);
    edit("    - {name: node-3, role: server, address: 203.0.113.13}\n", "    - {name: node-3, role: server, address: 203.0.113.13}\n    - {name: agent-1, role: agent, address: 203.0.113.21}\n");
    const r = plan("--base", "main");
    const nodeChanges = r.json.changes.filter((c) => c.class === "reprovision");
    expect(nodeChanges.map((c) => [c.action, c.subject])).toEqual([["added", "node agent-1"]]);
    expect(nodeChanges[0]!.effect).toContain("merge first (every node's firewall then admits it)");
    expect(r.json.changes.filter((c) => c.class === "sync").map((c) => c.subject)).toContain("ConfigMap slipway-system/host-firewall");
    expect(classes(r.json)).toEqual(["reprovision", "sync"]);
  });

  it("reprovision: an SSH key changed -> every node's own user-data changed, each named", () => {
    repoWith(example);
    edit("ops@example", "admin@example");
    const r = plan("--base", "main");
    expect(classes(r.json)).toEqual(["reprovision"]);
    expect(r.json.changes.map((c) => c.nodes)).toEqual([["node-1"], ["node-2"], ["node-3"]]);
    for (const c of r.json.changes) {
      expect(c.subject).toMatch(/^node node-\d$/);
      expect(c.effect).toContain("its own user-data changed (users)");
      expect(c.effect).toContain("changing user-data makes most provisioners replace the machine");
    }
  });

  it("destructive: a critical K3s value (the service CIDR) has the manual path and no rollout", () => {
    repoWith(example);
    edit("    disable: [servicelb, local-storage]\n", "    disable: [servicelb, local-storage]\n    serviceCIDR: 10.96.0.0/16\n");
    const r = plan("--base", "main");
    const destructive = r.json.changes.filter((c) => c.class === "destructive");
    expect(destructive.map((c) => c.subject)).toEqual(['K3s service-cidr of the servers: "10.43.0.0/16" -> "10.96.0.0/16"']);
    expect(destructive[0]!.effect).toContain("No Plan rolls it out");
    expect(destructive[0]!.effect).toContain("build a new cluster");
    // validate says so too, as a warning with the same path, against the committed tree (none here).
  });

  it("destructive: turning secrets encryption on for a running cluster names K3s's ordered procedure", () => {
    repoWith(example.replace("    disable: [servicelb, local-storage]\n", "    disable: [servicelb, local-storage]\n    secretsEncryption: false\n"));
    edit("    secretsEncryption: false\n", "");
    const r = plan("--base", "main");
    const d = r.json.changes.filter((c) => c.class === "destructive");
    expect(d.map((c) => c.subject)).toEqual(["K3s secrets-encryption of the servers: unset -> true"]);
    expect(d[0]!.effect).toContain("k3s secrets-encrypt enable");
    expect(d[0]!.effect).toContain("rotate-keys");
  });

  it("destructive: switching the overlay (Cilium's encryption) is stop-the-world", () => {
    repoWith(example);
    edit("cilium: {kubeProxyReplacement: false}", "cilium: {kubeProxyReplacement: false, encryption: none}");
    const r = plan("--base", "main");
    const d = r.json.changes.filter((c) => c.class === "destructive");
    expect(d.map((c) => c.subject)).toEqual(["Cilium encryption: wireguard -> none"]);
    expect(d[0]!.effect).toContain("stop-the-world");
  });

  it("destructive: moving cluster-init to another server", () => {
    repoWith(example);
    edit("{name: node-2, role: server, address: 203.0.113.12}", "{name: node-2, role: server, address: 203.0.113.12, clusterInit: true}");
    const r = plan("--base", "main");
    const d = r.json.changes.filter((c) => c.class === "destructive");
    expect(d.map((c) => c.subject)).toEqual(["cluster-init: node-1 -> node-2"]);
    expect(d[0]!.effect).toContain("right only to rebuild node-1");
  });

  it("destructive: servers removed are etcd members, with the steps and the quorum rule; --fail-on destructive exits 1", () => {
    repoWith(example);
    edit(/ {4}- \{name: node-2[^\n]*\n {4}- \{name: node-3[^\n]*\n/, "");
    const r = plan("--base", "main");
    expect(r.code).toBe(0);
    const destructive = r.json.changes.filter((c) => c.class === "destructive" && c.subject.startsWith("server"));
    expect(destructive.map((c) => c.subject)).toEqual(["server node-2 (etcd member)", "server node-3 (etcd member)"]);
    expect(destructive[0]!.effect).toContain("kubectl drain node-2");
    expect(destructive[0]!.effect).toContain("kubectl delete node node-2 (K3s then removes its etcd member)");
    expect(destructive[0]!.effect).toContain("1 server left: remove servers one at a time");
    expect(destructive[0]!.nodes).toEqual(["node-2"]);
    expect(plan("--base", "main", "--fail-on", "destructive").code).toBe(1);
  });

  it("destructive: an app removed -> its Application (finalizer deletes its resources) and its destination namespace", () => {
    repoWith(example);
    edit(/ {2}apps:\n(?: {4}.*\n| {6}.*\n)*$/, "");
    const r = plan("--base", "main");
    const destructive = r.json.changes.filter((c) => c.class === "destructive");
    expect(destructive.map((c) => c.subject)).toEqual(["Application argocd/minio", "namespace storage (Application destination)"]);
    expect(destructive[0]!.effect).toContain("resources finalizer deletes every resource it deployed");
  });

  it("destructive: a volume removed -> its PersistentVolume; the sealing certificate removed -> a sealing key", () => {
    const withScratch = example.replace("  secrets:\n", "  storage:\n    volumes:\n      - {name: scratch, node: node-1, path: /data/scratch, size: 1Gi}\n  secrets:\n");
    repoWith(withScratch, { "bootstrap/sealed-secrets.crt": "-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n" });
    writeFileSync(join(work.dir, "cluster.yaml"), example);
    rmSync(join(work.dir, "bootstrap/sealed-secrets.crt"));
    const r = plan("--base", "HEAD", "--fail-on", "destructive");
    expect(r.code).toBe(1);
    const subjects = r.json.changes.filter((c) => c.class === "destructive").map((c) => c.subject);
    expect(subjects).toContain("PersistentVolume scratch");
    expect(subjects).toContain("Sealed Secrets certificate bootstrap/sealed-secrets.crt");
  });

  it("reads sealed-secrets/ at the base like the pipeline does: a SealedSecret removed is pruned with its Application", () => {
    git("init", "-q");
    writeFileSync(join(work.dir, "cluster.yaml"), example);
    expect(slipway(["keygen"], { cwd: work.dir }).code).toBe(0);
    expect(slipway(["seal", "db", "-n", "storage", "--from-literal", "password=correct-horse-battery"], { cwd: work.dir }).code).toBe(0);
    git("add", "cluster.yaml", "sealed-secrets", "bootstrap/sealed-secrets.crt");
    git("commit", "-q", "-m", "base");
    rmSync(join(work.dir, "sealed-secrets"), { recursive: true });
    const r = plan("--base", "main");
    expect(r.code).toBe(0);
    expect(r.json.changes.map((c) => [c.class, c.action, c.subject])).toEqual([
      ["destructive", "removed", "Application argocd/secrets-storage"],
      ["sync", "removed", "SealedSecret storage/db"],
    ]);
  }, 60_000);

  it("with no --base: the merge base of HEAD with main", () => {
    repoWith(example);
    git("checkout", "-q", "-b", "feature");
    edit("max-pods=50", "max-pods=60");
    git("commit", "-q", "-am", "more pods");
    const r = plan();
    expect(r.code).toBe(0);
    expect(r.json.base).toEqual({ ref: "merge-base(HEAD, main)", commit: git("rev-parse", "main").trim() });
    expect(r.json.summary["node-rollout"]).toBe(1);
  });

  it("a spec new at the base: everything is added, and said so", () => {
    repoWith(undefined, { "README.md": "x\n" });
    writeFileSync(join(work.dir, "cluster.yaml"), example);
    const r = plan("--base", "HEAD");
    expect(r.code).toBe(0);
    expect(r.json.notes[0]).toBe("cluster.yaml does not exist at the base: everything is new");
    expect(r.json.changes.every((c) => c.action === "added")).toBe(true);
  });

  it("markdown: one section per class, destructive first", () => {
    repoWith(example);
    edit("max-pods=50", "max-pods=60");
    edit("values: {mode: distributed, replicas: 3}", "values: {mode: distributed}");
    const r = slipway(["plan", "--base", "main", "--format", "markdown"], { cwd: work.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^### slipway plan\n\nCompared with `main` \(`[0-9a-f]{12}`\): \*\*1 node-rollout, 1 sync\*\*\./);
    const headings = r.stdout.split("\n").filter((l) => l.startsWith("#### "));
    expect(headings).toEqual(["#### Node rollout through Git (`node-rollout`, 1)", "#### Argo CD sync (`sync`, 1)"]);
  });
});

describe("slipway plan usage errors (exit 2, a hint, no stack trace)", () => {
  it("a base ref that does not exist", () => {
    repoWith(example);
    const r = slipway(["plan", "--base", "no-such-branch"], { cwd: work.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('slipway: base ref "no-such-branch" does not exist in this repository');
    expect(r.stderr).toMatch(/^ {2}hint: /m);
  });

  it("no default branch to compare with", () => {
    repoWith(example);
    git("branch", "-m", "trunk");
    const r = slipway(["plan"], { cwd: work.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no default branch found to compare with \(tried origin\/HEAD, .*origin\/main, main, origin\/master, master, and the current branch has no upstream\)/);
  });

  it("not a git repository", () => {
    writeFileSync(join(work.dir, "cluster.yaml"), example);
    const r = slipway(["plan", "--base", "main"], { cwd: work.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is not inside a git repository");
  });

  it("an unknown --fail-on class", () => {
    repoWith(example);
    expect(slipway(["plan", "--fail-on", "everything"], { cwd: work.dir }).code).toBe(2);
  });
});
