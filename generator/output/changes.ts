/**
 * `slipway plan`: what a change of cluster.yaml does to the running cluster, from two in-memory
 * renders (base and working tree). Every change gets one class, the most consequential first:
 *
 * - `destructive`: something is deleted or can change on no running cluster: a node (a server is
 *   an etcd member), a PersistentVolume, a Namespace, an Application and what it deployed, a
 *   Sealed Secrets key; K3s's critical values, the CIDRs, the overlay, the server that ran
 *   cluster-init. The entry says the manual path; nothing rolls these out.
 * - `reprovision`: a node's own user-data changed (its identity or birth settings): it takes effect
 *   only when that machine is rebuilt; or a node is new and its machine is to be created.
 * - `node-rollout`: running nodes change through Git: system-upgrade-controller Plans upgrade K3s
 *   (servers one at a time, cordoned and drained, then agents), write K3s config drop-ins and
 *   restart K3s one node at a time, or set node labels and taints through the API.
 * - `sync`: a manifest under rendered/ changed: Argo CD reconciles it.
 *
 * Pure: the command reads git and the disk and passes the two renders in.
 */
import { cmp } from "../diagnostics.js";
import { objectId, parseManifests } from "../check/tree.js";
import { fail2ban, JAIL_PATH, type Fail2ban } from "../plan/components/fail2ban.js";
import { nodeLabels, PLANS } from "../plan/components/system-upgrade.js";
import { isBirthKey, K3S_DROPIN_PATH } from "../spec/k3s-config.js";
import { compareK3sVersions } from "../spec/birth-facts.js";
import { criticalChange } from "../spec/rules/birth-settings.js";
import type { Resolved } from "../spec/resolve.js";
import type { K3sArgValue, Role } from "../spec/types.js";
import { KEY_LABEL } from "../secrets/key-secret.js";
import { readAsCloudInit, toYamlText } from "../yaml.js";

/** The classes, most consequential first (the order reports list them in). */
export const CHANGE_CLASSES = ["destructive", "reprovision", "node-rollout", "sync"] as const;
export type ChangeClass = (typeof CHANGE_CLASSES)[number];

export interface PlannedChange {
  class: ChangeClass;
  action: "added" | "changed" | "removed";
  /** What changed: `Deployment web/api`, `node node-1`, `K3s v1.36.3+k3s1 -> v1.36.5+k3s1`. */
  subject: string;
  /** What happens to the cluster, and what to do. */
  effect: string;
  /** The nodes it concerns, in the order they are changed. */
  nodes?: string[];
}

/** One side of the comparison. */
export interface PlanSide {
  /** Rendered files by path (`rendered/...`, `bootstrap/<node>.yaml`). */
  files: ReadonlyMap<string, string>;
  /** The resolved spec the files were rendered from (absent: cluster.yaml did not exist). */
  resolved?: Resolved;
  /** Whether the committed Sealed Secrets certificate (bootstrap/sealed-secrets.crt) exists. */
  sealingCertificate: boolean;
}

interface ObjectEntry {
  obj: Record<string, unknown>;
  text: string;
}

/** Every change from `base` to `head`, sorted by class, then subject. */
export function classifyChanges(base: PlanSide, head: PlanSide): PlannedChange[] {
  const changes = [...objectChanges(base, head), ...destinationChanges(base, head), ...nodeChanges(base, head), ...rolloutChanges(base, head), ...birthChanges(base, head)];
  if (base.sealingCertificate && !head.sealingCertificate) {
    changes.push({
      class: "destructive",
      action: "removed",
      subject: "Sealed Secrets certificate bootstrap/sealed-secrets.crt",
      effect: "the committed sealing certificate is gone: `seal` cannot seal any more, and if its key is dropped from the cluster, SealedSecrets sealed with it can no longer be decrypted",
    });
  }
  const rank = (c: ChangeClass) => CHANGE_CLASSES.indexOf(c);
  return changes.sort((a, b) => rank(a.class) - rank(b.class) || cmp(a.subject, b.subject) || cmp(a.action, b.action));
}

/**
 * Kubernetes objects Argo CD applies (rendered/, but not rendered/day0/, which only a new first
 * server reads), and the key Secrets user-data drops into K3s's auto-deploy directory, by id.
 */
function objectsOf(files: ReadonlyMap<string, string>, where: "rendered" | "bootstrap"): Map<string, ObjectEntry> {
  const out = new Map<string, ObjectEntry>();
  for (const [path, text] of [...files.entries()].sort(([a], [b]) => cmp(a, b))) {
    if (!path.startsWith(`${where}/`) || path.startsWith("rendered/day0/")) continue;
    const texts = where === "rendered" ? [text] : [...writeFilesOf(text)].filter(([p]) => p.startsWith("/var/lib/rancher/k3s/server/manifests/")).map(([, c]) => c);
    for (const t of texts) {
      for (const o of parseManifests(path, t).objects) out.set(objectId(o.obj), { obj: o.obj, text: toYamlText(o.obj) });
    }
  }
  return out;
}

/**
 * The rollout Plans are reported by what they do to the nodes (rolloutChanges), not as objects;
 * the storage directories' Plan restarts nothing and is reported as a sync.
 */
const isPlan = (obj: Record<string, unknown>) =>
  obj.kind === "Plan" && String(obj.apiVersion).startsWith("upgrade.cattle.io/") && ((obj.metadata ?? {}) as Record<string, unknown>).name !== PLANS.storageDirs;

function objectChanges(base: PlanSide, head: PlanSide): PlannedChange[] {
  const before = objectsOf(base.files, "rendered");
  const after = objectsOf(head.files, "rendered");
  const out: PlannedChange[] = [];
  for (const [id, a] of after) {
    if (isPlan(a.obj)) continue;
    const b = before.get(id);
    if (!b) out.push({ class: "sync", action: "added", subject: describe(a.obj), effect: "Argo CD creates it" });
    else if (b.text !== a.text) out.push(immutableChange(b.obj, a.obj) ?? { class: "sync", action: "changed", subject: describe(a.obj), effect: syncEffect(a.obj) });
  }
  for (const [id, b] of before) if (!after.has(id) && !isPlan(b.obj)) out.push(removal(b.obj));
  // Key Secrets the first server imports on day 0 live in user-data, not in rendered/.
  const keysBefore = objectsOf(base.files, "bootstrap");
  const keysAfter = objectsOf(head.files, "bootstrap");
  for (const [id, b] of keysBefore) if (isSealingKey(b.obj) && !keysAfter.has(id) && !after.has(id)) out.push(removal(b.obj));
  return out;
}

/**
 * A PersistentVolume whose directory or node changed: the API server refuses the update (a
 * volume's source is immutable, and so is its node affinity: ValidatePersistentVolumeUpdate in
 * kubernetes pkg/apis/core/validation), so Argo CD's sync fails until it is done by hand.
 */
function immutableChange(before: Record<string, unknown>, after: Record<string, unknown>): PlannedChange | undefined {
  if (after.kind !== "PersistentVolume") return undefined;
  const spec = (o: Record<string, unknown>) => (o.spec ?? {}) as Record<string, unknown>;
  const fixed = (o: Record<string, unknown>) => JSON.stringify([spec(o).hostPath, spec(o).nodeAffinity]);
  if (fixed(before) === fixed(after)) return undefined;
  const name = String(((after.metadata ?? {}) as Record<string, unknown>).name);
  return {
    class: "destructive",
    action: "changed",
    subject: describe(after),
    effect: `a PersistentVolume's directory and node cannot change: Argo CD's sync of it fails until it is replaced. By hand: stop the pods that use it, copy the data to the new directory on its node, kubectl delete pv ${name} (and its claim), then sync; the old directory stays on its node`,
  };
}

function syncEffect(obj: Record<string, unknown>): string {
  const m = (obj.metadata ?? {}) as Record<string, unknown>;
  if (obj.kind === "ConfigMap" && m.name === "host-firewall") return "Argo CD updates it in place; each node's host-firewall pod applies its new ruleset within a minute, nothing restarts";
  if (obj.kind === "Plan" && m.name === PLANS.storageDirs) return "Argo CD updates it; each node that holds static volumes creates its new directories with their owners, nothing restarts (a directory no longer listed stays, with its data)";
  return "Argo CD updates it in place";
}

function removal(obj: Record<string, unknown>): PlannedChange {
  const subject = describe(obj);
  const kind = String(obj.kind);
  const base = { action: "removed" as const, subject };
  if (isSealingKey(obj)) {
    return { ...base, class: "destructive", effect: "a Sealed Secrets key is removed: SealedSecrets sealed with it can no longer be decrypted" };
  }
  if (kind === "PersistentVolume") {
    const policy = String(((obj.spec ?? {}) as Record<string, unknown>).persistentVolumeReclaimPolicy ?? "Retain");
    return { ...base, class: "destructive", effect: `Argo CD prunes the PersistentVolume (reclaim policy ${policy}): a claim bound to it loses its storage` };
  }
  if (kind === "Namespace" && keptByArgo(obj)) {
    return { ...base, class: "sync", effect: "Argo CD leaves the Namespace and everything in it in place (Prune=false) and shows it OutOfSync until it is deleted by hand or back in the tree" };
  }
  if (kind === "Namespace") return { ...base, class: "destructive", effect: "Argo CD prunes the Namespace, and Kubernetes deletes everything in it" };
  if (kind === "Application" && String(obj.apiVersion).startsWith("argoproj.io/")) {
    const finalizers = (((obj.metadata ?? {}) as Record<string, unknown>).finalizers ?? []) as unknown[];
    const cascade = finalizers.some((f) => typeof f === "string" && f.startsWith("resources-finalizer.argocd.argoproj.io"));
    return {
      ...base,
      class: "destructive",
      effect: cascade
        ? "the root Application prunes it, and its resources finalizer deletes every resource it deployed"
        : "the root Application prunes it; its resources stay, unmanaged (no resources finalizer)",
    };
  }
  return { ...base, class: "sync", effect: "Argo CD prunes it" };
}

/** Whether the object opts out of pruning (argocd.argoproj.io/sync-options Prune=false). */
function keptByArgo(obj: Record<string, unknown>): boolean {
  const annotations = (((obj.metadata ?? {}) as Record<string, unknown>).annotations ?? {}) as Record<string, unknown>;
  return String(annotations["argocd.argoproj.io/sync-options"] ?? "").split(",").map((s) => s.trim()).includes("Prune=false");
}

/** Namespaces that some Application deployed to before and none does now. */
function destinationChanges(base: PlanSide, head: PlanSide): PlannedChange[] {
  const destinations = (side: PlanSide) => {
    const set = new Set<string>();
    for (const { obj } of objectsOf(side.files, "rendered").values()) {
      if (obj.kind !== "Application") continue;
      const ns = (((obj.spec ?? {}) as Record<string, unknown>).destination as Record<string, unknown> | undefined)?.namespace;
      if (typeof ns === "string" && ns) set.add(ns);
    }
    return set;
  };
  const after = destinations(head);
  return [...destinations(base)]
    .filter((ns) => !after.has(ns))
    .map((ns) => ({
      class: "destructive" as const,
      action: "removed" as const,
      subject: `namespace ${ns} (Application destination)`,
      effect: `no Application deploys to ${ns} any more: what the removed Applications deployed there is deleted`,
    }));
}

const REPROVISION =
  "it takes effect only when this machine is rebuilt (cloud-init runs once per machine), and changing user-data makes most provisioners replace the machine";

const nodesOf = (side: PlanSide) => side.resolved?.nodes ?? [];

function nodeChanges(base: PlanSide, head: PlanSide): PlannedChange[] {
  const out: PlannedChange[] = [];
  const headNodes = new Map(nodesOf(head).map((n) => [n.name, n]));
  const baseNodes = new Map(nodesOf(base).map((n) => [n.name, n]));
  const serversLeft = nodesOf(head).filter((n) => n.role === "server").length;
  for (const n of nodesOf(base)) {
    const now = headNodes.get(n.name);
    if (!now) {
      out.push({
        class: "destructive",
        action: "removed",
        subject: n.role === "server" ? `server ${n.name} (etcd member)` : `node ${n.name}`,
        effect:
          n.role === "server"
            ? `the server leaves the cluster and etcd loses a member. By hand, one server at a time: kubectl drain ${n.name} --ignore-daemonsets --delete-emptydir-data; kubectl delete node ${n.name} (K3s then removes its etcd member); destroy the machine. ${quorum(serversLeft)}`
            : `the node leaves the cluster. By hand: kubectl drain ${n.name} --ignore-daemonsets --delete-emptydir-data; kubectl delete node ${n.name}; destroy the machine. Pods with local data on it lose that data`,
        nodes: [n.name],
      });
    } else if (n.role === "server" && now.role === "agent") {
      out.push({ class: "destructive", action: "changed", subject: `server ${n.name} (etcd member)`, effect: `becomes an agent: drain and delete the node (its etcd member goes with it), then rebuild the machine with its new user-data. ${quorum(serversLeft)}`, nodes: [n.name] });
    }
  }
  for (const n of nodesOf(head)) {
    const path = `bootstrap/${n.name}.yaml`;
    const before = base.files.get(path);
    const after = head.files.get(path);
    if (!baseNodes.has(n.name) || before === undefined) {
      out.push({
        class: "reprovision",
        action: "added",
        subject: `node ${n.name}`,
        effect: `a new ${n.role}: merge first (every node's firewall then admits it), then create the machine with the user-data of \`slipway userdata ${n.name}\`; it installs the K3s version its server runs and joins; no other node's user-data changes`,
        nodes: [n.name],
      });
      continue;
    }
    if (after === undefined || before === after) continue;
    const what = changedParts(before, after);
    out.push({ class: "reprovision", action: "changed", subject: `node ${n.name}`, effect: `its own user-data changed (${what.join(", ")}): ${REPROVISION}`, nodes: [n.name] });
  }
  return out;
}

function quorum(servers: number): string {
  if (servers === 0) return "No server would be left.";
  if (servers % 2 === 0) return `${servers} servers are left: etcd wants an odd number (a majority of ${servers} is ${servers / 2 + 1}), so ${servers} survive no more failures than ${servers - 1}.`;
  return `${servers} server${servers === 1 ? "" : "s"} left: remove servers one at a time, each after the last is gone from etcd (kubectl get nodes).`;
}

/** Top-level keys and write_files paths that differ between two user-data texts. */
function changedParts(before: string, after: string): string[] {
  const parse = (t: string) => (readAsCloudInit(t) ?? {}) as Record<string, unknown>;
  const a = parse(before);
  const b = parse(after);
  const parts: string[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(cmp)) {
    if (key === "write_files" || JSON.stringify(a[key]) === JSON.stringify(b[key])) continue;
    parts.push(key);
  }
  const fa = writeFilesOf(before);
  const fb = writeFilesOf(after);
  for (const p of [...new Set([...fa.keys(), ...fb.keys()])].sort(cmp)) if (fa.get(p) !== fb.get(p)) parts.push(p);
  return parts.length ? parts : ["formatting"];
}

/** Rollouts through the tree's Plans: K3s versions, drop-ins, labels and taints. */
function rolloutChanges(base: PlanSide, head: PlanSide): PlannedChange[] {
  const a = base.resolved;
  const b = head.resolved;
  if (!a || !b) return [];
  const out: PlannedChange[] = [];
  const existing = new Set(a.nodes.map((n) => n.name));
  const names = (role: Role) => b.nodes.filter((n) => n.role === role && existing.has(n.name)).map((n) => n.name);
  const from = a.spec.spec.k3s.version;
  const to = b.spec.spec.k3s.version;
  if (from !== to && compareK3sVersions(to, from) > 0) {
    const servers = names("server");
    const agents = names("agent");
    const drained = b.servers.length > 1 ? "cordoned and drained" : "cordoned, not drained (a lone server keeps its pods; draining it would evict what the upgrade needs)";
    out.push({
      class: "node-rollout",
      action: "changed",
      subject: `K3s ${from} -> ${to}`,
      effect: [
        `system-upgrade-controller upgrades the servers one at a time, ${drained} (${servers.join(", ")}; Plan ${PLANS.serverUpgrade})`,
        agents.length ? `then the agents one at a time, drained, each after every server runs ${to} (${agents.join(", ")}; Plan ${PLANS.agentUpgrade})` : "",
        "K3s restarts on each; its containers keep running. Watch: kubectl -n system-upgrade get plans,jobs",
      ].filter(Boolean).join("; "),
      nodes: [...servers, ...agents],
    });
  }
  for (const role of ["server", "agent"] as const) {
    const keys = changedKeys(a.k3s.dropIn[role], b.k3s.dropIn[role]);
    const affected = names(role);
    if (keys.length === 0 || affected.length === 0) continue;
    const plan = role === "server" ? PLANS.serverConfig : PLANS.agentConfig;
    out.push({
      class: "node-rollout",
      action: "changed",
      subject: `K3s config of the ${role}s: ${keys.join(", ")}`,
      effect: `Plan ${plan} writes ${K3S_DROPIN_PATH} and restarts K3s on one ${role} at a time (${affected.join(", ")})${role === "agent" ? ", after the servers" : ""}; K3s keeps the containers running, and a node that does not come back gets its previous drop-in again and stops the rollout`,
      nodes: affected,
    });
  }
  // A node's own keys (its etcd snapshot directory): only that node restarts for them.
  for (const n of b.nodes) {
    if (!existing.has(n.name)) continue;
    const keys = changedKeys(a.k3s.perNode.get(n.name) ?? {}, b.k3s.perNode.get(n.name) ?? {}).filter((k) => !(k in b.k3s.dropIn[n.role]) && !(k in a.k3s.dropIn[n.role]));
    if (keys.length === 0) continue;
    const plan = n.role === "server" ? PLANS.serverConfig : PLANS.agentConfig;
    out.push({
      class: "node-rollout",
      action: "changed",
      subject: `K3s config of ${n.role} ${n.name}: ${keys.join(", ")}`,
      effect: `Plan ${plan} writes ${n.name}'s own ${K3S_DROPIN_PATH} and restarts K3s on it; K3s keeps the containers running, and a node that does not come back gets its previous drop-in again`,
      nodes: [n.name],
    });
  }
  out.push(...fail2banChange(fail2ban(a), fail2ban(b), b.nodes.filter((n) => existing.has(n.name)).map((n) => n.name)));
  const before = new Map(nodeLabels(a).map((e) => [e.node, e]));
  for (const e of nodeLabels(b)) {
    const was = before.get(e.node);
    if (!was) continue;
    const delta = [...diffList("label", was.labels, e.labels), ...diffList("taint", was.taints, e.taints)];
    if (delta.length === 0) continue;
    out.push({
      class: "node-rollout",
      action: "changed",
      subject: `labels and taints of node ${e.node}: ${delta.join(", ")}`,
      effect: `Plan ${PLANS.nodeLabels} sets them on the Node through the API (K3s's node-label and node-taint act only at registration); no restart`,
      nodes: [e.node],
    });
  }
  return out;
}

/** fail2ban's jail on every existing node (the host-fail2ban Plan), when its settings change. */
function fail2banChange(a: Fail2ban, b: Fail2ban, nodes: string[]): PlannedChange[] {
  if (nodes.length === 0) return [];
  const plan = `Plan ${PLANS.fail2ban}`;
  if (a.mode === "off" && b.mode === "off") return [];
  if (a.mode === "on" && b.mode === "off") {
    return [{ class: "node-rollout", action: "removed", subject: "fail2ban for sshd", effect: `${plan} removes ${JAIL_PATH} on one node at a time (${nodes.join(", ")}) and stops the fail2ban it installed; sshd and K3s are not restarted`, nodes }];
  }
  if (b.mode !== "on") return [];
  const what = a.mode === "off" ? "" : settingsDelta(a.settings, b.settings);
  if (a.mode === "on" && what === "") return [];
  return [
    {
      class: "node-rollout",
      action: a.mode === "off" ? "added" : "changed",
      subject: a.mode === "off" ? "fail2ban for sshd" : `fail2ban for sshd: ${what}`,
      effect: `${plan} ${a.mode === "off" ? "installs fail2ban and python3-systemd where missing, " : ""}writes ${JAIL_PATH} and restarts fail2ban on one node at a time (${nodes.join(", ")}); sshd and K3s are not restarted, and a node where fail2ban does not come back keeps its previous jail and stops the rollout`,
      nodes,
    },
  ];
}

function settingsDelta(a: Record<string, unknown>, b: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const k of Object.keys(b).sort(cmp)) {
    const x = a[k];
    const y = b[k];
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    if (Array.isArray(x) && Array.isArray(y)) parts.push(`${k} ${diffList("", x as string[], y as string[]).map((d) => d.replace(/^([+-]) /, "$1")).join(" ")}`);
    else parts.push(`${k} ${String(x)} -> ${String(y)}`);
  }
  return parts.join(", ");
}

function changedKeys(a: Record<string, K3sArgValue>, b: Record<string, K3sArgValue>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort(cmp);
}

function diffList(what: string, a: readonly string[], b: readonly string[]): string[] {
  return [...b.filter((x) => !a.includes(x)).map((x) => `+${what} ${x}`), ...a.filter((x) => !b.includes(x)).map((x) => `-${what} ${x}`)];
}

/** Settings no running cluster can change: the entry carries the manual path. */
function birthChanges(base: PlanSide, head: PlanSide): PlannedChange[] {
  const a = base.resolved;
  const b = head.resolved;
  if (!a || !b) return [];
  const out: PlannedChange[] = [];
  const servers = b.servers.map((n) => n.name).filter((n) => a.nodes.some((x) => x.name === n));
  const agents = b.agents.map((n) => n.name).filter((n) => a.nodes.some((x) => x.name === n));
  for (const [role, birthA, birthB, nodes] of [["servers", a.k3s.serverBirth, b.k3s.serverBirth, servers], ["agents", a.k3s.agentBirth, b.k3s.agentBirth, agents]] as const) {
    for (const key of changedKeys(pick(birthA), pick(birthB))) {
      const c = criticalChange(key);
      out.push({ class: "destructive", action: "changed", subject: `K3s ${key} of the ${role}: ${show(birthA[key])} -> ${show(birthB[key])}`, effect: `${c.effect}. No Plan rolls it out. ${c.path}`, nodes: [...nodes] });
    }
  }
  if (a.firstServer.name !== b.firstServer.name && a.nodes.some((n) => n.name === b.firstServer.name)) {
    out.push({
      class: "destructive",
      action: "changed",
      subject: `cluster-init: ${a.firstServer.name} -> ${b.firstServer.name}`,
      effect: `which server initialised etcd is fixed on a running cluster. This is right only to rebuild ${a.firstServer.name}: ${b.firstServer.name} already runs (K3s ignores cluster-init once etcd exists); then rebuild ${a.firstServer.name}, which joins. ${b.spec.spec.k3s.registrationAddress ? "" : "Without spec.k3s.registrationAddress every joining node's server URL changes with it."}`.trim(),
      nodes: [a.firstServer.name, b.firstServer.name],
    });
  }
  if (a.ciliumEncryption !== b.ciliumEncryption && a.spec.spec.network.cni === "cilium" && b.spec.spec.network.cni === "cilium") {
    out.push({
      class: "destructive",
      action: "changed",
      subject: `Cilium encryption: ${a.ciliumEncryption ? "wireguard" : "none"} -> ${b.ciliumEncryption ? "wireguard" : "none"}`,
      effect: "stop-the-world for pod traffic: every Cilium agent restarts, and until all have, encrypted and plain nodes cannot reach each other. Merge it in a maintenance window; Argo CD then rolls the agents",
      nodes: b.nodes.map((n) => n.name),
    });
  }
  return out;
}

/** Birth keys shared by every node of a role (identity and join are per node). */
const pick = (o: Record<string, K3sArgValue>) => Object.fromEntries(Object.entries(o).filter(([k]) => isBirthKey(k)));
const show = (v: K3sArgValue | undefined): string => (v === undefined ? "unset" : JSON.stringify(v));

/** write_files of a user-data text: path -> content (YAML 1.1, as cloud-init reads it). */
function writeFilesOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const v = readAsCloudInit(text) as { write_files?: unknown } | null | undefined;
  if (!v || !Array.isArray(v.write_files)) return out;
  for (const f of v.write_files as Record<string, unknown>[]) {
    if (f && typeof f.path === "string") out.set(f.path, typeof f.content === "string" ? f.content : "");
  }
  return out;
}

function isSealingKey(obj: Record<string, unknown>): boolean {
  const labels = (((obj.metadata ?? {}) as Record<string, unknown>).labels ?? {}) as Record<string, unknown>;
  return obj.kind === "Secret" && labels[KEY_LABEL] !== undefined;
}

/** `Deployment web/api`, `Namespace web`. */
function describe(obj: Record<string, unknown>): string {
  const m = (obj.metadata ?? {}) as Record<string, unknown>;
  const name = typeof m.namespace === "string" && m.namespace ? `${m.namespace}/${String(m.name)}` : String(m.name);
  return `${String(obj.kind)} ${name}`;
}

/** Counts per class, every class present (0 when none). */
export function countByClass(changes: readonly PlannedChange[]): Record<ChangeClass, number> {
  const counts = Object.fromEntries(CHANGE_CLASSES.map((c) => [c, 0])) as Record<ChangeClass, number>;
  for (const c of changes) counts[c.class]++;
  return counts;
}

/** What the plan compared, for the heading. */
export interface PlanHeading {
  /** The ref as given or chosen (`origin/main`). */
  ref: string;
  /** The commit it resolved to. */
  commit: string;
  /** Notes (e.g. "cluster.yaml does not exist at the base: everything is new"). */
  notes: readonly string[];
}

const CLASS_TITLE: Readonly<Record<ChangeClass, string>> = {
  destructive: "Destructive: by hand, nothing rolls these out",
  reprovision: "Machines to create or rebuild",
  "node-rollout": "Node rollout through Git",
  sync: "Argo CD sync",
};

function summaryLine(changes: readonly PlannedChange[]): string {
  if (changes.length === 0) return "no changes to the cluster";
  const counts = countByClass(changes);
  return CHANGE_CLASSES.filter((c) => counts[c] > 0)
    .map((c) => `${counts[c]} ${c}`)
    .join(", ");
}

const short = (commit: string) => commit.slice(0, 12);

export function formatPlanText(changes: readonly PlannedChange[], h: PlanHeading): string {
  const lines = [`slipway plan: ${h.ref} (${short(h.commit)}) -> working tree: ${summaryLine(changes)}`];
  for (const n of h.notes) lines.push(`note: ${n}`);
  for (const c of CHANGE_CLASSES) {
    const group = changes.filter((x) => x.class === c);
    if (group.length === 0) continue;
    lines.push("", `${c} (${group.length})`);
    for (const x of group) lines.push(`  ${x.action.padEnd(7)} ${x.subject}: ${x.effect}`);
  }
  return `${lines.join("\n")}\n`;
}

export function formatPlanMarkdown(changes: readonly PlannedChange[], h: PlanHeading): string {
  const lines = ["### slipway plan", "", `Compared with \`${h.ref}\` (\`${short(h.commit)}\`): **${summaryLine(changes)}**.`];
  for (const n of h.notes) lines.push("", `> ${n}`);
  for (const c of CHANGE_CLASSES) {
    const group = changes.filter((x) => x.class === c);
    if (group.length === 0) continue;
    lines.push("", `#### ${c === "destructive" ? "⚠️ " : ""}${CLASS_TITLE[c]} (\`${c}\`, ${group.length})`, "");
    for (const x of group) lines.push(`- **${x.action}** ${code(x.subject)}: ${x.effect}`);
  }
  return `${lines.join("\n")}\n`;
}

export function planJson(changes: readonly PlannedChange[], h: PlanHeading): object {
  return {
    base: { ref: h.ref, commit: h.commit },
    notes: h.notes,
    summary: countByClass(changes),
    changes: changes.map((c) => ({ class: c.class, action: c.action, subject: c.subject, effect: c.effect, ...(c.nodes ? { nodes: c.nodes } : {}) })),
  };
}

function code(s: string): string {
  return `\`${s.replace(/`/g, "'")}\``;
}
