/**
 * The embedded strict gate (generator/check/strict): mistakes planted into golden objects are
 * found, with kubeconform's path and wording; it gives kubeconform's verdict on every genuine
 * kubeconform output in ../shared/fixtures/kubeconform; and it finds the same problems as the very
 * schema files kubeconform reads (../shared/kube-schemas, through Ajv) when a mistake is planted at
 * every place of every golden object. Everything that needs ../shared skips loudly without it;
 * the rest needs nothing beside the repository.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { STRICT_SCHEMAS } from "../../generator/check/generated/strict-schemas.js";
import { FORMAT_CHECKERS } from "../../generator/check/strict/formats.js";
import { translateGoRegExp } from "../../generator/check/strict/go-regexp.js";
import { STRICT_SCHEMA_VERSIONS, strictSchemaSetFor } from "../../generator/check/strict/schema-set.js";
import { hasStrictSchema, validateStrict, type StrictProblem } from "../../generator/check/strict/validate.js";
import { ROOT, SHARED, tempDir } from "../support/cli.js";
import { KUBE_SCHEMAS, kubeSchemasAvailable, referenceProblems, referenceSchemaFile } from "../support/kube-schemas.js";
import { readTree, writeFiles, yamlObjects } from "../support/tree.js";

type Obj = Record<string, unknown>;

/** Every object of every golden tree: rendered/ and what user-data drops into K3s's manifests dir. */
function goldenObjects(): { where: string; obj: Obj }[] {
  const out: { where: string; obj: Obj }[] = [];
  for (const example of readdirSync(join(ROOT, "test/cases")).sort()) {
    for (const [path, text] of readTree(join(ROOT, "test/cases", example))) {
      const docs = path.startsWith("rendered/") ? yamlObjects(text) : path.endsWith(".yaml") ? writeFiles(text).filter((f) => f.path.includes("/server/manifests/")).flatMap((f) => yamlObjects(f.content)) : [];
      docs.forEach((obj, i) => out.push({ where: `${example}/${path}#${i}`, obj }));
    }
  }
  return out;
}
const GOLDEN = goldenObjects();
const golden = (kind: string): Obj => structuredClone(GOLDEN.find((g) => g.obj.kind === kind)!.obj);

/** [path, keyword, message] of each problem, the fields a finding shows. */
const brief = (ps: StrictProblem[]) => ps.map((p) => [p.path, p.keyword, p.message]);

describe("the embedded schema table", () => {
  it("covers every kind of every golden tree, in every embedded Kubernetes version", () => {
    const kinds = [...new Set(GOLDEN.map((g) => `${String(g.obj.apiVersion)}/${String(g.obj.kind)}`))].sort();
    expect(kinds.length).toBeGreaterThan(10);
    for (const v of STRICT_SCHEMA_VERSIONS) for (const k of kinds) expect(hasStrictSchema(k.slice(0, k.lastIndexOf("/")), k.slice(k.lastIndexOf("/") + 1), v), `${v} ${k}`).toBe(true);
  });

  it("has the kinds Slipway renders or is adding, and no CustomResourceDefinition", () => {
    const kinds = Object.keys(STRICT_SCHEMAS.sets[0]!.kinds);
    for (const k of ["helm.cattle.io/v1/HelmChartConfig", "cilium.io/v2/CiliumNetworkPolicy", "upgrade.cattle.io/v1/Plan", "monitoring.coreos.com/v1/ServiceMonitor", "cert-manager.io/v1/ClusterIssuer", "apps/v1/StatefulSet", "policy/v1/PodDisruptionBudget", "scheduling.k8s.io/v1/PriorityClass", "batch/v1/CronJob"]) {
      expect(kinds).toContain(k);
    }
    expect(kinds).toHaveLength(35);
    expect(STRICT_SCHEMAS.sets.map((s) => Object.keys(s.kinds))).toEqual([kinds, kinds]);
    expect(kinds.some((k) => k.endsWith("/CustomResourceDefinition"))).toBe(false);
  });

  it("says where its facts come from, and the product never reads ../shared", () => {
    const header = readFileSync(join(ROOT, "generator/check/generated/strict-schemas.js"), "utf8").split("\nexport ")[0]!;
    for (const fact of ["1cc7ca51bed5b924f5d35c91c1f3578158a703c0", "ac0ee5091f0b801911c906558030e2624a26bdf8", "7b1e26ef9deea49293714d204c1a2270aab1178f", "09bbcef0ed5f0f70ee033834637e10e7035b6787", "kubernetes/v1.36.2-standalone-strict/_definitions.json", "crds/cilium.io/ciliumnetworkpolicy_v2.json"]) {
      expect(header).toContain(fact);
    }
    // Code, not comments: generated files say in their header which ../shared folder they come from.
    const sources = spawnSync("grep", ["-rlE", "^[^/*]*(shared/(kube-schemas|fixtures|k3s-flags)|\\.\\./shared)", join(ROOT, "generator"), "--include=*.ts"], { encoding: "utf8" });
    expect(sources.stdout).toBe("");
  });

  it("keeps a format only where it has a checker, and every pattern reads as a JavaScript RegExp", () => {
    const formats = new Set(STRICT_SCHEMAS.nodes.flatMap((n) => (n.format ? [n.format] : [])));
    expect([...formats]).toEqual(["date-time"]);
    for (const f of formats) expect(FORMAT_CHECKERS[f], f).toBeDefined();
    const patterns = STRICT_SCHEMAS.nodes.flatMap((n) => [...(n.pattern ? [n.pattern] : []), ...Object.keys(n.patternProperties ?? {})]);
    expect(patterns.length).toBeGreaterThan(10);
    for (const p of patterns) expect(() => new RegExp(translateGoRegExp(p).source, translateGoRegExp(p).flags), p).not.toThrow();
  });
});

describe("strictSchemaSetFor", () => {
  it("picks the set nearest the cluster's minor, and says when it is not the same minor", () => {
    const pick = (v: string) => [strictSchemaSetFor(v).version, strictSchemaSetFor(v).exact];
    expect(pick("v1.36.3+k3s1")).toEqual(["1.36.2", true]);
    expect(pick("v1.33.4+k3s1")).toEqual(["1.33.1", true]);
    expect(pick("1.33.1")).toEqual(["1.33.1", true]);
    expect(pick("v1.34.2+k3s1")).toEqual(["1.33.1", false]);
    expect(pick("v1.35.0+k3s1")).toEqual(["1.36.2", false]);
    expect(pick("v1.38.0+k3s1")).toEqual(["1.36.2", false]);
    expect(pick("v1.30.9+k3s1")).toEqual(["1.33.1", false]);
    expect(pick("not-a-version")).toEqual(["1.36.2", false]);
  });

  it("validates against the chosen set: a field only 1.36 has is unknown to 1.33", () => {
    // MutatingAdmissionPolicy is new in 1.36's set; a field new in 1.34+: PodSpec.hostnameOverride.
    const ds = golden("DaemonSet");
    ((ds.spec as Obj).template as { spec: Obj }).spec.hostnameOverride = "dns";
    expect(brief(validateStrict(ds, "v1.36.3+k3s1"))).toEqual([]);
    expect(brief(validateStrict(ds, "v1.33.4+k3s1"))).toEqual([["/spec/template/spec", "additionalProperties", "additional properties 'hostnameOverride' not allowed"]]);
  });
});

describe("planted mistakes in golden objects (no reference data needed)", () => {
  const K = "v1.33.4+k3s1";

  it("a valid golden object has no problem", () => {
    for (const g of GOLDEN) expect(validateStrict(g.obj, K), g.where).toEqual([]);
  });

  it("a typo'd field deep in a PodSpec: unknown, at its place, with the field it was meant to be", () => {
    const ds = golden("DaemonSet");
    const container = (((ds.spec as Obj).template as Obj).spec as { containers: Obj[] }).containers[0]!;
    container.imagePullPolicyy = "Always";
    expect(validateStrict(ds, K)).toEqual([
      { path: "/spec/template/spec/containers/0", segments: ["spec", "template", "spec", "containers", 0], keyword: "additionalProperties", message: "additional properties 'imagePullPolicyy' not allowed", key: "imagePullPolicyy", suggestion: "imagePullPolicy" },
    ]);
  });

  it("a wrong type", () => {
    const job = golden("Job");
    (job.spec as Obj).backoffLimit = "3";
    expect(brief(validateStrict(job, K))).toEqual([["/spec/backoffLimit", "type", "got string, want null or integer"]]);
  });

  it("a bad enum value (a CRD's)", () => {
    const ccnp = golden("CiliumClusterwideNetworkPolicy");
    ((ccnp.spec as Obj).egressDeny as Obj[])[0]!.toEntities = ["wrld"];
    expect(brief(validateStrict(ccnp, K))).toEqual([
      ["/spec/egressDeny/0/toEntities/0", "enum", "value must be one of 'all', 'world', 'cluster', 'host', 'init', 'ingress', 'unmanaged', 'remote-node', 'health', 'none', 'kube-apiserver'"],
    ]);
  });

  it("a missing required field", () => {
    const ds = golden("DaemonSet");
    delete (((ds.spec as Obj).template as Obj).spec as { containers: Obj[] }).containers[0]!.name;
    delete (ds.spec as Obj).selector;
    expect(brief(validateStrict(ds, K))).toEqual([
      ["/spec", "required", "missing property 'selector'"],
      ["/spec/template/spec/containers/0", "required", "missing property 'name'"],
    ]);
  });

  it("an unknown top-level key in a core kind (the core schemas are strict at the root too)", () => {
    const ns = golden("Namespace");
    ns.sepc = {};
    expect(brief(validateStrict(ns, K))).toEqual([["", "additionalProperties", "additional properties 'sepc' not allowed"]]);
  });

  it("a CRD: a nested typo is found; a top-level one is not, as in kubeconform (the catalog's roots are open)", () => {
    const app = golden("Application");
    ((app.spec as Obj).syncPolicy as Obj).automatd = { prune: true };
    expect(brief(validateStrict(app, K))).toEqual([["/spec/syncPolicy", "additionalProperties", "additional properties 'automatd' not allowed"]]);
    expect(validateStrict({ ...golden("Application"), sepc: {} }, K)).toEqual([]);
  });

  it("int-or-string: a boolean matches neither branch (one problem, the branches' as causes)", () => {
    const ds = golden("DaemonSet");
    ((ds.spec as Obj).updateStrategy as { rollingUpdate: Obj }).rollingUpdate.maxUnavailable = true;
    expect(validateStrict(ds, K)).toMatchObject([
      { path: "/spec/updateStrategy/rollingUpdate/maxUnavailable", keyword: "oneOf", message: "oneOf failed, none matched", causes: ["at '/spec/updateStrategy/rollingUpdate/maxUnavailable': got boolean, want null or string", "at '/spec/updateStrategy/rollingUpdate/maxUnavailable': got boolean, want null or integer"] },
    ]);
  });

  it("a Go pattern (`^\\PC*$`: no control characters) and a CRD date-time; core kinds check no format, like kubeconform", () => {
    const ccnp = golden("CiliumClusterwideNetworkPolicy");
    (ccnp.spec as Obj).log = { value: "bell\u0007" };
    expect(brief(validateStrict(ccnp, K))).toEqual([["/spec/log/value", "pattern", "'bell\\u0007' does not match pattern '^\\\\PC*$'"]]);
    (ccnp.spec as Obj).log = { value: "café \u0378" }; // U+0378 is unassigned: not in Go's C
    expect(validateStrict(ccnp, K)).toEqual([]);
    const app = golden("Application");
    app.status = { reconciledAt: "yesterday" };
    expect(brief(validateStrict(app, K))).toEqual([["/status/reconciledAt", "format", "'yesterday' is not valid date-time: less than 20 characters long"]]);
    app.status = { reconciledAt: "2026-02-29T10:00:00Z" };
    expect(brief(validateStrict(app, K))).toEqual([["/status/reconciledAt", "format", "'2026-02-29T10:00:00Z' is not valid date-time: invalid date element: parsing time \"2026-02-29\": day out of range"]]);
    const ns = golden("Namespace");
    (ns.metadata as Obj).creationTimestamp = "yesterday";
    expect(validateStrict(ns, K)).toEqual([]);
  });

  it("a kind with no embedded schema is one problem, in kubeconform's words", () => {
    expect(validateStrict({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }, K)).toEqual([{ path: "", segments: [], keyword: "schema", message: "could not find schema for Widget" }]);
    expect(brief(validateStrict({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" }, K))).toEqual([["", "schema", "could not find schema for CustomResourceDefinition"]]);
  });

  it("keys such as `constructor` or `__proto__` are data, never the prototype's", () => {
    const cm = golden("ConfigMap");
    cm.data = { constructor: "x", __proto__: "y", hasOwnProperty: "z" };
    expect(validateStrict(cm, K)).toEqual([]);
    expect(brief(validateStrict({ ...golden("ConfigMap"), constructor: 1 }, K))).toEqual([["", "additionalProperties", "additional properties 'constructor' not allowed"]]);
  });
});

describe("Go regular expressions", () => {
  const re = (p: string) => {
    const t = translateGoRegExp(p);
    return new RegExp(t.source, t.flags);
  };

  it("means what Go means", () => {
    expect(re("^\\PC*$").test("tab\there")).toBe(false);
    expect(re("^\\PC*$").test("ünïcödé \u0378")).toBe(true);
    expect(re("^\\pL+$").test("Ωmega")).toBe(true);
    expect(re("^(?i)(abort|warn)?$").test("WARN")).toBe(true);
    expect(re("^a.b$").test("a\rb")).toBe(true); // Go's `.` is anything but \n
    expect(re("^a.b$").test("a\nb")).toBe(false);
    expect(re("^\\s$").test("\v")).toBe(false); // Go's \s is [\t\n\f\r ]
    expect(re("^[[:alpha:]]+\\z").test("abc")).toBe(true);
    expect(re("^a{,2}$").test("a{,2}")).toBe(true); // not a repeat in Go: literal braces
    expect(re("^\\Q1.5\\E$").test("1x5")).toBe(false);
    expect(re("^\\-\\#$").test("-#")).toBe(true);
    expect(re("(?P<n>x)").test("x")).toBe(true);
  });

  it("throws on what it cannot translate, rather than guess", () => {
    expect(() => translateGoRegExp("a(?i)b")).toThrow(/not supported/);
    expect(() => translateGoRegExp("[\\S]")).toThrow(/not supported/);
    expect(() => translateGoRegExp("[\\PC]")).toThrow(/not supported/);
  });
});

describe("kubeconform's verdicts on its genuine outputs (../shared/fixtures/kubeconform)", () => {
  const fixtures = join(SHARED, "fixtures/kubeconform");
  const present = existsSync(join(fixtures, "all-verbose.json"));
  if (!present) console.warn(`SKIP: the embedded gate against kubeconform's recorded verdicts: ${fixtures} is absent`);

  it.skipIf(!present)("same status for every manifest, and for the invalid ones the same path and message", () => {
    const recorded = (JSON.parse(readFileSync(join(fixtures, "all-verbose.json"), "utf8")) as { resources: { filename: string; status: string; msg: string; validationErrors?: { path: string; msg: string }[] }[] }).resources;
    expect(recorded).toHaveLength(13);
    for (const r of recorded) {
      const docs = parseAllDocuments(readFileSync(join(fixtures, "manifests", r.filename), "utf8"), { uniqueKeys: true });
      let status: string;
      let errors: { path: string; msg: string }[] = [];
      if (docs.some((d) => d.errors.length > 0)) status = "statusError"; // the duplicate key: Slipway's YAML reader rejects it
      else {
        const problems = validateStrict(docs[0]!.toJS(), "1.33.1");
        const missing = problems.find((p) => p.keyword === "schema");
        status = missing ? "statusError" : problems.length ? "statusInvalid" : "statusValid";
        if (missing) expect(missing.message, r.filename).toBe(r.msg);
        errors = problems.map((p) => ({ path: p.path, msg: p.message }));
      }
      expect(status, r.filename).toBe(r.status);
      if (r.status === "statusInvalid") expect(errors, r.filename).toEqual(r.validationErrors);
    }
  });
});

describe("the same problems as kubeconform's schema files, with a mistake planted everywhere (../shared/kube-schemas)", () => {
  if (!kubeSchemasAvailable) console.warn(`SKIP: the embedded gate against the strict schema files kubeconform reads: ${KUBE_SCHEMAS} is absent`);

  /** Where a problem is: its path as segments, for additional properties the parent's. */
  const ours = (obj: Obj, v: string) => new Set(validateStrict(obj, v).map((p) => JSON.stringify(p.segments.map(String))));
  const theirs = (obj: Obj, v: string) =>
    new Set(referenceProblems(obj, v).map((line) => JSON.stringify(line.split(" ")[0]! === "/" ? [] : line.split(" ")[0]!.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~")))));

  /** Every map and every scalar of a value, with its path. */
  function places(value: unknown, at: (string | number)[] = [], out: { at: (string | number)[]; value: unknown }[] = []) {
    out.push({ at, value });
    if (Array.isArray(value)) value.forEach((v, i) => places(v, [...at, i], out));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) places(v, [...at, k], out);
    return out;
  }
  const edit = (obj: Obj, at: (string | number)[], change: (parent: Record<string | number, unknown>, key: string | number) => void): Obj => {
    const copy = structuredClone(obj);
    let parent = copy as Record<string | number, unknown>;
    for (const seg of at.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
    change(parent, at[at.length - 1]!);
    return copy;
  };

  /** Two objects of one shape (the same keys at the same places) would get the same mutations. */
  const shape = (v: unknown): unknown => (Array.isArray(v) ? v.map(shape) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : typeof v);
  const distinct = [...new Map(GOLDEN.map((g) => [JSON.stringify(shape(g.obj)), g])).values()];

  it.skipIf(!kubeSchemasAvailable)("every golden object: valid in both, and each planted typo, wrong type, bad value and missing field is found by both or by neither", () => {
    let planted = 0;
    let found = 0;
    const disagreements: string[] = [];
    for (const v of STRICT_SCHEMA_VERSIONS) {
      for (const { where, obj } of GOLDEN) {
        expect(referenceSchemaFile(String(obj.apiVersion), String(obj.kind), v), where).toBeDefined();
        expect([...theirs(obj, v)], where).toEqual([]);
      }
      for (const { where, obj } of distinct) {
        const compare = (what: string, mutated: Obj) => {
          planted++;
          const a = [...ours(mutated, v)].sort();
          const b = [...theirs(mutated, v)].sort();
          if (a.length > 0) found++;
          if (JSON.stringify(a) !== JSON.stringify(b)) disagreements.push(`${v} ${where} ${what}: embedded ${a.join(" ")} | reference ${b.join(" ")}`);
        };
        for (const { at, value } of places(obj)) {
          const path = `/${at.join("/")}`;
          if (value && typeof value === "object" && !Array.isArray(value)) {
            compare(`typo under ${path}`, at.length ? edit(obj, at, (p, k) => ((p[k] as Obj).slipwayTypo = 1)) : { ...obj, slipwayTypo: 1 });
          }
          if (at.length === 0) continue;
          if (value === null || typeof value !== "object") {
            compare(`object for the scalar ${path}`, edit(obj, at, (p, k) => (p[k] = { x: 1 })));
            if (typeof value === "string") compare(`bad value at ${path}`, edit(obj, at, (p, k) => (p[k] = "slipway bad\u0007value")));
            if (typeof value === "number") compare(`a fraction at ${path}`, edit(obj, at, (p, k) => (p[k] = 0.5)));
          }
          if (typeof at[at.length - 1] === "string") compare(`${path} removed`, edit(obj, at, (p, k) => delete p[k]));
        }
      }
    }
    console.log(`planted ${planted} mistakes in ${distinct.length} distinct golden objects; both found ${found}, both passed the rest`);
    expect(planted).toBeGreaterThan(3000);
    expect(found).toBeGreaterThan(planted / 3);
    expect(disagreements).toEqual([]);
  });

  it.skipIf(!kubeSchemasAvailable)("the committed table is what the generator makes from the reference set today", () => {
    const tmp = tempDir("slipway-strict-gen-");
    try {
      const r = spawnSync(process.execPath, [join(ROOT, "scripts/generate-kube-validators.mjs"), KUBE_SCHEMAS, tmp.dir], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const committed = readdirSync(join(ROOT, "generator/check/generated")).sort();
      expect(readdirSync(tmp.dir).sort()).toEqual(committed);
      for (const f of committed) {
        expect(readFileSync(join(tmp.dir, f), "utf8") === readFileSync(join(ROOT, "generator/check/generated", f), "utf8"), `${f} is stale: run node scripts/generate-kube-validators.mjs`).toBe(true);
      }
    } finally {
      tmp.cleanup();
    }
  });
});
