/**
 * The in-process cloud-init gate agrees with the real `cloud-init schema`: on every golden
 * user-data file and on planted mistakes, both report the same problems (path, severity, code,
 * line, message). Needs cloud-init installed (its CLI and its schema file); skipped loudly without.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkCloudConfig } from "../../generator/check/cloud-init-config-file.js";
import { runCloudInitGate, type UserDataFile } from "../../generator/check/cloud-init-gate.js";
import { findCloudInit, runCloudInitSchema } from "../../generator/check/cloud-init-schema.js";
import { findCloudInitSchema } from "../../generator/check/cloud-init-schema-file.js";
import { CloudConfigValidator } from "../../generator/check/cloud-init-validator.js";
import type { Finding } from "../../generator/check/finding.js";
import { ROOT, tempDir } from "../support/cli.js";

const cloudInit = findCloudInit();
const search = await findCloudInitSchema({ cloudInit });
const schema = "found" in search ? search.found : undefined;
if (!cloudInit) console.warn("SKIP: cloud-init agreement: cloud-init is not installed (not on PATH), so there is nothing to agree with");
if (!schema) console.warn(`SKIP: cloud-init agreement: cloud-init's schema file was not found (${"missing" in search ? search.missing : ""})`);

const CASES = join(ROOT, "test/cases");
const GOLDEN = readdirSync(CASES)
  .sort()
  .flatMap((c) => {
    try {
      return readdirSync(join(CASES, c, "bootstrap"))
        .filter((f) => f.endsWith(".yaml"))
        .sort()
        .map((f) => `${c}/bootstrap/${f}`);
    } catch {
      return [];
    }
  });
const BASE = readFileSync(join(CASES, "hetzner-single/bootstrap/cosmos-1.yaml"), "utf8");

/** `text` with the first `from` replaced; fails loudly if the golden file no longer has it. */
function plant(from: string, to: string, text = BASE): string {
  if (!text.includes(from)) throw new Error(`the golden file has no ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** Mistakes planted in a golden file, and small files for cloud-init's YAML 1.1 and schema corners. */
const PLANTED: Record<string, string> = {
  "unquoted permissions 0600 (YAML 1.1 octal int)": plant('permissions: "0600"', "permissions: 0600"),
  "typo'd key in a write_files item": plant("    owner: root:root\n", "    ownr: root:root\n"),
  "two unknown keys in one item": plant("    owner: root:root\n", "    ownr: root:root\n    mode: '0600'\n"),
  "missing #cloud-config header": BASE.slice(BASE.indexOf("\n") + 1),
  "header not on the first line": `\n${BASE}`,
  "deprecated key apt_update": plant("package_update: true", "apt_update: true"),
  "deprecated apt_upgrade and a deprecated ssh_pwauth string": plant("ssh_pwauth: false", 'ssh_pwauth: "no"\napt_upgrade: true'),
  "wrong type in runcmd": plant("runcmd:\n", "runcmd:\n  - 42\n  - [sh, 5]\n  - {sh: x}\n"),
  "runcmd not a list": plant("runcmd:\n  - - sh\n    - /usr/local/lib/slipway/harden-host.sh\n", "runcmd: ls\nx_runcmd:\n  - - sh\n    - /usr/local/lib/slipway/harden-host.sh\n"),
  "bad mounts entries": plant("mounts:\n", "mounts:\n  - /dev/sdb\n  - []\n  - [a, b, c, d, e, f, g]\n"),
  "unknown top-level key": plant("hostname:", "hostnmae: cosmos\nhostname:"),
  "YAML syntax error: unclosed flow sequence": plant("packages:\n", "packages: [\n"),
  "YAML syntax error: bad indentation": plant("    owner: root:root\n", "      owner: root:root\n"),
  "YAML syntax error: unterminated quote": plant('hostname: "cosmos-1"', 'hostname: "cosmos-1'),
  "YAML 1.1 booleans: quoted 'no' is a string, bare no a bool": plant("disable_root: true", 'disable_root: "no"\nssh_quiet_keygen: no\nresize_rootfs: on'),
  "users: sudo false (deprecated in a oneOf branch), a float uid, a date": plant(
    "ssh_pwauth: false\n",
    "  - {name: a, sudo: false}\n  - {name: b, uid: 1000.0}\n  - {name: c, expiredate: 2030-01-01}\n  - {name: d, expiredate: '2030-02-30'}\n  - {name: e, uid: '1000'}\nssh_pwauth: false\n",
  ),
  "write_files: missing path, bad encoding, bytes content": plant(
    "write_files:\n",
    "write_files:\n  - content: x\n  - path: /a\n    encoding: zip\n  - path: /b\n    content: !!binary aGVsbG8=\n",
  ),
  "merge keys and an alias": "#cloud-config\nbase: &b {owner: 'root:root', permissions: '0644'}\nwrite_files:\n  - <<: *b\n    path: /a\n  - <<: [*b, {defer: 1}]\n    path: /b\n",
  "empty file": "#cloud-config\n",
  "a list, not a dict": "#cloud-config\n- a\n- b\n",
  "two documents": "#cloud-config\na: 1\n---\nb: 2\n",
  "unknown tag": "#cloud-config\nhostname: !foo bar\n",
  "unhashable key": "#cloud-config\n? [a, b]\n: c\n",
  "sexagesimal, hex and 1e3 as a string": "#cloud-config\nhostname: 1e3\nfqdn: 1.0e+3\nusers: [{name: x, uid: 1:20}, {name: y, uid: 0x10}, {name: z, uid: 0b101.5}]\n",
  "unicode and quotes in a repr": "#cloud-config\nruncmd:\n  - {\"it's\": \"é\\u0007\\t\"}\n",
  "power_state delay string (deprecated), growpart mode false": "#cloud-config\npower_state: {mode: reboot, delay: '+5'}\ngrowpart: {mode: false}\n",
  "a pattern, and a number where strings go": "#cloud-config\nswap: {filename: /swap, size: 12X, maxsize: 1.0}\nntp: {servers: [1]}\n",
  "oneOf: valid under more than one branch": "#cloud-config\nusers: [{name: a, snapuser: a@example.com}]\nfs_setup: [{device: /dev/sdb, filesystem: ext4, partition: 1}]\n",
  "oneOf of objects; anyOf of objects": "#cloud-config\nreporting: {hook: {type: webhook, endpoint: x, retries: 1.0}}\nchpasswd: {users: [{name: a}, {name: b, type: RANDOM, password: x}]}\n",
  "disk_setup layout (a oneOf under patternProperties), snap commands, empty bootcmd": "#cloud-config\ndisk_setup: {/dev/sdb: {table_type: gpt, layout: 5}, /dev/sdc: {layout: [50, [50, 82], x]}}\nsnap: {commands: {a: 5, b: [x, 1]}}\nbootcmd: []\n",
  "deprecated keys through allOf and in objects": "#cloud-config\nca-certs: {trusted: [x], remove-defaults: true}\ngrub-dpkg: {enabled: true}\nchpasswd: {list: 'a:b'}\nusers: [default, {name: x, lock-passwd: true}]\n",
  "patternProperties keys that match no regex": "#cloud-config\nyum_repos: {'bad!name': {baseurl: x}, 'ok': {baseurl: y, 'bad key': 1}}\nssh_keys: {rsa_secret: x, dsa_public: y}\n",
  "integers: float, inf, nan, bool, minimum": "#cloud-config\npower_state: {mode: reboot, timeout: 30.0}\nchef: {omnibus_url_retries: .inf}\nphone_home: {url: x, tries: .nan}\nautoinstall: {version: true}\nlxd: {bridge: {mode: new, mtu: -5}}\n",
};

const tmp = tempDir("slipway-ci-agree-");
afterAll(() => tmp.cleanup());

const validator = schema ? new CloudConfigValidator(schema.schema) : undefined;

/**
 * What both must agree on. A YAML syntax error is the one place the in-process parser (the yaml
 * library) and cloud-init's (PyYAML) say different things, so there only the kind of finding is
 * compared; the gate asks cloud-init for such a file's words and line (tested below).
 */
function comparable(findings: readonly Finding[]): string[] {
  return findings
    .map((f) => (f.code === "SW-CLOUD-INIT-YAML" ? [f.severity, f.code, f.file, f.message.replace(/valid yaml\. .*/, "valid yaml. ...")] : [f.severity, f.code, f.file, f.line, f.col, f.message, f.hint ?? ""]))
    .map((f) => JSON.stringify(f))
    .sort();
}

function write(name: string, text: string): UserDataFile {
  const slug = name.replace(/[^a-z0-9]+/gi, "-");
  const file = join(tmp.dir, `${slug}.yaml`);
  writeFileSync(file, text);
  return { file, text, display: `bootstrap/${slug}.yaml` };
}

async function both(name: string, text: string): Promise<{ cli: Finding[]; inProcess: Finding[] }> {
  const n = write(name, text);
  return { cli: await runCloudInitSchema(n.file, { binary: cloudInit!, displayFile: n.display }), inProcess: checkCloudConfig(text, n.display, validator!) };
}

describe.skipIf(!cloudInit || !schema)(`in-process gate vs \`cloud-init schema\` (cloud-init ${schema?.version ?? "?"})`, () => {
  it.each(GOLDEN)("golden %s: both find nothing", async (path) => {
    const r = await both(path, readFileSync(join(CASES, path), "utf8"));
    expect(r.cli).toEqual([]);
    expect(r.inProcess).toEqual([]);
  });

  it.each(Object.entries(PLANTED))("planted: %s", async (name, text) => {
    const r = await both(name, text);
    expect(r.cli.length, "cloud-init reported nothing: the plant did not take").toBeGreaterThanOrEqual(name === "unknown top-level key" ? 0 : 1);
    expect(comparable(r.inProcess)).toEqual(comparable(r.cli));
  });

  it("a value PyYAML raises on: cloud-init stops with a traceback; the in-process gate says why, at the value", async () => {
    const r = await both("a date with month 13", "#cloud-config\nusers:\n  - {name: a, expiredate: 2030-13-01}\n");
    expect(r.cli.map((f) => [f.severity, f.code])).toEqual([["error", "SW-CLOUD-INIT-OUTPUT"]]);
    expect(r.cli[0]!.message).toMatch(/Traceback/);
    expect(r.inProcess.map((f) => [f.severity, f.code, f.line, f.col, f.message])).toEqual([
      ["error", "SW-CLOUD-INIT-CRASH", 3, 27, "cloud-init stops with a Python exception reading this file: cloud-init cannot read '2030-13-01' as !!timestamp: month must be in 1..12 (ValueError)"],
    ]);
  });

  it("a file that does not parse: the gate reports cloud-init's own words and line for it", async () => {
    const broken = Object.entries(PLANTED).filter(([name]) => name.startsWith("YAML syntax error"));
    const nodes = broken.map(([name, text]) => write(name, text));
    const gate = await runCloudInitGate(nodes, { binary: cloudInit });
    const cli = (await Promise.all(nodes.map((n) => runCloudInitSchema(n.file, { binary: cloudInit!, displayFile: n.display })))).flat();
    expect(gate.findings).toEqual(cli);
    expect(cli.map((f) => f.code)).toEqual(broken.map(() => "SW-CLOUD-INIT-YAML"));
  });
});
