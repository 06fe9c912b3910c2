/**
 * The CI report: JUnit XML, which GitHub, GitLab and Jenkins test widgets read. One `<testsuite>`
 * per gate (pipeline order); one `<testcase>` per checked item that passed (from `ctx.checked`) and
 * one per finding. An error is a `<failure>`; a warning is a passed test with the text in
 * `<system-out>`, since JUnit has no warning and a warning must not fail the build. A gate that
 * was skipped has a `<skipped>` case saying why; with `ctx.gates`, each suite's `<properties>`
 * give its status and detail. No timestamps or durations: the same findings give the same bytes.
 */
import { cmp } from "../../diagnostics.js";
import { compareGates, formatLocation, formatResource, sortFindings, type Finding, type GateSummary } from "../../check/finding.js";
import type { ReportContext, Reporter } from "./types.js";

interface Case {
  /** Sorts cases by item (file), then a passed item before its findings, then finding order. */
  key: string;
  rank: number;
  xml: string;
  failed: boolean;
}

/** The JUnit XML format. */
export const junitReporter: Reporter = {
  format(findings: readonly Finding[], ctx: ReportContext): string {
    const sorted = sortFindings(findings);
    const checked = ctx.checked ?? {};
    const summaries = new Map((ctx.gates ?? []).map((g) => [g.gate, g]));
    const gates = [...new Set([...Object.keys(checked), ...sorted.map((f) => f.gate), ...summaries.keys()])].sort(compareGates);

    const suites: string[] = [];
    let tests = 0;
    let failures = 0;
    let skips = 0;
    for (const gate of gates) {
      const inGate = sorted.filter((f) => f.gate === gate);
      const cases: Case[] = [];
      const summary = summaries.get(gate);
      const skipped = summary?.status === "skipped" ? 1 : 0;
      if (skipped) {
        const why = summary!.detail ?? "skipped";
        cases.push({ key: "", rank: 0, failed: false, xml: `    <testcase classname="${attr(`slipway.${gate}`)}" name="${attr(gate)}">\n      <skipped message="${attr(why)}"/>\n    </testcase>` });
      }
      const withFindings = new Set(inGate.map((f) => f.file));
      for (const item of [...new Set(checked[gate] ?? [])].sort(cmp)) {
        if (withFindings.has(item)) continue;
        cases.push({ key: item, rank: 0, failed: false, xml: `    <testcase classname="${attr(`slipway.${gate}`)}" name="${attr(item)}"/>` });
      }
      inGate.forEach((f, i) => cases.push({ key: f.file ?? "", rank: 1 + i, failed: f.severity === "error", xml: findingCase(gate, f) }));
      cases.sort((a, b) => cmp(a.key, b.key) || a.rank - b.rank);

      const failed = cases.filter((c) => c.failed).length;
      tests += cases.length;
      failures += failed;
      skips += skipped;
      suites.push(
        `  <testsuite name="${attr(gate)}" tests="${cases.length}" failures="${failed}" errors="0" skipped="${skipped}">`,
        ...(summary ? gateProperties(summary) : []),
        ...cases.map((c) => c.xml),
        "  </testsuite>",
      );
    }
    return [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<testsuites name="${attr(ctx.title)}" tests="${tests}" failures="${failures}" errors="0" skipped="${skips}">`,
      ...suites,
      "</testsuites>",
      "",
    ].join("\n");
  },
};

/** A suite's status and detail, as JUnit properties. */
function gateProperties(g: GateSummary): string[] {
  const props = [["status", g.status], ...(g.detail !== undefined ? [["detail", g.detail]] : [])];
  return ["    <properties>", ...props.map(([name, value]) => `      <property name="${attr(name!)}" value="${attr(value!)}"/>`), "    </properties>"];
}

function findingCase(gate: string, f: Finding): string {
  const loc = formatLocation(f);
  const name = `${loc || gate} ${f.code}${f.resource ? ` (${formatResource(f.resource)})` : ""}`;
  const body = `${loc ? `${loc}: ` : ""}${f.severity} ${f.code} ${f.message}${f.hint ? `\nhint: ${f.hint}` : ""}`;
  const open = `    <testcase classname="${attr(`slipway.${gate}`)}" name="${attr(name)}">`;
  const inner =
    f.severity === "error"
      ? `      <failure type="${attr(f.code)}" message="${attr(f.message)}">${text(body)}</failure>`
      : `      <system-out>${text(body)}</system-out>`;
  return `${open}\n${inner}\n    </testcase>`;
}

/**
 * Characters XML 1.0 cannot carry at all (C0 controls but tab/LF/CR, U+FFFE/U+FFFF, lone
 * surrogates), e.g. an ANSI escape from a tool's output: replaced so the report always parses.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escaped for element content. */
export function text(s: string): string {
  return s.replace(NOT_XML, "\uFFFD").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Escaped for a double-quoted attribute value. Newlines and tabs become character references:
 * a parser normalises literal ones in attributes to spaces, which would flatten multi-line messages.
 */
export function attr(s: string): string {
  return text(s)
    .replace(/"/g, "&quot;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;")
    .replace(/\t/g, "&#9;");
}
