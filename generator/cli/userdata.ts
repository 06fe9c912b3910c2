import type { Command } from "commander";
import { dirname, resolve } from "node:path";
import { error, hasErrors, UsageError } from "../diagnostics.js";
import { writeFileAtomic } from "../output/write.js";
import { byteLength, compactUserData } from "../output/compact-user-data.js";
import { USER_DATA_BUDGETS } from "../check/user-data-size.js";
import { renderCluster, loadAndValidate } from "../pipeline.js";
import { collectSecrets } from "../secrets/provision.js";
import { SECRET_ENV } from "../spec/resolve.js";
import { err, out, reportDiagnostics, specPath } from "./io.js";
import { examples } from "./help.js";
import { outputFile } from "./paths.js";
import { action } from "./result.js";

export function register(program: Command): void {
  program
    .command("userdata")
    .summary("print the complete cloud-init of one node, secrets filled in")
    .description(
      `Prints the complete cloud-init user-data for NODE, with the secrets filled in: the K3s join token from ${SECRET_ENV.k3sToken} (or .slipway/k3s-token), for the first server every Sealed Secrets key of .slipway/sealed-secrets/ (made by slipway keygen), and for a private repository the Git credentials from ${SECRET_ENV.gitToken} and ${SECRET_ENV.gitUsername}. Give it to any provisioner (Terraform, Pulumi, hcloud, a web form). The output holds secrets: --out writes it with mode 0600.`,
    )
    .argument("<node>", "node name from spec.nodes")
    .argument("[spec]", "path of the spec (default: cluster.yaml)")
    .option("--spec <file>", "path of the spec, as the positional SPEC (kept for older scripts)")
    .option("--out <file>", "write to this file (mode 0600) instead of standard output; its directory must exist")
    .addHelpText("after", examples(`${SECRET_ENV.k3sToken}=$(cat token) slipway userdata node-1 --out node-1.user-data`, "slipway userdata node-2 clusters/prod/cluster.yaml | hcloud server create --user-data-from-file - ..."))
    .action(action(async (nodeName: string, specArg: string | undefined, opts: { spec?: string; out?: string }) => {
      if (specArg !== undefined && opts.spec !== undefined && resolve(specArg) !== resolve(opts.spec)) {
        throw new UsageError(`two different specs given: ${specArg} and --spec ${opts.spec}`, "Give the spec once, as `slipway userdata NODE SPEC`.");
      }
      if (opts.out === "-") throw new UsageError("--out - is not needed", "Omit --out to print to standard output.");
      const outFile = opts.out === undefined ? undefined : outputFile(opts.out, "--out", `${nodeName}.user-data`);
      const specName = specArg ?? opts.spec ?? "cluster.yaml";
      const file = specPath(specName);
      const s = loadAndValidate(file);
      const sources = new Map(s.loaded ? [[s.loaded.file, s.loaded.text]] : []);
      if (!s.spec || hasErrors(s.diagnostics)) {
        reportDiagnostics(s.diagnostics, sources);
        return 1;
      }
      if (!s.spec.spec.nodes.some((n) => n.name === nodeName)) {
        const names = s.spec.spec.nodes.map((n) => n.name).join(", ");
        reportDiagnostics([error("SW-NODE-UNKNOWN", `no node named "${nodeName}" in ${specName}`, { hint: `Nodes: ${names}.` })], sources);
        return 1;
      }
      const provision = collectSecrets(dirname(file), s.spec, process.env);
      if (!provision.secrets) {
        reportDiagnostics(provision.diagnostics, sources);
        return 1;
      }
      if (s.resolved?.firstServer.name === nodeName) {
        // The first server imports the Sealed Secrets keys: every one, rotated ones too.
        const { loadKeys, keyDirOf } = await import("../secrets/key-store.js");
        const keys = await loadKeys(dirname(file));
        if (keys.length === 0) {
          reportDiagnostics(
            [
              error("SW-SECRET-MISSING", `${nodeName} is the first server and imports the Sealed Secrets keys, but there are none in ${keyDirOf(dirname(file))}`, {
                hint: "Run `slipway keygen` beside cluster.yaml (or copy the .slipway/ folder of the machine where the keys were made), commit bootstrap/sealed-secrets.crt, then run userdata again.",
              }),
            ],
            sources,
          );
          return 1;
        }
        provision.secrets.sealingKeys = keys;
      }
      const r = await renderCluster(file, provision.secrets);
      if (hasErrors(r.diagnostics) || !r.files) {
        reportDiagnostics(r.diagnostics, sources);
        return 1;
      }
      const rendered = r.files.find((f) => f.path === `bootstrap/${nodeName}.yaml`);
      if (!rendered) throw new Error(`render produced no bootstrap file for ${nodeName}`);
      const fitted = fitBudget(rendered.text, s.spec.spec.hosts.provider);
      if (!fitted.ok) {
        reportDiagnostics([error("SW-USERDATA-TOO-LARGE", `the user-data of ${nodeName} is ${fitted.bytes} bytes even compressed, over the ${s.spec.spec.hosts.provider} limit of ${fitted.budget} bytes`, {
          hint: "Rotate away Sealed Secrets keys no secret needs any more, move large Helm values into the Git repository, or set spec.hosts.provider to where the node really runs.",
        })], sources);
        return 1;
      }
      if (fitted.compacted) err(`note: write_files content compressed (gz+b64) so the user-data fits the ${s.spec.spec.hosts.provider} limit of ${fitted.budget} bytes`);
      const userData = { text: fitted.text };
      if (outFile !== undefined) {
        writeFileAtomic(outFile, userData.text, { mode: 0o600 });
        err(`wrote ${opts.out} (mode 0600, ${Buffer.byteLength(userData.text)} bytes): it holds secrets, keep it out of git`);
      } else out(userData.text);
      return 0;
    }));
}

/** The user-data as rendered when it fits the provider's budget, else compressed (see compact-user-data.ts). */
function fitBudget(text: string, provider: keyof typeof USER_DATA_BUDGETS): { ok: boolean; text: string; bytes: number; budget: number; compacted: boolean } {
  const budget = USER_DATA_BUDGETS[provider];
  if (byteLength(text) <= budget) return { ok: true, text, bytes: byteLength(text), budget, compacted: false };
  const compact = compactUserData(text);
  return { ok: byteLength(compact) <= budget, text: compact, bytes: byteLength(compact), budget, compacted: true };
}
