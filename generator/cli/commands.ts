/**
 * The command list. A command module is loaded only when it runs (or for help, which lists them
 * all), so `render` never pays for what `check` or `keygen` import.
 */
import type { Command } from "commander";

type Registrar = (program: Command) => void;

/** A command: its name, and its module, loaded when it runs. */
export interface CommandEntry {
  name: string;
  load: () => Promise<{ register: Registrar }>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: "init", load: () => import("./init.js") },
  { name: "validate", load: () => import("./validate.js") },
  { name: "render", load: () => import("./render.js") },
  { name: "diff", load: () => import("./diff.js") },
  { name: "check", load: () => import("./check.js") },
  { name: "plan", load: () => import("./plan.js") },
  { name: "userdata", load: () => import("./userdata.js") },
  { name: "explain", load: () => import("./explain.js") },
  { name: "keygen", load: () => import("./keygen.js") },
  { name: "seal", load: () => import("./seal.js") },
  { name: "dns", load: () => import("./dns.js") },
];

/** Names of every CLI command (workflows and docs are checked against this list). */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => c.name);
