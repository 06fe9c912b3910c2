import type { Command } from "commander";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { error, UsageError, UserError } from "../diagnostics.js";
import { writeFileAtomic } from "../output/write.js";
import { packageRoot } from "../render/templates.js";
import { err } from "./io.js";
import { configuredDefaultBranch, currentBranch } from "./git.js";
import { examples } from "./help.js";
import { outputDir } from "./paths.js";
import { displayPath } from "./print.js";
import { action } from "./result.js";

const README_MARKER = "<!-- slipway -->";

export function register(program: Command): void {
  program
    .command("init")
    .summary("scaffold cluster.yaml, .gitignore, a README section and the sealing key pair")
    .description("Creates cluster.yaml (with the yaml-language-server $schema line for editor completion), cluster.schema.json beside it, a .gitignore (.slipway/, where secrets live, node_modules/ and *.user-data), a README section explaining the workflow, and the Sealed Secrets key pair (as `slipway keygen`: private key in .slipway/, certificate at bootstrap/sealed-secrets.crt). Also writes the CI workflows .github/workflows/render-and-diff.yml and commit-rendered.yml (kept if present), for the repository's branch (git's current branch, else init.defaultBranch, else main). Refuses to overwrite an existing cluster.yaml; keeps existing keys.")
    .option("--dir <dir>", "repository directory (made when missing)", ".")
    .addHelpText("after", examples("npx slipway init", "slipway init --dir infra/"))
    .action(action(async (opts: { dir: string }) => {
      const dir = outputDir(opts.dir, "--dir");
      const spec = join(dir, "cluster.yaml");
      if (existsSync(spec)) {
        throw new UserError([error("SW-INIT-EXISTS", `${spec} already exists; init does not overwrite it`, { hint: "Edit it, or move it away to start over." })]);
      }
      const root = packageRoot();
      mkdirSync(dir, { recursive: true });
      // Every file init reads or writes must be a file, or absent: a directory there is a usage error.
      for (const f of ["cluster.schema.json", ".gitignore", "README.md", ".github/workflows/render-and-diff.yml", ".github/workflows/commit-rendered.yml"]) notADirectory(join(dir, f));
      const branch = branchOf(dir);
      writeFileAtomic(spec, withBranch(readFileSync(join(root, "templates/init/cluster.yaml"), "utf8"), "    revision: main\n", branch, "templates/init/cluster.yaml"));
      writeFileAtomic(join(dir, "cluster.schema.json"), readFileSync(join(root, "schema/cluster.schema.json"), "utf8"));
      ensureIgnored(join(dir, ".gitignore"));
      const readme = join(dir, "README.md");
      const current = existsSync(readme) ? readFileSync(readme, "utf8") : "";
      if (!current.includes(README_MARKER)) writeFileAtomic(readme, `${current}${current && !current.endsWith("\n") ? "\n" : ""}${readFileSync(join(root, "templates/init/README-section.md"), "utf8")}`);
      writeWorkflows(dir, root, branch);
      await ensureKeys(dir);
      err(`created ${spec}; next: edit it, then run \`slipway validate\` and \`slipway render\``);
      return 0;
    }));
}

/**
 * The Sealed Secrets key pair, as `slipway keygen` makes it: private key into .slipway/ (git-ignored),
 * certificate to bootstrap/sealed-secrets.crt. Keys or a certificate already there are kept.
 */
async function ensureKeys(dir: string): Promise<void> {
  const store = await import("../secrets/key-store.js");
  const existing = await store.loadKeys(dir);
  if (existing.length > 0 || existsSync(store.certificateFileOf(dir))) {
    err(`kept the existing Sealed Secrets key material (${existing.length} private key(s) in ${store.KEY_DIR}/)`);
    return;
  }
  const key = await store.initKeys(dir, new Date());
  err(`created the Sealed Secrets key pair: private key ${store.KEY_DIR}/${key.id}.pem (never commit it; back it up), certificate ${store.CERTIFICATE_FILE} (commit it)`);
}

/**
 * The branch the workflows run on and `gitops.revision` names: the repository's current branch
 * (also before its first commit), else the branch `git init` would make, else main.
 */
function branchOf(dir: string): string {
  try {
    return currentBranch(dir) ?? configuredDefaultBranch(dir) ?? "main";
  } catch (e) {
    if (e instanceof UsageError) return "main"; // no git here: init does not need it
    throw e;
  }
}

/** `text` with the one `main` of `marker` replaced by `branch` (quoted when YAML needs it). */
export function withBranch(text: string, marker: string, branch: string, file: string): string {
  const at = text.indexOf(marker);
  if (at < 0 || text.indexOf(marker, at + 1) >= 0) throw new Error(`${file}: expected exactly one ${JSON.stringify(marker)}`);
  const name = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(branch) ? branch : JSON.stringify(branch);
  return text.slice(0, at) + marker.replace("main", name) + text.slice(at + marker.length);
}

/**
 * The workflows of templates/workflows/ (what a user's repository runs; Slipway's own
 * .github/workflows/ differ only in the paths that trigger the commit-back), into
 * .github/workflows/ for `branch`; existing files are kept.
 */
function writeWorkflows(dir: string, root: string, branch: string): void {
  const from = join(root, "templates/workflows");
  for (const name of readdirSync(from).filter((f) => f.endsWith(".yml")).sort()) {
    const target = join(dir, ".github/workflows", name);
    if (existsSync(target)) {
      err(`kept the existing ${relative(dir, target)}`);
      continue;
    }
    const text = readFileSync(join(from, name), "utf8");
    mkdirSync(dirname(target), { recursive: true });
    writeFileAtomic(target, name === "commit-rendered.yml" ? withBranch(text, "    branches: [main]\n", branch, `templates/workflows/${name}`) : text);
  }
  err(`wrote .github/workflows/ (render-and-diff on pull requests, commit-rendered on pushes to ${branch}): they run \`npm ci\` and \`npx slipway\`, so keep slipway in package.json devDependencies`);
}

function notADirectory(path: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${displayPath(path)} is a directory, where init writes a file`, "Move it away, or run init in another directory (--dir).");
}

/** What the repository must never commit: Slipway's secrets, npm's install, printed user-data. */
const IGNORED: readonly { line: string; why: string }[] = [
  { line: ".slipway/", why: "slipway: private keys and tokens, never committed" },
  { line: "node_modules/", why: "npm install (slipway is a devDependency)" },
  { line: "*.user-data", why: "slipway userdata --out: complete user-data with secrets" },
];

/** Appends the lines of {@link IGNORED} that .gitignore lacks, each under its comment. */
function ensureIgnored(file: string): void {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const have = new Set(text.split("\n").map((l) => l.trim()));
  const missing = IGNORED.filter((i) => !have.has(i.line) && !have.has(i.line.replace(/\/$/, "")));
  if (missing.length === 0) return;
  const added = missing.map((i) => `# ${i.why}\n${i.line}\n`).join("");
  writeFileAtomic(file, `${text}${text && !text.endsWith("\n") ? "\n" : ""}${added}`);
}
