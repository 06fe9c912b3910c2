/**
 * The cloud-init gate's three ways (in process, `cloud-init schema`, skipped) and how cloud-init's
 * schema and version are found. Runs everywhere: a small schema in cloud-init's layout, and stand-in
 * `cloud-init` and `python3` scripts, play the installed cloud-init.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCloudInitGate, type UserDataFile } from "../../generator/check/cloud-init-gate.js";
import { findCloudInitSchema } from "../../generator/check/cloud-init-schema-file.js";
import { tempDir } from "../support/cli.js";

/** A cut-down cloud-init schema: draft-04, an allOf of modules, cloud-init's `deprecated`. */
const SCHEMA = {
  $schema: "http://json-schema.org/draft-04/schema#",
  $defs: {
    cc_runcmd: { type: "object", properties: { runcmd: { type: "array", items: { oneOf: [{ type: "array", items: { type: "string" } }, { type: "string" }, { type: "null" }] } } } },
    cc_package_update_upgrade_install: {
      type: "object",
      properties: { package_update: { type: "boolean" }, apt_update: { type: "boolean", deprecated: true, description: "Use ``package_update``." } },
    },
    cc_write_files: {
      type: "object",
      properties: { write_files: { type: "array", items: { type: "object", additionalProperties: false, required: ["path"], properties: { path: { type: "string" }, permissions: { type: "string" } } } } },
    },
  },
  allOf: [{ $ref: "#/$defs/cc_runcmd" }, { $ref: "#/$defs/cc_package_update_upgrade_install" }, { $ref: "#/$defs/cc_write_files" }],
};

const GOOD = "#cloud-config\npackage_update: true\nruncmd:\n  - [sh, -c, 'echo hi']\n";
const BAD = "#cloud-config\napt_update: true\nwrite_files:\n  - path: /etc/motd\n    permissions: 0644\n    mode: x\nruncmd:\n  - 5\n";

let work: { dir: string; cleanup: () => void };
beforeEach(() => {
  work = tempDir("slipway-ci-gate-");
});
afterEach(() => work.cleanup());
const at = (...p: string[]) => join(work.dir, ...p);
const NOWHERE = "/nonexistent/cloudinit/config/schemas/schema-cloud-config-v1.json";

/** cloud-init's package layout under `root`: config/schemas/<schema>, and version.py. */
function cloudinitPackage(root: string, version: string | undefined, schema: unknown = SCHEMA): string {
  mkdirSync(join(root, "config/schemas"), { recursive: true });
  const file = join(root, "config/schemas/schema-cloud-config-v1.json");
  writeFileSync(file, typeof schema === "string" ? schema : JSON.stringify(schema));
  if (version !== undefined) writeFileSync(join(root, "version.py"), version);
  return file;
}

function script(path: string, body: string): string {
  writeFileSync(path, body);
  chmodSync(path, 0o755);
  return path;
}

function node(name: string, text: string): UserDataFile {
  const file = at(`${name}.yaml`);
  writeFileSync(file, text);
  return { file, text, display: `bootstrap/${name}.yaml` };
}

describe("in process", () => {
  it("reports cloud-init's findings with lines, and says which release's schema it used", async () => {
    const file = cloudinitPackage(at("cloudinit"), '__VERSION__ = "22.4.2"\n_PACKAGED_VERSION = "@@PACKAGED_VERSION@@"\n');
    const r = await runCloudInitGate([node("good", GOOD), node("bad", BAD)], { binary: null, schemaFile: file });
    expect(r.checked).toEqual(["bootstrap/good.yaml", "bootstrap/bad.yaml"]);
    expect(r.detail).toBe(`the schema of cloud-init 22.4.2, in process (${file})`);
    expect(r.findings.map((f) => [f.severity, f.code, f.file, f.line, f.message])).toEqual([
      ["warning", "SW-CLOUD-INIT-DEPRECATED", "bootstrap/bad.yaml", 2, "apt_update: DEPRECATED: Use `package_update`."],
      ["error", "SW-CLOUD-INIT-SCHEMA", "bootstrap/bad.yaml", 5, "write_files.0.permissions: 420 is not of type 'string'"],
      ["error", "SW-CLOUD-INIT-SCHEMA", "bootstrap/bad.yaml", 6, "write_files.0: Additional properties are not allowed ('mode' was unexpected)"],
      ["error", "SW-CLOUD-INIT-SCHEMA", "bootstrap/bad.yaml", 8, "runcmd.0: 5 is not valid under any of the given schemas"],
    ]);
  });

  it("the packager's version wins over __VERSION__; a schema with no version.py beside it is of unknown version", async () => {
    const packaged = await findCloudInitSchema({ explicit: cloudinitPackage(at("a/cloudinit"), '__VERSION__ = "23.1"\n_PACKAGED_VERSION = \'23.1.2-0ubuntu0~22.04.1\'\n') });
    expect("found" in packaged && packaged.found.version).toBe("23.1.2-0ubuntu0~22.04.1");
    const loose = at("schema.json");
    writeFileSync(loose, JSON.stringify(SCHEMA));
    const r = await runCloudInitGate([node("good", GOOD)], { binary: null, schemaFile: loose });
    expect(r.findings).toEqual([]);
    expect(r.detail).toBe(`the schema of a cloud-init release of unknown version, in process (${loose}, validated the way cloud-init 22.4 validates)`);
  });

  it("keywords at the schema's root apply too (the modules are run one by one beside them)", async () => {
    const file = cloudinitPackage(at("d/cloudinit"), undefined, { ...SCHEMA, required: ["hostname"] });
    const r = await runCloudInitGate([node("good", GOOD)], { binary: null, schemaFile: file });
    expect(r.findings.map((f) => [f.code, f.line, f.message])).toEqual([["SW-CLOUD-INIT-SCHEMA", 2, "'hostname' is a required property"]]);
  });
});

describe("when the schema cannot be used", () => {
  /** A stand-in `cloud-init schema` that reports one error for any file. */
  const fakeCloudInit = () =>
    script(at("cloud-init"), "#!/bin/sh\necho 'Cloud config schema deprecations: '\nprintf 'Error:\\nCloud config schema errors: runcmd.0: 5 is not valid under any of the given schemas\\n' >&2\nexit 1\n");

  it("falls back to `cloud-init schema`, one run per node, and says why", async () => {
    const r = await runCloudInitGate([node("bad", BAD)], { binary: fakeCloudInit(), schemaFile: at("missing.json") });
    expect(r.findings.map((f) => [f.severity, f.code, f.line])).toEqual([
      ["warning", "SW-CLOUD-INIT-FALLBACK", undefined],
      ["error", "SW-CLOUD-INIT-SCHEMA", 8],
    ]);
    expect(r.findings[0]!.message).toBe(`user-data checked with \`cloud-init schema\`, one process per node: cloud-init's JSON schema could not be used in process (${at("missing.json")}: ENOENT)`);
    expect(r.checked).toEqual(["bootstrap/bad.yaml"]);
  });

  it("falls back when the file is not JSON, or when Ajv cannot compile the part a file needs", async () => {
    const notJson = await runCloudInitGate([node("good", GOOD)], { binary: fakeCloudInit(), schemaFile: cloudinitPackage(at("b/cloudinit"), undefined, "{not json") });
    expect(notJson.findings[0]).toMatchObject({ code: "SW-CLOUD-INIT-FALLBACK", message: expect.stringMatching(/schema-cloud-config-v1\.json: .*JSON/) });
    const badPattern = { ...SCHEMA, $defs: { ...SCHEMA.$defs, cc_runcmd: { type: "object", properties: { runcmd: { type: "string", pattern: "(" } } } } };
    const uncompilable = await runCloudInitGate([node("good", GOOD)], { binary: fakeCloudInit(), schemaFile: cloudinitPackage(at("c/cloudinit"), undefined, badPattern) });
    expect(uncompilable.findings[0]).toMatchObject({ code: "SW-CLOUD-INIT-FALLBACK", message: expect.stringContaining("Ajv cannot compile cloud-init's schema at #/$defs/cc_runcmd/properties/runcmd") });
  });

  it("is skipped, loudly, with neither the schema nor cloud-init", async () => {
    const r = await runCloudInitGate([node("good", GOOD)], { binary: null, schemaFile: at("missing.json") });
    expect(r.findings).toEqual([
      {
        gate: "cloud-init",
        severity: "warning",
        code: "SW-CHECK-SKIPPED",
        message: `user-data was not checked against cloud-init's schema (only Slipway's offline structure check ran): cloud-init's JSON schema could not be used (${at("missing.json")}: ENOENT) and cloud-init is not on PATH`,
        hint: "install cloud-init 22.2 or later (Debian/Ubuntu: apt-get install cloud-init), or pass its schema-cloud-config-v1.json with --cloud-init-schema",
      },
    ]);
    expect(r.checked).toEqual([]);
    expect(r.skipped).toBe("cloud-init's schema could not be used and cloud-init is not on PATH (only the offline structure check ran)");
  });

  it("a node that is not valid YAML is given to `cloud-init schema` when it is installed", async () => {
    const file = cloudinitPackage(at("cloudinit"), '__VERSION__ = "22.4.2"\n');
    const r = await runCloudInitGate([node("broken", "#cloud-config\nruncmd: [\n"), node("good", GOOD)], { binary: fakeCloudInit(), schemaFile: file });
    expect(r.findings.map((f) => [f.code, f.file])).toEqual([
      ["SW-CLOUD-INIT-SCHEMA", "bootstrap/broken.yaml"], // the stand-in's answer, so it was asked
    ]);
  });
});

describe("finding the installed cloud-init's schema", () => {
  it("asks the Python of the cloud-init script (its #! line) where the cloudinit package is", async () => {
    const pkg = at("site/cloudinit");
    const file = cloudinitPackage(pkg, '__VERSION__ = "24.1.3"\n');
    const python = script(at("python3.12"), `#!/bin/sh\n[ "$1" = -c ] && echo '${pkg}'\n`);
    const cloudInit = script(at("cloud-init"), `#!${python}\n# a Python script\n`);
    const r = await findCloudInitSchema({ fixedPath: NOWHERE, cloudInit, env: { PATH: "/nonexistent" } });
    expect(r).toEqual({ found: { file, schema: SCHEMA, version: "24.1.3" } });
  });

  it("then python3 on PATH; says what each Python answered when none has cloudinit", async () => {
    mkdirSync(at("bin"));
    script(at("bin/python3"), "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'cloudinit'\" >&2\nexit 1\n");
    const r = await findCloudInitSchema({ fixedPath: NOWHERE, cloudInit: null, env: { PATH: at("bin") } });
    expect(r).toEqual({ missing: `not at ${NOWHERE}, and ${at("bin/python3")}: ModuleNotFoundError: No module named 'cloudinit'` });
  });

  it("bounds each lookup by a timeout, and names the fixed place when there is no Python at all", async () => {
    mkdirSync(at("bin"));
    script(at("bin/python3"), "#!/bin/sh\nsleep 5\n");
    const slow = await findCloudInitSchema({ fixedPath: NOWHERE, env: { PATH: at("bin") }, timeoutMs: 200 });
    expect(slow).toEqual({ missing: `not at ${NOWHERE}, and ${at("bin/python3")}: no answer within 200 ms` });
    const none = await findCloudInitSchema({ fixedPath: NOWHERE, env: { PATH: "/nonexistent" } });
    expect(none).toEqual({ missing: `not at ${NOWHERE}, and no python3 to ask where cloudinit is` });
  });
});
