/**
 * The K3s flag table (generator/k3s/flags.ts): version choice, keys, suggestions, value shapes; and
 * that the committed generated module is what scripts/generate-k3s-flags.mjs makes of
 * ../shared/k3s-flags/ (skipped loudly where that reference data is absent, as in a lone clone).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { aliasTarget, flagTableFor, isFlag, SHIPPED_K3S_VERSIONS, suggestFlag, valueFits, type FlagType, type ShippedFlagList } from "../../generator/k3s/flags.js";
import { SHIPPED_FLAG_LISTS as GENERATED } from "../../generator/k3s/generated/flags.js";
import { resolve } from "../../generator/spec/resolve.js";
import { parseSpecText } from "../../generator/spec/load.js";
import { validateSpec } from "../../generator/spec/validate.js";
import { ROOT, SHARED } from "../support/cli.js";

const v133 = flagTableFor("v1.33.4+k3s1").table;
const SHIPPED_FLAG_LISTS: readonly ShippedFlagList[] = GENERATED;

describe("flagTableFor", () => {
  it("ships v1.33.4+k3s1 and v1.36.1+k3s1, oldest first, each exact", () => {
    expect(SHIPPED_K3S_VERSIONS).toEqual(["v1.33.4+k3s1", "v1.36.1+k3s1"]);
    for (const v of SHIPPED_K3S_VERSIONS) expect(flagTableFor(v)).toMatchObject({ exact: true, table: { k3sVersion: v } });
  });

  it.each([
    ["v1.33.4+k3s2", "v1.33.4+k3s1"], // a later K3s build of the same Kubernetes patch
    ["v1.36.2+k3s1", "v1.36.1+k3s1"],
    ["v1.36.3+k3s1", "v1.36.1+k3s1"], // the default: a later patch of the same minor
  ])("%s: the table of %s, the same minor (exact=true: patch releases keep the flag set)", (asked, used) => {
    expect(flagTableFor(asked)).toMatchObject({ exact: true, table: { k3sVersion: used } });
  });

  it.each([
    ["v1.35.2+k3s1", "v1.33.4+k3s1"], // between: the nearest not newer
    ["v1.36.0+k3s1", "v1.33.4+k3s1"], // older than v1.36.1: not the newer table
    ["v1.37.0+k3s1", "v1.36.1+k3s1"], // newer than all: the newest
    ["v1.32.5+k3s1", "v1.33.4+k3s1"], // older than all: the oldest
    ["v1.100.0+k3s1", "v1.36.1+k3s1"], // numeric, not string, order
    ["latest", "v1.33.4+k3s1"], // not a release version: the oldest
  ])("%s is not shipped: the table of %s, exact=false", (asked, used) => {
    expect(flagTableFor(asked)).toMatchObject({ exact: false, table: { k3sVersion: used } });
  });

  it("returns the same table object for the same release (callers may compare by identity)", () => {
    expect(flagTableFor("v1.35.0+k3s1").table).toBe(v133);
  });
});

describe("isFlag", () => {
  it.each([
    ["server", "cluster-init", true],
    ["agent", "cluster-init", false], // server only: k3s agent would not start with it
    ["agent", "kubelet-arg", true],
    ["server", "kubelet-arg", true],
    ["agent", "disable-apiserver-lb", true],
    ["server", "disable-apiserver-lb", false], // agent only
    ["server", "node-taint+", true], // the append marker
    ["server", "node-taint++", false], // K3s strips one +
    ["server", "+", false],
    ["server", "disable-etcd", true], // hidden: K3s accepts it
    ["agent", "airgap-extra-registry", true], // hidden agent flag
    ["server", "t", false], // alias: long names only
    ["server", "token", true],
    ["server", "kubelet-args", false],
    ["server", "Kubelet-arg", false], // K3s matches case-sensitively
    ["server", "", false],
  ] as const)("%s %s: %s", (role, key, want) => {
    expect(isFlag(v133, role, key)).toBe(want);
  });
});

describe("aliasTarget", () => {
  it.each([
    ["t", "token"],
    ["d", "data-dir"],
    ["o", "write-kubeconfig"], // server only
    ["s+", "server"],
    ["token", undefined],
    ["x", undefined],
  ])("%s -> %s", (key, long) => {
    expect(aliasTarget(v133, key)).toBe(long);
  });
});

describe("suggestFlag", () => {
  it.each([
    ["kubelet-args", "kubelet-arg"],
    ["kubelet-arg", "kubelet-arg"], // already a flag
    ["kubelet-args+", "kubelet-arg"],
    ["t", "token"], // an alias: its long name
    ["node-labels", "node-label"],
    ["etcd-s3-timout", "etcd-s3-timeout"],
    ["cluster-inti", "cluster-init"],
    ["apiserver-prt", "apiserver-port"], // the near hidden flag, not the farther shown lb-server-port
    ["kube-controler-arg", "kube-controller-arg"],
    ["bogus-flag", undefined],
    ["kubelet", undefined],
  ])("%s -> %s", (key, want) => {
    expect(suggestFlag(v133, key)).toBe(want);
  });

  it("suggests flags of either role (agent-only disable-apiserver-lb)", () => {
    expect(suggestFlag(v133, "disable-apiserver-lbs")).toBe("disable-apiserver-lb");
  });
});

describe("valueFits", () => {
  it.each([
    ["BoolFlag", true, true],
    ["BoolFlag", false, true],
    ["BoolFlag", "true", false], // strict: K3s would parse it, but it reads as text
    ["BoolFlag", [true], false],
    ["BoolFlag", 1, false],
    ["IntFlag", 6444, true],
    ["IntFlag", -1, true],
    ["IntFlag", 1.5, false],
    ["IntFlag", "6444", false],
    ["IntFlag", 2 ** 60, false],
    ["StringFlag", "0644", true],
    ["StringFlag", "", true],
    ["StringFlag", 644, false],
    ["StringFlag", ["a"], false],
    ["StringFlag", true, false],
    ["DurationFlag", "5m", true],
    ["DurationFlag", "1h30m", true],
    ["DurationFlag", "1.5h", true],
    ["DurationFlag", "300ms", true],
    ["DurationFlag", "0", true],
    ["DurationFlag", "5", false], // Go wants a unit
    ["DurationFlag", "5 minutes", false],
    ["DurationFlag", 300, false],
    ["StringSliceFlag", "max-pods=50", true],
    ["StringSliceFlag", ["a", "b"], true],
    ["StringSliceFlag", [], true],
    ["StringSliceFlag", ["a", 1], false],
    ["StringSliceFlag", 50, false],
  ] as const)("%s %j: %s", (type, value, want) => {
    expect(valueFits(type, value)).toBe(want);
  });

  it.each(["BoolFlag", "DurationFlag", "IntFlag", "StringFlag", "StringSliceFlag"] as const)("a mapping fits no %s", (type) => {
    expect(valueFits(type, { "max-pods": 50 })).toBe(false);
    expect(valueFits(type, null)).toBe(false);
    expect(valueFits(type, undefined)).toBe(false);
  });

  it("knows every type in the shipped lists", () => {
    const types = new Set<FlagType>();
    for (const l of SHIPPED_FLAG_LISTS) for (const r of ["server", "agent"] as const) for (const t of Object.values(l.flags[r])) types.add(t);
    for (const t of types) expect(() => valueFits(t, "x"), t).not.toThrow();
    expect([...types].sort()).toEqual(["BoolFlag", "DurationFlag", "IntFlag", "StringFlag", "StringSliceFlag"]);
  });
});

describe("the generated module", () => {
  it("has every alias target and hidden flag in its role's list", () => {
    for (const l of SHIPPED_FLAG_LISTS) {
      for (const r of ["server", "agent"] as const) {
        for (const h of l.hidden[r]) expect(l.flags[r][h], `${l.k3sVersion} ${r} hidden ${h}`).toBeDefined();
        for (const [a, long] of Object.entries(l.aliases[r])) {
          expect(l.flags[r][long], `${l.k3sVersion} ${r} alias ${a}`).toBeDefined();
          expect(l.flags[r][a], `${l.k3sVersion} ${r} alias ${a} is no flag`).toBeUndefined();
        }
      }
    }
  });

  it("is what scripts/generate-k3s-flags.mjs makes of ../shared/k3s-flags", () => {
    const from = join(SHARED, "k3s-flags");
    if (!existsSync(from)) {
      console.warn(`SKIP: generated K3s flag table vs its sources: ${from} is absent`);
      return;
    }
    const r = spawnSync(process.execPath, [join(ROOT, "scripts/generate-k3s-flags.mjs"), "--check", "--from", from], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toContain("is up to date");
    expect(r.status).toBe(0);
  });
});

describe("agents get the k3s.args keys that are k3s agent flags", () => {
  const spec = (args: string) => {
    const text = `apiVersion: slipway.dev/v1alpha1
kind: Cluster
metadata: {name: demo}
spec:
  gitops: {repoURL: https://github.com/example/demo.git}
  k3s:
    args: {${args}}
  nodes:
    - {name: s1, role: server, address: 203.0.113.10}
    - {name: a1, role: agent, address: 203.0.113.11}
`;
    const load = parseSpecText("cluster.yaml", text);
    const v = validateSpec(load.spec!);
    expect(v.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    return resolve(v.spec!);
  };

  it("keeps server-only keys away from agents and gives them every agent flag", () => {
    const r = spec("kubelet-arg: [max-pods=50], kube-apiserver-arg: [a=b], etcd-arg: [c=d], debug: true, node-external-dns: [n.example.com], disable-apiserver-lb: true");
    expect(r.k3s.dropIn.agent).toEqual({ debug: true, "disable-apiserver-lb": true, "kubelet-arg": ["max-pods=50"], "node-external-dns": ["n.example.com"] });
    expect(Object.keys(r.k3s.dropIn.server)).toEqual(expect.arrayContaining(["debug", "etcd-arg", "kube-apiserver-arg", "kubelet-arg", "node-external-dns"]));
  });
});
