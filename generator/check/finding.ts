/**
 * The result type of `slipway check`. A finding is a diagnostic that also says which gate produced
 * it and, for Kubernetes objects, which resource it is about, so reports can group by gate and the
 * JUnit report can name a test case per object. Gates that run our own code produce
 * `Diagnostic`s and convert them here; the external-checker runners (kubeconform, cloud-init)
 * produce findings directly.
 */
import { cmp, type Diagnostic, type Severity } from "../diagnostics.js";

/**
 * The gates `slipway check` runs, in the order they run. Reports list gates in this order (a gate
 * not named here sorts after these, by name), so a report reads like the pipeline.
 */
export const GATE_ORDER: readonly string[] = [
  "spec",
  "tree",
  "objects",
  "kubeconform",
  "cloud-init",
  "secret-leak",
  "size",
];

/** The Kubernetes object a finding is about, as far as the checker knows it. */
export interface FindingResource {
  /** `apps/v1`, `argoproj.io/v1alpha1`, ... */
  apiVersion?: string;
  kind: string;
  name?: string;
  namespace?: string;
}

/** One problem found by one gate of `slipway check`. */
export interface Finding {
  /** Which gate found it: `kubeconform`, `cloud-init`, `secret-leak`, `size`, `tree`, `spec`, `objects`. */
  gate: string;
  severity: Severity;
  /** Stable machine-readable code, e.g. `SW-KUBECONFORM-INVALID`. */
  code: string;
  /** One line saying what is wrong. */
  message: string;
  /** File the problem is in, as the checker named it (relative to the working directory). */
  file?: string;
  /** 1-based line and column, when the checker knows them. */
  line?: number;
  col?: number;
  resource?: FindingResource;
  /** What to do about it. */
  hint?: string;
}

/**
 * A finding from a diagnostic of one of our own stages. The diagnostic's spec path has no field of
 * its own in a finding, so it leads the message (`spec.nodes[1].name: ...`) unless the message
 * already starts with it: without it a finding with no line would not say where it is.
 */
export function findingFromDiagnostic(gate: string, d: Diagnostic): Finding {
  const message = d.path && !d.message.startsWith(d.path) ? `${d.path}: ${d.message}` : d.message;
  const f: Finding = { gate, severity: d.severity, code: d.code, message };
  if (d.file !== undefined) f.file = d.file;
  if (d.line !== undefined) f.line = d.line;
  if (d.col !== undefined) f.col = d.col;
  if (d.hint !== undefined) f.hint = d.hint;
  return f;
}

/** Position of a gate in {@link GATE_ORDER}; unknown gates after all known ones. */
export function gateRank(gate: string): number {
  const i = GATE_ORDER.indexOf(gate);
  return i === -1 ? GATE_ORDER.length : i;
}

/** Gate order as a comparator: pipeline order first, then by name for gates not in the list. */
export function compareGates(a: string, b: string): number {
  return gateRank(a) - gateRank(b) || cmp(a, b);
}

/**
 * Findings in a stable order: gate, file, position, code, resource, message. Checkers such as
 * kubeconform run workers in parallel and print in completion order, so nothing downstream may
 * rely on the order a checker returned.
 */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      compareGates(a.gate, b.gate) ||
      cmp(a.file ?? "", b.file ?? "") ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.col ?? 0) - (b.col ?? 0) ||
      cmp(a.code, b.code) ||
      cmp(resourceKey(a.resource), resourceKey(b.resource)) ||
      cmp(a.message, b.message) ||
      cmp(a.severity, b.severity),
  );
}

/** What a gate did besides its findings. */
export interface GateRun {
  /** The items it checked (file names), each a passed test case in JUnit unless it has a finding. */
  checked: string[];
  /** Why it did not run: its tool is missing, there is nothing for it, its schemas are unreachable. */
  skipped?: string;
  /** What it checked against, when that matters (`Kubernetes 1.33.1 schemas`). */
  detail?: string;
}

/** How a gate ended: failed (an error), skipped (did not run: see `detail`), or passed. */
export type GateStatus = "passed" | "failed" | "skipped";

/** One line of the "what was checked" summary every report ends with. */
export interface GateSummary {
  gate: string;
  status: GateStatus;
  /** How many items it checked. */
  checked: number;
  errors: number;
  warnings: number;
  /** Skipped: why. Otherwise what it checked against, when the gate says. */
  detail?: string;
}

/**
 * Every gate's outcome, in pipeline order: each gate that ran or was skipped (`runs`), and any
 * other gate that has findings. An error fails a gate even when it was also skipped in part.
 */
export function summarizeGates(findings: readonly Finding[], runs: Readonly<Record<string, GateRun>>): GateSummary[] {
  const gates = [...new Set([...Object.keys(runs), ...findings.map((f) => f.gate)])].sort(compareGates);
  return gates.map((gate) => {
    const run = runs[gate];
    const { errors, warnings } = countFindings(findings.filter((f) => f.gate === gate));
    const status: GateStatus = errors > 0 ? "failed" : run?.skipped !== undefined ? "skipped" : "passed";
    const detail = run?.skipped ?? run?.detail;
    return { gate, status, checked: new Set(run?.checked ?? []).size, errors, warnings, ...(detail !== undefined ? { detail } : {}) };
  });
}

/** Counts by severity, for summaries. */
export function countFindings(findings: readonly Finding[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const f of findings) {
    if (f.severity === "error") errors++;
    else warnings++;
  }
  return { errors, warnings };
}

/** `file:line:col`, leaving out the parts that are not known; "" when there is no file. */
export function formatLocation(f: Pick<Finding, "file" | "line" | "col">): string {
  if (f.file === undefined) return "";
  let loc = f.file;
  if (f.line !== undefined) {
    loc += `:${f.line}`;
    if (f.col !== undefined) loc += `:${f.col}`;
  }
  return loc;
}

/** `Kind namespace/name` (or less, as known), for messages and test-case names. */
export function formatResource(r: FindingResource): string {
  const name = r.name ? (r.namespace ? `${r.namespace}/${r.name}` : r.name) : "";
  return name ? `${r.kind} ${name}` : r.kind;
}

function resourceKey(r: FindingResource | undefined): string {
  return r ? [r.apiVersion ?? "", r.kind, r.namespace ?? "", r.name ?? ""].join("\u0000") : "";
}
