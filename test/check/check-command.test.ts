/**
 * `slipway check`, the built CLI run as a user would: each gate made to fail for its reason, with
 * its message; the report formats; exit codes 0 / 1 / 2. Gates whose tool is not installed are
 * skipped loudly (the runners' parsers are tested on genuine output in kubeconform.test.ts and
 * cloud-init-schema.test.ts; the in-process cloud-init gate against the real one in
 * cloud-init-agreement.test.ts).
 */
import { createHash } from "node:crypto";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findCloudInit } from "../../generator/check/cloud-init-schema.js";
import { DEBIAN_CLOUD_INIT_SCHEMA, readCloudInitSchema } from "../../generator/check/cloud-init-schema-file.js";
import { findKubeconform } from "../../generator/check/kubeconform.js";
import { checkUserDataSize } from "../../generator/check/user-data-size.js";
import { ROOT, SHARED, slipway, tempDir, warnSkip } from "../support/cli.js";

interface JsonFinding {
  gate: string;
  severity: string;
  code: string;
  message: string;
  file?: string;
  line?: number;
  hint?: string;
}
interface JsonReport {
  version: number;
  findings: JsonFinding[];
  gates: { gate: string; status: string; checked: number; errors: number; warnings: number; detail?: string }[];
  summary: { errors: number; warnings: number };
}

/** The release of the cloud-init whose schema is installed where Debian puts it. */
function installedCloudInitVersion(): string {
  const read = readCloudInitSchema(DEBIAN_CLOUD_INIT_SCHEMA);
  if (!("found" in read) || read.found.version === undefined) throw new Error(`no version beside ${DEBIAN_CLOUD_INIT_SCHEMA}`);
  return read.found.version;
}

let work: { dir: string; cleanup: () => void };
beforeEach(() => {
  work = tempDir("slipway-check-");
});
afterEach(() => work.cleanup());

const at = (p: string) => join(work.dir, p);

/** The hetzner-single example, rendered once (Hetzner's 32 KiB budget leaves room to grow). */
let fixture: { dir: string; cleanup: () => void };
beforeAll(() => {
  fixture = tempDir("slipway-check-fixture-");
  cpSync(join(ROOT, "examples/hetzner-single/cluster.yaml"), join(fixture.dir, "cluster.yaml"));
  const r = slipway(["render"], { cwd: fixture.dir });
  if (r.code !== 0) throw new Error(`render failed: ${r.stderr}`);
});
afterAll(() => fixture.cleanup());

/** A scratch repository holding the rendered example. */
function rendered(): string {
  cpSync(fixture.dir, work.dir, { recursive: true });
  return work.dir;
}

/** `check` as JSON; the skipped-tool warnings (this machine may lack kubeconform) are left out. */
function check(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; findings: JsonFinding[]; stderr: string } {
  const r = slipway(["check", "--format", "json", ...args], { cwd: work.dir, env });
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect([0, 1], r.stderr).toContain(r.code);
  const report = JSON.parse(r.stdout) as JsonReport;
  return { code: r.code, findings: report.findings.filter((f) => f.code !== "SW-CHECK-SKIPPED"), stderr: r.stderr };
}

/** A tree on its own, checked against Hetzner's budget (the example's provider). */
const TREE = ["--tree", ".", "--provider", "hetzner"];
const errors = (fs: JsonFinding[]) => fs.filter((f) => f.severity === "error");

describe("a clean tree", () => {
  it("passes every gate (exit 0), with a spec and with --tree", () => {
    rendered();
    const spec = check([]);
    expect(errors(spec.findings)).toEqual([]);
    expect(spec.code).toBe(0);
    const tree = check(["--tree", ".", "--provider", "hetzner"]);
    expect(errors(tree.findings)).toEqual([]);
    expect(tree.code).toBe(0);
  });

  it("text: grouped by gate, a closing count; JUnit: one suite per gate that ran", () => {
    rendered();
    const text = slipway(["check", "--tree", ".", "--provider", "hetzner"], { cwd: work.dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^slipway check\n/);
    expect(text.stdout).toMatch(/\n0 errors, \d+ warnings?\n$/);
    expect(text.stdout).not.toContain("\u001b["); // no colour when stdout is not a terminal
    const junit = slipway(["check", "--tree", ".", "--provider", "hetzner", "--format", "junit"], { cwd: work.dir });
    expect(junit.stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="slipway check" tests="\d+" failures="0"/);
    for (const gate of ["tree", "objects", "cloud-init", "size"]) expect(junit.stdout).toContain(`<testsuite name="${gate}"`);
    expect(junit.stdout).toContain('<testcase classname="slipway.cloud-init" name="bootstrap/cosmos-1.yaml"/>');
  });
});

describe("a passing check says what it checked", () => {
  // No kubeconform, no cloud-init on PATH: kubeconform is skipped; the cloud-init gate still runs
  // in process when cloud-init's schema is where Debian puts it, else it is skipped too.
  const run = (format: string) => slipway(["check", "--format", format], { cwd: work.dir, env: { PATH: "/nonexistent" } });
  const schemaInstalled = existsSync(DEBIAN_CLOUD_INIT_SCHEMA);
  const cloudInitGate = schemaInstalled ? ["cloud-init", "passed", `the schema of cloud-init ${installedCloudInitVersion()}, in process (${DEBIAN_CLOUD_INIT_SCHEMA})`] : ["cloud-init", "skipped", "cloud-init's schema could not be used and cloud-init is not on PATH (only the offline structure check ran)"];

  it("json: every gate with its status, what it checked, and why a skipped one was skipped", () => {
    rendered();
    const r = run("json");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.gates.map((g) => [g.gate, g.status, g.detail])).toEqual([
      ["spec", "passed", undefined],
      ["tree", "passed", undefined],
      ["objects", "passed", expect.stringMatching(/^\d+ objects against the embedded Kubernetes 1\.36\.2 schemas$/)],
      ["kubeconform", "skipped", "kubeconform not found on PATH"],
      cloudInitGate,
      ["secret-leak", "passed", undefined],
      ["size", "passed", "hetzner budget"],
    ]);
    expect(report.gates.find((g) => g.gate === "tree")!.checked).toBeGreaterThan(10);
  });

  it("text: a `gates:` block before the closing count", () => {
    rendered();
    const r = run("text");
    expect(r.code).toBe(0);
    const block = r.stdout.slice(r.stdout.indexOf("\ngates:\n") + 1, r.stdout.lastIndexOf("\n\n"));
    expect(block.split("\n").map((l) => l.replace(/\d+ files/, "N files").replace(/\d+ objects/, "N objects"))).toEqual([
      "gates:",
      "  spec         passed   1 file, 2 warnings",
      "  tree         passed   N files",
      "  objects      passed   N files; N objects against the embedded Kubernetes 1.36.2 schemas",
      "  kubeconform  skipped  kubeconform not found on PATH",
      schemaInstalled ? `  cloud-init   passed   1 file; ${cloudInitGate[2]}` : `  cloud-init   skipped  ${cloudInitGate[2]}`,
      "  secret-leak  passed   N files",
      "  size         passed   1 file; hetzner budget",
    ]);
  });

  it("junit: a skipped gate is a skipped test case saying why; every suite carries its status", () => {
    rendered();
    const r = run("junit");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`<testsuites name="slipway check" tests="\\d+" failures="0" errors="0" skipped="${schemaInstalled ? 1 : 2}">`));
    expect(r.stdout).toContain('<testsuite name="kubeconform" tests="2" failures="0" errors="0" skipped="1">\n    <properties>\n      <property name="status" value="skipped"/>\n      <property name="detail" value="kubeconform not found on PATH"/>\n    </properties>\n    <testcase classname="slipway.kubeconform" name="kubeconform">\n      <skipped message="kubeconform not found on PATH"/>\n    </testcase>');
    expect(r.stdout).toMatch(/<testsuite name="objects" tests="\d+" failures="0" errors="0" skipped="0">\n    <properties>\n      <property name="status" value="passed"\/>\n      <property name="detail" value="\d+ objects against the embedded Kubernetes 1.36.2 schemas"\/>/);
  });
});

describe("each gate fails for its reason", () => {
  it("spec: a validation error is reported with its position, and the committed tree is still checked", () => {
    rendered();
    writeFileSync(at("cluster.yaml"), readFileSync(at("cluster.yaml"), "utf8").replace("cni: flannel", "cni: flanel"));
    mkdirSync(at("rendered/manifests/ghost"));
    writeFileSync(at("rendered/manifests/ghost/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ghost, namespace: ghost}\n");
    const r = check([]);
    expect(r.code).toBe(1);
    expect(r.findings.find((f) => f.gate === "spec")).toMatchObject({ code: "SW-SCHEMA-ENUM", file: "cluster.yaml", message: expect.stringContaining('spec.network.cni: "flanel" is not one of') });
    expect(r.findings.map((f) => f.code)).toContain("SW-TREE-ORPHAN-FOLDER");
  });

  it("objects: a misspelled field of a Kubernetes kind -> the embedded strict gate, did you mean, at its line", () => {
    rendered();
    const deployment = [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata: {name: web, namespace: web}",
      "spec:",
      "  replica: 2",
      "  selector: {matchLabels: {app: web}}",
      "  template:",
      "    metadata: {labels: {app: web}}",
      "    spec: {containers: [{name: web, image: nginx}]}",
      "",
    ].join("\n");
    writeFileSync(at("rendered/manifests/storage/web.yaml"), `---\n${deployment}`);
    const r = check(TREE);
    expect(r.code).toBe(1);
    expect(errors(r.findings)).toEqual([
      {
        gate: "objects",
        severity: "error",
        code: "SW-RENDER-UNKNOWN-FIELD",
        message: "Deployment web/web: at '/spec': additional properties 'replica' not allowed (did you mean 'replicas'?)",
        file: "rendered/manifests/storage/web.yaml",
        line: 6,
        col: 3,
        resource: { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "web" },
        hint: expect.stringContaining("the API server drops a field it does not know"),
      },
    ]);
  });

  it("tree: a hand-edited file that no longer reads as YAML, at its line and column", () => {
    rendered();
    const manifest = at("rendered/manifests/host-firewall/namespace.yaml");
    const text = readFileSync(manifest, "utf8");
    const lines = text.split("\n");
    const nameLine = lines.findIndex((l) => /^ {2}name: /.test(l)) + 1;
    expect(nameLine, text).toBeGreaterThan(0);
    // The same key twice: the API server's reader refuses it, and Slipway's read-back too.
    writeFileSync(manifest, text.replace(/^( {2}name: .*)$/m, "$1\n  name: again"));
    const userData = at("bootstrap/cosmos-1.yaml");
    const ud = readFileSync(userData, "utf8");
    writeFileSync(userData, ud.replace(/^hostname: .*$/m, (l) => `${l}\n${l}`));
    const hostnameLine = ud.split("\n").findIndex((l) => l.startsWith("hostname: ")) + 2;
    const r = check(TREE);
    expect(r.code).toBe(1);
    expect(errors(r.findings)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ gate: "tree", code: "SW-RENDER-YAML", file: "rendered/manifests/host-firewall/namespace.yaml", line: nameLine + 1, col: 3, message: "rendered YAML does not parse: duplicated mapping key" }),
        // The structure check's finding, which the report files under the cloud-init gate.
        expect.objectContaining({ gate: "cloud-init", code: "SW-RENDER-CLOUD-INIT", file: "bootstrap/cosmos-1.yaml", line: hostnameLine, col: 1, message: "cloud-init user-data does not parse: duplicated mapping key" }),
      ]),
    );
  });

  it("objects: a wrong type, at its key, with no network and no kubeconform", () => {
    rendered();
    const file = at("rendered/manifests/storage/pv-prometheus-data.yaml");
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace("  accessModes:\n    - ReadWriteOnce", "  accessModes: ReadWriteOnce"));
    const r = check(TREE, { PATH: "/nonexistent" });
    expect(r.code).toBe(1);
    expect(errors(r.findings)).toMatchObject([
      {
        gate: "objects",
        code: "SW-RENDER-INVALID-OBJECT",
        message: "PersistentVolume prometheus-data: at '/spec/accessModes': got string, want null or array",
        file: "rendered/manifests/storage/pv-prometheus-data.yaml",
        line: text.split("\n").findIndex((l) => l === "  accessModes:") + 1,
        col: 3,
      },
    ]);
  });

  it("objects: a kind with no embedded schema is an error, as in kubeconform", () => {
    rendered();
    writeFileSync(at("rendered/manifests/storage/widget.yaml"), "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: web}\nspec: {size: 3}\n");
    const r = check(TREE);
    expect(r.code).toBe(1);
    expect(errors(r.findings)).toMatchObject([
      { gate: "objects", code: "SW-RENDER-UNKNOWN-KIND", message: "Widget web/w: could not find schema for Widget (example.com/v1) among the embedded strict schemas", file: "rendered/manifests/storage/widget.yaml", line: 1 },
    ]);
  });

  it("tree: an orphan manifests folder and an Application whose path is missing", () => {
    rendered();
    mkdirSync(at("rendered/manifests/ghost"));
    writeFileSync(at("rendered/manifests/ghost/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ghost, namespace: ghost}\n");
    rmSync(at("rendered/manifests/storage"), { recursive: true });
    const r = check(TREE);
    expect(r.code).toBe(1);
    expect(errors(r.findings).map((f) => [f.gate, f.code, f.message])).toEqual([
      ["tree", "SW-TREE-MISSING-PATH", "Application storage points at examples/hetzner-single/rendered/manifests/storage, which the tree does not contain"],
      ["tree", "SW-TREE-ORPHAN-FOLDER", "rendered/manifests/ghost/ is not the path of any Application"],
    ]);
  });

  it("tree: a stale tree, file by file, and a tree never rendered", () => {
    rendered();
    const file = at("rendered/apps/website.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("path: apps/website", "path: apps/web-site"));
    rmSync(at("bootstrap/cosmos-1.yaml"));
    const r = check([]);
    expect(r.code).toBe(1);
    expect(errors(r.findings).map((f) => [f.code, f.file, f.message])).toEqual([
      ["SW-CHECK-STALE", "bootstrap/cosmos-1.yaml", "stale tree: a fresh render adds this file, which is not committed"],
      ["SW-CHECK-STALE", "rendered/apps/website.yaml", "stale tree: the committed file differs from a fresh render"],
    ]);
    rmSync(at("rendered"), { recursive: true });
    rmSync(at("bootstrap"), { recursive: true });
    expect(errors(check([]).findings)).toMatchObject([{ code: "SW-CHECK-STALE", message: "rendered/ does not exist: the tree has not been rendered yet" }]);
  });

  it("size: a user-data over the provider's budget (estimated with secrets), within a larger one", () => {
    rendered();
    const node = at("bootstrap/cosmos-1.yaml");
    writeFileSync(node, readFileSync(node, "utf8").replace("\nruncmd:", `\n  - path: /etc/slipway/big.txt\n    permissions: "0644"\n    owner: root:root\n    content: |\n      ${noise(10_000)}\nruncmd:`));
    const aws = check(["--tree", ".", "--provider", "aws"]);
    expect(aws.code).toBe(1);
    expect(errors(aws.findings)).toMatchObject([{ gate: "size", code: "SW-SIZE-OVER-BUDGET", file: "bootstrap/cosmos-1.yaml" }]);
    expect(errors(aws.findings)[0]!.message).toMatch(/^user-data is about \d{5} bytes with secrets filled in \(an estimate: \d+ secret placeholders replaced by realistic-length stand-ins, write_files content compressed \(gz\+b64\) as `slipway userdata` does over the budget\), over the aws budget of 16384 bytes \(1\d\d %\): AWS EC2 accepts 16384 bytes of raw user-data \(before base64\)$/);
    // Hetzner's 32 KiB holds it: the spec's provider is the default with a spec, generic without.
    expect(check(["--tree", ".", "--provider", "hetzner"]).code).toBe(0);
    expect(errors(check(["--tree", "."]).findings).map((f) => f.message)).toEqual([expect.stringContaining("over the generic budget of 16384 bytes")]);
  });

  it("size: the first server's estimate counts a 4096-bit sealing key when the repository has one", () => {
    rendered();
    const node = at("bootstrap/cosmos-1.yaml");
    const committed = readFileSync(node, "utf8");
    const padded = (n: number) => committed.replace("\nruncmd:", `\n  - path: /etc/slipway/pad\n    permissions: "0644"\n    content: |\n      ${noise(n)}\nruncmd:`);
    const over = (n: number, keys: number) => checkUserDataSize(node, padded(n), "hetzner", keys).some((f) => f.severity === "error");
    // Mostly incompressible padding, as much as fits Hetzner's 32 KiB without the key Secret
    // (about 6.4 KB) but not with it, even compressed as `userdata` would.
    let n = 0;
    while (!over(n, 1)) n += 100;
    expect(over(n, 0)).toBe(false);
    writeFileSync(node, padded(n));
    expect(errors(check(["--tree", ".", "--provider", "hetzner"]).findings)).toEqual([]);
    writeFileSync(at("bootstrap/sealed-secrets.crt"), "-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n");
    const r = check(["--tree", ".", "--provider", "hetzner"]);
    expect(errors(r.findings)).toMatchObject([{ code: "SW-SIZE-OVER-BUDGET", file: "bootstrap/cosmos-1.yaml", message: expect.stringContaining("1 Sealed Secrets key Secret (4096-bit) added") }]);
  });

  it("secret-leak: a private key or a plain Secret in the tree", () => {
    rendered();
    const pem = ["-----BEGIN RSA", "PRIVATE KEY-----"].join(" ") + "\nMIIEowIBAAKCAQEAstandin\n" + ["-----END RSA", "PRIVATE KEY-----"].join(" ") + "\n";
    writeFileSync(at("rendered/manifests/storage/secret.yaml"), `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: web}\nstringData:\n  key: |\n${pem.replace(/^/gm, "    ").trimEnd()}\n`);
    const r = check(TREE);
    expect(r.code).toBe(1);
    expect(errors(r.findings).filter((f) => f.gate === "secret-leak").map((f) => [f.code, f.file])).toEqual([
      ["SW-LEAK-PLAIN-SECRET", "rendered/manifests/storage/secret.yaml"],
      ["SW-LEAK-PRIVATE-KEY", "rendered/manifests/storage/secret.yaml"],
    ]);
  });
});

describe("cloud-init gate", () => {
  const cloudInit = findCloudInit();
  const installedSchema = existsSync(DEBIAN_CLOUD_INIT_SCHEMA);
  if (!cloudInit && !installedSchema) warnSkip("check: cloud-init's schema on user-data", "cloud-init");
  const plantMode = () => {
    const node = at("bootstrap/cosmos-1.yaml");
    writeFileSync(node, readFileSync(node, "utf8").replace("    owner: root:root\n", "    owner: root:root\n    mode: '0600'\n"));
  };
  /** A cut-down cloud-init schema (draft-04, an allOf of modules), as --cloud-init-schema would get. */
  const tinySchema = () => {
    const item = { type: "object", additionalProperties: false, required: ["path"], properties: Object.fromEntries(["path", "content", "owner", "permissions", "encoding", "append", "defer"].map((k) => [k, { type: k === "append" || k === "defer" ? "boolean" : "string" }])) };
    const schema = { $schema: "http://json-schema.org/draft-04/schema#", $defs: { cc_write_files: { type: "object", properties: { write_files: { type: "array", items: item } } } }, allOf: [{ $ref: "#/$defs/cc_write_files" }] };
    writeFileSync(at("schema.json"), JSON.stringify(schema));
    return at("schema.json");
  };

  it.skipIf(!cloudInit && !installedSchema)("an unknown key in a write_files entry fails cloud-init's schema, at its line", () => {
    rendered();
    plantMode();
    const r = check(TREE);
    expect(r.code).toBe(1);
    const schema = r.findings.filter((f) => f.code === "SW-CLOUD-INIT-SCHEMA");
    expect(schema).toHaveLength(1);
    expect(schema[0]).toMatchObject({ gate: "cloud-init", file: "bootstrap/cosmos-1.yaml", line: expect.any(Number) });
    expect(schema[0]!.message).toMatch(/^write_files\.0: .*'mode' was unexpected/);
  });

  it("--cloud-init-schema: checked in process against that schema, which the report names", () => {
    rendered();
    plantMode();
    const schema = tinySchema();
    const r = check([...TREE, "--cloud-init-schema", "schema.json"]);
    expect(r.code).toBe(1);
    expect(r.findings.filter((f) => f.code.startsWith("SW-CLOUD-INIT-")).map((f) => [f.severity, f.code, f.message])).toEqual([
      ["error", "SW-CLOUD-INIT-SCHEMA", "write_files.0: Additional properties are not allowed ('mode' was unexpected)"],
    ]);
    const json = JSON.parse(slipway(["check", ...TREE, "--cloud-init-schema", "schema.json", "--format", "json"], { cwd: work.dir }).stdout) as JsonReport;
    expect(json.gates.find((g) => g.gate === "cloud-init")!.detail).toBe(`the schema of a cloud-init release of unknown version, in process (${schema}, validated the way cloud-init 22.4 validates)`);
  });

  it("with the installed cloud-init's schema, the gate needs no cloud-init on PATH, and names the release", () => {
    if (!installedSchema) return warnSkip(`check: in-process cloud-init gate without cloud-init on PATH (no ${DEBIAN_CLOUD_INIT_SCHEMA})`, "cloud-init");
    rendered();
    const r = slipway(["check", ...TREE, "--format", "json"], { cwd: work.dir, env: { PATH: "/nonexistent" } });
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.findings.filter((f) => f.gate === "cloud-init")).toEqual([]);
    expect(report.gates.find((g) => g.gate === "cloud-init")).toMatchObject({ status: "passed", detail: expect.stringMatching(/^the schema of cloud-init \d+\.\d+\S*, in process \(/) });
    expect(r.code).toBe(0);
  });

  it.skipIf(!cloudInit)("a schema file that cannot be read: `cloud-init schema` instead, and the report says so", () => {
    rendered();
    plantMode();
    const r = check([...TREE, "--cloud-init-schema", "missing.json"]);
    expect(r.code).toBe(1);
    const ours = r.findings.filter((f) => f.code.startsWith("SW-CLOUD-INIT-"));
    expect(ours.map((f) => f.code)).toEqual(["SW-CLOUD-INIT-FALLBACK", "SW-CLOUD-INIT-SCHEMA"]);
    expect(ours[0]!.message).toContain(`${at("missing.json")}: ENOENT`);
  });

  it("with neither the schema nor cloud-init (or kubeconform) on PATH the gates say they were skipped, as warnings (exit 0)", () => {
    rendered();
    // slipway() runs node by its absolute path, so an empty PATH hides only the tools.
    const r = slipway(["check", ...TREE, "--cloud-init-schema", "missing.json", "--format", "json"], { cwd: work.dir, env: { PATH: "/nonexistent" } });
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.findings.filter((f) => f.code === "SW-CHECK-SKIPPED").map((f) => f.gate)).toEqual(["kubeconform", "cloud-init"]);
    expect(report.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(r.code).toBe(0);
  });
});

describe("kubeconform gate", () => {
  const fixtures = join(SHARED, "fixtures/kubeconform");
  const haveFixtures = existsSync(join(fixtures, "all.json"));
  if (!haveFixtures) console.warn(`SKIP: kubeconform fixtures not found at ${fixtures}`);

  /** A stand-in kubeconform: records its arguments, prints `stdout`, exits with `rc`. */
  function stub(stdout: string, rc: number): string {
    const bin = at("fake-kubeconform");
    writeFileSync(at("stub-out.txt"), stdout);
    writeFileSync(bin, `#!/bin/sh\n[ "$1" = -v ] && { echo v0.7.0; exit 0; }\nprintf '%s\\n' "$@" > "${at("stub-args.txt")}"\ncat "${at("stub-out.txt")}"\nexit ${rc}\n`);
    chmodSync(bin, 0o755);
    return bin;
  }
  const stubArgs = () => readFileSync(at("stub-args.txt"), "utf8").trimEnd().split("\n");

  it("runs kubeconform -strict on rendered/ with the default schema locations and Kubernetes 1.36.2 (the spec's K3s line)", () => {
    rendered();
    const bin = stub(JSON.stringify({ resources: [], summary: { valid: 9, invalid: 0, errors: 0, skipped: 0 } }), 0);
    expect(check(["--kubeconform", bin]).code).toBe(0);
    expect(stubArgs()).toEqual([
      "-strict", "-summary", "-output", "json", "-kubernetes-version", "1.36.2",
      "-schema-location", "default",
      "-schema-location", "https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json",
      "--", "rendered",
    ]);
  });

  it("--schema-location replaces the defaults (repeatable); --kubernetes-version is passed on", () => {
    rendered();
    const bin = stub(JSON.stringify({ resources: [] }), 0);
    check(["--tree", ".", "--kubeconform", bin, "--schema-location", "default", "--schema-location", "/s/{{.ResourceKind}}.json", "--kubernetes-version", "1.32.0"]);
    const args = stubArgs();
    expect(args.filter((_, i) => args[i - 1] === "-schema-location")).toEqual(["default", "/s/{{.ResourceKind}}.json"]);
    expect(args[args.indexOf("-kubernetes-version") + 1]).toBe("1.32.0");
  });

  it.skipIf(!haveFixtures)("genuine kubeconform output (fixtures) becomes findings; exit 1", () => {
    rendered();
    const bin = stub(readFileSync(join(fixtures, "all.json"), "utf8"), 1);
    const r = check(["--tree", ".", "--kubeconform", bin]);
    expect(r.code).toBe(1);
    const kc = r.findings.filter((f) => f.gate === "kubeconform");
    expect(kc.map((f) => f.code)).toEqual(["SW-KUBECONFORM-INVALID", "SW-KUBECONFORM-INVALID", "SW-KUBECONFORM-INVALID", "SW-KUBECONFORM-DUPLICATE-KEY", "SW-KUBECONFORM-MISSING-SCHEMA"]);
    expect(kc[2]!.message).toBe("Deployment web: at '/spec': additional properties 'replica' not allowed");
  });

  it("kubeconform on PATH but no network: ONE finding, found fast, and the check still passes on the embedded gate", () => {
    rendered();
    const bin = at("offline-bin");
    mkdirSync(bin);
    // What kubeconform v0.7.0 prints for each object when it cannot download schemas (pkg/loader/http.go).
    const url = "https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/v1.33.1-standalone-strict/namespace-v1.json";
    const failure = { filename: "stdin", kind: "Namespace", name: "slipway-probe", version: "v1", status: "statusError", msg: `failed downloading schema at ${url}: Get "${url}": GET ${url} giving up after 3 attempt(s): Get "${url}": dial tcp: lookup raw.githubusercontent.com: no such host` };
    writeFileSync(at("offline.json"), JSON.stringify({ resources: [failure, { ...failure, kind: "Application", version: "argoproj.io/v1alpha1" }], summary: { valid: 0, invalid: 0, errors: 2, skipped: 0 } }));
    writeFileSync(join(bin, "kubeconform"), `#!/bin/sh\n[ "$1" = -v ] && { echo v0.7.0; exit 0; }\necho "$*" >> "${at("calls.txt")}"\n/bin/cat "${at("offline.json")}"\nexit 1\n`);
    chmodSync(join(bin, "kubeconform"), 0o755);
    const started = Date.now();
    const r = slipway(["check", "--format", "json"], { cwd: work.dir, env: { PATH: bin } });
    expect(Date.now() - started).toBeLessThan(10_000);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.findings.filter((f) => f.gate === "kubeconform")).toEqual([
      {
        gate: "kubeconform",
        severity: "warning",
        code: "SW-KUBECONFORM-UNREACHABLE",
        message: `schemas unreachable: use --schema-location or rely on the embedded gate (kubeconform could not download the schema of 2 resources; first: ${url}: dial tcp: lookup raw.githubusercontent.com: no such host)`,
        hint: expect.any(String),
      },
    ]);
    expect(readFileSync(at("calls.txt"), "utf8").trimEnd().split("\n")).toHaveLength(1); // the probe; the full run never started
    expect(report.gates.filter((g) => ["objects", "kubeconform"].includes(g.gate)).map((g) => [g.gate, g.status, g.detail])).toEqual([
      ["objects", "passed", expect.stringContaining("Kubernetes 1.36.2")],
      ["kubeconform", "skipped", "schemas unreachable"],
    ]);
    expect(r.code).toBe(0);
  });

  it("output that is not kubeconform's report is a finding (exit 1), never a stack trace", () => {
    rendered();
    const bin = stub("panic: runtime error: index out of range\ngoroutine 1 [running]:", 2);
    const r = check(["--tree", ".", "--kubeconform", bin]);
    expect(r.code).toBe(1);
    expect(r.findings.filter((f) => f.gate === "kubeconform")).toMatchObject([
      { severity: "error", code: "SW-KUBECONFORM-OUTPUT", message: "kubeconform (exit code 2) printed output that is not its JSON report: panic: runtime error: index out of range | goroutine 1 [running]:" },
    ]);
  });

  const real = findKubeconform();
  const schemas = join(SHARED, "kube-schemas");
  if (!real) warnSkip("check: a real kubeconform run on the genuine fixture manifests", "kubeconform");

  it.skipIf(!real || !haveFixtures || !existsSync(schemas))("the real binary on the genuine fixture manifests gives the recorded findings", () => {
    mkdirSync(at("rendered"));
    cpSync(join(fixtures, "manifests"), at("rendered"), { recursive: true });
    const r = check([
      "--tree", ".", "--kubeconform", real!,
      "--schema-location", `${schemas}/kubernetes/{{.NormalizedKubernetesVersion}}-standalone{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json`,
      "--schema-location", `${schemas}/crds/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`,
    ]);
    expect(r.code).toBe(1);
    const kc = r.findings.filter((f) => f.gate === "kubeconform").map((f) => [f.code, f.file, f.message]);
    expect(kc).toEqual([
      ["SW-KUBECONFORM-INVALID", "rendered/app-nested-typo.yaml", "Application bad-nested: at '/spec/syncPolicy': additional properties 'automatd' not allowed"],
      ["SW-KUBECONFORM-INVALID", "rendered/deployment-badtype.yaml", "Deployment t: at '/spec/replicas': got string, want null or integer"],
      ["SW-KUBECONFORM-INVALID", "rendered/deployment-typo.yaml", "Deployment web: at '/spec': additional properties 'replica' not allowed"],
      ["SW-KUBECONFORM-DUPLICATE-KEY", "rendered/duplicate-key.yaml", expect.stringContaining('key "a" already set in map')],
      ["SW-KUBECONFORM-MISSING-SCHEMA", "rendered/unknown-crd.yaml", expect.stringContaining("could not find schema for Widget")],
    ]);
  });
});

describe("usage errors (exit 2, a hint, no stack trace)", () => {
  const usage = (args: string[], message: string) => {
    const r = slipway(["check", ...args], { cwd: work.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  };

  it("a --tree that is not a tree", () => usage(["--tree", "."], "is not a Slipway tree: it has neither rendered/ nor bootstrap/"));
  it("a spec and --tree together", () => usage(["cluster.yaml", "--tree", "."], "give a spec or --tree DIR, not both"));
  it("a kubeconform path that does not exist", () => usage(["--tree", ".", "--kubeconform", "./no-such-kubeconform"], "kubeconform not found or not executable: ./no-such-kubeconform"));
  it("a kubeconform that does not run (not executable; not a kubeconform)", () => {
    rendered();
    writeFileSync(at("kc"), "#!/bin/sh\necho v0.7.0\n");
    usage(["--tree", ".", "--kubeconform", "./kc"], "kubeconform not found or not executable: ./kc");
    writeFileSync(at("kc"), "\u0000\u0001garbage");
    chmodSync(at("kc"), 0o755);
    usage(["--tree", ".", "--kubeconform", "./kc"], "does not run as kubeconform (`-v` printed no version; exit code");
  });
  it("an unknown provider", () => usage(["--provider", "linode"], 'unknown --provider "linode"'));
  it("a short Kubernetes version", () => usage(["--kubernetes-version", "1.33"], 'kubeconform needs a full Kubernetes version such as 1.33.1, not "1.33"'));
  it("an unknown format", () => usage(["--format", "sarif"], 'unknown --format "sarif"'));
});

/** `n` characters of deterministic, incompressible base64 (`x` repeated would compress to nothing). */
function noise(n: number): string {
  let out = "";
  for (let i = 0; out.length < n; i++) out += createHash("sha256").update(String(i)).digest("base64");
  return out.slice(0, n);
}
