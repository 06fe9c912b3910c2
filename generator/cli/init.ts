import type { Command } from "commander";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { error, UserError } from "../diagnostics.js";
import { writeFileAtomic } from "../output/write.js";
import { packageRoot } from "../render/templates.js";
import { err } from "./io.js";
import { examples } from "./help.js";
import { outputDir } from "./paths.js";
import { action } from "./result.js";

const README_MARKER = "<!-- slipway -->";

export function register(program: Command): void {
  program
    .command("init")
    .summary("scaffold cluster.yaml, .gitignore, a README section and the sealing key pair")
    .description("Creates cluster.yaml (with the yaml-language-server $schema line for editor completion), cluster.schema.json beside it, .slipway/ in .gitignore (secrets live there), a README section explaining the workflow, and the Sealed Secrets key pair (as `slipway keygen`: private key in .slipway/, certificate at bootstrap/sealed-secrets.crt). Also writes the CI workflows .github/workflows/render-and-diff.yml and commit-rendered.yml (kept if present). Refuses to overwrite an existing cluster.yaml; keeps existing keys.")
    .option("--dir <dir>", "repository directory (made when missing)", ".")
    .addHelpText("after", examples("npx slipway init", "slipway init --dir infra/"))
    .action(action(async (opts: { dir: string }) => {
      const dir = outputDir(opts.dir, "--dir");
      const spec = join(dir, "cluster.yaml");
      if (existsSync(spec)) {
        throw new UserError([error("SW-INIT-EXISTS", `${spec} already exists; init does not overwrite it`, { hint: "Edit it, or move it away to start over." })]);
      }
      const root = packageRoot();
      writeFileAtomic(spec, readFileSync(join(root, "templates/init/cluster.yaml"), "utf8"));
      writeFileAtomic(join(dir, "cluster.schema.json"), readFileSync(join(root, "schema/cluster.schema.json"), "utf8"));
      ensureLine(join(dir, ".gitignore"), ".slipway/", "# slipway: private keys and tokens, never committed\n");
      const readme = join(dir, "README.md");
      const current = existsSync(readme) ? readFileSync(readme, "utf8") : "";
      if (!current.includes(README_MARKER)) writeFileAtomic(readme, `${current}${current && !current.endsWith("\n") ? "\n" : ""}${readFileSync(join(root, "templates/init/README-section.md"), "utf8")}`);
      writeWorkflows(dir, root);
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

/** The GitHub workflows Slipway runs on itself (templates/workflows/, the one copy), into .github/workflows/; existing files are kept. */
function writeWorkflows(dir: string, root: string): void {
  const from = join(root, "templates/workflows");
  for (const name of readdirSync(from).filter((f) => f.endsWith(".yml")).sort()) {
    const target = join(dir, ".github/workflows", name);
    if (existsSync(target)) {
      err(`kept the existing ${relative(dir, target)}`);
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileAtomic(target, readFileSync(join(from, name), "utf8"));
  }
  err("wrote .github/workflows/ (render-and-diff on pull requests, commit-rendered on main): they run `npm ci` and `npx slipway`, so keep slipway in package.json devDependencies");
}

function ensureLine(file: string, line: string, comment: string): void {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (text.split("\n").some((l) => l.trim() === line)) return;
  writeFileAtomic(file, `${text}${text && !text.endsWith("\n") ? "\n" : ""}${comment}${line}\n`);
}
