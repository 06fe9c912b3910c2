/** Builds the commander program and runs it; returns the exit code (DESIGN.md exit codes). */
import { Command, CommanderError } from "commander";
import { UsageError, UserError } from "../diagnostics.js";
import type { CommandEntry } from "./commands.js";
import { addExitCodes, examples, exitCodes } from "./help.js";
import { err, reportDiagnostics } from "./io.js";
import { fileSystemProblem } from "./paths.js";
import { takeExitCode } from "./result.js";

export const VERSION = "0.1.0";

/**
 * The commands to register for these arguments: none for `--version` alone, only the one invoked
 * when the first argument names a command (the common case, and the fast path for `render`), else
 * all of them, so help, "did you mean" and unknown-command errors see the whole list.
 */
export function commandsFor(argv: readonly string[], commands: readonly CommandEntry[]): readonly CommandEntry[] {
  // `slipway --version` alone needs no command: loading them all (and the pipeline they import)
  // was most of its time.
  if (argv.length === 3 && (argv[2] === "--version" || argv[2] === "-V")) return [];
  const first = argv.slice(2).find((a) => !a.startsWith("-"));
  const wantsHelp = argv.slice(2).some((a) => a === "--help" || a === "-h") && argv.slice(2).indexOf(first ?? "") !== 0;
  const only = commands.filter((c) => c.name === first);
  return only.length === 1 && argv[2] === first && !wantsHelp ? only : commands;
}

/** The program over `commands` (all of them, or the one a hot bundle holds: code-cache.ts). */
export async function buildProgram(argv: readonly string[], commands: readonly CommandEntry[]): Promise<Command> {
  const program = new Command("slipway")
    .description("Build a whole K3s cluster from one cluster.yaml: an Argo CD app-of-apps tree (rendered/) and per-node cloud-init (bootstrap/).")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText("after", `${examples("slipway init", "slipway validate", "slipway render", "slipway userdata node-1 --out node-1.user-data")}\n${exitCodes("slipway")}\n\nWithout a command, slipway prints this help on standard error and exits 2 (a usage error); \`slipway --help\` prints it on standard output and exits 0.`);
  for (const c of commandsFor(argv, commands)) (await c.load()).register(program);
  for (const sub of program.commands) sub.exitOverride().showHelpAfterError("(run with --help for usage)");
  addExitCodes(program);
  return program;
}

export async function runProgram(argv: readonly string[], commands: readonly CommandEntry[]): Promise<number> {
  try {
    const program = await buildProgram(argv, commands);
    await program.parseAsync(argv as string[]);
    return takeExitCode();
  } catch (e) {
    return handleError(e);
  }
}

function handleError(e: unknown): number {
  if (e instanceof CommanderError) {
    // `slipway` or `slipway dns` without a command: commander printed the help on stderr as an error.
    if (e.code === "commander.help") return e.exitCode === 0 ? 0 : 2;
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
    return 2;
  }
  const usage = e instanceof UsageError ? e : fileSystemProblem(e);
  if (usage) {
    err(`slipway: ${usage.message}`);
    if (usage.hint) err(`  hint: ${usage.hint}`);
    return 2;
  }
  if (e instanceof UserError) {
    reportDiagnostics(e.diagnostics, new Map());
    return 1;
  }
  const where = e instanceof Error ? (e.stack ?? "").split("\n").slice(0, 4).join("\n") : String(e);
  err(`slipway: internal error (this is a bug in slipway, please report it):\n${where}`);
  return 3;
}
