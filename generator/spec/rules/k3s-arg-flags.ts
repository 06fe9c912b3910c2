/**
 * k3s.args keys are real flags of the pinned K3s release, with values of the flag's shape, checked
 * against the flag table Slipway ships (generator/k3s/flags.ts). A wrong key would otherwise land
 * in /etc/rancher/k3s/config.yaml: `k3s server` skips it with a log line, `k3s agent` does not start.
 */
import type { Diagnostic } from "../../diagnostics.js";
import { aliasTarget, flagTableFor, isFlag, SHIPPED_K3S_VERSIONS, suggestFlag, valueFits, type FlagTable, type FlagType, type K3sRole } from "../../k3s/flags.js";
import { RESERVED_ARGS } from "../resolve.js";
import type { Rule } from "./context.js";

const AFTER_UNKNOWN = "K3s servers skip an unknown key with only a log line, and k3s agent does not start with one.";

const isAnyFlag = (table: FlagTable, key: string): boolean => isFlag(table, "server", key) || isFlag(table, "agent", key);

/** What to do when `key` means the flag `long`: write that, or, when Slipway sets it, the field it comes from. */
function instead(key: string, long: string, why: string): string {
  const where = RESERVED_ARGS[long];
  return where ? `${long} is set by Slipway: remove ${key} and use ${where}.` : `Write ${long}${why}.`;
}

/**
 * The three places K3s keys are written: k3s.args reaches every role whose flag it is;
 * serverArgs and agentArgs reach one role, so each key must be that role's flag.
 */
export function argMaps(spec: Parameters<Rule>[0]["spec"]): { field: "args" | "serverArgs" | "agentArgs"; args: Record<string, unknown>; role?: K3sRole }[] {
  const k = spec.spec.k3s;
  return [
    { field: "args", args: k.args },
    { field: "serverArgs", args: k.serverArgs, role: "server" },
    { field: "agentArgs", args: k.agentArgs, role: "agent" },
  ];
}

/** SW-K3S-ARG-UNKNOWN, SW-K3S-ARG-ALIAS and SW-K3S-ARG-ROLE: a key that is no long flag name of the roles it reaches. */
export const knownK3sArgs: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const { table } = flagTableFor(spec.spec.k3s.version);
  for (const { field, args, role } of argMaps(spec)) {
    for (const key of Object.keys(args).sort()) out.push(...unknownKey(table, field, key, role, problem));
  }
  return out;
};

function unknownKey(table: FlagTable, field: string, key: string, role: K3sRole | undefined, problem: Parameters<Rule>[0]["problem"]): Diagnostic[] {
  const at = ["spec", "k3s", field, key];
  if (role ? isFlag(table, role, key) : isAnyFlag(table, key)) return [];
  if (role && isAnyFlag(table, key)) {
    const other = role === "server" ? "agent" : "server";
    const hint =
      role === "agent"
        ? "Move it to spec.k3s.serverArgs or spec.k3s.args: the agent drop-in may hold only k3s agent flags, and an unknown key stops k3s agent."
        : "Move it to spec.k3s.agentArgs or spec.k3s.args: K3s servers skip a key they do not know, with only a log line.";
    return [problem("SW-K3S-ARG-ROLE", at, `"${key}" is a flag of k3s ${other}, not of k3s ${role} ${table.k3sVersion}`, hint, { key: true })];
  }
  const alias = aliasTarget(table, key);
  if (alias) {
    return [problem("SW-K3S-ARG-ALIAS", at, `"${key}" is K3s's command-line short form of ${alias}`, instead(key, alias, ": config files take long names, and K3s reads some keys (data-dir, debug) by the long name alone"), { key: true })];
  }
  const guess = suggestFlag(table, key);
  const of = role ? `k3s ${role}` : "k3s server or k3s agent";
  return [
    problem(
      "SW-K3S-ARG-UNKNOWN",
      at,
      `"${key}" is not a flag of ${of} ${table.k3sVersion}${guess ? ` (did you mean "${guess}"?)` : ""}`,
      guess ? `${instead(key, guess, "")} ${AFTER_UNKNOWN}` : `Use a flag of \`k3s server --help\` or \`k3s agent --help\`, without the leading --. ${AFTER_UNKNOWN}`,
      { key: true },
    ),
  ];
}

/** SW-K3S-ARG-TYPE: a value K3s's flag parser would reject or misread. Reserved keys are reported as reserved only. */
export const k3sArgValueShapes: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const { table } = flagTableFor(spec.spec.k3s.version);
  for (const { field, args } of argMaps(spec)) {
    for (const key of Object.keys(args).sort()) {
      if (key in RESERVED_ARGS) continue;
      // The value reaches every role the key is a flag of (the types agree in the shipped tables).
      const type = [table.flags.server.get(key), table.flags.agent.get(key)].find((t) => t !== undefined && !valueFits(t, args[key]));
      if (!type) continue;
      const shape = SHAPES[type];
      out.push(problem("SW-K3S-ARG-TYPE", ["spec", "k3s", field, key], `k3s.${field}.${key} takes ${shape.takes} (a K3s ${type}), got ${describe(args[key])}`, shape.hint(key, args[key])));
    }
  }
  return out;
};

/** SW-K3S-ARG-NEAREST-TABLE (warning): the spec's K3s release has no table of its own, so say which one judged k3s.args. */
export const k3sFlagTableVersion: Rule = ({ spec, problem }) => {
  const version = spec.spec.k3s.version;
  const { table, exact } = flagTableFor(version);
  if (exact || argMaps(spec).every((m) => Object.keys(m.args).length === 0)) return [];
  return [
    {
      ...problem(
        "SW-K3S-ARG-NEAREST-TABLE",
        ["spec", "k3s", "version"],
        `Slipway has no K3s flag table for ${version}: k3s.args was checked against ${table.k3sVersion}'s flags`,
        `Tables ship for ${SHIPPED_K3S_VERSIONS.join(", ")}. A flag added after ${table.k3sVersion} is reported as unknown; one removed since is not noticed.`,
      ),
      severity: "warning",
    },
  ];
};

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "string") return JSON.stringify(value);
  return "a mapping";
}

/** For a number or true/false where K3s wants text: the value as read may not be what was typed (`0644` reads as 644). */
const quoteHint = (key: string, value: unknown): string | undefined =>
  typeof value === "number" ? `Quote the value of ${key} as you mean it: unquoted, YAML reads it as a number (0644 becomes 644).` : typeof value === "boolean" ? `Quote the value of ${key}: unquoted, YAML reads it as ${String(value)}.` : undefined;

/** For text that would be right unquoted (`"10"` for a number, `"true"` for a BoolFlag). */
const unquoteHint = (key: string, value: unknown, plain: RegExp): string | undefined => (typeof value === "string" && plain.test(value) ? `Remove the quotes: ${key}: ${value}.` : undefined);

const SHAPES: Readonly<Record<FlagType, { takes: string; hint: (key: string, value: unknown) => string }>> = {
  BoolFlag: { takes: "true or false", hint: (key, value) => unquoteHint(key, value, /^(true|false)$/) ?? `Write ${key}: true or ${key}: false.` },
  IntFlag: { takes: "a whole number", hint: (key, value) => unquoteHint(key, value, /^-?[0-9]+$/) ?? `Write one whole number, without quotes.` },
  StringFlag: {
    takes: "one string",
    hint: (key, value) => quoteHint(key, value) ?? `K3s keeps only one value for ${key}: write one string.`,
  },
  DurationFlag: { takes: 'a duration such as "30s" or "5m"', hint: (key) => `Write a Go duration, e.g. ${key}: 5m (units ns, us, ms, s, m, h).` },
  StringSliceFlag: {
    takes: "a string or a list of strings",
    hint: (key, value) => quoteHint(key, value) ?? `Write ${key}: [first, second] or a single string.`,
  },
};
