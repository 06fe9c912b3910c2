/**
 * kubeconform gate: the pure parser on genuine kubeconform v0.7.0 output (shared fixtures), the
 * spawning wrapper on a stand-in binary, and, when kubeconform is installed, the real binary on
 * the fixtures' manifests compared with the recorded output.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../generator/diagnostics.js";
import type { Finding } from "../../generator/check/finding.js";
import { findExecutable } from "../../generator/check/external-tool.js";
import {
  findKubeconform,
  isRemoteSchemaLocation,
  kubeconformArgs,
  parseKubeconformJson,
  runKubeconform,
} from "../../generator/check/kubeconform.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** shared/ sits beside the repository checkout (as in CI); SLIPWAY_SHARED_DIR overrides. */
const shared = process.env.SLIPWAY_SHARED_DIR ?? resolve(repo, "../shared");
const fixtures = join(shared, "fixtures/kubeconform");
const schemas = join(shared, "kube-schemas");
const haveFixtures = existsSync(join(fixtures, "all.json"));
if (!haveFixtures) console.warn(`SKIP: kubeconform fixtures not found at ${fixtures} (set SLIPWAY_SHARED_DIR)`);

const read = (name: string) => readFileSync(join(fixtures, name), "utf8");
/** The `.rc` files hold `exit N`. */
const rcOf = (name: string) => Number(/exit (\d+)/.exec(read(name))![1]);

const KC = { gate: "kubeconform", severity: "error" } as const;

/** What the five problem manifests of all.json must give, in sorted order. */
const ALL_FINDINGS: Finding[] = [
  {
    ...KC,
    code: "SW-KUBECONFORM-INVALID",
    file: "app-nested-typo.yaml",
    resource: { apiVersion: "argoproj.io/v1alpha1", kind: "Application", name: "bad-nested" },
    message: "Application bad-nested: at '/spec/syncPolicy': additional properties 'automatd' not allowed",
    hint: "'automatd' is not a field at /spec/syncPolicy in the schema: check the spelling, or whether the field exists in this version",
  },
  {
    ...KC,
    code: "SW-KUBECONFORM-INVALID",
    file: "deployment-badtype.yaml",
    resource: { apiVersion: "apps/v1", kind: "Deployment", name: "t" },
    message: "Deployment t: at '/spec/replicas': got string, want null or integer",
  },
  {
    ...KC,
    code: "SW-KUBECONFORM-INVALID",
    file: "deployment-typo.yaml",
    resource: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
    message: "Deployment web: at '/spec': additional properties 'replica' not allowed",
    hint: "'replica' is not a field at /spec in the schema: check the spelling, or whether the field exists in this version",
  },
  {
    ...KC,
    code: "SW-KUBECONFORM-DUPLICATE-KEY",
    file: "duplicate-key.yaml",
    line: 6,
    resource: { apiVersion: "v1", kind: "ConfigMap", name: "dup" },
    message: 'ConfigMap dup: line 6: key "a" already set in map',
    hint: "remove the repeated key: a map must not name a key twice (Kubernetes would keep only one of the values)",
  },
  {
    ...KC,
    code: "SW-KUBECONFORM-MISSING-SCHEMA",
    file: "unknown-crd.yaml",
    resource: { apiVersion: "example.com/v1", kind: "Widget", name: "w" },
    message: "Widget w: could not find schema for Widget",
    hint: "no schema location has example.com/v1 Widget: add its schema (CRD catalog layout {{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json) or skip the kind",
  },
];
const ALL_SUMMARY = { valid: 8, invalid: 3, errors: 2, skipped: 0 };

describe.skipIf(!haveFixtures)("parseKubeconformJson on genuine kubeconform v0.7.0 output", () => {
  it("all.json (rc from all.rc): strict unknown field, wrong type, nested CRD typo, duplicate key, missing schema", () => {
    expect(rcOf("all.rc")).toBe(1);
    const result = parseKubeconformJson(read("all.json"), rcOf("all.rc"));
    expect(result.findings).toEqual(ALL_FINDINGS);
    expect(result.summary).toEqual(ALL_SUMMARY);
  });

  it("all-verbose.json: valid resources add nothing", () => {
    const result = parseKubeconformJson(read("all-verbose.json"), 1);
    expect(result.findings).toEqual(ALL_FINDINGS);
    expect(result.summary).toEqual(ALL_SUMMARY);
  });

  it("valid-only.json: a clean run (no summary without -summary)", () => {
    expect(parseKubeconformJson(read("valid-only.json"), rcOf("valid-only.rc"))).toEqual({ findings: [], summary: null, unreachable: false });
  });

  it("missing-ignored.json: a missing schema under -ignore-missing-schemas is not a finding", () => {
    expect(rcOf("missing-ignored.rc")).toBe(0);
    expect(parseKubeconformJson(read("missing-ignored.json"), 0)).toEqual({ findings: [], summary: null, unreachable: false });
  });
});

describe("parseKubeconformJson on other output", () => {
  it("a skipped resource listed under -verbose is a warning", () => {
    const stdout = JSON.stringify({
      resources: [{ filename: "crd.yaml", kind: "CustomResourceDefinition", name: "widgets.example.com", version: "apiextensions.k8s.io/v1", status: "statusSkipped", msg: "" }],
      summary: { valid: 0, invalid: 0, errors: 0, skipped: 1 },
    });
    const { findings } = parseKubeconformJson(stdout, 0);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: "warning", code: "SW-KUBECONFORM-SKIPPED", file: "crd.yaml" });
    expect(findings[0]!.message).toMatch(/^CustomResourceDefinition widgets\.example\.com: not checked/);
  });

  it("a file kubeconform cannot read as YAML is an error without a resource", () => {
    const stdout = JSON.stringify({ resources: [{ filename: "bad.yaml", kind: "", name: "", version: "", status: "statusError", msg: "error unmarshalling resource: yaml: line 3: mapping values are not allowed in this context" }] });
    expect(parseKubeconformJson(stdout, 1).findings).toEqual([
      { ...KC, code: "SW-KUBECONFORM-ERROR", file: "bad.yaml", message: "error unmarshalling resource: yaml: line 3: mapping values are not allowed in this context" },
    ]);
  });

  it("non-JSON output is SW-KUBECONFORM-OUTPUT quoting the first lines", () => {
    const { findings, summary } = parseKubeconformJson("", 1, "flag provided but not defined: -bogus\nUsage: kubeconform [OPTION]... [FILE OR FOLDER]...\n  -cache string\n  -debug\n  -exit-on-error\n  -h\n");
    expect(summary).toBeNull();
    expect(findings).toEqual([
      {
        ...KC,
        code: "SW-KUBECONFORM-OUTPUT",
        message:
          "kubeconform (exit code 1) printed output that is not its JSON report: flag provided but not defined: -bogus | Usage: kubeconform [OPTION]... [FILE OR FOLDER]... | -cache string | -debug | -exit-on-error",
        hint: "run the same kubeconform command by hand; check its version (v0.7.0 expected) and flags",
      },
    ]);
    expect(parseKubeconformJson("Summary: 1 resource found", 0).findings[0]!.code).toBe("SW-KUBECONFORM-OUTPUT");
    expect(parseKubeconformJson('{"items": []}', 0).findings[0]!.code).toBe("SW-KUBECONFORM-OUTPUT");
  });

  it("a failing exit code with nothing reported is never a clean run", () => {
    const { findings } = parseKubeconformJson('{"resources": []}', 1, "failed initialising validator");
    expect(findings.map((f) => [f.code, f.message])).toEqual([
      ["SW-KUBECONFORM-EXIT", "kubeconform exited with code 1 but reported no invalid resource: failed initialising validator"],
    ]);
  });
});

/**
 * What kubeconform v0.7.0 reports for a resource whose schema it cannot download: the message of
 * pkg/loader/http.go (`failed downloading schema at URL: ERR`), ERR being what its retrying HTTP
 * client gives up with after three tries (here: no DNS).
 */
export function downloadFailure(filename: string, kind: string, name: string, file: string): Record<string, unknown> {
  const url = `https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/v1.33.1-standalone-strict/${file}`;
  const err = `Get "${url}": GET ${url} giving up after 3 attempt(s): Get "${url}": dial tcp: lookup raw.githubusercontent.com: no such host`;
  return { filename, kind, name, version: "v1", status: "statusError", msg: `failed downloading schema at ${url}: ${err}` };
}

describe("parseKubeconformJson without network", () => {
  const resources = [
    downloadFailure("rendered/a.yaml", "ConfigMap", "a", "configmap-v1.json"),
    downloadFailure("rendered/b.yaml", "Namespace", "b", "namespace-v1.json"),
    { filename: "rendered/c.yaml", kind: "Widget", name: "w", version: "example.com/v1", status: "statusError", msg: "could not find schema for Widget" },
  ];

  it("schemas it could not download are ONE warning, not one 600-character error per object", () => {
    const r = parseKubeconformJson(JSON.stringify({ resources: resources.slice(0, 2), summary: { valid: 0, invalid: 0, errors: 2, skipped: 0 } }), 1);
    expect((resources[0]!.msg as string).length).toBeGreaterThan(400);
    expect(r.unreachable).toBe(true);
    expect(r.findings).toEqual([
      {
        gate: "kubeconform",
        severity: "warning",
        code: "SW-KUBECONFORM-UNREACHABLE",
        message:
          "schemas unreachable: use --schema-location or rely on the embedded gate (kubeconform could not download the schema of 2 resources; first: https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/v1.33.1-standalone-strict/configmap-v1.json: dial tcp: lookup raw.githubusercontent.com: no such host)",
        hint: expect.stringContaining("the objects gate checked every object offline"),
      },
    ]);
  });

  it("a schema the location answered 404 for is still an error (the server said so, not the network)", () => {
    const r = parseKubeconformJson(JSON.stringify({ resources }), 1);
    expect(r.findings.map((f) => [f.severity, f.code, f.file])).toEqual([
      ["warning", "SW-KUBECONFORM-UNREACHABLE", undefined],
      ["error", "SW-KUBECONFORM-MISSING-SCHEMA", "rendered/c.yaml"],
    ]);
  });

  it("an HTTP status other than 200 and 404 counts as unreachable too", () => {
    const msg = "error while downloading schema at https://example.com/s/configmap-v1.json - received HTTP status 503";
    const r = parseKubeconformJson(JSON.stringify({ resources: [{ filename: "a.yaml", kind: "ConfigMap", status: "statusError", msg }] }), 1);
    expect(r.findings.map((f) => f.message)).toEqual(["schemas unreachable: use --schema-location or rely on the embedded gate (kubeconform could not download the schema of 1 resource; first: https://example.com/s/configmap-v1.json: received HTTP status 503)"]);
  });

  it("only `default` and http(s) locations download", () => {
    expect(["default", "https://x/{{.Group}}.json", "HTTP://x"].map(isRemoteSchemaLocation)).toEqual([true, true, true]);
    expect(["/s/{{.ResourceKind}}.json", "schemas/{{.Group}}.json", "file:///s"].map(isRemoteSchemaLocation)).toEqual([false, false, false]);
  });
});

describe("kubeconformArgs", () => {
  it("passes -strict -summary -output json, the version, each schema location in order, then the files", () => {
    expect(
      kubeconformArgs({ dirs: ["rendered", "-odd.yaml"], kubernetesVersion: "1.33.1", schemaLocations: ["default", "/s/{{.Group}}.json"], skipKinds: ["CustomResourceDefinition"] }),
    ).toEqual([
      "-strict", "-summary", "-output", "json", "-kubernetes-version", "1.33.1",
      "-schema-location", "default", "-schema-location", "/s/{{.Group}}.json",
      "-skip", "CustomResourceDefinition",
      "--", "rendered", "-odd.yaml",
    ]);
    expect(kubeconformArgs({ dirs: ["."], kubernetesVersion: "1.33.1", ignoreMissingSchemas: true })).toContain("-ignore-missing-schemas");
  });

  it("rejects a partial version (kubeconform needs x.y.z) and an empty file list", () => {
    expect(() => kubeconformArgs({ dirs: ["."], kubernetesVersion: "1.33" })).toThrow(UsageError);
    expect(() => kubeconformArgs({ dirs: [], kubernetesVersion: "1.33.1" })).toThrow(/no files/);
  });
});

describe("runKubeconform with a stand-in binary", () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-kc-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, body: string) => {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  };

  it("spawns without a shell, parses stdout, and drops a document-relative line in a multi-document file", async () => {
    const argsFile = join(dir, "args.txt");
    const report = JSON.stringify({
      resources: [
        { filename: "one.yaml", kind: "ConfigMap", name: "a", version: "v1", status: "statusError", msg: 'error unmarshalling resource: yaml: unmarshal errors:\n  line 4: key "x" already set in map' },
        { filename: "multi.yaml", kind: "ConfigMap", name: "b", version: "v1", status: "statusError", msg: 'error unmarshalling resource: yaml: unmarshal errors:\n  line 4: key "x" already set in map' },
      ],
      summary: { valid: 0, invalid: 0, errors: 2, skipped: 0 },
    });
    writeFileSync(join(dir, "report.json"), report);
    writeFileSync(join(dir, "one.yaml"), "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: 1\n  x: 2\n");
    writeFileSync(join(dir, "multi.yaml"), "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: ConfigMap\n");
    const bin = script("fake-kubeconform", `printf '%s\\n' "$@" > "${argsFile}"\ncat "${join(dir, "report.json")}"\nexit 1`);

    const result = await runKubeconform({ binary: bin, dirs: ["one.yaml", "it's $HOME.yaml"], kubernetesVersion: "1.33.1", cwd: dir });
    expect(readFileSync(argsFile, "utf8").trimEnd().split("\n")).toEqual([
      "-strict", "-summary", "-output", "json", "-kubernetes-version", "1.33.1", "--", "one.yaml", "it's $HOME.yaml",
    ]);
    expect(result.summary).toEqual({ valid: 0, invalid: 0, errors: 2, skipped: 0 });
    expect(result.findings.map((f) => [f.file, f.line])).toEqual([
      ["multi.yaml", undefined],
      ["one.yaml", 4],
    ]);
  });

  it("a binary that prints non-JSON gives SW-KUBECONFORM-OUTPUT", async () => {
    const bin = script("chatty", "echo 'kubeconform v0.7.0'\nexit 0");
    const { findings } = await runKubeconform({ binary: bin, dirs: ["."], kubernetesVersion: "1.33.1", cwd: dir });
    expect(findings.map((f) => f.code)).toEqual(["SW-KUBECONFORM-OUTPUT"]);
    expect(findings[0]!.message).toContain("kubeconform v0.7.0");
  });

  it("a binary that hangs is stopped: an error with local schemas, the unreachable warning with downloaded ones", async () => {
    const bin = script("hangs", "sleep 30");
    const local = await runKubeconform({ binary: bin, dirs: ["."], kubernetesVersion: "1.33.1", cwd: dir, timeoutMs: 300, schemaLocations: ["/s/{{.ResourceKind}}.json"] });
    expect(local.findings.map((f) => [f.severity, f.code])).toEqual([["error", "SW-KUBECONFORM-TIMEOUT"]]);
    const remote = await runKubeconform({ binary: bin, dirs: ["."], kubernetesVersion: "1.33.1", cwd: dir, timeoutMs: 300 });
    expect(remote.findings.map((f) => [f.severity, f.code])).toEqual([["warning", "SW-KUBECONFORM-UNREACHABLE"]]);
    expect(remote.unreachable).toBe(true);
  });

  it("with a location that downloads, a probe of one Kubernetes and one custom kind fails fast, and the run never starts", async () => {
    const calls = join(dir, "probe-calls.txt");
    const stdin = join(dir, "probe-stdin.txt");
    writeFileSync(join(dir, "offline.json"), JSON.stringify({ resources: [downloadFailure("stdin", "ConfigMap", "slipway-probe", "configmap-v1.json")] }));
    const bin = script("offline", `echo "$*" >> "${calls}"\ncat > "${stdin}"\ncat "${join(dir, "offline.json")}"\nexit 1`);
    const objects = [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } },
      { apiVersion: "v1", kind: "ConfigMap" },
      { apiVersion: "argoproj.io/v1alpha1", kind: "Application" },
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" },
    ];
    const started = Date.now();
    const r = await runKubeconform({ binary: bin, dirs: ["rendered"], kubernetesVersion: "1.33.1", cwd: dir, schemaLocations: ["default"], probe: objects });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.findings.map((f) => [f.severity, f.code])).toEqual([["warning", "SW-KUBECONFORM-UNREACHABLE"]]);
    expect(readFileSync(calls, "utf8")).toBe("-strict -summary -output json -kubernetes-version 1.33.1 -schema-location default -- -\n");
    expect(readFileSync(stdin, "utf8").split("\n---\n").map((d) => JSON.parse(d))).toEqual([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "slipway-probe" } },
      { apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: { name: "slipway-probe" } },
    ]);
  });

  it("with local locations only, there is no probe", async () => {
    const calls = join(dir, "local-calls.txt");
    const bin = script("local", `echo "$*" >> "${calls}"\necho '{"resources": []}'`);
    const r = await runKubeconform({ binary: bin, dirs: ["rendered"], kubernetesVersion: "1.33.1", cwd: dir, schemaLocations: ["/s/{{.ResourceKind}}.json"], probe: [{ apiVersion: "v1", kind: "Namespace" }] });
    expect(r.findings).toEqual([]);
    expect(readFileSync(calls, "utf8").trimEnd().split("\n")).toEqual(["-strict -summary -output json -kubernetes-version 1.33.1 -schema-location /s/{{.ResourceKind}}.json -- rendered"]);
  });

  it("a missing or non-executable binary is a UsageError", async () => {
    await expect(runKubeconform({ binary: join(dir, "nope"), dirs: ["."], kubernetesVersion: "1.33.1" })).rejects.toThrow(UsageError);
    const plain = join(dir, "not-executable");
    writeFileSync(plain, "#!/bin/sh\n");
    chmodSync(plain, 0o644);
    await expect(runKubeconform({ binary: plain, dirs: ["."], kubernetesVersion: "1.33.1" })).rejects.toThrow(/not executable/);
    expect(() => findKubeconform(plain)).toThrow(UsageError);
    expect(() => findKubeconform("./does-not-exist/kubeconform")).toThrow(/kubeconform not found or not executable/);
  });

  it("finds a binary by explicit path, on PATH, or not at all", () => {
    const bin = script("kubeconform", "exit 0");
    expect(findKubeconform(bin)).toBe(bin);
    expect(findKubeconform(undefined, { PATH: `/nonexistent:${dir}` })).toBe(bin);
    expect(findKubeconform(undefined, { PATH: "/nonexistent" })).toBeNull();
    expect(findExecutable("not-executable", { PATH: dir })).toBeNull();
  });
});

const kubeconform = findKubeconform();
if (!kubeconform) console.warn("SKIP: kubeconform not installed (not on PATH): the real-binary comparison with the recorded fixture did not run");

describe.skipIf(!kubeconform || !haveFixtures)("the real kubeconform binary", () => {
  it("gives the recorded findings on the fixture manifests with the offline schemas", async () => {
    const result = await runKubeconform({
      binary: kubeconform!,
      dirs: ["."],
      cwd: join(fixtures, "manifests"),
      kubernetesVersion: "1.33.1",
      schemaLocations: [
        join(schemas, "kubernetes/{{.NormalizedKubernetesVersion}}-standalone{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json"),
        join(schemas, "crds/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"),
      ],
    });
    expect(result.findings).toEqual(ALL_FINDINGS);
    expect(result.summary).toEqual(ALL_SUMMARY);
  });
});
