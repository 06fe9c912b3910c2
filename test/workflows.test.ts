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
/** What `slipway init` writes into a user's repository (commit-rendered.yml with its branch). */
const templatesDir = join(repo, "templates/workflows");
/** Every workflow file: the repository's own and the templates, as `dir/file` for test names. */
const allFiles = [...workflowFiles.map((f) => `.github/workflows/${f}`), ...workflowFiles.map((f) => `templates/workflows/${f}`)];

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

/** A workflow by file name (the repository's own) or by path (`templates/workflows/x.yml`). */
const load = (file: string) => readFileSync(file.includes("/") ? join(repo, file) : join(workflowsDir, file), "utf8");
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

  it.each(allFiles)("%s passes action-validator", (file) => {
    const state = validator.validateWorkflow(load(file));
    expect(state.actionType).toBe("workflow");
    expect(state.errors).toEqual([]);
  });

  it.each(allFiles)("%s runs only real slipway commands", (file) => {
    const used = steps(workflow(file)).flatMap((s) => (s.run ? slipwayCommands(s.run) : []));
    expect(used.length).toBeGreaterThan(0);
    const unknown = [...new Set(used.filter((c) => !COMMAND_NAMES.includes(c)))];
    expect(unknown, `not in COMMAND_NAMES of generator/cli/commands.ts [${COMMAND_NAMES.join(", ")}]`).toEqual([]);
  });

  it("the command scan finds npx and bare invocations and ignores look-alikes", () => {
    expect(slipwayCommands("npx slipway render --check\nx=$(slipway plan)\nnpx --yes slipway diff > d.md\necho slipway-review; ./slipway.sh")).toEqual(["render", "plan", "diff"]);
  });

  it.each(allFiles)("%s: every run script parses as bash", (file) => {
    for (const s of steps(workflow(file))) {
      if (!s.run) continue;
      // Expressions are substituted by the runner before bash sees the script.
      const script = s.run.replace(/\$\{\{[^}]*\}\}/g, "X");
      const r = spawnSync("bash", ["-n", "-o", "pipefail", "-e"], { input: script, encoding: "utf8" });
      expect(r.stderr, `${file}: step "${s.name ?? s.run.split("\n")[0]}"`).toBe("");
      expect(r.status).toBe(0);
    }
  });

  it.each(allFiles)("%s: every action is pinned to a version (tag or commit SHA), never a branch", (file) => {
    for (const s of steps(workflow(file))) {
      if (s.uses) expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+@(v\d+(\.\d+)*|[0-9a-f]{40})$/);
    }
  });
});

describe("templates/workflows/ (what `slipway init` writes) and the repository's own", () => {
  const initDir = () => mkdtempSync(join(tmpdir(), "slipway-init-workflows-"));
  const initIn = (dir: string, gitConfig = "/dev/null") =>
    spawnSync(process.execPath, [join(repo, "dist/bin.js"), "init", "--dir", dir], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: gitConfig } });

  it("render-and-diff.yml is the same file; commit-rendered.yml differs only in the paths that trigger it", () => {
    expect(readdirSync(templatesDir).sort(cmp)).toEqual(workflowFiles);
    expect(load("render-and-diff.yml")).toBe(load("templates/workflows/render-and-diff.yml"));
    const own = workflow("commit-rendered.yml");
    const user = workflow("templates/workflows/commit-rendered.yml");
    const withoutPaths = (wf: Workflow) => ({ ...wf, on: { push: { ...(wf.on.push as object), paths: [] } } });
    expect(withoutPaths(user)).toEqual(withoutPaths(own));
  });

  it("templates/ ships in the package, so init finds them", () => {
    const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { files: string[] };
    expect(pkg.files).toContain("templates");
  });

  it("slipway init writes both into the user's repository, and keeps one that exists", () => {
    const dir = initDir();
    try {
      mkdirSync(join(dir, ".github/workflows"), { recursive: true });
      writeFileSync(join(dir, ".github/workflows/commit-rendered.yml"), "# mine\n");
      const r = initIn(dir);
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(dir, ".github/workflows/render-and-diff.yml")).equals(readFileSync(join(templatesDir, "render-and-diff.yml")))).toBe(true);
      expect(readFileSync(join(dir, ".github/workflows/commit-rendered.yml"), "utf8")).toBe("# mine\n");
      expect(r.stderr).toContain("kept the existing .github/workflows/commit-rendered.yml");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(["master", "trunk"])("in a repository whose branch is %s, init's commit-back runs on that branch and gitops.revision names it", (branch) => {
    const dir = initDir();
    try {
      expect(spawnSync("git", ["init", "-q", "-b", branch, dir]).status).toBe(0);
      const r = initIn(dir);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`commit-rendered on pushes to ${branch}`);
      const text = readFileSync(join(dir, ".github/workflows/commit-rendered.yml"), "utf8");
      expect((parse(text) as Workflow).on.push).toMatchObject({ branches: [branch] });
      expect(validator.validateWorkflow(text).errors).toEqual([]);
      expect(text).toBe(load("templates/workflows/commit-rendered.yml").replace("branches: [main]", `branches: [${branch}]`));
      expect(readFileSync(join(dir, "cluster.yaml"), "utf8")).toContain(`    revision: ${branch}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("outside a git repository, init uses init.defaultBranch, else main", () => {
    const dir = initDir();
    const configured = initDir();
    try {
      expect(initIn(dir).status).toBe(0);
      expect(readFileSync(join(dir, ".github/workflows/commit-rendered.yml"), "utf8")).toContain("    branches: [main]\n");
      writeFileSync(join(configured, "gitconfig"), "[init]\n\tdefaultBranch = develop\n");
      const r = initIn(join(configured, "repo"), join(configured, "gitconfig"));
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(configured, "repo/.github/workflows/commit-rendered.yml"), "utf8")).toContain("    branches: [develop]\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(configured, { recursive: true, force: true });
    }
  });

  it("init's commit-rendered.yml triggers on the user's inputs, not on Slipway's own source folders", () => {
    const push = workflow("templates/workflows/commit-rendered.yml").on.push as { branches: string[]; paths: string[] };
    expect(push.branches).toEqual(["main"]); // replaced by the repository's branch at init
    expect(push.paths).toEqual(["cluster.yaml", "bootstrap/**", "sealed-secrets/**", "package.json", "package-lock.json"]);
    for (const own of ["templates/**", "schema/**", "generator/**"]) expect(push.paths).not.toContain(own);
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
    // The base is the branch the pull request merges into, whatever its name (not a guessed main).
    expect(runs).toContain('npx slipway plan --base "origin/$BASE_REF" --format markdown > plan.md');
    const planStep = all.find((s) => s.name === "Plan") as Step & { env?: Record<string, string> };
    expect(planStep.env).toEqual({ BASE_REF: "${{ github.base_ref }}" });
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
