/**
 * User-data is a birth certificate (issue: "Day 2 through Git"). For every example, the edits a
 * running cluster sees every week leave every existing node's bootstrap/ file byte-identical: they
 * reach the nodes through the tree (Plans, the firewall DaemonSet), never through user-data.
 * And what does reach the nodes is what K3s and system-upgrade-controller accept: every drop-in key
 * is a flag of its role, every Plan sets concurrency.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { flagTableFor, isFlag } from "../../generator/k3s/flags.js";
import { renderClusterText, type RenderResult } from "../../generator/pipeline.js";
import { K3S_DROPIN_PATH } from "../../generator/spec/k3s-config.js";
import { ROOT } from "../support/cli.js";
import { yamlObjects } from "../support/tree.js";

const EXAMPLES = readdirSync(join(ROOT, "examples")).filter((d) => !d.startsWith(".")).sort();

type Edit = (doc: ReturnType<typeof parseDocument>) => void;

/** The four edits of the issue, and more a running cluster sees, applied to the YAML document so comments and layout stay. */
const EDITS: Record<string, Edit> = {
  "adding an agent": (doc) => {
    const nodes = doc.getIn(["spec", "nodes"]) as { add(v: unknown): void };
    nodes.add(doc.createNode({ name: "extra-1", role: "agent", address: "198.51.100.99" }));
  },
  "bumping the K3s patch": (doc) => doc.setIn(["spec", "k3s", "version"], "v1.36.5+k3s1"),
  "adding a kubelet-arg": (doc) => {
    const list = doc.getIn(["spec", "k3s", "args", "kubelet-arg"]) as { add(v: unknown): void } | undefined;
    if (list) list.add("eviction-hard=memory.available<5%");
    else doc.setIn(["spec", "k3s", "args", "kubelet-arg"], doc.createNode(["eviction-hard=memory.available<5%"]));
  },
  // Network policy and Pod Security are objects Argo CD syncs: a row for an app that has none.
  "adding a network policy row": (doc) => {
    const apps = (doc.getIn(["spec", "apps"]) as { toJSON(): { name: string }[] }).toJSON();
    const rows = (doc.getIn(["spec", "network", "policies"]) as { toJSON(): { app?: string }[] } | undefined)?.toJSON() ?? [];
    const app = apps.find((a) => !rows.some((r) => r.app === a.name))!.name;
    const row = doc.createNode({ app, ingress: [{ from: ["internet"], ports: ["TCP:443"] }] });
    if (rows.length > 0) (doc.getIn(["spec", "network", "policies"]) as { add(v: unknown): void }).add(row);
    else doc.setIn(["spec", "network", "policies"], doc.createNode([row.toJSON()]));
  },
  // Backups and fail2ban (issue 12): both reach running nodes through Plans only.
  "changing the etcd snapshot schedule, retention and S3 target": (doc) =>
    doc.setIn(["spec", "k3s", "etcdSnapshots"], doc.createNode({ schedule: "0 */6 * * *", retention: 20, onVolume: false, s3: { secret: "etcd-s3" } })),
  "tightening fail2ban and admitting an SSH network": (doc) => {
    doc.setIn(["spec", "hosts", "hardening", "fail2ban"], doc.createNode({ maxRetry: 3, banTime: "1d", ignoreFrom: ["192.0.2.0/24"] }));
    doc.setIn(["spec", "hosts", "firewall", "sshFrom"], doc.createNode(["198.51.100.0/24"]));
  },
  "changing an existing node's label": (doc) => {
    const nodes = doc.getIn(["spec", "nodes"]) as { items: { setIn(path: unknown[], v: unknown): void }[] };
    nodes.items[nodes.items.length - 1]!.setIn(["labels", "slipway.dev/edited"], "yes");
  },
  "adding a static volume on an existing node": (doc) => {
    const node = String(doc.getIn(["spec", "nodes", 0, "name"]));
    const mount = doc.getIn(["spec", "nodes", 0, "volume", "mountPath"]) as string | undefined;
    const volume = doc.createNode({ name: "added-data", node, path: `${mount ?? "/srv"}/added`, size: "1Gi", owner: "1000:1000" });
    const list = doc.getIn(["spec", "storage", "volumes"]) as { add(v: unknown): void } | undefined;
    if (list) list.add(volume);
    else doc.setIn(["spec", "storage", "volumes"], doc.createNode([volume]));
  },
  "renaming the cluster": (doc) => doc.setIn(["metadata", "name"], "renamed"),
};

async function renderText(name: string, text: string): Promise<RenderResult & { files: NonNullable<RenderResult["files"]> }> {
  const r = await renderClusterText(`examples/${name}/cluster.yaml`, text);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r as RenderResult & { files: NonNullable<RenderResult["files"]> };
}

const bootstrapOf = (r: RenderResult) => new Map((r.files ?? []).filter((f) => f.path.startsWith("bootstrap/")).map((f) => [f.path, f.text]));

describe.each(EXAMPLES)("example %s: user-data stays a birth certificate", (name) => {
  const text = readFileSync(join(ROOT, "examples", name, "cluster.yaml"), "utf8");

  it.each(Object.keys(EDITS))("%s leaves every existing node's bootstrap file byte-identical", async (edit) => {
    const base = bootstrapOf(await renderText(name, text));
    const doc = parseDocument(text);
    EDITS[edit]!(doc);
    const after = bootstrapOf(await renderText(name, doc.toString()));
    expect(base.size).toBeGreaterThan(0);
    for (const [path, before] of base) expect(after.get(path), `${name}: ${edit} changed ${path}`).toBe(before);
  });

  it("every Plan sets concurrency; every drop-in key is a K3s flag of the role its Plan selects", async () => {
    const r = await renderText(name, text);
    const plans = r.files.filter((f) => f.path.startsWith("rendered/manifests/node-rollout/plan-")).flatMap((f) => yamlObjects(f.text));
    expect(plans.map((p) => (p.metadata as { name: string }).name).sort()).toEqual(
      r.resolved!.agents.length > 0 ? ["host-fail2ban", "k3s-agent", "k3s-config-agent", "k3s-config-server", "k3s-server", "node-labels"] : ["host-fail2ban", "k3s-config-server", "k3s-server", "node-labels"],
    );
    const { table } = flagTableFor(r.spec!.spec.k3s.version);
    for (const p of plans) {
      const spec = p.spec as { concurrency: number; upgrade: { args?: string[]; envs?: { name: string; value: string }[] } };
      expect(spec.concurrency, String((p.metadata as { name: string }).name)).toBeGreaterThan(0);
      // The role's drop-in, and each node's own where it holds more (SLIPWAY_DROPIN_<NODE>).
      const dropIns = spec.upgrade.envs?.filter((e) => e.name === "SLIPWAY_DROPIN" || e.name.startsWith("SLIPWAY_DROPIN_")) ?? [];
      if (dropIns.length === 0) continue;
      const role = spec.upgrade.args![2] === "k3s" ? "server" : "agent";
      expect(spec.upgrade.args![1]).toBe(K3S_DROPIN_PATH);
      for (const dropIn of dropIns) {
        const keys = Object.keys((parseDocument(Buffer.from(dropIn.value, "base64").toString("utf8")).toJS() ?? {}) as Record<string, unknown>);
        for (const k of keys) expect(isFlag(table, role, k), `${name}: ${k} in the ${role} drop-in ${dropIn.name}`).toBe(true);
      }
    }
  });
});
