import type { Command } from "commander";
import { dirname, resolve } from "node:path";
import { hasErrors } from "../diagnostics.js";
import { readCommittedTree } from "../output/compare.js";
import { renderCluster } from "../pipeline.js";
import { diagnosticsJson, jsonOut, out, parseFormat, reportDiagnostics, specPath } from "./io.js";
import { action } from "./result.js";

export function register(program: Command): void {
  program
    .command("diff")
    .summary("per-resource diff of a fresh render against the committed tree")
    .description("Renders cluster.yaml in memory and compares every resource with the committed rendered/ and bootstrap/, grouped by Application (added, removed, changed; a unified YAML diff per changed resource). Exit 0 when identical, 1 when there is a difference.")
    .argument("[spec]", "path of the spec", "cluster.yaml")
    .option("--out <dir>", "the directory that holds the committed rendered/ and bootstrap/ (default: beside the spec)")
    .option("--format <format>", "text, markdown (for a pull-request comment) or json", "text")
    .addHelpText("after", "\nExamples:\n  $ slipway diff\n  $ slipway diff --format markdown > diff.md")
    .action(action(async (spec: string, opts: { out?: string; format: string }) => {
      const format = parseFormat(opts.format, ["text", "markdown", "json"]);
      const file = specPath(spec);
      const r = await renderCluster(file);
      if (hasErrors(r.diagnostics) || !r.files) {
        reportDiagnostics(r.diagnostics, new Map(r.loaded ? [[r.loaded.file, r.loaded.text]] : []));
        if (format === "json") jsonOut({ ok: false, diagnostics: diagnosticsJson(r.diagnostics) });
        return 1;
      }
      const { diffTrees, formatDiffMarkdown, formatDiffText } = await import("../output/diff.js");
      const committed = readCommittedTree(resolve(opts.out ?? dirname(file)), ["rendered", "bootstrap"]);
      const diffs = diffTrees(committed, r.files);
      if (format === "json") jsonOut({ changed: diffs.length > 0, applications: diffs });
      else out(format === "markdown" ? formatDiffMarkdown(diffs) : formatDiffText(diffs));
      return diffs.length > 0 ? 1 : 0;
    }));
}
