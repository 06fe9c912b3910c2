/**
 * The gates of `slipway check` on one tree (rendered/ + bootstrap/ in a directory), each a small
 * named function returning findings and what it checked (for JUnit's passed cases). The spec gate
 * and the stale-tree comparison need a spec and live in the command; everything here works on a
 * tree alone, so `check --tree DIR` and `check SPEC` run the same code.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Diagnostic } from "../diagnostics.js";
import { compareTree, treeExists } from "../output/compare.js";
import type { RenderedFile } from "../render/render.js";
import { listFiles } from "../list-files.js";
import { loadLeakContext } from "../secrets/leak-inputs.js";
import { loadRepoInputs } from "../secrets/repo-inputs.js";
import { runCloudInitGate } from "./cloud-init-gate.js";
import { findingFromDiagnostic, type Finding, type GateRun } from "./finding.js";
import { runKubeconform } from "./kubeconform.js";
import { scanSecretLeaks, type LeakContext } from "./secret-leak.js";
import { strictSchemaSetFor } from "./strict/schema-set.js";
import { checkTree, parseManifests, resourceOf, type ParsedObject, type StrictTreeCheck } from "./tree.js";
import { checkUserDataSize, type Provider } from "./user-data-size.js";

/** A tree to check. */
export interface TreeUnderCheck {
  /** Directory holding `rendered/` and `bootstrap/` (the user's, or a temporary copy of a fresh render). */
  root: string;
  /** Every file of the tree, paths relative to `root` (`rendered/apps/root.yaml`). */
  files: RenderedFile[];
  /** spec.gitops.path: Application paths in this repository start with it. */
  gitopsPath: string;
  /** The path to show for a tree path (relative to the working directory). */
  display: (path: string) => string;
  /**
   * The cluster's Kubernetes version: spec.k3s.version (`v1.33.4+k3s1`), or what `--kubernetes-version`
   * says for a tree without a spec. The embedded gate uses the schema set nearest it.
   */
  kubernetesVersion: string;
  /**
   * Whether the tree has a rendered/ folder, when known without looking under `root` (a fresh
   * render's temporary copy is written only when a gate runs an external program on it).
   */
  hasRendered?: boolean;
  /** {@link checkTree} of exactly these files, gitops path and version, when it already ran (`render`'s own). */
  structure?: StrictTreeCheck;
}

/** How the gates run. */
export interface GateOptions {
  /** Whose user-data budget applies (DOMAIN.md §2.4). */
  provider: Provider;
  /** Sealed Secrets keys the first server imports (for the size estimate). */
  sealingKeys: number;
  /** The kubeconform binary; null: not installed (the gate is skipped, with a warning). */
  kubeconform: string | null;
  schemaLocations: readonly string[];
  /** kubeconform's `-kubernetes-version`; default: the embedded schema set's version for the tree. */
  kubernetesVersion?: string;
  /** The cloud-init binary; null: not installed (the fallback when cloud-init's schema file cannot be read). */
  cloudInit: string | null;
  /** cloud-init's JSON schema to check user-data against in process. @default the installed cloud-init's */
  cloudInitSchema?: string | undefined;
  /** What the secret-leak scan looks for (see {@link loadLeakInputs}). */
  leak: LeakInputs;
}

/** What the gates found, and what each did (checked, skipped and why). */
export interface GateReport {
  findings: Finding[];
  runs: Record<string, GateRun>;
}

interface GateResult extends GateRun {
  findings: Finding[];
}

/** Run every gate on the tree. */
export async function runGates(tree: TreeUnderCheck, opts: GateOptions): Promise<GateReport> {
  const structure = tree.structure ?? (await checkTree(tree.files, tree.gitopsPath, tree.kubernetesVersion));
  const results: [string, GateResult][] = [
    ...Object.entries(treeGates(tree, structure)),
    ["kubeconform", await kubeconformGate(tree, structure.objects, opts)],
    ["cloud-init", await cloudInitSchemaGate(tree, opts)],
    ["secret-leak", secretLeakGate(tree, opts.leak)],
    ["size", sizeGate(tree, opts)],
  ];
  const report: GateReport = { findings: [], runs: {} };
  for (const [gate, { findings, ...run }] of results) {
    report.findings.push(...findings);
    const prev = report.runs[gate]; // cloud-init: the structure check, then `cloud-init schema`
    report.runs[gate] = prev ? { ...prev, ...run, checked: [...new Set([...prev.checked, ...run.checked])] } : run;
  }
  return report;
}

/**
 * The gate a diagnostic of the render-time tree check belongs to: model validation -> objects,
 * the offline cloud-init structure check -> cloud-init, everything else (YAML, duplicates,
 * Application paths, orphan folders) -> tree; the secret-leak scan's (render runs it too) ->
 * secret-leak. Undefined for a diagnostic of the spec stages.
 */
export function gateOfDiagnostic(code: string): string | undefined {
  if (SECRET_LEAK_CODES.has(code) || code.startsWith("SW-LEAK-")) return "secret-leak";
  if (OBJECT_CODES.has(code)) return "objects";
  if (code === "SW-RENDER-CLOUD-INIT") return "cloud-init";
  if (code.startsWith("SW-RENDER-") || code.startsWith("SW-TREE-")) return "tree";
  return undefined;
}

/** Codes of secret-leak.ts's cross-checks that do not start with SW-LEAK-. */
const SECRET_LEAK_CODES = new Set(["SW-SEAL-CERT-MISMATCH", "SW-SEALED-SECRET-WRONG-SCOPE"]);
/** Codes of the embedded strict gate (tree.ts). */
const OBJECT_CODES = new Set(["SW-RENDER-INVALID-OBJECT", "SW-RENDER-UNKNOWN-FIELD", "SW-RENDER-UNKNOWN-KIND"]);

/**
 * tree, objects (the embedded strict gate) and cloud-init (structure): the checks `render` runs
 * too. An object's finding names its resource.
 */
function treeGates(tree: TreeUnderCheck, structure: StrictTreeCheck): Record<string, GateResult> {
  const manifests = tree.files.filter((f) => f.kind === "manifest").map((f) => tree.display(f.path));
  const nodes = tree.files.filter((f) => f.kind === "cloud-init").map((f) => tree.display(f.path));
  const objects = structure.objects.length + structure.embedded.length;
  const out: Record<string, GateResult> = {
    tree: { findings: [], checked: tree.files.map((f) => tree.display(f.path)) },
    objects: { findings: [], checked: manifests, detail: `${objects} ${objects === 1 ? "object" : "objects"} against the embedded ${structure.schemas}` },
    "cloud-init": { findings: [], checked: nodes },
  };
  const display = (d: Diagnostic): Diagnostic => (d.file !== undefined ? { ...d, file: displayTreePath(tree, d.file) } : d);
  const fromObjects = new Set<Diagnostic>();
  for (const p of structure.invalid) {
    fromObjects.add(p.diagnostic);
    out.objects!.findings.push({ ...findingFromDiagnostic("objects", display(p.diagnostic)), resource: resourceOf(p.object.obj) });
  }
  for (const d of structure.diagnostics) {
    if (fromObjects.has(d)) continue;
    const gate = gateOfDiagnostic(d.code) ?? "tree";
    out[gate]!.findings.push(findingFromDiagnostic(gate, display(d)));
  }
  return out;
}

/** `bootstrap/node-1.yaml#/var/lib/...` (an embedded manifest) keeps its `#` part. */
function displayTreePath(tree: TreeUnderCheck, path: string): string {
  const hash = path.indexOf("#");
  return hash === -1 ? tree.display(path) : `${tree.display(path.slice(0, hash))}${path.slice(hash)}`;
}

/**
 * kubeconform -strict on rendered/, when the binary is there: a second opinion beside the
 * embedded gate, so a location it cannot reach makes it skipped, never failed.
 */
async function kubeconformGate(tree: TreeUnderCheck, objects: readonly ParsedObject[], opts: GateOptions): Promise<GateResult> {
  if (!(tree.hasRendered ?? existsSync(join(tree.root, "rendered")))) return { findings: [], checked: [], skipped: "the tree has no rendered/" };
  if (!opts.kubeconform) {
    const why = "kubeconform not found on PATH";
    return {
      findings: [skipped("kubeconform", `${why}: rendered manifests were checked by the embedded strict gate only`, "install kubeconform v0.7.0, or pass its path with --kubeconform")],
      checked: [],
      skipped: why,
    };
  }
  const kubernetesVersion = opts.kubernetesVersion ?? strictSchemaSetFor(tree.kubernetesVersion).version;
  const result = await runKubeconform({
    binary: opts.kubeconform,
    dirs: ["rendered"],
    cwd: tree.root,
    schemaLocations: opts.schemaLocations,
    kubernetesVersion,
    probe: objects.filter((o) => o.file.startsWith("rendered/")).map((o) => o.obj),
  });
  return {
    findings: result.findings.map((f) => (f.file !== undefined ? { ...f, file: tree.display(f.file) } : f)),
    checked: result.unreachable ? [] : tree.files.filter((f) => f.path.startsWith("rendered/") && f.kind === "manifest").map((f) => tree.display(f.path)),
    ...(result.unreachable ? { skipped: "schemas unreachable" } : { detail: `Kubernetes ${kubernetesVersion}` }),
  };
}

/** cloud-init's schema on every node's user-data: in process, else `cloud-init schema` (cloud-init-gate.ts). */
async function cloudInitSchemaGate(tree: TreeUnderCheck, opts: GateOptions): Promise<GateResult> {
  // `file` is read only when `cloud-init schema` runs on it: only then must the tree be on disk.
  const nodes = tree.files.filter((f) => f.kind === "cloud-init").map((f) => ({ get file() { return join(tree.root, f.path); }, text: f.text, display: tree.display(f.path) }));
  if (nodes.length === 0) return { findings: [], checked: [], skipped: "the tree has no user-data" };
  return runCloudInitGate(nodes, { binary: opts.cloudInit, schemaFile: opts.cloudInitSchema });
}

/**
 * The secret-leak scan (secret-leak.ts) on every file of the tree, with what the repository knows
 * is secret (its .slipway/ keys and files, the provisioning tokens in the environment).
 */
function secretLeakGate(tree: TreeUnderCheck, leak: LeakInputs): GateResult {
  const findings = [...leak.problems, ...scanSecretLeaks(tree.files, leak.context)].map((d) =>
    findingFromDiagnostic("secret-leak", d.file !== undefined ? { ...d, file: displayTreePath(tree, d.file) } : d),
  );
  return { findings, checked: tree.files.map((f) => tree.display(f.path)) };
}

/** What the secret-leak scan looks for, and the problems met while reading it. */
export interface LeakInputs {
  context: LeakContext;
  problems: Diagnostic[];
}

/**
 * The leak context of the repository at `repoDir`: tokens from `env`, every secret of .slipway/,
 * the committed certificate and the SealedSecrets under sealed-secrets/ (cross-checked against
 * the private keys).
 */
export async function loadLeakInputs(repoDir: string, env: NodeJS.ProcessEnv): Promise<LeakInputs> {
  const leak = await loadLeakContext(repoDir, env);
  const repo = loadRepoInputs(repoDir);
  const context: LeakContext = {
    ...leak.context,
    ...(repo.inputs.certificate ? { certificate: { file: repo.inputs.certificate.file, pem: repo.inputs.certificate.pem } } : {}),
    sealedSecrets: repo.inputs.sealedSecrets.map((s) => ({ file: s.file, object: s.object })),
  };
  return { context, problems: leak.diagnostics };
}

/** The full user-data of every node against the provider's budget. */
function sizeGate(tree: TreeUnderCheck, opts: GateOptions): GateResult {
  const nodes = tree.files.filter((f) => f.kind === "cloud-init");
  return {
    findings: nodes.flatMap((f) => checkUserDataSize(f.path, f.text, opts.provider, opts.sealingKeys, tree.display(f.path))),
    checked: nodes.map((f) => tree.display(f.path)),
    ...(nodes.length === 0 ? { skipped: "the tree has no user-data" } : { detail: `${opts.provider} budget` }),
  };
}

function skipped(gate: string, message: string, hint: string): Finding {
  return { gate, severity: "warning", code: "SW-CHECK-SKIPPED", message, hint };
}

/**
 * Every file of a tree on disk: YAML under rendered/ is a manifest (of the Application whose
 * folder it is in), YAML directly under bootstrap/ is a node's user-data, anything else is text.
 */
export function readTreeFiles(root: string): RenderedFile[] {
  const files: RenderedFile[] = [];
  for (const top of ["bootstrap", "rendered"]) {
    for (const rel of listFiles(join(root, top))) {
      const path = `${top}/${rel}`;
      const text = readFileSync(join(root, path), "utf8");
      const yaml = /\.ya?ml$/.test(rel);
      if (top === "rendered" && yaml) {
        const app = path.startsWith("rendered/manifests/") ? path.split("/")[2] : "root";
        files.push({ path, text, kind: "manifest", ...(app ? { app } : {}) });
      } else if (top === "bootstrap" && yaml && !rel.includes("/")) files.push({ path, text, kind: "cloud-init" });
      else files.push({ path, text, kind: "text" });
    }
  }
  return files;
}

/**
 * spec.gitops.path of a tree without its spec: the root Application (rendered/apps/root.yaml)
 * reads `<path>/apps`. Falls back to `rendered`.
 */
export function gitopsPathOf(files: readonly RenderedFile[]): string {
  const root = files.find((f) => f.path === "rendered/apps/root.yaml");
  if (root) {
    for (const o of parseManifests(root.path, root.text).objects) {
      const source = ((o.obj.spec ?? {}) as Record<string, unknown>).source as Record<string, unknown> | undefined;
      if (o.obj.kind === "Application" && typeof source?.path === "string" && source.path.endsWith("/apps")) return source.path.slice(0, -"/apps".length);
    }
  }
  return "rendered";
}

/**
 * The stale-tree finding: the committed tree in `outDir` against a fresh render, file by file (the
 * same comparison as `render --check`). A tree never rendered is one finding.
 */
export function staleTreeFindings(outDir: string, fresh: readonly RenderedFile[], display: (path: string) => string): Finding[] {
  const hint = "run `slipway render` and commit rendered/ and bootstrap/";
  if (!treeExists(outDir)) {
    return [{ gate: "tree", severity: "error", code: "SW-CHECK-STALE", message: `${display("rendered")}/ does not exist: the tree has not been rendered yet`, hint }];
  }
  const drift = compareTree(outDir, fresh);
  const finding = (path: string, what: string): Finding => ({ gate: "tree", severity: "error", code: "SW-CHECK-STALE", message: `stale tree: ${what}`, file: display(path), hint });
  return [
    ...drift.added.map((p) => finding(p, "a fresh render adds this file, which is not committed")),
    ...drift.changed.map((p) => finding(p, "the committed file differs from a fresh render")),
    ...drift.removed.map((p) => finding(p, "a fresh render no longer has this generated file")),
  ];
}
