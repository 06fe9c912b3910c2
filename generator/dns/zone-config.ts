/**
 * Content generators for the DNS-failover data plane: the prober's config file and environment,
 * the Corefile, and what to enter at the registrar. Pure functions of one input value, so the
 * render pipeline can embed their output in a ConfigMap and a DaemonSet
 * (templates/manifests/dns-failover/prober.sh is the script that reads the config).
 *
 * Topology: every DNS server runs CoreDNS (the `file` plugin serving ZONE_DIR/db.ZONE) and the
 * prober, which probes every node named by a failover record and rewrites the zone when the set of
 * healthy nodes changes. Name servers are `ns1`, `ns2`, ... in the order of `input.nodes`.
 */
import { isIP } from "node:net";

/** A node by name and its public address (IPv4 or IPv6). */
export interface DnsNode {
  name: string;
  address: string;
}

/** A name that fails over: answers with the healthy nodes among `nodes`. */
export interface FailoverRecord {
  /** `@` for the zone apex, or a name relative to the zone (`www`, `api.eu`). */
  name: string;
  nodes: DnsNode[];
}

export interface ProbeSettings {
  kind: "tcp" | "http";
  port: number;
  /** For `http`: the path to GET; any 2xx counts as healthy. @default "/" */
  path?: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  /** Consecutive failures before a node is taken out. */
  failures: number;
  /** Consecutive successes before a node is put back. */
  successes: number;
}

export type ExtraRecordType = "A" | "AAAA" | "CNAME" | "TXT" | "MX";

/** A static record served as it is. */
export interface ExtraRecord {
  /** `@` or a name relative to the zone; labels may start with `_` (`_dmarc`). */
  name: string;
  type: ExtraRecordType;
  /** A/AAAA: an address. CNAME: a host name. MX: `PREFERENCE HOST`. TXT: the text, unquoted. */
  value: string;
  /** @default 3600 (static data does not need the failover TTL) */
  ttl?: number;
}

export interface DnsFailoverInput {
  /** The zone, e.g. `example.com` (a trailing dot is accepted). */
  zone: string;
  /** TTL of the failover A/AAAA records, seconds. */
  ttl: number;
  /** The servers that run DNS: each becomes a name server (`nsN`) with a glue record. */
  nodes: DnsNode[];
  records: FailoverRecord[];
  probe: ProbeSettings;
  extraRecords?: ExtraRecord[];
}

/** Where the zone lives inside both containers (a shared emptyDir). */
export const ZONE_DIR = "/zone";
/** Where the prober reads its config (the ConfigMap mount). */
export const PROBER_CONFIG_PATH = "/etc/dns-failover/prober.conf";
/** Environment variable, set per pod, holding the address CoreDNS binds (the node's public one). */
export const BIND_ADDRESS_ENV = "DNS_BIND_ADDRESS";
/**
 * How often CoreDNS re-reads the zone file. It swaps the zone in only when the SOA serial differs
 * (DOMAIN.md §9), and the prober bumps the serial on every rewrite, so a short interval costs one
 * small file read and makes a failover visible within seconds.
 */
export const ZONE_RELOAD = "5s";
/** TTL of NS, glue and SOA records, and the default for extra records: they never fail over. */
export const STATIC_TTL = 3600;

/** One line of the delegation to enter at the registrar. */
export interface RegistrarRecord {
  /** Absolute name, e.g. `example.com.` or `ns1.example.com.` */
  name: string;
  type: "NS" | "A" | "AAAA";
  value: string;
}

const LDH_LABEL = /^[A-Za-z0-9-]+$/;
const LDH_UNDERSCORE_LABEL = /^_?[A-Za-z0-9-]+$/;

/** Name without one trailing dot: `example.com.` and `example.com` are the same zone. */
export function bareZone(zone: string): string {
  return zone.endsWith(".") ? zone.slice(0, -1) : zone;
}

function labelProblems(name: string, label: string, allowUnderscore: boolean): string[] {
  if (label === "") return [`"${name}": empty label (two dots in a row, or a leading dot)`];
  const problems: string[] = [];
  if (label.length > 63) problems.push(`"${name}": label "${label}" is ${label.length} characters; at most 63`);
  if (!(allowUnderscore ? LDH_UNDERSCORE_LABEL : LDH_LABEL).test(label)) {
    problems.push(
      `"${name}": label "${label}" may contain only letters, digits and '-'` +
        (allowUnderscore ? " (and a leading '_')" : ""),
    );
  } else {
    const core = label.replace(/^_/, "");
    if (core.startsWith("-")) problems.push(`"${name}": label "${label}" starts with '-'`);
    if (core.endsWith("-")) problems.push(`"${name}": label "${label}" ends with '-'`);
  }
  return problems;
}

/**
 * Problems with a zone name (RFC 1035 host-name rules): labels of letters, digits and `-`, not
 * starting or ending with `-`, at most 63 characters each and 253 in all, at least two labels (a
 * zone is delegated from its parent at a registrar) and a top-level label that is not all digits.
 * One trailing dot is allowed. Returns no messages for a valid name.
 */
export function zoneNameProblems(name: string): string[] {
  const bare = bareZone(name);
  if (bare === "") return ["zone name is empty"];
  const problems: string[] = [];
  if (bare.length > 253) problems.push(`"${name}": ${bare.length} characters; a DNS name has at most 253`);
  const labels = bare.split(".");
  for (const label of labels) problems.push(...labelProblems(name, label, false));
  if (labels.length < 2) problems.push(`"${name}": a zone needs at least two labels, e.g. example.com`);
  const tld = labels[labels.length - 1] ?? "";
  if (/^[0-9]+$/.test(tld)) problems.push(`"${name}": the top-level label "${tld}" is all digits`);
  return problems;
}

/**
 * Problems with a record name relative to the zone: `@` (the apex) or one or more labels, no
 * trailing dot. With `zone`, also checks that the full name stays within 253 characters. With
 * `allowUnderscore`, a label may start with `_` (service and policy names such as `_dmarc`).
 */
export function recordNameProblems(
  name: string,
  options: { zone?: string; allowUnderscore?: boolean } = {},
): string[] {
  if (name === "@") return [];
  if (name === "") return ["record name is empty (use '@' for the zone apex)"];
  if (name.endsWith(".")) return [`"${name}": give the name relative to the zone, without a trailing dot`];
  const problems: string[] = [];
  for (const label of name.split(".")) problems.push(...labelProblems(name, label, options.allowUnderscore ?? false));
  if (options.zone !== undefined) {
    const full = `${name}.${bareZone(options.zone)}`;
    if (full.length > 253) problems.push(`"${name}": ${full} is ${full.length} characters; at most 253`);
  }
  return problems;
}

/** The name servers, in the order of `input.nodes`: `ns1` is the first server. */
export function nameServers(input: DnsFailoverInput): { label: string; fqdn: string; node: DnsNode }[] {
  const zone = bareZone(input.zone);
  return input.nodes.map((node, i) => ({ label: `ns${i + 1}`, fqdn: `ns${i + 1}.${zone}.`, node }));
}

/** The nodes the prober probes: every node named by a record, in order of first mention. */
export function probedNodes(input: DnsFailoverInput): DnsNode[] {
  const seen = new Map<string, DnsNode>();
  for (const record of input.records) for (const node of record.nodes) if (!seen.has(node.name)) seen.set(node.name, node);
  return [...seen.values()];
}

const NODE_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;

function isWholeIn(n: number, min: number, max: number): boolean {
  return Number.isInteger(n) && n >= min && n <= max;
}

function hostProblems(what: string, host: string): string[] {
  const bare = host.endsWith(".") ? host.slice(0, -1) : host;
  if (bare === "") return [`${what}: empty host name`];
  return bare.split(".").flatMap((label) => labelProblems(host, label, false).map((p) => `${what}: ${p}`));
}

/** Problems with an extra record's value for its type (messages start with `where`). */
export function extraValueProblems(where: string, record: ExtraRecord): string[] {
  const { type, value } = record;
  if (/[\r\n]/.test(value)) return [`${where}: the value must be one line`];
  switch (type) {
    case "A":
      return isIP(value) === 4 ? [] : [`${where}: "${value}" is not an IPv4 address`];
    case "AAAA":
      return isIP(value) === 6 ? [] : [`${where}: "${value}" is not an IPv6 address`];
    case "CNAME":
      return hostProblems(where, value);
    case "MX": {
      const m = /^([0-9]+)\s+(\S+)$/.exec(value);
      if (!m) return [`${where}: an MX value is "PREFERENCE HOST", e.g. "10 mail.example.com."`];
      const pref = Number(m[1]);
      return [
        ...(isWholeIn(pref, 0, 65535) ? [] : [`${where}: MX preference ${m[1]} is not 0-65535`]),
        ...hostProblems(where, m[2] ?? ""),
      ];
    }
    case "TXT":
      // Quoted and escaped on output; anything outside printable ASCII is left to a later version.
      return /^[\x20-\x7e]*$/.test(value) ? [] : [`${where}: TXT text must be printable ASCII`];
    default:
      return [`${where}: type ${String(type)} is not one of A, AAAA, CNAME, TXT, MX`];
  }
}

/**
 * Every problem with a DNS-failover input, as messages (empty when valid). The spec's semantic
 * rules report these as diagnostics; the generators below throw if any remain, since reaching them
 * with invalid input is a bug.
 */
export function dnsFailoverProblems(input: DnsFailoverInput): string[] {
  const problems: string[] = [...zoneNameProblems(input.zone)];
  if (!isWholeIn(input.ttl, 1, 2147483647)) problems.push(`ttl ${input.ttl} must be a whole number of seconds, at least 1`);

  // One address per node name, wherever the node appears.
  const addressOf = new Map<string, string>();
  const checkNode = (where: string, node: DnsNode): void => {
    if (!NODE_NAME.test(node.name)) problems.push(`${where}: node name "${node.name}" may contain only letters, digits, '.', '_' and '-'`);
    if (isIP(node.address) === 0) problems.push(`${where}: "${node.address}" is not an IP address`);
    const known = addressOf.get(node.name);
    if (known === undefined) addressOf.set(node.name, node.address);
    else if (known !== node.address) problems.push(`${where}: node ${node.name} has address ${node.address} here and ${known} elsewhere`);
  };

  if (input.nodes.length === 0) problems.push("nodes: at least one server must run DNS (the zone needs an NS)");
  const serverNames = new Set<string>();
  input.nodes.forEach((node, i) => {
    checkNode(`nodes[${i}]`, node);
    if (serverNames.has(node.name)) problems.push(`nodes[${i}]: ${node.name} is listed twice`);
    serverNames.add(node.name);
  });

  const nsLabels = new Set(nameServers(input).map((ns) => ns.label));
  // Owner names in use, lower-cased (DNS compares names case-insensitively), with what owns them.
  const owners = new Map<string, string>();
  for (const label of nsLabels) owners.set(label, "a name server");

  if (input.records.length === 0) problems.push("records: at least one failover record is needed");
  input.records.forEach((record, i) => {
    const where = `records[${i}]`;
    problems.push(...recordNameProblems(record.name, { zone: input.zone }).map((p) => `${where}: ${p}`));
    const key = record.name.toLowerCase();
    const owner = owners.get(key);
    if (owner !== undefined) problems.push(`${where}: "${record.name}" is already ${owner}`);
    else owners.set(key, "a failover record");
    if (record.nodes.length === 0) problems.push(`${where}: "${record.name}" has no nodes`);
    const inRecord = new Set<string>();
    record.nodes.forEach((node, j) => {
      checkNode(`${where}.nodes[${j}]`, node);
      if (inRecord.has(node.name)) problems.push(`${where}: node ${node.name} is listed twice`);
      inRecord.add(node.name);
    });
  });

  const { probe } = input;
  if (probe.kind !== "tcp" && probe.kind !== "http") problems.push(`probe.kind must be tcp or http`);
  if (!isWholeIn(probe.port, 1, 65535)) problems.push(`probe.port ${probe.port} is not 1-65535`);
  if (probe.path !== undefined && !/^\/[A-Za-z0-9._~/?=&%-]*$/.test(probe.path)) {
    problems.push(`probe.path "${probe.path}" must start with '/' and use only URL-safe characters`);
  }
  for (const key of ["intervalSeconds", "timeoutSeconds", "failures", "successes"] as const) {
    // BusyBox's sleep, timeout and nc -w take whole seconds.
    if (!isWholeIn(probe[key], 1, 86400)) problems.push(`probe.${key} ${probe[key]} must be a whole number, at least 1`);
  }

  const extras = input.extraRecords ?? [];
  const extraTypesAt = new Map<string, ExtraRecordType[]>();
  extras.forEach((extra, i) => {
    const where = `extraRecords[${i}]`;
    problems.push(...recordNameProblems(extra.name, { zone: input.zone, allowUnderscore: true }).map((p) => `${where}: ${p}`));
    problems.push(...extraValueProblems(where, extra));
    if (extra.ttl !== undefined && !isWholeIn(extra.ttl, 1, 2147483647)) problems.push(`${where}: ttl ${extra.ttl} must be at least 1`);
    const key = extra.name.toLowerCase();
    const owner = owners.get(key);
    // Address records beside a failover or name-server name would be served even when that node
    // is down, which defeats failover; TXT and MX there are fine (MX at the apex is common).
    if (owner !== undefined && (extra.type === "A" || extra.type === "AAAA" || extra.type === "CNAME")) {
      problems.push(`${where}: ${extra.type} at "${extra.name}", which is already ${owner}`);
    }
    if (extra.type === "CNAME" && key === "@") problems.push(`${where}: a CNAME cannot be at the apex, which has SOA and NS records`);
    extraTypesAt.set(key, [...(extraTypesAt.get(key) ?? []), extra.type]);
  });
  for (const [name, types] of extraTypesAt) {
    if (types.includes("CNAME") && types.length > 1) problems.push(`extraRecords: a CNAME at "${name}" cannot have other records beside it`);
  }
  return problems;
}

function assertValid(input: DnsFailoverInput): void {
  const problems = dnsFailoverProblems(input);
  if (problems.length > 0) throw new Error(`invalid dns-failover input: ${problems.join("; ")}`);
}

/** TXT text as zone-file character-strings: quoted, `"` and `\` escaped, split at 255 bytes. */
function txtData(text: string): string {
  const chunks: string[] = [];
  for (let i = 0; i < text.length || i === 0; i += 255) chunks.push(text.slice(i, i + 255));
  return chunks.map((c) => `"${c.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`).join(" ");
}

/** One extra record as a zone-file line: `NAME TTL IN TYPE DATA`. */
export function extraRecordLine(extra: ExtraRecord): string {
  const data = extra.type === "TXT" ? txtData(extra.value) : extra.type === "MX" ? extra.value.trim().split(/\s+/).join(" ") : extra.value;
  return `${extra.name} ${extra.ttl ?? STATIC_TTL} IN ${extra.type} ${data}`;
}

/**
 * The prober's config file (see the header of prober.sh): `node` lines for every probed node, `ns`
 * lines for the name servers, `record` lines for the failover names and `extra` lines with static
 * zone lines. Deterministic: authored order throughout, LF, final newline.
 */
export function proberConfig(input: DnsFailoverInput): string {
  assertValid(input);
  const zone = bareZone(input.zone);
  const lines = [
    `# dns-failover prober config for ${zone}; generated by slipway, do not edit.`,
    "# node NAME ADDRESS | ns LABEL ADDRESS | record NAME NODE[,NODE...] | extra ZONE-LINE",
    ...probedNodes(input).map((n) => `node ${n.name} ${n.address}`),
    ...nameServers(input).map((ns) => `ns ${ns.label} ${ns.node.address}`),
    ...input.records.map((r) => `record ${r.name} ${r.nodes.map((n) => n.name).join(",")}`),
    ...(input.extraRecords ?? []).map((e) => `extra ${extraRecordLine(e)}`),
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * The prober container's environment, in a fixed order. The SOA timers keep the script's defaults
 * (refresh 3600, retry 600, expire 1209600, minimum 60: a short negative-caching time).
 */
export function proberEnv(input: DnsFailoverInput): { name: string; value: string }[] {
  assertValid(input);
  const { probe } = input;
  return [
    { name: "ZONE", value: bareZone(input.zone) },
    { name: "CONFIG", value: PROBER_CONFIG_PATH },
    { name: "ZONE_DIR", value: ZONE_DIR },
    { name: "TTL", value: String(input.ttl) },
    { name: "NS_TTL", value: String(STATIC_TTL) },
    { name: "PROBE_KIND", value: probe.kind },
    { name: "PROBE_PORT", value: String(probe.port) },
    ...(probe.kind === "http" ? [{ name: "PROBE_PATH", value: probe.path ?? "/" }] : []),
    { name: "INTERVAL", value: String(probe.intervalSeconds) },
    { name: "TIMEOUT", value: String(probe.timeoutSeconds) },
    { name: "FAILURES", value: String(probe.failures) },
    { name: "SUCCESSES", value: String(probe.successes) },
  ];
}

/**
 * The Corefile. Without `bindAddress`, one text serves every node: CoreDNS replaces
 * `{$DNS_BIND_ADDRESS}` with that environment variable of its own container while parsing the
 * Corefile ("Environment Variables", https://coredns.io/manual/configuration/), so each pod binds
 * only its node's public address. If the variable is missing, `bind` gets no argument and CoreDNS
 * refuses to start rather than listen everywhere. With `bindAddress` (one server's public address),
 * the Corefile of that server alone, for when no per-pod variable can carry the address (the
 * downward API knows only the node's InternalIP, which is its private address when it has one).
 * Only the zone has a server block, so any other name is REFUSED: not an open resolver.
 */
export function corefile(input: DnsFailoverInput, bindAddress?: string): string {
  assertValid(input);
  if (bindAddress !== undefined && isIP(bindAddress) === 0) throw new Error(`corefile: bind address "${bindAddress}" is not an IP address`);
  const zone = bareZone(input.zone);
  const bind =
    bindAddress === undefined
      ? [
          `# {$${BIND_ADDRESS_ENV}} is substituted by CoreDNS from its environment when it parses this file`,
          "# (https://coredns.io/manual/configuration/, \"Environment Variables\").",
        ]
      : [`# Served on ${bindAddress} only: the public address of the node this file is for.`];
  return [
    `# CoreDNS for the dns-failover zone ${zone}; generated by slipway, do not edit.`,
    ...bind,
    `${zone}.:53 {`,
    `    bind ${bindAddress ?? `{$${BIND_ADDRESS_ENV}}`}`,
    "    # The prober replaces the zone atomically and bumps the SOA serial on every change; file",
    "    # re-reads it on this interval and swaps it in only when the serial differs.",
    `    file ${ZONE_DIR}/db.${zone} {`,
    `        reload ${ZONE_RELOAD}`,
    "    }",
    "    # Shuffle A/AAAA answers so clients spread over the healthy nodes.",
    "    loadbalance",
    "    errors",
    "}",
    "",
  ].join("\n");
}

/**
 * The delegation to enter at the registrar of the zone: one NS per server and a glue A/AAAA record
 * per name server (the NS names are inside the zone, so resolvers need the glue to reach them).
 */
export function registrarRecords(input: DnsFailoverInput): RegistrarRecord[] {
  assertValid(input);
  const zone = `${bareZone(input.zone)}.`;
  const servers = nameServers(input);
  return [
    ...servers.map((ns): RegistrarRecord => ({ name: zone, type: "NS", value: ns.fqdn })),
    ...servers.map((ns): RegistrarRecord => ({ name: ns.fqdn, type: isIP(ns.node.address) === 6 ? "AAAA" : "A", value: ns.node.address })),
  ];
}

/** Registrar records as aligned `NAME TYPE VALUE` lines, LF, final newline. */
export function formatRegistrarRecords(records: readonly RegistrarRecord[]): string {
  const width = Math.max(0, ...records.map((r) => r.name.length));
  return records.map((r) => `${r.name.padEnd(width)}  ${r.type.padEnd(4)}  ${r.value}\n`).join("");
}
