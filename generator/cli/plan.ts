import type { Command } from "commander";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { hasErrors, UsageError } from "../diagnostics.js";
import { CHANGE_CLASSES, classifyChanges, formatPlanMarkdown, formatPlanText, planJson } from "../output/changes.js";
import { renderCluster, renderClusterText } from "../pipeline.js";
import { factsOf } from "../spec/birth-facts.js";
import { CERTIFICATE_FILE } from "../secrets/key-store.js";
import { loadRepoInputs, SEALED_SECRETS_DIR } from "../secrets/repo-inputs.js";
import type { RepoInputs } from "../spec/resolve.js";
import { assertRepository, listFilesAt, resolveBase, showFile } from "./git.js";
import { diagnosticsJson, err, jsonOut, out, parseFormat, reportDiagnostics, specPath } from "./io.js";
import { action } from "./result.js";

const FAIL_ON: readonly string[] = CHANGE_CLASSES;

export function register(program: Command): void {
  program
    .command("plan")
    .summary("what a change of cluster.yaml does to the cluster: sync, node-rollout, reprovision, destructive")
    .description(
      [
        "Renders the spec at a base git ref and in the working tree, both in memory with this version of slipway, and classifies every change, most consequential first: destructive (a node, a server (etcd member), a PersistentVolume, a Namespace, an Application or a Sealed Secrets key removed; or a setting no running cluster can change: K3s's critical values, the CIDRs, the overlay, the server that ran cluster-init; each with the manual path), reprovision (a node's own user-data changed: it takes effect only when that machine is rebuilt, and changing user-data makes most provisioners replace it; or a node is new), node-rollout (Plans change running nodes through Git: a K3s upgrade, servers one at a time cordoned and drained, then agents; a K3s config drop-in with a restart on one node at a time; node labels and taints through the API), sync (Argo CD reconciles a rendered/ manifest).",
        "The working tree is validated against what the base runs: a K3s downgrade or a skipped minor is an error.",
        "The base defaults to the merge base of HEAD with the default branch (origin/HEAD, then origin/main, then main).",
        "Informational: exit 0 whenever it ran, unless --fail-on names a class that has changes (exit 1). Exit 1 when a spec does not validate, 2 for a usage error (such as a base ref that does not exist).",
      ].join("\n\n"),
    )
    .argument("[spec]", "path of the spec", "cluster.yaml")
    .option("--base <ref>", "git ref to compare with (default: the merge base with the default branch)")
    .option("--format <format>", "text, markdown (for a pull-request comment) or json", "text")
    .option("--fail-on <class>", `exit 1 when there is a change of this class (${FAIL_ON.join(", ")})`)
    .addHelpText("after", "\nExamples:\n  $ slipway plan\n  $ slipway plan --base origin/main --format markdown > plan.md\n  $ slipway plan --fail-on destructive")
    .action(action(async (spec: string, opts: { base?: string; format: string; failOn?: string }) => {
      const format = parseFormat(opts.format, ["text", "markdown", "json"]);
      if (opts.failOn !== undefined && !FAIL_ON.includes(opts.failOn)) {
        throw new UsageError(`unknown --fail-on "${opts.failOn}"`, `use one of: ${FAIL_ON.join(", ")}`);
      }

      const file = specPath(spec);
      const dir = dirname(file);
      if (!existsSync(dir)) throw new UsageError(`${dir} does not exist`, "pass the path of cluster.yaml");
      assertRepository(dir);
      const base = resolveBase(opts.base, dir);
      const notes: string[] = [];

      const baseText = showFile(base.commit, basename(file), dir);
      if (baseText === undefined) notes.push(`${basename(file)} does not exist at the base: everything is new`);
      const baseInputs = listFilesAt(base.commit, [CERTIFICATE_FILE, SEALED_SECRETS_DIR], dir);
      const before = baseText === undefined ? undefined : await renderClusterText(`${base.ref}:${basename(file)}`, baseText, undefined, { repo: repoInputsAt(base.commit, baseInputs, dir) });
      // The working tree is judged against what the base runs (the upgrade path, birth settings).
      const head = await renderCluster(file, undefined, before?.resolved ? { previous: factsOf(before.resolved, base.ref) } : {});
      for (const [label, r] of [["working tree", head], ["base", before]] as const) {
        if (r && (hasErrors(r.diagnostics) || !r.files || !r.spec)) {
          err(`slipway plan: the spec in the ${label} does not validate, so it cannot be rendered:`);
          reportDiagnostics(r.diagnostics, new Map(r.loaded ? [[r.loaded.file, r.loaded.text]] : []));
          if (format === "json") jsonOut({ ok: false, side: label, diagnostics: diagnosticsJson(r.diagnostics) });
          return 1;
        }
      }
      notes.push("both sides are rendered by this version of slipway: changes of slipway itself (templates, generator) between the two are not shown");

      const side = (r: typeof head | undefined, certificate: boolean) => ({
        files: new Map((r?.files ?? []).map((f) => [f.path, f.text])),
        ...(r?.resolved ? { resolved: r.resolved } : {}),
        sealingCertificate: certificate,
      });
      const changes = classifyChanges(
        side(before, baseInputs.includes(CERTIFICATE_FILE)),
        side(head, existsSync(join(dir, CERTIFICATE_FILE))),
      );
      const heading = { ref: base.ref, commit: base.commit, notes };
      if (format === "json") jsonOut(planJson(changes, heading));
      else out(format === "markdown" ? formatPlanMarkdown(changes, heading) : formatPlanText(changes, heading));
      return opts.failOn !== undefined && changes.some((c) => c.class === opts.failOn) ? 1 : 0;
    }));
}

/**
 * The repository inputs the pipeline reads beside the spec (the sealing certificate, SealedSecrets
 * under sealed-secrets/), as they were at `commit`: copied out of git into a temporary directory
 * and read by the pipeline's own reader, so both sides are validated alike.
 */
function repoInputsAt(commit: string, files: readonly string[], dir: string): RepoInputs {
  const tmp = mkdtempSync(join(tmpdir(), "slipway-plan-"));
  try {
    for (const path of files) {
      const text = showFile(commit, path, dir);
      if (text === undefined) continue;
      mkdirSync(dirname(join(tmp, path)), { recursive: true });
      writeFileSync(join(tmp, path), text);
    }
    return loadRepoInputs(tmp).inputs;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
