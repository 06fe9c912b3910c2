/** `slipway dns records`, end to end through the built CLI. */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, slipway, tempDir } from "../support/cli.js";

const CONTABO = join(ROOT, "examples/contabo-ha/cluster.yaml");
const HETZNER = join(ROOT, "examples/hetzner-single/cluster.yaml");
const tmp = tempDir("slipway-dns-cli-");
afterAll(() => tmp.cleanup());

describe("slipway dns records", () => {
  it("prints the NS records and the glue to enter at the registrar", () => {
    const r = slipway(["dns", "records", CONTABO]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "; Name servers of talentmesh.example: set these as the zone's NS records at its registrar.",
        "talentmesh.example.      NS    ns1.talentmesh.example.",
        "talentmesh.example.      NS    ns2.talentmesh.example.",
        "talentmesh.example.      NS    ns3.talentmesh.example.",
        "; Glue: the name servers are inside the zone, so the registrar needs their addresses too.",
        "ns1.talentmesh.example.  A     203.0.113.11",
        "ns2.talentmesh.example.  A     203.0.113.12",
        "ns3.talentmesh.example.  A     203.0.113.13",
        "",
      ].join("\n"),
    );
  });

  it("reads ./cluster.yaml by default and prints JSON with --format json", () => {
    cpSync(CONTABO, join(tmp.dir, "cluster.yaml"));
    const r = slipway(["dns", "records", "--format", "json"], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { zone: string; records: { name: string; type: string; value: string }[] };
    expect(j.zone).toBe("talentmesh.example.");
    expect(j.records.filter((x) => x.type === "NS").map((x) => x.value)).toEqual(["ns1.talentmesh.example.", "ns2.talentmesh.example.", "ns3.talentmesh.example."]);
    expect(j.records.filter((x) => x.type === "A")).toEqual([
      { name: "ns1.talentmesh.example.", type: "A", value: "203.0.113.11" },
      { name: "ns2.talentmesh.example.", type: "A", value: "203.0.113.12" },
      { name: "ns3.talentmesh.example.", type: "A", value: "203.0.113.13" },
    ]);
  });

  it("says so when the spec has no dns.failover (exit 1)", () => {
    const r = slipway(["dns", "records", HETZNER]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("error SW-DNS-NOT-CONFIGURED");
    expect(r.stderr).toContain("hint: Add spec.dns.failover");
  });

  it("reports an invalid spec's diagnostics instead of records (exit 1), in JSON too", () => {
    const bad = join(tmp.dir, "bad.yaml");
    writeFileSync(bad, readFileSync(CONTABO, "utf8").replace("zone: talentmesh.example", "zone: talent_mesh.example"));
    const text = slipway(["dns", "records", bad]);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/bad\.yaml:\d+:\d+: error SW-DNS-ZONE-NAME spec\.dns\.failover\.zone: invalid zone name/);
    const json = slipway(["dns", "records", bad, "--format", "json"]);
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code)).toContain("SW-DNS-ZONE-NAME");
  });

  it("rejects an unknown --format as a usage error (exit 2)", () => {
    expect(slipway(["dns", "records", CONTABO, "--format", "yaml"]).code).toBe(2);
  });
});

