import type { Command } from "commander";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "../diagnostics.js";
import { findCloudInit } from "../check/cloud-init-schema.js";
import { findingFromDiagnostic, summarizeGates, type Finding, type GateRun } from "../check/finding.js";
import { assertKubernetesVersion, findKubeconform, probeKubeconform } from "../check/kubeconform.js";
import { gateOfDiagnostic, gitopsPathOf, loadLeakInputs, readTreeFiles, runGates, staleTreeFindings, type GateOptions, type TreeUnderCheck } from "../check/run-checks.js";
import { STRICT_SCHEMA_VERSIONS } from "../check/strict/schema-set.js";
import { countSealingKeys, isProvider, USER_DATA_BUDGETS, type Provider } from "../check/user-data-size.js";
import { getReporter, REPORT_FORMATS } from "../output/report/index.js";
import { writeTree } from "../output/write.js";
import { out, parseFormat, specPath } from "./io.js";
import { displayPath } from "./print.js";
import { inputDir } from "./paths.js";
import { action } from "./result.js";

/** Where kubeconform looks for schemas unless `--schema-location` replaces them: its default (Kubernetes) and the CRDs catalog (DOMAIN.md §10). */
export const DEFAULT_SCHEMA_LOCATIONS = ["default", "https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"];

interface CheckOpts {
  tree?: string;
  out?: string;
  provider?: string;
  kubeconform?: string;
  cloudInitSchema?: string;
  schemaLocation?: string[];
  kubernetesVersion?: string;
  format: string;
}

export function register(program: Command): void {
  program
    .command("check")
    .summary("run every gate on the spec and the rendered tree; report all findings at once")
    .description(
      [
        "Runs every gate and reports all findings at once: the spec (schema and rules); the tree (YAML, duplicates, every Application path present, no orphan folder, not stale against a fresh render); every object against its strict Kubernetes or CRD schema, embedded in Slipway (as strict as kubeconform -strict: unknown fields at any depth, types, enums, required fields; no network, no external program), from the schema set nearest the cluster's Kubernetes version; kubeconform -strict as a second opinion when the binary is on PATH or given with --kubeconform (schemas it cannot download make it skipped, not failed); every node's user-data against the installed cloud-init's own JSON schema, in process (or with `cloud-init schema` when that file cannot be read), the report naming the cloud-init release; the secret-leak scan; and each node's full user-data (secrets filled in, estimated) against the provider's size budget.",
        "Every report ends with each gate's result: passed, skipped (and why) or failed.",
        "With a spec, the gates run on a fresh render (what the commit-back on main would commit). With --tree DIR, they run on an existing tree without a spec.",
        "Exit 0 when there is no error (warnings, such as a gate skipped because its tool is missing, do not fail), 1 when any gate found an error, 2 for a usage error.",
      ].join("\n\n"),
    )
    .argument("[spec]", "path of the spec (default: cluster.yaml)")
    .option("--tree <dir>", "check the rendered/ and bootstrap/ under DIR, without a spec")
    .option("--out <dir>", "the directory that holds the committed rendered/ and bootstrap/ (default: beside the spec)")
    .option("--provider <name>", `user-data size budget: ${Object.keys(USER_DATA_BUDGETS).join(", ")} (default: spec.hosts.provider, or generic with --tree)`)
    .option("--kubeconform <path>", "the kubeconform binary (default: kubeconform on PATH; the gate is skipped when there is none)")
    .option("--cloud-init-schema <file>", "cloud-init's schema-cloud-config-v1.json to check user-data against, e.g. the one of the release your images run (default: the installed cloud-init's)")
    .option("--schema-location <location>", "kubeconform -schema-location, repeatable; replaces the defaults (`default` and the CRDs catalog): name `default` again to keep it", collect)
    .option("--kubernetes-version <x.y.z>", `Kubernetes version to validate against: the embedded gate uses its nearest schema set (${STRICT_SCHEMA_VERSIONS.join(", ")}), kubeconform this version (default: the set nearest spec.k3s.version; ${STRICT_SCHEMA_VERSIONS[0]} with --tree)`)
    .option("--format <format>", REPORT_FORMATS.join(", "), "text")
    .addHelpText(
      "after",
      "\nExamples:\n  $ slipway check\n  $ slipway check --kubeconform ./kubeconform --format junit > check.xml\n  $ slipway check --tree examples/hetzner-single --provider hetzner\n  $ slipway check --schema-location default --schema-location 'schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'",
    )
    .action(action(async (spec: string | undefined, opts: CheckOpts) => {
      const reporter = getReporter(parseFormat(opts.format, REPORT_FORMATS));
      if (spec !== undefined && opts.tree !== undefined) throw new UsageError("give a spec or --tree DIR, not both", "--tree checks an existing tree without a spec");
      if (opts.provider !== undefined && !isProvider(opts.provider)) {
        throw new UsageError(`unknown --provider "${opts.provider}"`, `use one of: ${Object.keys(USER_DATA_BUDGETS).join(", ")}`);
      }
      if (opts.kubernetesVersion !== undefined) assertKubernetesVersion(opts.kubernetesVersion);
      const treeHint = "pass the directory that holds rendered/ and bootstrap/ (where `slipway render` wrote them)";
      if (opts.tree !== undefined) inputDir(opts.tree, "--tree", treeHint);
      if (opts.out !== undefined) inputDir(opts.out, "--out", treeHint);
      const kubeconform = findKubeconform(opts.kubeconform);
      if (kubeconform) await probeKubeconform(kubeconform);
      const gateOptions: ToolOptions = {
        kubeconform,
        cloudInit: findCloudInit(),
        cloudInitSchema: opts.cloudInitSchema,
        schemaLocations: opts.schemaLocation ?? DEFAULT_SCHEMA_LOCATIONS,
        ...(opts.kubernetesVersion !== undefined ? { kubernetesVersion: opts.kubernetesVersion } : {}),
      };
      const provider = opts.provider as Provider | undefined;
      const { findings, runs } = opts.tree !== undefined ? await checkTreeDir(resolve(opts.tree), provider, gateOptions) : await checkSpec(spec, opts.out, provider, gateOptions);
      const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
      const checked = Object.fromEntries(Object.entries(runs).map(([gate, run]) => [gate, run.checked]));
      out(reporter.format(findings, { title: "slipway check", color, checked, gates: summarizeGates(findings, runs) }));
      return findings.some((f) => f.severity === "error") ? 1 : 0;
    }));
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

type ToolOptions = Omit<GateOptions, "provider" | "sealingKeys" | "leak">;
type Report = { findings: Finding[]; runs: Record<string, GateRun> };

/** `--tree DIR`: the gates on a tree on disk. */
async function checkTreeDir(dir: string, provider: Provider | undefined, tools: ToolOptions): Promise<Report> {
  if (!isTreeDir(dir)) {
    throw new UsageError(`${displayPath(dir)} is not a Slipway tree: it has neither rendered/ nor bootstrap/`, "pass the directory that holds rendered/ and bootstrap/ (where `slipway render` wrote them)");
  }
  const files = readTreeFiles(dir);
  const kubernetesVersion = tools.kubernetesVersion ?? STRICT_SCHEMA_VERSIONS[0]!;
  const tree: TreeUnderCheck = { root: dir, files, gitopsPath: gitopsPathOf(files), display: (p) => displayPath(join(dir, p)), kubernetesVersion };
  return runGates(tree, { ...tools, provider: provider ?? "generic", sealingKeys: countSealingKeys(dir), leak: await loadLeakInputs(dir, process.env) });
}

/**
 * A spec: the spec gate, then the gates on a fresh render (written to a temporary directory for the
 * external tools, shown under the paths it would have in the committed tree), and the stale-tree
 * comparison. A spec that does not render leaves the committed tree to check, when there is one.
 */
async function checkSpec(spec: string | undefined, outOpt: string | undefined, provider: Provider | undefined, tools: ToolOptions): Promise<Report> {
  const file = specPath(spec);
  const outDir = resolve(outOpt ?? dirname(file));
  // Loaded here, not with the module: `check --tree` renders nothing, and the spec's validator and
  // the templates are a third of the code a run would otherwise load.
  const { renderCluster } = await import("../pipeline.js");
  const r = await renderCluster(file);
  const specFindings = r.diagnostics
    .filter((d) => gateOfDiagnostic(d.code) === undefined) // the tree gates report these again below
    .map((d) => findingFromDiagnostic("spec", d.file !== undefined ? { ...d, file: displayPath(d.file) } : d));
  const repoDir = dirname(file);
  const options: GateOptions = {
    ...tools,
    provider: provider ?? r.spec?.spec.hosts.provider ?? "generic",
    sealingKeys: countSealingKeys(repoDir),
    leak: await loadLeakInputs(repoDir, process.env),
  };
  const display = (p: string) => displayPath(join(outDir, p));
  const runs: Record<string, GateRun> = { spec: { checked: [displayPath(file)] } };
  // The cluster's version decides the embedded schema set; an explicit --kubernetes-version wins.
  const kubernetesVersion = tools.kubernetesVersion ?? r.spec?.spec.k3s.version ?? STRICT_SCHEMA_VERSIONS[0]!;

  if (!r.files || !r.resolved) {
    if (!isTreeDir(outDir)) return { findings: specFindings, runs };
    const files = readTreeFiles(outDir);
    const report = await runGates({ root: outDir, files, gitopsPath: gitopsPathOf(files), display, kubernetesVersion }, options);
    return { findings: [...specFindings, ...report.findings], runs: { ...runs, ...report.runs } };
  }

  const stale = staleTreeFindings(outDir, r.files, display);
  // The fresh render goes to disk only for a gate that runs an external program on it (kubeconform,
  // `cloud-init schema`): writing a 100-node tree cost more than most gates.
  const files = r.files;
  let tmp: string | undefined;
  const tree: TreeUnderCheck = {
    get root(): string {
      if (tmp === undefined) {
        tmp = mkdtempSync(join(tmpdir(), "slipway-check-"));
        writeTree(tmp, files);
      }
      return tmp;
    },
    files,
    gitopsPath: r.resolved.spec.spec.gitops.path,
    display,
    kubernetesVersion,
    hasRendered: files.some((f) => f.path.startsWith("rendered/")),
    // render checked these very files; with another --kubernetes-version the objects are checked again.
    ...(kubernetesVersion === r.resolved.spec.spec.k3s.version ? { structure: r.tree } : {}),
  };
  try {
    const report = await runGates(tree, options);
    return { findings: [...specFindings, ...stale, ...report.findings], runs: { ...runs, ...report.runs } };
  } finally {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  }
}

function isTreeDir(dir: string): boolean {
  const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
  return isDir(join(dir, "rendered")) || isDir(join(dir, "bootstrap"));
}
