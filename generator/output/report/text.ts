/**
 * The human report: findings grouped by gate (in pipeline order) and by file within a gate, one
 * line each in the `file:line:col: severity CODE message` shape that editors and terminals turn
 * into links, the hint indented below, then one line per gate saying how it ended (passed,
 * skipped and why, failed), and a closing count.
 */
import { compareGates, countFindings, formatLocation, sortFindings, type Finding, type GateSummary } from "../../check/finding.js";
import type { ReportContext, Reporter } from "./types.js";

/** ANSI SGR codes; written out here rather than taking a colour dependency for four escapes. */
const SGR = { reset: "\u001b[0m", bold: "\u001b[1m", dim: "\u001b[2m", red: "\u001b[31m", yellow: "\u001b[33m" } as const;

/** The text format. */
export const textReporter: Reporter = {
  format(findings: readonly Finding[], ctx: ReportContext): string {
    const paint = (code: string, s: string) => (ctx.color ? `${code}${s}${SGR.reset}` : s);
    const out: string[] = [];
    if (ctx.title) out.push(paint(SGR.bold, ctx.title), "");

    const sorted = sortFindings(findings);
    const gates = [...new Set(sorted.map((f) => f.gate))].sort(compareGates);
    for (const gate of gates) {
      const inGate = sorted.filter((f) => f.gate === gate);
      out.push(paint(SGR.bold, `[${gate}] ${summaryText(inGate)}`));
      for (const f of inGate) {
        const loc = formatLocation(f);
        const severity = f.severity === "error" ? paint(SGR.red, "error") : paint(SGR.yellow, "warning");
        out.push(`${loc ? `${loc}: ` : ""}${severity} ${f.code} ${singleLine(f.message)}`);
        if (f.hint) out.push(paint(SGR.dim, `  hint: ${singleLine(f.hint)}`));
      }
      out.push("");
    }
    if (ctx.gates?.length) {
      const colour = { passed: SGR.reset, skipped: SGR.yellow, failed: SGR.red } as const;
      const width = Math.max(...ctx.gates.map((g) => g.gate.length));
      out.push(paint(SGR.bold, "gates:"));
      for (const g of ctx.gates) out.push(`  ${g.gate.padEnd(width)}  ${ctx.color && g.status !== "passed" ? paint(colour[g.status], g.status.padEnd(7)) : g.status.padEnd(7)}  ${gateText(g)}`);
      out.push("");
    }
    out.push(summaryText(sorted));
    return `${out.join("\n")}\n`;
  },
};

/** `25 files, 1 warning; Kubernetes 1.33.1`, or why a gate was skipped. */
function gateText(g: GateSummary): string {
  if (g.status === "skipped" && g.errors === 0) return g.detail ?? "";
  const counts = [`${g.checked} ${g.checked === 1 ? "file" : "files"}`];
  if (g.errors > 0) counts.push(`${g.errors} ${g.errors === 1 ? "error" : "errors"}`);
  if (g.warnings > 0) counts.push(`${g.warnings} ${g.warnings === 1 ? "warning" : "warnings"}`);
  return [counts.join(", "), ...(g.detail !== undefined ? [g.detail] : [])].join("; ");
}

/** `1 error, 2 warnings`. */
export function summaryText(findings: readonly Finding[]): string {
  const { errors, warnings } = countFindings(findings);
  return `${errors} ${errors === 1 ? "error" : "errors"}, ${warnings} ${warnings === 1 ? "warning" : "warnings"}`;
}

/** One finding, one line: a newline inside a message would break `file:line:` parsing by editors. */
function singleLine(s: string): string {
  return s.replace(/\s*\r?\n\s*/g, " ");
}
