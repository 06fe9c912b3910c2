/**
 * One help style for every command: a lower-case summary for the command list, a description in
 * sentences, then `Examples:` (shell lines, `#` comments) and `Exit codes:` (DESIGN.md exit codes,
 * said for each command), appended here for every command so no command can forget them.
 */
import type { Command } from "commander";

/** What 0 and 1 mean for each command (2 and 3 are the same everywhere). */
export const EXIT_CODES: Readonly<Record<string, readonly [string, string]>> = {
  slipway: ["ok", "the spec or the tree has problems (validation, stale render, a diff found)"],
  init: ["scaffolded", "cluster.yaml already exists, or the existing key material does not load"],
  validate: ["the spec is valid (warnings may be printed)", "the spec has errors"],
  render: ["written (with --check: the committed tree is up to date)", "the spec has errors, nothing written (with --check: the committed tree is stale)"],
  diff: ["no difference", "a difference (or the spec has errors)"],
  check: ["no gate found an error (warnings and skipped gates do not fail)", "a gate found an error"],
  plan: ["planned (whatever changed, unless --fail-on names a class that has changes)", "a spec does not validate, or --fail-on matched"],
  userdata: ["printed or written", "the spec has errors, the node is unknown, a secret is missing, or the user-data is too large"],
  explain: ["described", "(not used)"],
  keygen: ["done", "the key material does not load or already exists, or the spec has errors"],
  seal: ["sealed and written", "an input file or stdin has a problem, or the certificate does not load"],
  dns: ["printed", "the spec has errors or has no dns.failover"],
  "dns records": ["printed", "the spec has errors or has no dns.failover"],
};

/** The `Examples:` block: `$ ` before each command line; lines starting with `#` are comments. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => (l.startsWith("#") ? `  ${l}` : `  $ ${l}`)).join("\n")}`;
}

/** The `Exit codes:` block of a command (its path: `render`, `dns records`). */
export function exitCodes(path: string): string {
  const [ok, problem] = EXIT_CODES[path] ?? EXIT_CODES.slipway!;
  const rows: [string, string][] = [["0", ok], ...(problem === "(not used)" ? [] : [["1", problem] as [string, string]]), ["2", "usage error: an unknown command, option or value, or a path that cannot be used as given"], ["3", "internal error: a bug in slipway"]];
  return `\nExit codes:\n${rows.map(([c, m]) => `  ${c}  ${m}`).join("\n")}`;
}

/** Appends the exit codes to the help of `command` and of every command below it. */
export function addExitCodes(command: Command, prefix = ""): void {
  for (const sub of command.commands) {
    const path = `${prefix}${sub.name()}`;
    sub.addHelpText("after", exitCodes(path));
    addExitCodes(sub, `${path} `);
  }
}
