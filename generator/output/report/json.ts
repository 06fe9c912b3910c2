/**
 * The machine report: `{version, findings, gates, summary}` with every object's keys in a fixed
 * order and findings sorted, so two runs on the same tree give the same bytes and a diff of two
 * reports shows only what changed. `gates` (added in version 1, left out when the caller gives
 * none) says how each gate ended: `passed`, `skipped` (with `detail`: why) or `failed`. `version`
 * is bumped on any incompatible change of this shape.
 */
import { countFindings, sortFindings, type Finding, type GateSummary } from "../../check/finding.js";
import type { ReportContext, Reporter } from "./types.js";

/** Version of the JSON report shape. */
export const JSON_REPORT_VERSION = 1;

/** The JSON format (2-space indent, final newline). */
export const jsonReporter: Reporter = {
  format(findings: readonly Finding[], ctx: ReportContext): string {
    const report = {
      version: JSON_REPORT_VERSION,
      findings: sortFindings(findings).map(orderedFinding),
      ...(ctx.gates?.length ? { gates: ctx.gates.map(orderedGate) } : {}),
      summary: countFindings(findings),
    };
    return `${JSON.stringify(report, null, 2)}\n`;
  },
};

function orderedGate(g: GateSummary): Record<string, unknown> {
  return { gate: g.gate, status: g.status, checked: g.checked, errors: g.errors, warnings: g.warnings, ...(g.detail !== undefined ? { detail: g.detail } : {}) };
}

/**
 * A copy with keys in the documented order and absent fields left out (never `null`), whatever
 * order the checker built the object in.
 */
function orderedFinding(f: Finding): Record<string, unknown> {
  const o: Record<string, unknown> = { gate: f.gate, severity: f.severity, code: f.code, message: f.message };
  if (f.file !== undefined) o.file = f.file;
  if (f.line !== undefined) o.line = f.line;
  if (f.col !== undefined) o.col = f.col;
  if (f.resource) {
    const r: Record<string, unknown> = {};
    if (f.resource.apiVersion !== undefined) r.apiVersion = f.resource.apiVersion;
    r.kind = f.resource.kind;
    if (f.resource.name !== undefined) r.name = f.resource.name;
    if (f.resource.namespace !== undefined) r.namespace = f.resource.namespace;
    o.resource = r;
  }
  if (f.hint !== undefined) o.hint = f.hint;
  return o;
}
