/**
 * The K3s flag table Slipway ships: which config-file keys `k3s server` and `k3s agent` take, and
 * with which value shape, per supported K3s release. Pure data and lookups, no I/O: the lists are
 * generated into `./generated/flags.ts` at development time (scripts/generate-k3s-flags.mjs, from
 * K3s's pkg/cli/cmds; that file's header names the commit of each release).
 *
 * How K3s reads a config file (k3s-io/k3s pkg/configfilearg/parser.go, read at k3s-vip/k3s@c0c4e56
 * and k3s-io/k3s@f646604; cmd/k3s/main.go at k3s-vip/k3s@0385139), which decides what is a key:
 *
 * - `readConfigFile` turns each key into an argument, `--key=value` (`-k=value` for a one-letter
 *   key), one argument per list item, and strips one trailing `+` first: `key+:` appends to the
 *   value gathered from earlier files instead of replacing it (`toSlice`).
 * - For `k3s server` only, `stripInvalidFlags` drops keys that are not flags of the command, with a
 *   log line ("Unknown flag ... found in config.yaml, skipping"); `k3s agent` is not in
 *   `ValidFlags` (defaultparser.go), so an unknown key reaches the flag parser and the agent does
 *   not start. Hence one table per role.
 * - Hidden flags (`Hidden: true` in pkg/cli/cmds: only left out of `--help`) are parsed like any
 *   other: they ARE flags here. Some are documented (the `disable-etcd`/`disable-apiserver` split
 *   server roles), some are old spellings (in server.go `kube-controller-arg` fills the same
 *   `ServerConfig.ExtraControllerArgs` as `kube-controller-manager-arg`). "Did you mean" prefers a
 *   flag that is not hidden when one is as near.
 * - Aliases (`t` for `token`, `d` for `data-dir` ...): `stripInvalidFlags` keeps them (it checks
 *   `f.Names()`) and a one-letter key becomes `-t=...`, so K3s's flag parser takes them. But K3s
 *   itself reads some keys by their long name only before that parse (`MustFindString(args,
 *   "data-dir")` in cmd/k3s/main.go picks where binaries are unpacked; also `debug`,
 *   `prefer-bundled-bin`), and a file holding `t:` and `token:` sets one flag twice. So the table
 *   holds long names only: an alias is not a config-file key here (`isFlag` says false), and
 *   `aliasTarget` names the long flag it stands for, so a check can say what to write instead.
 */
import { closest, distance } from "../spec/suggest.js";
import { SHIPPED_FLAG_LISTS } from "./generated/flags.js";

export type K3sRole = "server" | "agent";

/** The urfave/cli flag types that occur in the shipped lists; `valueFits` knows each. */
export type FlagType = "BoolFlag" | "DurationFlag" | "IntFlag" | "StringFlag" | "StringSliceFlag";

/** The flags of one K3s release: long config-file names (no aliases, no `+`), by role. */
export interface FlagTable {
  /** The release the table was read from, e.g. `v1.33.4+k3s1`. */
  k3sVersion: string;
  flags: Readonly<Record<K3sRole, ReadonlyMap<string, FlagType>>>;
}

/** One release's list as generated into ./generated/flags.ts (scripts/generate-k3s-flags.mjs). */
export interface ShippedFlagList {
  k3sVersion: string;
  /** The k3s-io/k3s commit the list was read from. */
  commit: string;
  flags: Readonly<Record<K3sRole, Readonly<Record<string, FlagType>>>>;
  /** Flags declared with `Hidden: true` (accepted, not shown by `--help`). */
  hidden: Readonly<Record<K3sRole, readonly string[]>>;
  /** One-letter CLI aliases and the long flag each stands for. */
  aliases: Readonly<Record<K3sRole, Readonly<Record<string, string>>>>;
}

const ROLES: readonly K3sRole[] = ["server", "agent"];

interface Shipped {
  table: FlagTable;
  version: VersionKey;
  /** Hidden flags of either role. */
  hidden: ReadonlySet<string>;
  /** Alias to long name, either role. */
  aliases: ReadonlyMap<string, string>;
}

type VersionKey = readonly [number, number, number, number];

/** `v1.33.4+k3s1` as [1, 33, 4, 1]; undefined when it is not a K3s release version. */
function versionKey(v: string): VersionKey | undefined {
  const m = /^v(\d+)\.(\d+)\.(\d+)\+k3s(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] : undefined;
}

function compare(a: VersionKey, b: VersionKey): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function shipped(list: ShippedFlagList): Shipped {
  const version = versionKey(list.k3sVersion);
  if (!version) throw new Error(`generated K3s flag list has a malformed version ${list.k3sVersion}`);
  const flags: Record<K3sRole, ReadonlyMap<string, FlagType>> = { server: new Map(Object.entries(list.flags.server)), agent: new Map(Object.entries(list.flags.agent)) };
  return {
    table: Object.freeze({ k3sVersion: list.k3sVersion, flags: Object.freeze(flags) }),
    version,
    hidden: new Set(ROLES.flatMap((r) => list.hidden[r])),
    aliases: new Map(ROLES.flatMap((r) => Object.entries(list.aliases[r]))),
  };
}

/** The generated lists, checked here: a flag type this file does not know fails the typecheck. */
const LISTS: readonly ShippedFlagList[] = SHIPPED_FLAG_LISTS;

/** Oldest first. */
const SHIPPED: readonly Shipped[] = LISTS.map(shipped).sort((a, b) => compare(a.version, b.version));
const BY_VERSION = new Map(SHIPPED.map((s) => [s.table.k3sVersion, s]));

/** The K3s releases Slipway ships a flag table for, oldest first. */
export const SHIPPED_K3S_VERSIONS: readonly string[] = SHIPPED.map((s) => s.table.k3sVersion);

/**
 * The table for a K3s version: the exact one when shipped, else the nearest shipped version not
 * newer than it (or the oldest), with exact=false unless it is of the same minor (patch releases
 * keep the flag set; the rare addition, such as helm-controller-arg in v1.36.3+k3s1, reads as
 * unknown until its table ships). A string that is not a `vX.Y.Z+k3sN` release
 * gets the oldest table (exact=false); the schema keeps such strings out of a valid spec.
 * @example flagTableFor("v1.35.2+k3s1") // { table: <v1.33.4+k3s1>, exact: false }
 */
export function flagTableFor(k3sVersion: string): { table: FlagTable; exact: boolean } {
  const exact = BY_VERSION.get(k3sVersion);
  if (exact) return { table: exact.table, exact: true };
  const wanted = versionKey(k3sVersion);
  const oldest = SHIPPED[0];
  if (!oldest) throw new Error("no K3s flag table is shipped (generator/k3s/generated/flags.ts is empty)");
  const notNewer = wanted ? SHIPPED.filter((s) => compare(s.version, wanted) <= 0).at(-1) : undefined;
  const chosen = notNewer ?? oldest;
  return { table: chosen.table, exact: wanted !== undefined && chosen.version[1] === wanted[1] };
}

/** The key without K3s's trailing append marker (`node-taint+` → `node-taint`; only one `+`, as K3s). */
const withoutAppend = (key: string): string => (key.endsWith("+") ? key.slice(0, -1) : key);

/**
 * Whether `key` (a config-file key, with an optional trailing "+" append marker) is a flag of
 * `role`. Hidden flags count (K3s accepts them); one-letter CLI aliases do not (see the file
 * comment; `aliasTarget` tells what they stand for). The `+` is accepted on every type as K3s
 * does, though only a StringSliceFlag gathers the appended values (for the others the last wins).
 */
export function isFlag(table: FlagTable, role: K3sRole, key: string): boolean {
  return table.flags[role].has(withoutAppend(key));
}

/**
 * The long flag name a K3s CLI alias stands for (`t` → `token`), for either role; undefined for
 * anything else. Known for shipped tables only.
 */
export function aliasTarget(table: FlagTable, key: string): string | undefined {
  return BY_VERSION.get(table.k3sVersion)?.aliases.get(withoutAppend(key));
}

/**
 * The closest flag name of any role, for "did you mean": the key itself when it is a flag, the
 * long name when it is an alias, else the nearest flag within `closest`'s distance limit, one that
 * is not hidden when it is as near as the nearest hidden one; undefined when nothing is near.
 */
export function suggestFlag(table: FlagTable, key: string): string | undefined {
  const name = withoutAppend(key);
  if (ROLES.some((r) => table.flags[r].has(name))) return name;
  const alias = aliasTarget(table, name);
  if (alias) return alias;
  const hidden = BY_VERSION.get(table.k3sVersion)?.hidden ?? new Set<string>();
  const all = [...new Set(ROLES.flatMap((r) => [...table.flags[r].keys()]))];
  const best = closest(name, all);
  const shown = closest(name, all.filter((f) => !hidden.has(f)));
  return best !== undefined && shown !== undefined && distance(name, shown) <= distance(name, best) ? shown : best;
}

/** Go's time.ParseDuration syntax ("300ms", "1.5h", "2h45m"; a bare "0"), which urfave/cli's DurationFlag parses with. */
const GO_DURATION = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$/;

/**
 * Whether a value has the shape K3s's config file accepts for this flag type: true or false for
 * BoolFlag, an integer for IntFlag, one string for StringFlag, a Go duration string ("5m0s") for
 * DurationFlag, a string or a list of strings for StringSliceFlag. A mapping fits no flag. Strict
 * where K3s would stringify any scalar: `"true"` is no BoolFlag and a number no StringFlag, since
 * an unquoted `0644` is a number whose digits depend on the YAML version of each reader (644 in
 * YAML 1.2, 420 in the YAML 1.1 that K3s reads with).
 */
export function valueFits(type: FlagType, value: unknown): boolean {
  switch (type) {
    case "BoolFlag":
      return typeof value === "boolean";
    case "IntFlag":
      return typeof value === "number" && Number.isSafeInteger(value);
    case "StringFlag":
      return typeof value === "string";
    case "DurationFlag":
      return typeof value === "string" && GO_DURATION.test(value);
    case "StringSliceFlag":
      return typeof value === "string" || (Array.isArray(value) && value.every((v) => typeof v === "string"));
    default:
      return unreachable(type);
  }
}

function unreachable(type: never): never {
  throw new Error(`valueFits: unknown K3s flag type ${String(type)}`);
}
