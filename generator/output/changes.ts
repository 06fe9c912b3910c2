/**
 * `slipway plan`: what a change of cluster.yaml does to the running cluster, from two in-memory
 * renders (base and working tree). Every change gets one class, the most consequential that
 * applies:
 *
 * - `destructive`: something is deleted that holds data or other resources: a node, a server (an
 *   etcd member), a PersistentVolume, a Namespace, the last Application deploying to a namespace,
 *   an Application (its finalizer/prune deletes what it deployed), a Sealed Secrets key;
 * - `restart`: K3s or containerd configuration on a node changed (K3s reads it only at start);
 * - `node-reprovision`: a node's user-data changed: cloud-init runs once per machine, so it takes
 *   effect only when the node is rebuilt;
 * - `sync`: a manifest under rendered/ changed: Argo CD reconciles it.
 *
 * Pure: the command reads git and the disk and passes text in.
 */
import { parseDocument } from "yaml";
import { cmp } from "../diagnostics.js";
import { objectId, parseManifests } from "../check/tree.js";
import { CONTAINERD_DIR } from "../plan/components/gvisor.js";
import { K3S_CONFIG_PATH } from "../plan/components/k3s-node.js";
import { KEY_LABEL } from "../secrets/key-secret.js";
import { toYamlText } from "../yaml.js";

/** The classes, most consequential first (the order reports list them in). */
export const CHANGE_CLASSES = ["destructive", "restart", "node-reprovision", "sync"] as const;
export type ChangeClass = (typeof CHANGE_CLASSES)[number];

export interface PlannedChange {
  class: ChangeClass;
  action: "added" | "changed" | "removed";
  /** What changed: `Deployment web/api`, `node node-1`, `namespace web`. */
  subject: string;
  /** What happens to the cluster, one sentence. */
  effect: string;
  /** The nodes it concerns (node classes). */
  nodes?: string[];
}

/** One side of the comparison. */
export interface PlanSide {
  /** Rendered files by path (`rendered/...`, `bootstrap/<node>.yaml`). */
  files: ReadonlyMap<string, string>;
  nodes: readonly { name: string; role: "server" | "agent" }[];
  /** Whether the committed Sealed Secrets certificate (bootstrap/sealed-secrets.crt) exists. */
  sealingCertificate: boolean;
}

interface ObjectEntry {
  obj: Record<string, unknown>;
  text: string;
}

/** Every change from `base` to `head`, sorted by class, then subject. */
export function classifyChanges(base: PlanSide, head: PlanSide): PlannedChange[] {
  const changes = [...objectChanges(base, head), ...destinationChanges(base, head), ...nodeChanges(base, head)];
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

/** Kubernetes objects of rendered/ (and those user-data drops into K3s's auto-deploy directory), by id. */
function objectsOf(files: ReadonlyMap<string, string>, where: "rendered" | "bootstrap"): Map<string, ObjectEntry> {
  const out = new Map<string, ObjectEntry>();
  for (const [path, text] of [...files.entries()].sort(([a], [b]) => cmp(a, b))) {
    if (!path.startsWith(`${where}/`)) continue;
    const texts = where === "rendered" ? [text] : [...writeFilesOf(text)].filter(([p]) => p.startsWith("/var/lib/rancher/k3s/server/manifests/")).map(([, c]) => c);
    for (const t of texts) {
      for (const o of parseManifests(path, t).objects) out.set(objectId(o.obj), { obj: o.obj, text: toYamlText(o.obj) });
    }
  }
  return out;
}

function objectChanges(base: PlanSide, head: PlanSide): PlannedChange[] {
  const before = objectsOf(base.files, "rendered");
  const after = objectsOf(head.files, "rendered");
  const out: PlannedChange[] = [];
  for (const [id, a] of after) {
    const b = before.get(id);
    if (!b) out.push({ class: "sync", action: "added", subject: describe(a.obj), effect: "Argo CD creates it" });
    else if (b.text !== a.text) out.push({ class: "sync", action: "changed", subject: describe(a.obj), effect: "Argo CD updates it in place" });
  }
  for (const [id, b] of before) if (!after.has(id)) out.push(removal(b.obj));
  // Key Secrets the first server imports on day 0 live in user-data, not in rendered/.
  const keysBefore = objectsOf(base.files, "bootstrap");
  const keysAfter = objectsOf(head.files, "bootstrap");
  for (const [id, b] of keysBefore) if (isSealingKey(b.obj) && !keysAfter.has(id) && !after.has(id)) out.push(removal(b.obj));
  return out;
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
  "takes effect only when the node is rebuilt (cloud-init runs once per machine); changing user-data makes most provisioners replace the machine";

function nodeChanges(base: PlanSide, head: PlanSide): PlannedChange[] {
  const out: PlannedChange[] = [];
  const headNodes = new Map(head.nodes.map((n) => [n.name, n]));
  const baseNodes = new Map(base.nodes.map((n) => [n.name, n]));
  for (const n of base.nodes) {
    const now = headNodes.get(n.name);
    if (!now) {
      out.push({
        class: "destructive",
        action: "removed",
        subject: n.role === "server" ? `server ${n.name} (etcd member)` : `node ${n.name}`,
        effect:
          n.role === "server"
            ? `the server leaves the cluster and etcd loses a member: drain it, delete the node (kubectl delete node ${n.name}) so K3s removes its etcd member, keep an odd number of servers, then destroy the machine`
            : `the node leaves the cluster: drain it (kubectl drain ${n.name}), delete it, then destroy the machine; pods with local data on it lose that data`,
        nodes: [n.name],
      });
    } else if (n.role === "server" && now.role === "agent") {
      out.push({ class: "destructive", action: "changed", subject: `server ${n.name} (etcd member)`, effect: "becomes an agent: etcd loses a member when the node is rebuilt; keep an odd number of servers", nodes: [n.name] });
    }
  }
  for (const n of head.nodes) {
    const path = `bootstrap/${n.name}.yaml`;
    const before = base.files.get(path);
    const after = head.files.get(path);
    if (!baseNodes.has(n.name) || before === undefined) {
      out.push({ class: "node-reprovision", action: "added", subject: `node ${n.name}`, effect: `a new ${n.role}: create the machine with the user-data of \`slipway userdata ${n.name}\``, nodes: [n.name] });
      continue;
    }
    if (after === undefined || before === after) continue;
    out.push({ class: "node-reprovision", action: "changed", subject: `node ${n.name}`, effect: `its user-data changed: ${REPROVISION}`, nodes: [n.name] });
    const restarted = restartFiles(before, after);
    if (restarted.length > 0) {
      const service = n.role === "server" ? "k3s" : "k3s-agent";
      out.push({
        class: "restart",
        action: "changed",
        subject: `node ${n.name}: ${restarted.join(", ")}`,
        effect: `K3s reads this only when it starts: it applies when the node is rebuilt, or on the running node by updating the file and restarting K3s (systemctl restart ${service})`,
        nodes: [n.name],
      });
    }
  }
  return out;
}

/** The K3s config and containerd templates a node's write_files change between two user-data texts. */
function restartFiles(before: string, after: string): string[] {
  const a = writeFilesOf(before);
  const b = writeFilesOf(after);
  const watched = (p: string) => p === K3S_CONFIG_PATH || (p.startsWith(`${CONTAINERD_DIR}/`) && p.endsWith(".tmpl"));
  return [...new Set([...a.keys(), ...b.keys()])].filter((p) => watched(p) && a.get(p) !== b.get(p)).sort(cmp);
}

/** write_files of a user-data text: path -> content (YAML 1.1, as cloud-init reads it). */
function writeFilesOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const v = parseDocument(text, { version: "1.1", uniqueKeys: false }).toJS() as { write_files?: unknown } | null;
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
  destructive: "Destructive",
  restart: "K3s restart on nodes",
  "node-reprovision": "Node reprovision",
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
