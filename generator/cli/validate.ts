import type { Command } from "commander";
import { dirname } from "node:path";
import { hasErrors, sortDiagnostics } from "../diagnostics.js";
import { loadAndValidate } from "../pipeline.js";
import { loadRepoInputs } from "../secrets/repo-inputs.js";
import { diagnosticsJson, err, jsonOut, parseFormat, reportDiagnostics, specPath } from "./io.js";
import { examples } from "./help.js";
import { action } from "./result.js";

export function register(program: Command): void {
  program
    .command("validate")
    .summary("check cluster.yaml and report every problem at once")
    .description("Validates cluster.yaml against the schema and Slipway's rules, and the SealedSecrets under sealed-secrets/ beside it. Every problem is reported at once, sorted, as FILE:LINE:COL: error CODE PATH: message, with a hint and a code frame.")
    .argument("[spec]", "path of the spec (default: cluster.yaml)")
    .option("--format <format>", "text or json", "text")
    .addHelpText("after", examples("slipway validate", "slipway validate clusters/prod/cluster.yaml --format json"))
    .action(action((spec: string | undefined, opts: { format: string }) => {
      const format = parseFormat(opts.format);
      const file = specPath(spec);
      const specResult = loadAndValidate(file);
      // The SealedSecrets under sealed-secrets/ go into the tree too: a plain Secret there fails here.
      const repo = loadRepoInputs(dirname(file));
      const r = { ...specResult, diagnostics: sortDiagnostics([...specResult.diagnostics, ...repo.diagnostics]) };
      const failed = hasErrors(r.diagnostics);
      if (format === "json") jsonOut({ valid: !failed, diagnostics: diagnosticsJson(r.diagnostics) });
      else {
        reportDiagnostics(r.diagnostics, new Map(r.loaded ? [[r.loaded.file, r.loaded.text]] : []));
        if (!failed) err(`${spec ?? "cluster.yaml"}: valid`);
      }
      return failed ? 1 : 0;
    }));
}
