/**
 * The GitHub workflows: each file passes the real workflow validator (@action-validator/core, the
 * engine of the `action-validator` CLI, run in-process: WebAssembly, no network), every
 * `slipway <command>` they run is a command the CLI has, every `run:` script parses as bash, and
 * the properties the workflows exist for (least privilege, one PR comment, checksum-verified
 * kubeconform, loop-proof commit-back) hold.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
// The canonical command list: the CLI registers its commands from the same module.
import { COMMAND_NAMES } from "../generator/cli/commands.js";
import { cmp } from "../generator/diagnostics.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const workflowsDir = join(repo, ".github/workflows");
const workflowFiles = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).sort(cmp);

interface ValidationState {
  actionType: string;
  errors: unknown[];
}
// CommonJS (wasm-pack's nodejs target): loaded with require, as its own CLI does.
const validator = createRequire(import.meta.url)("@action-validator/core") as { validateWorkflow(src: string): ValidationState };

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  jobs: Record<string, Job>;
}

const load = (file: string) => readFileSync(join(workflowsDir, file), "utf8");
const workflow = (file: string) => parse(load(file)) as Workflow;
const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps);

/** `slipway <word>` as run by `npx slipway ...` or a bare `slipway ...` in a shell script. */
export function slipwayCommands(script: string): string[] {
  const found: string[] = [];
  const re = /(?:^|[\s;&|(`])(?:npx\s+(?:--?[\w-]+\s+)*)?slipway\s+([A-Za-z][\w-]*)/g;
  for (let m = re.exec(script); m; m = re.exec(script)) found.push(m[1]!);
  return found;
}

describe("workflow files", () => {
  it("are the two Slipway needs", () => {
    expect(workflowFiles).toEqual(["commit-rendered.yml", "render-and-diff.yml"]);
  });

  it("the validator is live: it rejects a broken workflow", () => {
    const broken = "name: x\non: pushh\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n";
    expect(validator.validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it.each(workflowFiles)("%s passes action-validator", (file) => {
    const state = validator.validateWorkflow(load(file));
    expect(state.actionType).toBe("workflow");
    expect(state.errors).toEqual([]);
  });

  it.each(workflowFiles)("%s runs only real slipway commands", (file) => {
    const used = steps(workflow(file)).flatMap((s) => (s.run ? slipwayCommands(s.run) : []));
    expect(used.length).toBeGreaterThan(0);
    const unknown = [...new Set(used.filter((c) => !COMMAND_NAMES.includes(c)))];
    expect(unknown, `not in COMMAND_NAMES of generator/cli/commands.ts [${COMMAND_NAMES.join(", ")}]`).toEqual([]);
  });

  it("the command scan finds npx and bare invocations and ignores look-alikes", () => {
    expect(slipwayCommands("npx slipway render --check\nx=$(slipway plan)\nnpx --yes slipway diff > d.md\necho slipway-review; ./slipway.sh")).toEqual(["render", "plan", "diff"]);
  });

  it.each(workflowFiles)("%s: every run script parses as bash", (file) => {
    for (const s of steps(workflow(file))) {
      if (!s.run) continue;
      // Expressions are substituted by the runner before bash sees the script.
      const script = s.run.replace(/\$\{\{[^}]*\}\}/g, "X");
      const r = spawnSync("bash", ["-n", "-o", "pipefail", "-e"], { input: script, encoding: "utf8" });
      expect(r.stderr, `${file}: step "${s.name ?? s.run.split("\n")[0]}"`).toBe("");
      expect(r.status).toBe(0);
    }
  });

  it.each(workflowFiles)("%s: every action is pinned to a version (tag or commit SHA), never a branch", (file) => {
    for (const s of steps(workflow(file))) {
      if (s.uses) expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+@(v\d+(\.\d+)*|[0-9a-f]{40})$/);
    }
  });
});

describe("one source of truth: templates/workflows/", () => {
  const templatesDir = join(repo, "templates/workflows");

  it("the repository's .github/workflows/ are byte-identical copies of templates/workflows/ (what `slipway init` writes)", () => {
    expect(readdirSync(templatesDir).sort(cmp)).toEqual(workflowFiles);
    for (const file of workflowFiles) {
      expect(readFileSync(join(workflowsDir, file)).equals(readFileSync(join(templatesDir, file))), `${file}: copy templates/workflows/${file} to .github/workflows/`).toBe(true);
    }
  });

  it("templates/ ships in the package, so init finds them", () => {
    const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { files: string[] };
    expect(pkg.files).toContain("templates");
  });

  it("slipway init writes both into the user's repository, and keeps one that exists", () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-init-workflows-"));
    try {
      mkdirSync(join(dir, ".github/workflows"), { recursive: true });
      writeFileSync(join(dir, ".github/workflows/commit-rendered.yml"), "# mine\n");
      const r = spawnSync(process.execPath, [join(repo, "dist/bin.js"), "init", "--dir", dir], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(dir, ".github/workflows/render-and-diff.yml")).equals(readFileSync(join(templatesDir, "render-and-diff.yml")))).toBe(true);
      expect(readFileSync(join(dir, ".github/workflows/commit-rendered.yml"), "utf8")).toBe("# mine\n");
      expect(r.stderr).toContain("kept the existing .github/workflows/commit-rendered.yml");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("render-and-diff.yml", () => {
  const wf = workflow("render-and-diff.yml");
  const all = steps(wf);
  const runs = all.map((s) => s.run ?? "").join("\n");

  it("runs on pull requests, one run per PR, cancelling the previous one", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(wf.concurrency).toEqual({ group: "render-and-diff-${{ github.event.pull_request.number }}", "cancel-in-progress": true });
  });

  it("has least privilege: read by default, pull-requests: write only for the comment job", () => {
    expect(wf.permissions).toEqual({ contents: "read" });
    expect(wf.jobs.review!.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(wf.jobs.check!.permissions).toBeUndefined();
  });

  it("uses Node 22 and npm ci", () => {
    for (const s of all.filter((x) => x.uses?.startsWith("actions/setup-node@"))) expect(s.with?.["node-version"]).toBe(22);
    expect(runs).toContain("npm ci");
  });

  it("the plan job fetches history, so plan finds the merge base with the default branch", () => {
    const checkout = wf.jobs.review!.steps.find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with?.["fetch-depth"]).toBe(0);
  });

  it("renders with --check, plans and diffs as markdown, and tolerates only diff's exit code 1", () => {
    expect(runs).toContain("npx slipway render --check");
    expect(runs).toContain("npx slipway plan --format markdown > plan.md");
    expect(runs).toContain("npx slipway diff --format markdown > diff.md || rc=$?");
    expect(runs).toMatch(/if \[ "\$rc" -gt 1 \]; then[\s\S]*exit "\$rc"/);
  });

  it("updates one comment in place, found by its hidden marker", () => {
    const comment = all.find((s) => s.uses?.startsWith("actions/github-script@"));
    const script = String(comment?.with?.script);
    expect(script).toContain("<!-- slipway-review -->");
    expect(script).toContain("updateComment");
    // The script must at least parse (github-script runs it as the body of an async function).
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => unknown;
    expect(() => new AsyncFunction("require", "github", "context", script)).not.toThrow();
  });

  it("installs kubeconform v0.7.0 verified against the release CHECKSUMS, checks, and uploads the JUnit report", () => {
    expect(wf.jobs.check!.steps.length).toBeGreaterThan(0);
    expect(JSON.stringify(wf.jobs.check)).toContain('"KUBECONFORM_VERSION":"v0.7.0"');
    expect(runs).toContain("/CHECKSUMS");
    expect(runs).toContain("sha256sum --check --ignore-missing");
    expect(runs).toContain("npx slipway check --kubeconform ./kubeconform --format junit > check.xml");
    const upload = all.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.with?.path).toBe("check.xml");
  });
});

describe("commit-rendered.yml", () => {
  const wf = workflow("commit-rendered.yml");
  const runs = steps(wf).map((s) => s.run ?? "").join("\n");
  const push = wf.on.push as { branches: string[]; paths: string[] };

  it("runs on pushes to main that touch an input, never on rendered/ or bootstrap/ alone", () => {
    expect(Object.keys(wf.on)).toEqual(["push"]);
    expect(push.branches).toEqual(["main"]);
    expect(push.paths).toEqual(["cluster.yaml", "templates/**", "schema/**", "generator/**", "sealed-secrets/**", "package*.json"]);
    expect(push.paths.some((p) => p.startsWith("rendered") || p.startsWith("bootstrap"))).toBe(false);
  });

  it("is loop-proof, queued, and may only write contents", () => {
    expect(wf.jobs.commit!.if).toBe("github.actor != 'github-actions[bot]'");
    expect(wf.concurrency).toEqual({ group: "slipway-commit-rendered", "cancel-in-progress": false });
    expect(wf.permissions).toEqual({ contents: "write" });
    expect(load("commit-rendered.yml")).not.toMatch(/secrets\.\w*(PAT|TOKEN)/);
  });

  it("renders, commits only when rendered/ or bootstrap/ changed, as github-actions[bot], then pushes", () => {
    expect(runs).toContain("npx slipway render");
    expect(runs).toContain("git status --porcelain -- rendered bootstrap");
    expect(runs).toContain("git config user.name 'github-actions[bot]'");
    expect(runs).toContain("git push origin");
  });

  it("the message pipeline names the changed Applications", () => {
    const script = steps(wf).find((s) => s.run?.includes("Applications changed"))!.run!;
    const pipeline = /apps=\$\(git diff [^|]*\| (.*)\)$/m.exec(script)![1]!;
    const changed = [
      "rendered/apps/argocd.yaml",
      "rendered/apps/cilium.yaml",
      "rendered/manifests/cilium/values.yaml",
      "rendered/manifests/web/deploy/deployment.yaml",
      "rendered/root.yaml",
    ].join("\n");
    const r = spawnSync("bash", ["-c", pipeline], { input: `${changed}\n`, encoding: "utf8" });
    expect(r.stdout.split("\n").filter(Boolean)).toEqual(["argocd", "cilium", "web"]);
  });
});
