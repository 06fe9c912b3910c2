/**
 * cloud-init gate: the output parser on outputs captured from cloud-init 22.4.2 (always runs), and
 * the real `cloud-init schema` on small files when cloud-init is installed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findCloudInit, parseCloudInitSchemaOutput, runCloudInitSchema } from "../../generator/check/cloud-init-schema.js";

const GOOD = "#cloud-config\nwrite_files:\n  - path: /etc/motd\n    content: hello\n    permissions: '0644'\npackage_update: true\n";
const UNQUOTED_PERMISSIONS = "#cloud-config\nwrite_files:\n  - path: /etc/motd\n    content: hello\n    permissions: 0644\n";
const NO_HEADER = "write_files:\n  - path: /etc/motd\n    content: hello\n";
const UNKNOWN_KEY = "#cloud-config\nwrite_files:\n  - path: /etc/motd\n    contnet: hello\n";
const DEPRECATED_ONLY = "#cloud-config\napt_update: true\n";
/** Three errors in one report, a message with ", " inside, and a deprecation. */
const MANY = [
  "#cloud-config",
  "users:",
  "  - name: bob",
  "    ssh-authorized-keys: [x]",
  "write_files:",
  "  - path: /etc/motd",
  "    permissions: 0644",
  "    contnet: hello",
  "runcmd: 5",
  "apt_update: true",
  "",
].join("\n");
const BROKEN_YAML = "#cloud-config\nfoo: [\n";

const DEPRECATION_LINE =
  "Cloud config schema deprecations: apt_update: DEPRECATED: Dropped after April 2027. Use ``package_update``. Default: ``false``";

describe("parseCloudInitSchemaOutput on captured cloud-init 22.4.2 output", () => {
  it("a valid file: nothing (the empty deprecations label is not a finding)", () => {
    expect(
      parseCloudInitSchemaOutput({ stdout: "Cloud config schema deprecations: \nValid cloud-config: good.yaml\n", stderr: "", rc: 0, file: "good.yaml", source: GOOD }),
    ).toEqual([]);
  });

  it("several errors joined by ', ' (one message containing ', ') each get a finding and a line", () => {
    const stderr = [
      "Error:",
      "Cloud config schema errors: runcmd: 5 is not of type 'array', users.0: {'name': 'bob', 'ssh-authorized-keys': ['x']} is not valid under any of the given schemas, write_files.0: Additional properties are not allowed ('contnet' was unexpected), write_files.0.permissions: 420 is not of type 'string'",
      "",
      DEPRECATION_LINE,
      "",
    ].join("\n");
    const findings = parseCloudInitSchemaOutput({ stdout: `${DEPRECATION_LINE}\n`, stderr, rc: 1, file: "/tmp/x/many.yaml", displayFile: "bootstrap/many.yaml", source: MANY });
    expect(findings.map((f) => [f.severity, f.code, f.line, f.col, f.message])).toEqual([
      ["error", "SW-CLOUD-INIT-SCHEMA", 3, 5, "users.0: {'name': 'bob', 'ssh-authorized-keys': ['x']} is not valid under any of the given schemas"],
      ["error", "SW-CLOUD-INIT-SCHEMA", 7, 18, "write_files.0.permissions: 420 is not of type 'string'"],
      ["error", "SW-CLOUD-INIT-SCHEMA", 8, 5, "write_files.0: Additional properties are not allowed ('contnet' was unexpected)"],
      ["error", "SW-CLOUD-INIT-SCHEMA", 9, 9, "runcmd: 5 is not of type 'array'"],
      ["warning", "SW-CLOUD-INIT-DEPRECATED", 10, 13, "apt_update: DEPRECATED: Dropped after April 2027. Use `package_update`. Default: `false`"],
    ]);
    expect(new Set(findings.map((f) => f.file))).toEqual(new Set(["bootstrap/many.yaml"]));
  });

  it("a YAML syntax error keeps cloud-init's position and drops PyYAML's excerpt", () => {
    const stderr =
      'Error:\nCloud config schema errors: format-l3.c1: File /tmp/x/broken.yaml is not valid yaml. while parsing a flow node\nexpected the node content, but found \'<stream end>\'\n  in "<byte string>", line 3, column 1:\n    \n    ^\n';
    expect(parseCloudInitSchemaOutput({ stdout: "", stderr, rc: 1, file: "/tmp/x/broken.yaml", displayFile: "broken.yaml", source: BROKEN_YAML })).toEqual([
      {
        gate: "cloud-init",
        severity: "error",
        code: "SW-CLOUD-INIT-YAML",
        message: "File broken.yaml is not valid yaml. while parsing a flow node; expected the node content, but found '<stream end>'",
        file: "broken.yaml",
        line: 3,
        col: 1,
      },
    ]);
  });

  it("an empty file: cloud-init's one-line failure", () => {
    expect(parseCloudInitSchemaOutput({ stdout: "", stderr: "Error:\nCloud-config is not a YAML dict.\n", rc: 1, file: "e.yaml", source: "#cloud-config\n" })).toEqual([
      { gate: "cloud-init", severity: "error", code: "SW-CLOUD-INIT-FAILED", message: "Cloud-config is not a YAML dict.", file: "e.yaml" },
    ]);
  });

  it("output that is not a schema report is SW-CLOUD-INIT-OUTPUT", () => {
    const [f] = parseCloudInitSchemaOutput({ stdout: "", stderr: "Traceback (most recent call last):\n  File \"/usr/bin/cloud-init\", line 33\nKeyError: 'x'\n", rc: 1, file: "x.yaml" });
    expect(f).toMatchObject({ code: "SW-CLOUD-INIT-OUTPUT", severity: "error" });
    expect(f!.message).toContain("Traceback (most recent call last): | File");
  });

  it("finds the markers inside a line and ends the error list at the first empty line", () => {
    // Layout of later releases: indented lines, "Error: " before the marker, a trailer after it.
    const stdout = "  Cloud config schema deprecations: apt_update:  Deprecated in version 22.2. Use ``package_update`` instead.\n";
    const stderr = "  Error: Cloud config schema errors: write_files.0.permissions: 420 is not of type 'string'\n\nError: Invalid schema: user-data\n";
    const findings = parseCloudInitSchemaOutput({ stdout, stderr, rc: 1, file: "x.yaml", source: "#cloud-config\napt_update: true\n" + UNQUOTED_PERMISSIONS.slice(14) });
    expect(findings.map((f) => [f.code, f.line, f.message])).toEqual([
      ["SW-CLOUD-INIT-DEPRECATED", 2, "apt_update: Deprecated in version 22.2. Use `package_update` instead."],
      ["SW-CLOUD-INIT-SCHEMA", 6, "write_files.0.permissions: 420 is not of type 'string'"],
    ]);
  });

  it("a deprecation whose description spans lines keeps all of it, and the ones after it", () => {
    // cloud-init 22.4.2 on `chpasswd: {list: 'a:b'}` and `grub-dpkg`: the description has a blank line.
    const stdout = [
      "Cloud config schema deprecations: chpasswd.list: DEPRECATED: List of ``username:password`` pairs.",
      "",
      "Use of a multiline string for this field is DEPRECATED and will result in an error in a future version of cloud-init., grub-dpkg: DEPRECATED: Use ``grub_dpkg`` instead",
      "Valid cloud-config: x.yaml",
      "",
    ].join("\n");
    const findings = parseCloudInitSchemaOutput({ stdout, stderr: "", rc: 0, file: "x.yaml", source: "#cloud-config\nchpasswd: {list: 'a:b'}\ngrub-dpkg: {enabled: true}\n" });
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [2, "chpasswd.list: DEPRECATED: List of `username:password` pairs.\n\nUse of a multiline string for this field is DEPRECATED and will result in an error in a future version of cloud-init."],
      [3, "grub-dpkg: DEPRECATED: Use `grub_dpkg` instead"],
    ]);
  });

  it("without the file's text, problems are still split and reported (no line)", () => {
    const findings = parseCloudInitSchemaOutput({
      stdout: "",
      stderr: "Error:\nCloud config schema errors: runcmd: 5 is not of type 'array', write_files.0.permissions: 420 is not of type 'string'\n",
      rc: 1,
      file: "x.yaml",
    });
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [undefined, "runcmd: 5 is not of type 'array'"],
      [undefined, "write_files.0.permissions: 420 is not of type 'string'"],
    ]);
  });
});

const cloudInit = findCloudInit();
if (!cloudInit) console.warn("SKIP: cloud-init not installed (not on PATH): the real `cloud-init schema` runs did not run");

describe.skipIf(!cloudInit)("runCloudInitSchema with the real cloud-init", () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-ci-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it("a good file passes", async () => {
    expect(await runCloudInitSchema(file("good.yaml", GOOD))).toEqual([]);
  });

  it("an unquoted permissions 0644 is an error at its line, with the YAML 1.1 hint", async () => {
    expect(await runCloudInitSchema(file("perm.yaml", UNQUOTED_PERMISSIONS), { displayFile: "bootstrap/server-1.yaml" })).toEqual([
      {
        gate: "cloud-init",
        severity: "error",
        code: "SW-CLOUD-INIT-SCHEMA",
        message: "write_files.0.permissions: 420 is not of type 'string'",
        file: "bootstrap/server-1.yaml",
        line: 5,
        col: 18,
        hint: "quote the value: cloud-init reads YAML 1.1, where an unquoted 0644 is the octal integer 420, not a string",
      },
    ]);
  });

  it("a missing #cloud-config header is an error at 1:1 naming the reported file", async () => {
    expect(await runCloudInitSchema(file("noheader.yaml", NO_HEADER), { displayFile: "bootstrap/agent-1.yaml" })).toEqual([
      {
        gate: "cloud-init",
        severity: "error",
        code: "SW-CLOUD-INIT-HEADER",
        message: 'File bootstrap/agent-1.yaml needs to begin with "#cloud-config"',
        file: "bootstrap/agent-1.yaml",
        line: 1,
        col: 1,
        hint: 'make "#cloud-config" the exact first line: without it cloud-init does not read the file as cloud-config',
      },
    ]);
  });

  it("an unknown key in a write_files item points at the key", async () => {
    const p = file("unknown.yaml", UNKNOWN_KEY);
    expect(await runCloudInitSchema(p)).toEqual([
      {
        gate: "cloud-init",
        severity: "error",
        code: "SW-CLOUD-INIT-SCHEMA",
        message: "write_files.0: Additional properties are not allowed ('contnet' was unexpected)",
        file: p,
        line: 4,
        col: 5,
        hint: "'contnet' is not a key of write_files.0: check its spelling against the cloud-init module docs",
      },
    ]);
  });

  it("a deprecated key only warns (cloud-init exits 0)", async () => {
    const findings = await runCloudInitSchema(file("dep.yaml", DEPRECATED_ONLY));
    expect(findings.map((f) => [f.severity, f.code, f.line])).toEqual([["warning", "SW-CLOUD-INIT-DEPRECATED", 2]]);
    expect(findings[0]!.message).toMatch(/^apt_update: .*package_update/);
  });

  it("several problems in one file give one finding each, in line order", async () => {
    const findings = await runCloudInitSchema(file("many.yaml", MANY));
    expect(findings.map((f) => [f.code, f.line])).toEqual([
      ["SW-CLOUD-INIT-SCHEMA", 3],
      ["SW-CLOUD-INIT-SCHEMA", 7],
      ["SW-CLOUD-INIT-SCHEMA", 8],
      ["SW-CLOUD-INIT-SCHEMA", 9],
      ["SW-CLOUD-INIT-DEPRECATED", 10],
    ]);
  });
});
