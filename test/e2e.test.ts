/** The built CLI, run as a user would: commands, exit codes, files written. */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COMMAND_NAMES, COMMANDS } from "../generator/cli/commands.js";
import { commandsFor, VERSION } from "../generator/cli/program.js";
import { ROOT, slipway, tempDir } from "./support/cli.js";
import { writeFiles } from "./support/tree.js";

let work: { dir: string; cleanup: () => void };
beforeEach(() => {
  work = tempDir();
});
afterEach(() => work.cleanup());

const example = (name: string) => join(ROOT, "examples", name, "cluster.yaml");
const TOKEN = "test-token-0123456789abcdef";

function scratchRepo(name = "contabo-ha"): string {
  cpSync(example(name), join(work.dir, "cluster.yaml"));
  return work.dir;
}

/** A scratch repository with a Sealed Secrets key pair (CI has no .slipway/): the first server needs it. */
function keyedRepo(name: string): string {
  const dir = scratchRepo(name);
  const r = slipway(["keygen"], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

describe("help and usage", () => {
  it.each(COMMAND_NAMES)("%s --help prints usage with examples and exits 0", (cmd) => {
    const r = slipway([cmd, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: slipway ${cmd}`);
    expect(r.stdout).toContain("Examples:");
  });

  it.each([...COMMAND_NAMES, "dns records"])("%s --help lists its exit codes in the one help style", (cmd) => {
    const r = slipway([...cmd.split(" "), "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nExamples:\n {2}\$ /);
    expect(r.stdout).toMatch(/\nExit codes:\n {2}0 {2}.+\n(?: {2}1 {2}.+\n)? {2}2 {2}usage error.+\n {2}3 {2}internal error: a bug in slipway\n/);
    // The spec default is said the same way everywhere (no quoted commander default); plan's
    // options are being rewritten with its classes (generator/cli/plan.ts), so it is left out here.
    if (cmd !== "plan") expect(r.stdout).not.toContain('(default: "cluster.yaml")');
  });

  it("--version prints the version and exits 0, registering no command (only --version alone skips them)", () => {
    for (const flag of ["--version", "-V"]) expect(slipway([flag])).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    expect(commandsFor(["node", "slipway", "--version"], COMMANDS)).toEqual([]);
    expect(commandsFor(["node", "slipway", "--help"], COMMANDS).map((c) => c.name)).toEqual(COMMAND_NAMES);
    expect(commandsFor(["node", "slipway", "render", "--version"], COMMANDS).map((c) => c.name)).toEqual(["render"]);
  });

  it("slipway with no arguments prints the usage on stderr and exits 2 (a usage error); --help prints it on stdout and exits 0", () => {
    const bare = slipway([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe("");
    expect(bare.stderr).toContain("Usage: slipway [options] [command]");
    expect(bare.stderr).toContain("Without a command, slipway prints this help on standard error and exits 2");
    const help = slipway(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: slipway [options] [command]");
    const group = slipway(["dns"]);
    expect(group.code).toBe(2);
    expect(group.stderr).toContain("Usage: slipway dns");
  });

  it("the command list has one summary style: lower case (or an acronym), no full stop", () => {
    const list = slipway(["--help"]).stdout.split("Commands:\n")[1]!.split("\n\n")[0]!;
    const summaries = list.split("\n").filter((l) => /^ {2}\S/.test(l)).map((l) => l.replace(/^ {2}\S.*? {2,}/, ""));
    expect(summaries.length).toBe(COMMAND_NAMES.length + 1);
    for (const s of summaries) expect(s, s).toMatch(/^([a-z]|[A-Z]{2,}\b).*[^.]$/);
  });

  it("seal --help shows no empty list defaults and names the stdin argument -", () => {
    const r = slipway(["seal", "--help"]);
    expect(r.stdout).not.toContain("(default: [])");
    expect(r.stdout).not.toContain("[stdin]");
    expect(r.stdout).toContain("Usage: slipway seal [options] <name> [-]");
  });

  it("an unknown command is a usage error (exit 2)", () => {
    const r = slipway(["rendr"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'rendr'/);
    expect(r.stderr).toMatch(/Did you mean render\?/);
  });

  it("an unknown option is a usage error (exit 2)", () => {
    expect(slipway(["render", "--frobnicate"]).code).toBe(2);
  });

  it("an unknown --format is a usage error (exit 2)", () => {
    const r = slipway(["validate", example("contabo-ha"), "--format", "yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown --format "yaml"');
  });
});

describe("validate", () => {
  it("accepts every example (exit 0)", () => {
    for (const name of ["contabo-ha", "hetzner-single"]) expect(slipway(["validate", example(name)]).code).toBe(0);
  });

  it("reports every problem with position, code, path, hint and code frame (exit 1, no stack trace)", () => {
    const dir = scratchRepo();
    const text = readFileSync(join(dir, "cluster.yaml"), "utf8").replace("role: server, address: 203.0.113.12", "rol: server, address: 203.0.113.12").replace("cni: cilium", "cni: cillium");
    writeFileSync(join(dir, "cluster.yaml"), text);
    const r = slipway(["validate"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cluster\.yaml:\d+:\d+: error SW-SCHEMA-UNKNOWN-KEY spec\.nodes\[1\]\.rol: unknown key "rol" \(did you mean "role"\?\)$/m);
    expect(r.stderr).toMatch(/^cluster\.yaml:\d+:\d+: error SW-SCHEMA-ENUM spec\.network\.cni: "cillium" is not one of: flannel, cilium \(did you mean "cilium"\?\)$/m);
    expect(r.stderr).toMatch(/^ {2}hint: /m);
    expect(r.stderr).toMatch(/^ {2}> +\d+ \| /m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it("--format json lists diagnostics", () => {
    const dir = scratchRepo();
    writeFileSync(join(dir, "cluster.yaml"), readFileSync(join(dir, "cluster.yaml"), "utf8").replace("name: talent-mesh", "name: Talent_Mesh"));
    const r = slipway(["validate", "--format", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as { valid: boolean; diagnostics: { code: string; path: string; line: number }[] };
    expect(j.valid).toBe(false);
    const line = readFileSync(join(dir, "cluster.yaml"), "utf8").split("\n").findIndex((l) => l.includes("name: Talent_Mesh")) + 1;
    expect(j.diagnostics[0]).toMatchObject({ code: "SW-SCHEMA-FORMAT", path: "metadata.name", line });
  });

  it("a missing spec is a clear error (exit 1)", () => {
    const r = slipway(["validate"], { cwd: work.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error SW-FILE-MISSING");
    expect(r.stderr).toContain("slipway init");
  });
});

describe("render", () => {
  it("writes rendered/ and bootstrap/ beside the spec; --check passes after, fails when stale", () => {
    const dir = scratchRepo();
    const r = slipway(["render"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rendered \d+ files/);
    expect(existsSync(join(dir, "rendered/apps/root.yaml"))).toBe(true);
    expect(existsSync(join(dir, "bootstrap/node-1.yaml"))).toBe(true);
    expect(slipway(["render", "--check"], { cwd: dir }).code).toBe(0);
    writeFileSync(join(dir, "cluster.yaml"), readFileSync(join(dir, "cluster.yaml"), "utf8").replace("version: 5.4.0", "version: 5.4.1"));
    const stale = slipway(["render", "--check"], { cwd: dir });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("changed  rendered/apps/minio.yaml");
    // --check writes nothing.
    expect(readFileSync(join(dir, "rendered/apps/minio.yaml"), "utf8")).toContain("5.4.0");
  });

  it("--out writes both trees under another directory", () => {
    const out = join(work.dir, "preview");
    expect(slipway(["render", example("hetzner-single"), "--out", out]).code).toBe(0);
    expect(existsSync(join(out, "rendered/apps/argocd.yaml"))).toBe(true);
    expect(existsSync(join(out, "bootstrap/cosmos-1.yaml"))).toBe(true);
  });

  it("an invalid spec writes nothing (exit 1)", () => {
    const dir = scratchRepo();
    writeFileSync(join(dir, "cluster.yaml"), readFileSync(join(dir, "cluster.yaml"), "utf8").replace("role: server, address: 203.0.113.13", "role: server, address: 203.0.113.12"));
    expect(slipway(["render"], { cwd: dir }).code).toBe(1);
    expect(existsSync(join(dir, "rendered"))).toBe(false);
  });

  it("--format json lists the files", () => {
    const r = slipway(["render", example("hetzner-single"), "--out", work.dir, "--format", "json"]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { files: string[] }).files).toContain("bootstrap/cosmos-1.yaml");
  });
});

describe("diff", () => {
  it("exits 0 with no change and 1 with a per-Application diff", () => {
    const dir = scratchRepo();
    slipway(["render"], { cwd: dir });
    const same = slipway(["diff"], { cwd: dir });
    expect(same.code).toBe(0);
    expect(same.stdout.trim()).toBe("no changes");
    writeFileSync(join(dir, "cluster.yaml"), readFileSync(join(dir, "cluster.yaml"), "utf8").replace("replicas: 3}", "replicas: 4}"));
    const d = slipway(["diff"], { cwd: dir });
    expect(d.code).toBe(1);
    expect(d.stdout).toContain("Application root: 0 added, 1 changed, 0 removed");
    expect(d.stdout).toContain("changed argoproj.io/v1alpha1/Application/argocd/minio");
    expect(d.stdout).toContain("    --- a/argoproj.io/v1alpha1/Application/argocd/minio\n    +++ b/argoproj.io/v1alpha1/Application/argocd/minio\n");
    expect(d.stdout).toMatch(/^ +-\s+replicas: 3$/m);
    expect(d.stdout).toMatch(/^ +\+\s+replicas: 4$/m);
    const md = slipway(["diff", "--format", "markdown"], { cwd: dir });
    expect(md.code).toBe(1);
    expect(md.stdout).toContain("```diff");
    const json = JSON.parse(slipway(["diff", "--format", "json"], { cwd: dir }).stdout) as { changed: boolean; applications: { app: string }[] };
    expect(json.changed).toBe(true);
    expect(json.applications.map((a) => a.app)).toEqual(["root"]);
  });

  it("groups added nodes' user-data apart from the Applications", () => {
    const dir = scratchRepo();
    slipway(["render"], { cwd: dir });
    writeFileSync(join(dir, "cluster.yaml"), readFileSync(join(dir, "cluster.yaml"), "utf8").replace("  network:\n", "    - {name: worker-1, role: agent, address: 203.0.113.21}\n  network:\n"));
    const d = slipway(["diff"], { cwd: dir });
    expect(d.code).toBe(1);
    expect(d.stdout).toContain("Node user-data (bootstrap/): 1 added");
    expect(d.stdout).not.toContain("Application nodes");
    expect(d.stdout).toContain("added   bootstrap/worker-1.yaml");
    expect(d.stdout).toContain("    --- /dev/null\n    +++ b/bootstrap/worker-1.yaml\n");
    const json = JSON.parse(slipway(["diff", "--format", "json"], { cwd: dir }).stdout) as { applications: unknown[]; nodes: { id: string }[] };
    expect(json.nodes.map((n) => n.id)).toContain("bootstrap/worker-1.yaml");
  });
});

describe("diff against a missing tree", () => {
  it("--out MISSING is a usage error; a spec folder with no tree says everything is shown as added", () => {
    const dir = scratchRepo();
    const missing = slipway(["diff", "--out", "no-such-dir"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--out no-such-dir does not exist");
    const fresh = slipway(["diff"], { cwd: dir });
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toContain("no committed tree in . (neither rendered/ nor bootstrap/): everything is shown as added");
  });
});

describe("userdata", () => {
  it("takes the spec as a positional argument like the other commands, and still accepts --spec", () => {
    const env = { SLIPWAY_K3S_TOKEN: TOKEN };
    const positional = slipway(["userdata", "node-2", example("contabo-ha")], { env });
    expect(positional.code, positional.stderr).toBe(0);
    const option = slipway(["userdata", "node-2", "--spec", example("contabo-ha")], { env });
    expect(option.code).toBe(0);
    expect(option.stdout).toBe(positional.stdout);
    const both = slipway(["userdata", "node-2", example("contabo-ha"), "--spec", example("hetzner-single")], { env });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("two different specs given");
  });

  it("names the missing variable (exit 1)", () => {
    const r = slipway(["userdata", "node-1", "--spec", example("contabo-ha")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("SLIPWAY_K3S_TOKEN");
  });

  it("prints the complete cloud-init with the token filled in", () => {
    const r = slipway(["userdata", "node-2", "--spec", example("contabo-ha")], { env: { SLIPWAY_K3S_TOKEN: TOKEN } });
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith("#cloud-config\n")).toBe(true);
    expect(r.stdout).toContain(`token: ${TOKEN}`);
    expect(r.stdout).toContain("server: https://203.0.113.11:6443");
    expect(r.stdout).not.toContain("__SLIPWAY_SECRET_");
  });

  it("the first server needs the Sealed Secrets keys: without them the error names slipway keygen", () => {
    const dir = scratchRepo();
    const r = slipway(["userdata", "node-1"], { cwd: dir, env: { SLIPWAY_K3S_TOKEN: TOKEN } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("slipway keygen");
  });

  it("--out writes mode 0600", () => {
    const dir = keyedRepo("contabo-ha");
    const out = join(work.dir, "node-1.user-data");
    const r = slipway(["userdata", "node-1", "--out", out], { cwd: dir, env: { SLIPWAY_K3S_TOKEN: TOKEN } });
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    // Read as cloud-init does: content may be gz+b64-compressed to fit the provider's limit.
    const config = writeFiles(readFileSync(out, "utf8")).find((f) => f.path === "/etc/rancher/k3s/config.yaml");
    expect(config?.content).toContain("cluster-init: true");
  });

  it("reads the token from .slipway/k3s-token", () => {
    const dir = scratchRepo();
    mkdirSync(join(dir, ".slipway"));
    writeFileSync(join(dir, ".slipway/k3s-token"), `${TOKEN}\n`);
    const r = slipway(["userdata", "node-3"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`token: ${TOKEN}`);
  });

  it("a private repository needs SLIPWAY_GIT_TOKEN; with it the repository Secret is filled", () => {
    const dir = keyedRepo("hetzner-single");
    const missing = slipway(["userdata", "cosmos-1"], { cwd: dir, env: { SLIPWAY_K3S_TOKEN: TOKEN } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("SLIPWAY_GIT_TOKEN");
    const ok = slipway(["userdata", "cosmos-1"], { cwd: dir, env: { SLIPWAY_K3S_TOKEN: TOKEN, SLIPWAY_GIT_TOKEN: "ghp_exampletokenexampletoken" } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('password: "ghp_exampletokenexampletoken"');
  });

  it("an unknown node is an error listing the nodes", () => {
    const r = slipway(["userdata", "node-9", "--spec", example("contabo-ha")], { env: { SLIPWAY_K3S_TOKEN: TOKEN } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Nodes: node-1, node-2, node-3");
  });

  it("a token with a newline or quote is rejected, never echoed", () => {
    const r = slipway(["userdata", "node-1", "--spec", example("contabo-ha")], { env: { SLIPWAY_K3S_TOKEN: 'abc"def\nghijklmnopqrstu' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("SW-SECRET-INVALID");
    expect(r.stderr).not.toContain("ghijklmnopqrstu");
  });
});

describe("explain", () => {
  it("describes a field with type, default and example", () => {
    const r = slipway(["explain", "spec.k3s.disable"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("FIELD: spec.k3s.disable");
    expect(r.stdout).toContain("DEFAULT: []");
    expect(r.stdout).toContain("EXAMPLE:");
  });

  it("walks list items", () => {
    const r = slipway(["explain", "spec.nodes[].role"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('TYPE: one of: "server", "agent"');
  });

  it("an unknown field is a usage error with a suggestion", () => {
    const r = slipway(["explain", "spec.k3s.disabel"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Did you mean spec.k3s.disable?");
  });

  it("field summaries are whole first sentences, not cut at e.g.", () => {
    const r = slipway(["explain", "spec.nodes[].volume"]);
    expect(r.stdout).toContain("  device (required): Block device, e.g. /dev/sdb or /dev/disk/by-id/scsi-0HC_Volume_123.\n");
  });

  it("spec.nodes.name leads to spec.nodes[].name (a list's field is its items')", () => {
    const r = slipway(["explain", "spec.nodes.name"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^FIELD: spec\.nodes\[\]\.name\n/);
    expect(r.stderr).toContain("spec.nodes.name read as spec.nodes[].name (spec.nodes is a list)");
    const typo = slipway(["explain", "spec.nodes.nam"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("Did you mean spec.nodes[].name?");
  });

  it("a list of mappings lists its items' fields", () => {
    const r = slipway(["explain", "spec.nodes"]);
    expect(r.stdout).toContain("FIELDS (of each item, spec.nodes[]):\n  name (required): Node name");
    expect(r.stdout).toContain("\n  volume: ");
  });
});

describe("init", () => {
  it("scaffolds a valid cluster.yaml, schema, .gitignore and README section; refuses to overwrite", () => {
    const r = slipway(["init"], { cwd: work.dir });
    expect(r.code).toBe(0);
    const spec = readFileSync(join(work.dir, "cluster.yaml"), "utf8");
    expect(spec.split("\n")[0]).toBe("# yaml-language-server: $schema=./cluster.schema.json");
    expect(existsSync(join(work.dir, "cluster.schema.json"))).toBe(true);
    expect(readFileSync(join(work.dir, ".gitignore"), "utf8")).toContain(".slipway/");
    expect(readFileSync(join(work.dir, "README.md"), "utf8")).toContain("slipway render");
    expect(slipway(["validate"], { cwd: work.dir }).code).toBe(0);
    expect(slipway(["render"], { cwd: work.dir }).code).toBe(0);
    const again = slipway(["init"], { cwd: work.dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists");
  });

  it("the README quick start's `git add .` stages neither node_modules/ nor secrets", () => {
    const git = (...args: string[]) => spawnSync("git", args, { cwd: work.dir, encoding: "utf8", env: { PATH: process.env.PATH, HOME: work.dir, GIT_CONFIG_NOSYSTEM: "1" } });
    expect(git("init", "-q").status).toBe(0);
    expect(slipway(["init"], { cwd: work.dir }).code).toBe(0);
    mkdirSync(join(work.dir, "node_modules/slipway"), { recursive: true });
    writeFileSync(join(work.dir, "node_modules/slipway/package.json"), "{}\n");
    writeFileSync(join(work.dir, ".slipway/k3s-token"), `${TOKEN}\n`);
    writeFileSync(join(work.dir, "node-1.user-data"), "#cloud-config\n");
    expect(git("add", ".").status).toBe(0);
    const staged = git("diff", "--cached", "--name-only").stdout.split("\n").filter(Boolean);
    expect(staged).toContain("cluster.yaml");
    expect(staged).toContain("bootstrap/sealed-secrets.crt");
    expect(staged.filter((f) => f.startsWith("node_modules/") || f.startsWith(".slipway/") || f.endsWith(".user-data"))).toEqual([]);
  });

  it("keeps an existing .gitignore and adds only the lines it lacks", () => {
    writeFileSync(join(work.dir, ".gitignore"), "dist\nnode_modules\n");
    expect(slipway(["init"], { cwd: work.dir }).code).toBe(0);
    const lines = readFileSync(join(work.dir, ".gitignore"), "utf8").split("\n");
    expect(lines.slice(0, 2)).toEqual(["dist", "node_modules"]);
    expect(lines.filter((l) => l.startsWith("node_modules"))).toEqual(["node_modules"]);
    expect(lines).toContain(".slipway/");
    expect(lines).toContain("*.user-data");
  });
});
