/**
 * The plan: which components, Applications, files and waves exist, decided before any text is
 * produced (changesets' read -> plan -> apply). Templates only turn a plan into text.
 */
import type { Resolved, ResolvedNode } from "../spec/resolve.js";

/** A Helm chart an Application (and, on day 0, a K3s HelmChart) installs. */
export interface ChartSource {
  repoURL: string;
  chart: string;
  version: string;
  releaseName: string;
  values: Record<string, unknown>;
}

/**
 * The text of a static file under templates/ (a script that is data, not a template), by
 * reference: the plan stays free of I/O, and render reads the file beside the templates and hands
 * its exact bytes to the template as a string, anywhere in a context (emit it with toYaml).
 */
export class TemplateAsset {
  /** @param path relative to templates/, e.g. `manifests/dns-failover/prober.sh` */
  constructor(readonly path: string) {}
}

/** One plain manifest file under rendered/manifests/<component>/. */
export interface ManifestFile {
  /** File name inside the component's folder, e.g. `runtimeclass-gvisor.yaml`. */
  file: string;
  /** Template path under templates/, e.g. `manifests/gvisor/runtimeclass.yaml.hbs`. */
  template: string;
  /** Values for the template; a TemplateAsset anywhere in it becomes that file's text. */
  context: Record<string, unknown>;
}

/** A folder of another Git repository, pinned; `kustomize` for a kustomization there (Argo CD's source.kustomize). */
export interface GitSource {
  repoURL: string;
  path: string;
  revision: string;
  kustomize?: Record<string, unknown>;
}

/** A file of the tree that is no Application's manifest: rendered/<path> (rendered/day0/). */
export interface TreeFile {
  /** Relative to rendered/, e.g. `day0/k3s-version`. */
  path: string;
  content?: string;
  template?: string;
  context?: Record<string, unknown>;
}

/** One child Application of the root, with what it installs. */
export interface Component {
  name: string;
  /** Destination namespace. */
  namespace: string;
  chart?: ChartSource;
  /** A folder of the GitOps repository (user apps with `path:`), relative to the repo root. */
  repoPath?: string;
  /** Folders of other Git repositories at pinned revisions (upstream CRDs, an upstream kustomization). */
  gitSources?: GitSource[];
  manifests: ManifestFile[];
  /** Components that must be synced and healthy first (by name). */
  after: string[];
  /** API groups whose CRDs this component installs. */
  providesCrds: string[];
  /** API groups of custom resources in its manifests. */
  usesCrds: string[];
  /** Extra Argo CD syncOptions. */
  syncOptions: string[];
  /** Cascade-delete children when the Application is removed (off for day-0 components: removing
   *  the Application must never uninstall the CNI or Argo CD itself). */
  finalizer: boolean;
  /** Installed before Argo CD by the first server as a K3s HelmChart (`bootstrap: true` = runs
   *  before any CNI exists). */
  day0?: { bootstrap: boolean };
  /** Explicit wave (user apps); otherwise derived from `after` and CRDs. */
  wave?: number;
  /** Synced after every other Application, so that it holds none back (the node Plans: a slow or
   *  stuck rollout must not stop an app change from syncing). */
  last?: boolean;
  ignoreDifferences?: Record<string, unknown>[];
}

/** A file cloud-init writes on a node. */
export interface NodeFile {
  path: string;
  /** Literal content, or a template rendered with `context`. */
  content?: string;
  template?: string;
  context?: Record<string, unknown>;
  permissions: string;
  owner?: string;
  /** Write after users and packages exist (cloud-init write_files `defer`). */
  defer?: boolean;
}

/** What a component adds to one node's cloud-init. */
export interface NodeContribution {
  files: NodeFile[];
  packages: string[];
  /** Scripts run in order before K3s is installed (absolute paths of files above). */
  beforeK3s: string[];
  /** Scripts run after K3s is installed and started. */
  afterK3s: string[];
}

/** A planned piece of the platform: Applications and what it needs on nodes. */
export interface Feature {
  components: Component[];
  node?: (node: ResolvedNode, r: Resolved) => Partial<NodeContribution> | undefined;
}

export interface Plan {
  resolved: Resolved;
  /** Sorted by wave, then name. */
  components: (Component & { wave: number })[];
  /** Files of rendered/ beside the Applications (day-0 manifests, the K3s version), sorted. */
  tree: TreeFile[];
  nodes: { node: ResolvedNode; contribution: NodeContribution }[];
}

export function component(c: Partial<Component> & Pick<Component, "name" | "namespace">): Component {
  return { manifests: [], after: [], providesCrds: [], usesCrds: [], syncOptions: [], finalizer: true, ...c };
}
