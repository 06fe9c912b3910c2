/** The program with every command (commands.ts), each loaded when it runs. */
import { COMMANDS } from "./commands.js";
import { runProgram } from "./program.js";

export const main = (argv: readonly string[]): Promise<number> => runProgram(argv, COMMANDS);
