/**
 * Where the installed cloud-init keeps its JSON schema, and which cloud-init it is. The schema is
 * read at run time, never copied into Slipway: it is cloud-init's, and it changes with each
 * release (the nodes may run a newer cloud-init than the machine that runs `check`).
 *
 * Looked for, in order:
 * 1. the file given with `--cloud-init-schema`;
 * 2. Debian's and Ubuntu's place, `/usr/lib/python3/dist-packages/cloudinit/...`;
 * 3. else the package directory Python reports (`import cloudinit`), asked of the interpreter the
 *    `cloud-init` command runs with (its `#!` line) and then of `python3` on PATH, which may be
 *    another Python (pyenv, a virtualenv) without cloud-init. Each is bounded by a timeout.
 *
 * The version is read as text from `version.py` beside the package (`version_string()`: the
 * packager's `_PACKAGED_VERSION` when set, else `__VERSION__`), without starting Python.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { findExecutable, runTool } from "./external-tool.js";

/** The schema file of Debian's and Ubuntu's cloud-init package. */
export const DEBIAN_CLOUD_INIT_SCHEMA = "/usr/lib/python3/dist-packages/cloudinit/config/schemas/schema-cloud-config-v1.json";

/** The schema's place inside the `cloudinit` package (`USERDATA_SCHEMA_FILE` in schema.py). */
const IN_PACKAGE = ["config", "schemas", "schema-cloud-config-v1.json"] as const;
const LOOKUP = "import cloudinit, os; print(os.path.dirname(cloudinit.__file__))";

/** cloud-init's schema, read. */
export interface CloudInitSchema {
  file: string;
  schema: Record<string, unknown>;
  /** cloud-init's version string; undefined when no `version.py` sits beside the schema. */
  version?: string;
}

/** The outcome of {@link findCloudInitSchema}: the schema, or why there is none to use. */
export type CloudInitSchemaSearch = { found: CloudInitSchema } | { missing: string };

/** Options of {@link findCloudInitSchema}. */
export interface SchemaSearchOptions {
  /** A schema file to use instead of looking (`--cloud-init-schema`). */
  explicit?: string | undefined;
  /** The `cloud-init` command, whose interpreter is asked first. @default none */
  cloudInit?: string | null;
  env?: NodeJS.ProcessEnv;
  /** Debian's place; tests move it away. @default DEBIAN_CLOUD_INIT_SCHEMA */
  fixedPath?: string;
  /** Bound of each Python lookup. @default 3000 */
  timeoutMs?: number;
}

/** Find and read cloud-init's schema (see the module comment for the order). */
export async function findCloudInitSchema(opts: SchemaSearchOptions = {}): Promise<CloudInitSchemaSearch> {
  if (opts.explicit !== undefined && opts.explicit !== "") return readCloudInitSchema(resolve(opts.explicit));
  const fixed = opts.fixedPath ?? DEBIAN_CLOUD_INIT_SCHEMA;
  if (existsSync(fixed)) return readCloudInitSchema(fixed);
  const env = opts.env ?? process.env;
  const pythons = [...new Set([opts.cloudInit ? interpreterOf(opts.cloudInit, env) : null, findExecutable("python3", env)].filter((p): p is string => p !== null))];
  const tried: string[] = [];
  for (const python of pythons) {
    const dir = await packageDir(python, opts.timeoutMs ?? 3000);
    if (typeof dir !== "string") {
      tried.push(`${python}: ${dir.why}`);
      continue;
    }
    const file = join(dir, ...IN_PACKAGE);
    if (existsSync(file)) return readCloudInitSchema(file);
    tried.push(`${python}: no ${file}`);
  }
  return { missing: `not at ${fixed}, and ${tried.length ? tried.join("; ") : "no python3 to ask where cloudinit is"}` };
}

/** Read one schema file (and the version beside it). */
export function readCloudInitSchema(file: string): CloudInitSchemaSearch {
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    return { missing: `${file}: ${why}` };
  }
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return { missing: `${file}: not a JSON schema object` };
  const version = versionBeside(file);
  return { found: { file, schema: schema as Record<string, unknown>, ...(version !== undefined ? { version } : {}) } };
}

/** `version_string()` of the cloudinit package the schema belongs to, read from version.py. */
function versionBeside(schemaFile: string): string | undefined {
  const schemas = dirname(schemaFile);
  const config = dirname(schemas);
  if (basename(schemas) !== "schemas" || basename(config) !== "config") return undefined;
  let text: string;
  try {
    text = readFileSync(join(dirname(config), "version.py"), "utf8");
  } catch {
    return undefined;
  }
  const assigned = (name: string) => new RegExp(`^${name}\\s*=\\s*["']([^"'\\n]*)["']`, "m").exec(text)?.[1];
  const packaged = assigned("_PACKAGED_VERSION");
  return packaged !== undefined && !packaged.startsWith("@@") ? packaged : assigned("__VERSION__");
}

/** The directory of the `cloudinit` package as `python` imports it, or why not. */
async function packageDir(python: string, timeoutMs: number): Promise<string | { why: string }> {
  try {
    const run = await runTool(python, ["-c", LOOKUP], { timeoutMs, notFoundHint: "", maxOutputBytes: 64 * 1024 });
    if (run.timedOut) return { why: `no answer within ${timeoutMs} ms` };
    const dir = run.stdout.trim().split("\n")[0] ?? "";
    if (run.rc === 0 && dir !== "") return dir;
    return { why: run.stderr.trim().split("\n").pop() || `exit code ${run.rc}` };
  } catch (e) {
    return { why: (e as Error).message };
  }
}

/**
 * The Python a script runs with, from its `#!` line (`/usr/bin/python3`, `/usr/bin/env python3`);
 * null when it is not a Python script.
 */
function interpreterOf(script: string, env: NodeJS.ProcessEnv): string | null {
  let head = "";
  try {
    const fd = openSync(script, "r");
    try {
      const buf = Buffer.alloc(256);
      head = buf.toString("utf8", 0, readSync(fd, buf, 0, buf.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const words = /^#!(.*)/.exec(head)?.[1]?.trim().split(/\s+/) ?? [];
  let program = words[0];
  if (program !== undefined && basename(program) === "env") program = words.slice(1).find((w) => !w.startsWith("-") && !w.includes("="));
  if (program === undefined || !/^python/.test(basename(program))) return null;
  return program.includes("/") ? program : findExecutable(program, env);
}
