import type { Command } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { error, UserError } from "../diagnostics.js";
import { writeFileAtomic } from "../output/write.js";
import { packageRoot } from "../render/templates.js";
import { err } from "./io.js";
import { action } from "./result.js";

const README_MARKER = "<!-- slipway -->";

export function register(program: Command): void {
  program
    .command("init")
    .summary("scaffold cluster.yaml, .gitignore and a README section")
    .description("Creates cluster.yaml (with the yaml-language-server $schema line for editor completion), cluster.schema.json beside it, .slipway/ in .gitignore (secrets live there), and a README section explaining the workflow. Refuses to overwrite an existing cluster.yaml.")
    .option("--dir <dir>", "repository directory", ".")
    .addHelpText("after", "\nExamples:\n  $ npx slipway init\n  $ slipway init --dir infra/")
    .action(action((opts: { dir: string }) => {
      const dir = resolve(opts.dir);
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
      err(`created ${spec}; next: edit it, then run \`slipway validate\` and \`slipway render\``);
      return 0;
    }));
}

function ensureLine(file: string, line: string, comment: string): void {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (text.split("\n").some((l) => l.trim() === line)) return;
  writeFileAtomic(file, `${text}${text && !text.endsWith("\n") ? "\n" : ""}${comment}${line}\n`);
}
