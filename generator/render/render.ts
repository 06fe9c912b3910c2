/**
 * plan -> text: every file of the tree, in memory. Nothing is written here; the check stage parses
 * everything back before the writer may touch the disk.
 */
import { TemplateAsset, type Plan, type NodeFile, type Component } from "../plan/types.js";
import { rootContext } from "../plan/day0.js";
import type { ResolvedNode } from "../spec/resolve.js";
import { TemplateSet } from "./templates.js";

export type FileKind = "manifest" | "cloud-init" | "text";

export interface RenderedFile {
  /** Path relative to the output root: `rendered/...` or `bootstrap/...`. */
  path: string;
  text: string;
  kind: FileKind;
  /** The Application a manifest belongs to (for diff grouping). */
  app?: string;
}

export const RENDERED = "rendered";
/** The diff group of rendered/day0/ (read by the first server at birth, synced by no Application). */
export const DAY0_GROUP = "day0";
export const BOOTSTRAP = "bootstrap";

export function renderPlan(plan: Plan, templates = new TemplateSet()): RenderedFile[] {
  const r = plan.resolved;
  const files: RenderedFile[] = [];
  const manifest = (path: string, template: string, context: Record<string, unknown>, app: string) =>
    files.push({ path, text: templates.render(template, withAssets(context, templates)), kind: "manifest", app });

  manifest(`${RENDERED}/apps/root.yaml`, "apps/root.yaml.hbs", rootContext(r), "root");
  manifest(`${RENDERED}/apps/project.yaml`, "apps/project.yaml.hbs", projectContext(plan), "root");
  for (const c of plan.components) {
    manifest(`${RENDERED}/apps/${c.name}.yaml`, "apps/application.yaml.hbs", applicationContext(plan, c), "root");
    for (const m of c.manifests) manifest(`${RENDERED}/manifests/${c.name}/${m.file}`, m.template, { ...m.context, component: c.name }, c.name);
  }
  // What the first server reads from the tree at its birth; no Application syncs it.
  for (const t of plan.tree) {
    const path = `${RENDERED}/${t.path}`;
    if (t.content !== undefined) files.push({ path, text: t.content, kind: "text" });
    else manifest(path, t.template ?? "", t.context ?? {}, DAY0_GROUP);
  }
  for (const { node, contribution } of plan.nodes) {
    const writeFiles = contribution.files.map((f) => writeFile(f, templates));
    const context = {
      node,
      role: node.first ? "first server" : node.role,
      cluster: r.name,
      packages: contribution.packages,
      users: users(plan),
      fsSetup: fsSetup(node),
      mounts: mounts(node),
      writeFiles,
      runcmd: [...contribution.beforeK3s, "/usr/local/lib/slipway/install-k3s.sh", ...contribution.afterK3s].map((s) => ["sh", s]),
    };
    files.push({ path: `${BOOTSTRAP}/${node.name}.yaml`, text: templates.render("cloud-init/node.yaml.hbs", context), kind: "cloud-init" });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A context with every TemplateAsset replaced by its file's text (plain objects and arrays only). */
export function withAssets(context: Record<string, unknown>, templates: TemplateSet): Record<string, unknown> {
  const walk = (v: unknown): unknown => {
    if (v instanceof TemplateAsset) return templates.asset(v.path);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto === Object.prototype || proto === null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(context) as Record<string, unknown>;
}

function applicationContext(plan: Plan, c: Component & { wave: number }): Record<string, unknown> {
  const g = plan.resolved.spec.spec.gitops;
  const sources: Record<string, unknown>[] = [];
  if (c.chart) {
    sources.push({
      repoURL: c.chart.repoURL,
      chart: c.chart.chart,
      targetRevision: c.chart.version,
      helm: { releaseName: c.chart.releaseName, valuesObject: c.chart.values },
    });
  }
  if (c.manifests.length > 0) sources.push({ repoURL: g.repoURL, targetRevision: g.revision, path: `${g.path}/manifests/${c.name}`, directory: { recurse: true } });
  if (c.repoPath !== undefined) sources.push({ repoURL: g.repoURL, targetRevision: g.revision, path: c.repoPath });
  for (const g of c.gitSources ?? []) sources.push({ repoURL: g.repoURL, targetRevision: g.revision, path: g.path, ...(g.kustomize ? { kustomize: g.kustomize } : {}) });
  if (sources.length === 0) throw new Error(`plan bug: component ${c.name} has no source`);
  return {
    name: c.name,
    namespace: c.namespace,
    argocdNamespace: plan.resolved.argocdNamespace,
    wave: String(c.wave),
    finalizer: c.finalizer,
    cluster: plan.resolved.name,
    project: plan.resolved.name,
    multiSource: sources.length > 1,
    sources,
    source: sources[0],
    syncOptions: ["CreateNamespace=true", ...c.syncOptions].filter((v, i, a) => a.indexOf(v) === i),
    ignoreDifferences: c.ignoreDifferences && c.ignoreDifferences.length > 0 ? c.ignoreDifferences : undefined,
  };
}

function projectContext(plan: Plan): Record<string, unknown> {
  const repos = new Set<string>([plan.resolved.spec.spec.gitops.repoURL]);
  for (const c of plan.components) {
    if (c.chart) repos.add(c.chart.repoURL);
    for (const g of c.gitSources ?? []) repos.add(g.repoURL);
  }
  return {
    name: plan.resolved.name,
    namespace: plan.resolved.argocdNamespace,
    description: `Cluster ${plan.resolved.name}, rendered by slipway`,
    sourceRepos: [...repos].sort(),
  };
}

function writeFile(f: NodeFile, templates: TemplateSet): Record<string, unknown> {
  const content = f.content ?? templates.render(f.template ?? "", withAssets(f.context ?? {}, templates));
  return {
    path: f.path,
    permissions: f.permissions,
    owner: f.owner ?? "root:root",
    ...(f.defer ? { defer: true } : {}),
    content,
  };
}

function users(plan: Plan): Record<string, unknown>[] | undefined {
  const ssh = plan.resolved.spec.spec.hosts.ssh;
  if (ssh.authorizedKeys.length === 0) return undefined;
  return [
    {
      name: ssh.user,
      groups: ["sudo"],
      sudo: "ALL=(ALL) NOPASSWD:ALL",
      shell: "/bin/bash",
      lock_passwd: true,
      ssh_authorized_keys: ssh.authorizedKeys,
    },
  ];
}

function fsSetup(node: ResolvedNode): Record<string, unknown>[] | undefined {
  const v = node.volume;
  if (!v?.format) return undefined;
  // overwrite: false makes cloud-init skip a disk that already has a filesystem: data survives.
  return [{ label: "slipway-data", filesystem: v.filesystem, device: v.device, partition: "none", overwrite: false }];
}

function mounts(node: ResolvedNode): string[][] | undefined {
  const v = node.volume;
  if (!v) return undefined;
  // nofail: a missing disk must not stop the boot (the node stays reachable to fix it).
  return [[v.device, v.mountPath, v.filesystem, "defaults,nofail", "0", "2"]];
}
