import type { Command } from "commander";
import { dirname, resolve } from "node:path";
import { hasErrors } from "../diagnostics.js";
import { compareTree, hasDrift } from "../output/compare.js";
import { writeTree } from "../output/write.js";
import { renderCluster } from "../pipeline.js";
import { diagnosticsJson, err, jsonOut, out, parseFormat, reportDiagnostics, specPath } from "./io.js";
import { examples } from "./help.js";
import { inputDir, outputDir } from "./paths.js";
import { action } from "./result.js";

export function register(program: Command): void {
  program
    .command("render")
    .summary("render rendered/ and bootstrap/ from cluster.yaml")
    .description("Renders the Argo CD app-of-apps tree into rendered/ and the secret-free cloud-init of every node into bootstrap/, beside the spec (or under --out). Everything is rendered and checked in memory first; then the tree is written atomically: a failed or killed run leaves the old tree as it was. Files slipway did not generate are never touched; stale generated files are removed.")
    .argument("[spec]", "path of the spec (default: cluster.yaml)")
    .option("--out <dir>", "write rendered/ and bootstrap/ under this directory (made when missing) instead of beside the spec")
    .option("--check", "write nothing; exit 1 when the committed tree differs from a fresh render (the CI drift guard)")
    .option("--format <format>", "text or json", "text")
    .addHelpText("after", examples("slipway render", "slipway render --check", "slipway render clusters/prod/cluster.yaml --out /tmp/preview"))
    .action(action(async (spec: string | undefined, opts: { out?: string; check?: boolean; format: string }) => {
      const format = parseFormat(opts.format);
      const file = specPath(spec);
      // The output directory is checked before any work: a mistake there is a usage error (exit 2).
      const outDir = opts.out === undefined ? resolve(dirname(file)) : opts.check ? inputDir(opts.out, "--out", "With --check, --out names the directory that holds the committed rendered/ and bootstrap/.") : outputDir(opts.out, "--out");
      // The leak scan looks for this repository's secrets too: the environment's tokens and .slipway/.
      const { loadLeakContext } = await import("../secrets/leak-inputs.js");
      const leaks = await loadLeakContext(dirname(file), process.env);
      const r0 = await renderCluster(file, undefined, { leaks: leaks.context, committed: outDir });
      const r = { ...r0, diagnostics: [...leaks.diagnostics, ...r0.diagnostics] };
      if (hasErrors(r.diagnostics) || !r.files) {
        if (format === "json") jsonOut({ ok: false, diagnostics: diagnosticsJson(r.diagnostics) });
        else reportDiagnostics(r.diagnostics, new Map(r.loaded ? [[r.loaded.file, r.loaded.text]] : []));
        return 1;
      }
      if (opts.check) {
        const drift = compareTree(outDir, r.files);
        if (format === "json") jsonOut({ ok: !hasDrift(drift), ...drift });
        else if (hasDrift(drift)) {
          err("slipway: the committed tree is stale; run `slipway render` and commit the result:");
          for (const p of drift.added) err(`  added    ${p}`);
          for (const p of drift.changed) err(`  changed  ${p}`);
          for (const p of drift.removed) err(`  removed  ${p}`);
        } else err("slipway: rendered/ and bootstrap/ are up to date");
        return hasDrift(drift) ? 1 : 0;
      }
      if (opts.out === undefined) outputDir(outDir, "the spec's directory");
      const drift = compareTree(outDir, r.files);
      const result = writeTree(outDir, r.files);
      if (format === "json") jsonOut({ ok: true, files: r.files.map((f) => f.path), ...drift });
      else {
        reportDiagnostics(r.diagnostics, new Map());
        out(`rendered ${result.written} files into ${outDir === process.cwd() ? "." : outDir} (${drift.added.length} added, ${drift.changed.length} changed, ${drift.removed.length} removed)`);
      }
      return 0;
    }));
}
