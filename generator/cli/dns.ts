import type { Command } from "commander";
import { error, hasErrors } from "../diagnostics.js";
import { failoverInput } from "../dns/spec-input.js";
import { bareZone, formatRegistrarRecords, registrarRecords, type RegistrarRecord } from "../dns/zone-config.js";
import { loadAndValidate } from "../pipeline.js";
import { diagnosticsJson, jsonOut, out, parseFormat, reportDiagnostics, specPath } from "./io.js";
import { examples } from "./help.js";
import { action } from "./result.js";

export function register(program: Command): void {
  const dns = program
    .command("dns")
    .summary("DNS failover: what to enter at the registrar")
    .description("Commands for spec.dns.failover, where every server answers for the zone as one of its name servers.")
    .addHelpText("after", examples("slipway dns records", "slipway dns records --format json"));
  dns
    .command("records")
    .summary("print the NS and glue records to enter at the zone's registrar")
    .description(
      "Prints the delegation of spec.dns.failover.zone to the cluster: one NS record per server (ns1, ns2, ... in the order of spec.nodes) and a glue A/AAAA record with each server's public address. Enter them at the registrar of the zone (glue records are often called child name servers or host records there). They change only when the servers or their addresses do.",
    )
    .argument("[spec]", "path of the spec (default: cluster.yaml)")
    .option("--format <format>", "text or json", "text")
    .addHelpText("after", examples("slipway dns records", "slipway dns records clusters/prod/cluster.yaml --format json"))
    .action(action((spec: string | undefined, opts: { format: string }) => {
      const format = parseFormat(opts.format);
      const s = loadAndValidate(specPath(spec));
      let diagnostics = s.diagnostics;
      const input = s.spec && !hasErrors(diagnostics) ? failoverInput(s.spec) : undefined;
      if (s.spec && !hasErrors(diagnostics) && !input) {
        diagnostics = [
          error("SW-DNS-NOT-CONFIGURED", `${spec ?? "cluster.yaml"} has no spec.dns.failover: the cluster serves no zone, so there is nothing to delegate`, {
            file: s.loaded?.file,
            hint: "Add spec.dns.failover with a zone and its records (slipway explain spec.dns.failover).",
          }),
        ];
      }
      if (!input || hasErrors(diagnostics)) {
        if (format === "json") jsonOut({ diagnostics: diagnosticsJson(diagnostics) });
        else reportDiagnostics(diagnostics, new Map(s.loaded ? [[s.loaded.file, s.loaded.text]] : []));
        return 1;
      }
      const records = registrarRecords(input);
      if (format === "json") jsonOut({ zone: `${bareZone(input.zone)}.`, records });
      else out(recordsText(bareZone(input.zone), records));
      return 0;
    }));
}

/** NS records, then glue, aligned as one table, each group under a `;` comment line. */
function recordsText(zone: string, records: readonly RegistrarRecord[]): string {
  const lines = formatRegistrarRecords(records).trimEnd().split("\n");
  const ns = lines.filter((_, i) => records[i]!.type === "NS");
  const glue = lines.filter((_, i) => records[i]!.type !== "NS");
  return [
    `; Name servers of ${zone}: set these as the zone's NS records at its registrar.`,
    ...ns,
    "; Glue: the name servers are inside the zone, so the registrar needs their addresses too.",
    ...glue,
    "",
  ].join("\n");
}
