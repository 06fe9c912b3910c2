import type { Command } from "commander";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { hasErrors } from "../diagnostics.js";
import { readCommittedTree, treeExists } from "../output/compare.js";
import { renderCluster } from "../pipeline.js";
import { diagnosticsJson, err, jsonOut, out, parseFormat, reportDiagnostics, specPath } from "./io.js";
import { examples } from "./help.js";
import { inputDir } from "./paths.js";
import { displayPath } from "./print.js";
import { action } from "./result.js";

export function register(program: Command): void {
  program
    .command("diff")
    .summary("per-resource diff of a fresh render against the committed tree")
    .description("Renders cluster.yaml in memory and compares every resource with the committed rendered/ and bootstrap/, grouped by Application (added, removed, changed; a unified YAML diff per changed resource); node user-data is compared per file, in its own group.")
    .argument("[spec]", "path of the spec (default: cluster.yaml)")
    .option("--out <dir>", "the directory that holds the committed rendered/ and bootstrap/ (default: beside the spec)")
    .option("--format <format>", "text, markdown (for a pull-request comment) or json", "text")
    .addHelpText("after", examples("slipway diff", "slipway diff --format markdown > diff.md"))
    .action(action(async (spec: string | undefined, opts: { out?: string; format: string }) => {
      const format = parseFormat(opts.format, ["text", "markdown", "json"]);
      const file = specPath(spec);
      const treeDir = opts.out === undefined ? resolve(dirname(file)) : inputDir(opts.out, "--out", "--out names the directory that holds the committed rendered/ and bootstrap/ (where `slipway render --out` wrote them).");
      const r = await renderCluster(file);
      if (hasErrors(r.diagnostics) || !r.files) {
        reportDiagnostics(r.diagnostics, new Map(r.loaded ? [[r.loaded.file, r.loaded.text]] : []));
        if (format === "json") jsonOut({ ok: false, diagnostics: diagnosticsJson(r.diagnostics) });
        return 1;
      }
      const { diffTrees, formatDiffMarkdown, formatDiffText, hasChanges } = await import("../output/diff.js");
      if (!treeExists(treeDir) && !existsSync(join(treeDir, "bootstrap"))) {
        err(`slipway: no committed tree in ${displayPath(treeDir)} (neither rendered/ nor bootstrap/): everything is shown as added`);
      }
      const committed = readCommittedTree(treeDir, ["rendered", "bootstrap"]);
      const diff = diffTrees(committed, r.files);
      if (format === "json") jsonOut({ changed: hasChanges(diff), ...diff });
      else out(format === "markdown" ? formatDiffMarkdown(diff) : formatDiffText(diff));
      return hasChanges(diff) ? 1 : 0;
    }));
}
