/**
 * Every field issue 12 adds (k3s.etcdSnapshots, hosts.hardening.fail2ban) and the one it changes
 * (hosts.firewall.sshFrom): a change of it on a running cluster gets, in `slipway plan`, exactly the
 * class its schema annotation `x-change` promises, names the nodes it touches, and changes no
 * node's user-data. Two in-memory renders of seed 000's example with an agent, compared as the
 * plan command compares them. (onVolume needs a server with a volume: test/plan.test.ts, seed 004.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { CHANGE_CLASSES, classifyChanges, type PlanSide } from "../../generator/output/changes.js";
import { renderClusterText } from "../../generator/pipeline.js";
import { schemaAt } from "../../generator/spec/schema.js";
import { ROOT } from "../support/cli.js";

const base = readFileSync(join(ROOT, "examples/contabo-ha/cluster.yaml"), "utf8").replace(
  "    - {name: node-3, role: server, address: 203.0.113.13}\n",
  "    - {name: node-3, role: server, address: 203.0.113.13}\n    - {name: agent-1, role: agent, address: 203.0.113.21}\n",
);
const SERVERS = ["node-1", "node-2", "node-3"];
const ALL = [...SERVERS, "agent-1"];

async function side(text: string): Promise<PlanSide> {
  const r = await renderClusterText("cluster.yaml", text);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { files: new Map(r.files!.map((f) => [f.path, f.text])), resolved: r.resolved, sealingCertificate: false };
}

/** [schema path, value to set, the nodes the change names] */
const EDITS: [string[], unknown, string[]][] = [
  [["spec", "k3s", "etcdSnapshots", "enabled"], false, SERVERS],
  [["spec", "k3s", "etcdSnapshots", "schedule"], "15 3 * * *", SERVERS],
  [["spec", "k3s", "etcdSnapshots", "retention"], 30, SERVERS],
  [["spec", "k3s", "etcdSnapshots", "s3"], {}, SERVERS],
  [["spec", "k3s", "etcdSnapshots", "s3", "secret"], "etcd-backups", SERVERS],
  [["spec", "hosts", "hardening", "fail2ban", "enabled"], false, ALL],
  [["spec", "hosts", "hardening", "fail2ban", "maxRetry"], 2, ALL],
  [["spec", "hosts", "hardening", "fail2ban", "findTime"], "1h", ALL],
  [["spec", "hosts", "hardening", "fail2ban", "banTime"], "1w", ALL],
  [["spec", "hosts", "hardening", "fail2ban", "ignoreFrom"], ["192.0.2.0/24"], ALL],
  [["spec", "hosts", "firewall", "sshFrom"], ["198.51.100.0/24", "192.0.2.0/25"], ALL],
];

describe("the new fields: the plan's class is the schema's x-change", () => {
  it.each(EDITS.map(([path, value, nodes]) => [path.join("."), path, value, nodes] as const))("%s", async (_name, path, value, nodes) => {
    const doc = parseDocument(base);
    // s3.secret needs s3 at the base, so that only the name changes.
    const before = path.at(-1) === "secret" ? (doc.setIn(["spec", "k3s", "etcdSnapshots", "s3"], doc.createNode({})), doc.toString()) : base;
    const after = parseDocument(before);
    after.setIn(path, after.createNode(value));
    const changes = classifyChanges(await side(before), await side(after.toString()));
    const promised = (schemaAt(path) as { "x-change"?: string } | undefined)?.["x-change"];
    expect(promised, `x-change of ${path.join(".")}`).toBeDefined();
    const worst = CHANGE_CLASSES.find((c) => changes.some((x) => x.class === c));
    expect(worst, JSON.stringify(changes, null, 1)).toBe(promised);
    expect(changes.filter((c) => c.class === "reprovision")).toEqual([]);
    const rollout = changes.find((c) => c.class === "node-rollout")!;
    expect(rollout.nodes).toEqual(nodes);
  });
});
