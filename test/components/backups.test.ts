/**
 * Backups that survive a rebuild (issue 12, item 6): k3s.etcdSnapshots as the K3s keys the
 * servers' drop-ins carry, never user-data; each key a `k3s server` flag (not an agent's) of every
 * shipped flag table; the snapshot directory on each server's own volume; and the S3 Secret,
 * sealed with the exact `slipway seal` command the README gives, found in the tree by render.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { flagTableFor, isFlag } from "../../generator/k3s/flags.js";
import { S3_SECRET_TYPE } from "../../generator/spec/etcd-snapshots.js";
import { slipway, tempDir } from "../support/cli.js";
import { yamlObjects } from "../support/tree.js";
import { cloudInit, expectExternalChecksPass, objectsOf, problems, render, renderOk, spec } from "./_platform.js";

const THREE = [
  "  nodes:",
  "    - {name: s1, role: server, address: 198.51.100.1, volume: {device: /dev/sdb, mountPath: /data}}",
  "    - {name: s2, role: server, address: 198.51.100.2, volume: {device: /dev/sdb, mountPath: /mnt/disk}}",
  "    - {name: s3, role: server, address: 198.51.100.3}",
  "    - {name: a1, role: agent, address: 198.51.100.4, volume: {device: /dev/sdb, mountPath: /data}}",
].join("\n");

/** The drop-in each node of a role gets from the config Plan: its own, else the role's. */
function dropIns(r: Awaited<ReturnType<typeof renderOk>>, role: "server" | "agent"): Record<string, Record<string, unknown>> {
  const [p] = objectsOf(r, `rendered/manifests/node-rollout/plan-k3s-config-${role}.yaml`);
  const envs = (p!.spec as { upgrade: { envs: { name: string; value: string }[] } }).upgrade.envs;
  return Object.fromEntries(envs.map((e) => [e.name, parseDocument(Buffer.from(e.value, "base64").toString("utf8")).toJS() as Record<string, unknown>]));
}

describe("etcd snapshots in the servers' drop-ins", () => {
  it("defaults: each server with a volume keeps its snapshots there; K3s's schedule and retention are not restated; user-data holds none of it", async () => {
    const r = await renderOk(spec(THREE));
    const s = dropIns(r, "server");
    expect(Object.keys(s).sort()).toEqual(["SLIPWAY_DROPIN", "SLIPWAY_DROPIN_S1", "SLIPWAY_DROPIN_S2"]);
    expect(s.SLIPWAY_DROPIN_S1!["etcd-snapshot-dir"]).toBe("/data/k3s-etcd-snapshots");
    expect(s.SLIPWAY_DROPIN_S2!["etcd-snapshot-dir"]).toBe("/mnt/disk/k3s-etcd-snapshots");
    expect(s.SLIPWAY_DROPIN!["etcd-snapshot-dir"]).toBeUndefined();
    for (const d of Object.values(s)) expect(Object.keys(d).filter((k) => k.startsWith("etcd-snapshot-s") || k.startsWith("etcd-s3"))).toEqual([]);
    // An agent's volume is no place for etcd: agents have none.
    expect(Object.keys(dropIns(r, "agent"))).toEqual(["SLIPWAY_DROPIN"]);
    for (const n of ["s1", "s2", "s3", "a1"]) expect(cloudInit(r, n).text).not.toMatch(/etcd-s|k3s-etcd-snapshots/);
    await expectExternalChecksPass(r);
  });

  it("schedule, retention, off and S3: every key a `k3s server` flag, never an agent's, in each shipped release", async () => {
    const r = await renderOk(spec('    etcdSnapshots: {enabled: false, schedule: "30 2 * * *", retention: 14, s3: {}}', THREE));
    const s = dropIns(r, "server").SLIPWAY_DROPIN!;
    expect(s).toMatchObject({
      "etcd-disable-snapshots": true,
      "etcd-snapshot-schedule-cron": "30 2 * * *",
      "etcd-snapshot-retention": 14,
      "etcd-s3": true,
      "etcd-s3-config-secret": "k3s-etcd-snapshot-s3-config",
    });
    for (const version of ["v1.33.4+k3s1", "v1.36.1+k3s1"]) {
      const { table } = flagTableFor(version);
      expect(table.k3sVersion).toBe(version);
      for (const k of [...Object.keys(s).filter((k) => k.startsWith("etcd-")), "etcd-snapshot-dir"]) {
        expect(isFlag(table, "server", k), `${k} in ${version}`).toBe(true);
        expect(isFlag(table, "agent", k), `${k} is no agent flag in ${version}`).toBe(false);
      }
    }
  });

  it("onVolume: false leaves K3s's own directory on every server", async () => {
    const r = await renderOk(spec("    etcdSnapshots: {onVolume: false}", THREE));
    expect(Object.keys(dropIns(r, "server"))).toEqual(["SLIPWAY_DROPIN"]);
  });
});

describe("the S3 credentials: a SealedSecret in kube-system, sealed as the README says", () => {
  const cluster = spec("    etcdSnapshots:", "      s3: {}", "  nodes:", "    - {name: s1, role: server, address: 198.51.100.1}");

  it("missing, then sealed with keys K3s reads: the warning goes; a key K3s does not read is named", () => {
    const { dir, cleanup } = tempDir("slipway-s3-secret-");
    try {
      writeFileSync(join(dir, "cluster.yaml"), cluster);
      expect(slipway(["keygen", "--dir", dir]).code).toBe(0);
      const before = slipway(["render", "cluster.yaml"], { cwd: dir });
      expect(before.stderr).toContain("warning SW-ETCD-S3-SECRET-MISSING spec.k3s.etcdSnapshots.s3: no SealedSecret kube-system/k3s-etcd-snapshot-s3-config in sealed-secrets/");

      // README: Backups and restore (Hetzner Object Storage).
      const sealed = slipway(
        [
          "seal", "k3s-etcd-snapshot-s3-config", "-n", "kube-system", "--type", S3_SECRET_TYPE,
          "--from-literal", "etcd-s3-endpoint=fsn1.your-objectstorage.com",
          "--from-literal", "etcd-s3-region=fsn1",
          "--from-literal", "etcd-s3-bucket=cosmos-etcd",
          "--from-literal", "etcd-s3-folder=cosmos",
          "--from-literal", "etcd-s3-access-key=EXAMPLEACCESSKEY",
          "--from-literal", "etcd-s3-secret-key=example-secret-key",
          "--dir", dir,
        ],
        { cwd: dir },
      );
      expect(sealed.code, sealed.stderr).toBe(0);
      const after = slipway(["render", "cluster.yaml"], { cwd: dir });
      expect(after.code, after.stderr).toBe(0);
      expect(after.stderr).not.toContain("SW-ETCD-S3");
      const checked = slipway(["check", "cluster.yaml"], { cwd: dir });
      expect(checked.stdout + checked.stderr).toMatch(/secret-leak +passed/);

      mkdirSync(join(dir, "sealed-secrets/kube-system"), { recursive: true });
      expect(slipway(["seal", "k3s-etcd-snapshot-s3-config", "-n", "kube-system", "--merge", "--from-literal", "etcd-s3-bukket=x", "--dir", dir], { cwd: dir }).code).toBe(0);
      const typo = slipway(["render", "cluster.yaml"], { cwd: dir });
      expect(typo.stderr).toContain("has key etcd-s3-bukket, which K3s does not read");
      expect(typo.stderr).toContain("Did you mean etcd-s3-bucket?");
    } finally {
      cleanup();
    }
  });

  it("the SealedSecret keeps K3s's Secret type in its template", () => {
    const { dir, cleanup } = tempDir("slipway-s3-type-");
    try {
      writeFileSync(join(dir, "cluster.yaml"), cluster);
      slipway(["keygen", "--dir", dir]);
      slipway(["seal", "k3s-etcd-snapshot-s3-config", "-n", "kube-system", "--type", S3_SECRET_TYPE, "--from-literal", "etcd-s3-bucket=b", "--dir", dir], { cwd: dir });
      const r = slipway(["render", "cluster.yaml"], { cwd: dir });
      expect(r.stderr).toContain("has no etcd-s3-access-key, etcd-s3-endpoint, etcd-s3-secret-key");
      const [sealed] = yamlObjects(readFileSync(join(dir, "sealed-secrets/kube-system/k3s-etcd-snapshot-s3-config.yaml"), "utf8"));
      const spec = sealed!.spec as { template: { type: string; metadata: { namespace: string } }; encryptedData: Record<string, string> };
      expect([spec.template.type, Object.keys(spec.encryptedData)]).toEqual([S3_SECRET_TYPE, ["etcd-s3-bucket"]]);
      expect(slipway(["render", "cluster.yaml", "--check"], { cwd: dir }).code).toBe(0);
    } finally {
      cleanup();
    }
  });
});

describe("rules", () => {
  it("with s3, an etcd-s3 flag in k3s.args is an error (K3s would ignore the Secret); etcd-s3-retention is not", async () => {
    const r = await render(spec("    etcdSnapshots: {s3: {}}", "    args: {etcd-s3-retention: 10, etcd-s3-bucket-lookup-type: path}", "  nodes:", "    - {name: s1, role: server, address: 198.51.100.1}"));
    expect(problems(r, "SW-ETCD-S3-FLAG")).toEqual([["error", "SW-ETCD-S3-FLAG-IGNORES-SECRET", "spec.k3s.args.etcd-s3-bucket-lookup-type", 13]]);
  });
});
