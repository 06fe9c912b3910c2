/**
 * Hostile values in every free-text field of cluster.yaml. Each value is either rejected by
 * validation with a clean diagnostic (positioned, one line, no control characters, no throw), or,
 * if accepted, renders a tree with exactly the same shape as the same spec with a benign value in
 * that field: the same files, documents, objects and key paths with the same leaf types (parsed
 * as YAML 1.1 with merge keys, as Kubernetes, Helm and cloud-init read them; YAML inside strings,
 * e.g. write_files content and HelmChart valuesContent, is parsed too), the same line and token
 * shape of other embedded text (Corefile, prober.conf), and shell scripts that still pass shellcheck.
 *
 * Cases are generated from examples/contabo-ha and examples/hetzner-single, enriched so every
 * field is present, with the `yaml` library (the spec fed in is itself well-formed YAML). The
 * pipeline runs in-process (renderCluster, nothing written); a few cases go through the built CLI.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isMap, isScalar, isSeq, parseAllDocuments, parseDocument, visit, type Document } from "yaml";
import { hasErrors, type Diagnostic } from "../generator/diagnostics.js";
import { renderCluster } from "../generator/pipeline.js";
import { parseSpecText } from "../generator/spec/load.js";
import { validateSpec } from "../generator/spec/validate.js";
import { RESERVED_ARGS } from "../generator/spec/resolve.js";
import { flagTableFor } from "../generator/k3s/flags.js";
import type { RenderedFile } from "../generator/render/render.js";
import { readTree } from "./support/tree.js";
import { hasTool, ROOT, warnSkip } from "./support/cli.js";

type Seg = string | number;
type BaseName = "contabo" | "hetzner";

// --- the hostile values --------------------------------------------------------------------------

const HOSTILE: readonly string[] = [
  "line one\nline two",
  "x\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: injected}",
  "key: value",
  "{a: 1}",
  'say "hi"',
  "it's",
  "{{ x }}",
  "{{{x}}}",
  "&anchor value",
  "*alias",
  "<<",
  "# not a comment",
  "value # trailing",
  "- item",
  "? key",
  "!!binary aGk=",
  "%YAML 1.1",
  "|\n  block",
  "yes",
  "0644",
  "~",
  "",
  " padded ",
  "x".repeat(10_000),
  "ünïcødé ☃ 𝄞 \u202e txt",
  "$(rm -rf /)",
  "`reboot`",
  "a;b&&c|d>e",
  "back\\slash\\n",
  "tab\there",
  "cr\r\nlf",
  "nul\u0000byte",
  "esc\u001b[31mred",
  "__proto__",
  "constructor",
  // Strings only a YAML 1.2 writer takes as plain text: Go's yaml.v2 reads a number, PyYAML a line break.
  "0o12",
  "-0O7",
  "line\u2028separator",
  "next\u0085line",
];

const label = (h: string): string => {
  const j = JSON.stringify(h);
  return j.length > 40 ? `${j.slice(0, 37)}..."` : j;
};

// --- the base specs --------------------------------------------------------------------------------

const SSH_PREFIX = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleOnlyKey";

/** The example plus every optional free-text field, so each one reaches the renderer. */
function enrichedBase(name: BaseName): Document.Parsed {
  const file = name === "contabo" ? "examples/contabo-ha/cluster.yaml" : "examples/hetzner-single/cluster.yaml";
  const doc = parseDocument(readFileSync(join(ROOT, file), "utf8"));
  const setDefault = (path: Seg[], value: unknown) => {
    if (!doc.hasIn(path)) doc.setIn(path, doc.createNode(value));
  };
  setDefault(["spec", "gitops", "revision"], "main");
  setDefault(["spec", "gitops", "path"], "rendered");
  setDefault(["spec", "gitops", "argocd", "values"], { server: { replicas: 1, note: "benign" } });
  setDefault(["spec", "gitops", "argocd", "namespace"], "argocd");
  setDefault(["spec", "secrets", "sealedSecrets", "values"], { resources: { note: "benign" } });
  setDefault(["spec", "secrets", "sealedSecrets", "namespace"], "kube-system");
  setDefault(["spec", "k3s", "clusterCIDR"], "10.42.0.0/16");
  setDefault(["spec", "hosts", "ssh", "user"], "ops");
  setDefault(["spec", "k3s", "args", "kubelet-arg"], ["max-pods=50"]);
  setDefault(["spec", "k3s", "args", "kube-apiserver-arg"], "default-watch-cache-size=50");
  setDefault(["spec", "nodes", 0, "labels"], { "sandbox.gvisor": "true", tier: "edge" });
  setDefault(["spec", "nodes", 0, "taints"], ["dedicated=edge:PreferNoSchedule"]);
  setDefault(["spec", "hosts", "ssh", "authorizedKeys"], [`${SSH_PREFIX} ops@example`]);
  setDefault(["spec", "hosts", "firewall", "sshFrom"], ["198.51.100.0/24"]);
  if (name === "contabo") {
    setDefault(["spec", "network", "cilium", "values"], { operator: { replicas: 1, note: "benign" } });
    setDefault(["spec", "dns", "failover", "extraRecords"], [{ name: "www", type: "TXT", value: "v=spf1 -all" }]);
    // An HTTP probe (the example probes the kubelet over TCP) so its path is a field to attack; a
    // port the Istio gateway Service does not take (SW-DNS-PROBE-INTERCEPTED).
    doc.setIn(["spec", "dns", "failover", "probe"], doc.createNode({ http: { port: 8080, path: "/healthz" }, interval: "5s", failures: 3 }));
    setDefault(["spec", "apps", 0, "values"], { mode: "distributed", note: "benign" });
  } else {
    setDefault(["spec", "network", "traefik", "values"], { deployment: { note: "benign" } });
    setDefault(["spec", "network", "traefik", "acme"], { email: "ops@example.com" });
    setDefault(["spec", "sandbox", "gvisor"], {});
    setDefault(["spec", "monitoring", "values"], { grafana: { note: "benign" } });
    doc.addIn(["spec", "apps"], doc.createNode({ name: "blog", namespace: "blog", chart: { repo: "https://charts.example.com/stable", name: "blog", version: "1.2.3" }, values: { title: "benign", nested: { note: "benign" } } }));
  }
  return doc;
}

// --- the slots: where a hostile value goes ----------------------------------------------------------

interface Slot {
  name: string;
  base: BaseName;
  /** value: the scalar at path; key: the last segment of path is renamed; entries/keys/items: batch. */
  mode: "value" | "key" | "entries" | "keys" | "items";
  path: Seg[];
  wrap?: (h: string) => string;
  /** items: a whole list entry around the value (e.g. a DNS record). */
  item?: (h: string, i: number) => unknown;
  /** entries: the key of the i-th entry, where keys are not free (default `hostile-<i>`). */
  entryKey?: (i: number) => string;
}

/** k3s.args keys must be real K3s flags: the ones that take text (and that Slipway does not set) carry the values. */
const K3S_TEXT_FLAGS = [...flagTableFor("v1.33.4+k3s1").table.flags.server]
  .filter(([k, t]) => (t === "StringFlag" || t === "StringSliceFlag") && !(k in RESERVED_ARGS))
  .map(([k]) => k)
  .sort();
if (K3S_TEXT_FLAGS.length < HOSTILE.length) throw new Error(`only ${K3S_TEXT_FLAGS.length} text flags for ${HOSTILE.length} hostile values`);

const C = "contabo" as const;
const H = "hetzner" as const;
const value = (base: BaseName, path: Seg[], wrap?: (h: string) => string): Slot => ({ name: `${base} ${path.join(".")}${wrap ? ` (inside ${wrap("…")})` : ""}`, base, mode: "value", path, wrap });
const key = (base: BaseName, path: Seg[]): Slot => ({ name: `${base} key ${path.join(".")}`, base, mode: "key", path });
const batch = (mode: "entries" | "keys" | "items", base: BaseName, path: Seg[], wrap?: (h: string) => string): Slot => ({ name: `${base} ${mode} of ${path.join(".")}${wrap ? ` (inside ${wrap("…")})` : ""}`, base, mode, path, wrap });
const records = (base: BaseName, path: Seg[], field: string, item: (h: string, i: number) => unknown): Slot => ({ name: `${base} ${field} of ${path.join(".")} items`, base, mode: "items", path, item });

const SLOTS: readonly Slot[] = [
  value(C, ["metadata", "name"]),
  value(C, ["spec", "gitops", "repoURL"]),
  value(C, ["spec", "gitops", "repoURL"], (h) => `https://github.com/example/${h}`),
  value(C, ["spec", "gitops", "revision"]),
  value(C, ["spec", "gitops", "path"]),
  value(H, ["spec", "gitops", "path"], (h) => `clusters/${h}`),
  value(C, ["spec", "gitops", "argocd", "namespace"]),
  batch("entries", C, ["spec", "gitops", "argocd", "values"]),
  batch("keys", C, ["spec", "gitops", "argocd", "values"]),
  value(C, ["spec", "k3s", "version"]),
  { ...batch("entries", C, ["spec", "k3s", "args"]), entryKey: (i) => K3S_TEXT_FLAGS[i]! },
  batch("items", C, ["spec", "k3s", "args", "kubelet-arg"]),
  batch("items", H, ["spec", "k3s", "args", "kubelet-arg"]),
  key(C, ["spec", "k3s", "args", "kubelet-arg"]),
  value(C, ["spec", "k3s", "clusterCIDR"]),
  value(C, ["spec", "nodes", 0, "name"]),
  value(C, ["spec", "nodes", 1, "address"]),
  value(H, ["spec", "nodes", 0, "address"]),
  key(C, ["spec", "nodes", 0, "labels", "tier"]),
  value(C, ["spec", "nodes", 0, "labels", "tier"]),
  value(H, ["spec", "nodes", 0, "labels", "tier"]),
  value(C, ["spec", "nodes", 0, "taints", 0]),
  value(H, ["spec", "nodes", 0, "volume", "device"]),
  value(H, ["spec", "nodes", 0, "volume", "device"], (h) => `/dev/disk/by-id/${h}`),
  value(H, ["spec", "nodes", 0, "volume", "mountPath"]),
  value(H, ["spec", "nodes", 0, "volume", "mountPath"], (h) => `/data/${h}`),
  batch("entries", C, ["spec", "network", "cilium", "values"]),
  batch("keys", C, ["spec", "network", "cilium", "values"]),
  value(C, ["spec", "network", "istio", "ambientNamespaces", 0]),
  batch("entries", H, ["spec", "network", "traefik", "values"]),
  batch("keys", H, ["spec", "network", "traefik", "values"]),
  value(H, ["spec", "network", "traefik", "acme", "email"]),
  value(H, ["spec", "network", "traefik", "acme", "email"], (h) => `${h}@example.com`),
  value(H, ["spec", "storage", "localPath"]),
  value(H, ["spec", "storage", "localPath"], (h) => `/data/${h}`),
  value(H, ["spec", "storage", "volumes", 0, "path"]),
  value(H, ["spec", "storage", "volumes", 0, "path"], (h) => `/data/${h}`),
  value(H, ["spec", "storage", "volumes", 0, "owner"]),
  key(H, ["spec", "storage", "volumes", 0, "labels", "app"]),
  value(H, ["spec", "storage", "volumes", 0, "labels", "app"]),
  value(H, ["spec", "storage", "volumes", 2, "claim", "name"]),
  value(C, ["spec", "dns", "failover", "zone"]),
  value(C, ["spec", "dns", "failover", "records", 1, "name"]),
  value(C, ["spec", "dns", "failover", "records", 1, "name"], (h) => `api.${h}`),
  value(C, ["spec", "dns", "failover", "probe", "http", "path"]),
  value(C, ["spec", "dns", "failover", "extraRecords", 0, "name"]),
  records(C, ["spec", "dns", "failover", "extraRecords"], "TXT value", (h, i) => ({ name: `txt${i}`, type: "TXT", value: h })),
  records(C, ["spec", "dns", "failover", "extraRecords"], "MX value", (h, i) => ({ name: `mx${i}`, type: "MX", value: `10 ${h}` })),
  records(C, ["spec", "dns", "failover", "extraRecords"], "CNAME value", (h, i) => ({ name: `cname${i}`, type: "CNAME", value: h })),
  batch("entries", C, ["spec", "secrets", "sealedSecrets", "values"]),
  batch("keys", C, ["spec", "secrets", "sealedSecrets", "values"]),
  value(C, ["spec", "secrets", "sealedSecrets", "namespace"]),
  value(C, ["spec", "hosts", "ssh", "user"]),
  batch("items", C, ["spec", "hosts", "ssh", "authorizedKeys"], (h) => `${SSH_PREFIX} ${h}`),
  value(C, ["spec", "hosts", "ssh", "authorizedKeys", 0]),
  batch("entries", H, ["spec", "monitoring", "values"]),
  value(C, ["spec", "apps", 0, "name"]),
  value(C, ["spec", "apps", 0, "namespace"]),
  value(C, ["spec", "apps", 0, "chart", "repo"]),
  value(C, ["spec", "apps", 0, "chart", "repo"], (h) => `https://charts.example.com/${h}`),
  value(C, ["spec", "apps", 0, "chart", "name"]),
  value(C, ["spec", "apps", 0, "chart", "version"]),
  value(H, ["spec", "apps", 0, "path"]),
  batch("entries", C, ["spec", "apps", 0, "values"]),
  batch("keys", C, ["spec", "apps", 0, "values"]),
  batch("entries", H, ["spec", "apps", 1, "values", "nested"]),
  batch("keys", H, ["spec", "apps", 1, "values", "nested"]),
  // Not a free-text field, but the unknown-key diagnostic echoes the key: it must stay one clean line.
  key(C, ["spec", "network", "ingress"]),
];

// --- building the spec of one case ----------------------------------------------------------------

interface Built {
  text: string;
  /** Pairs (what was written, what the benign spec has there), for normalising path segments. */
  pairs: [string, string][];
  /** The benign counterpart of a batch case (value/key cases compare with the base itself). */
  benignText?: string;
}

/**
 * The text of `base` with `node` in place of what `path` holds (or of its key, with `key`). The
 * base document is changed and restored, not cloned: a clone per case costs more than the case.
 */
function swapped(base: Document.Parsed, path: Seg[], node: unknown, opts: { key?: boolean } = {}): string {
  const parent = base.getIn(path.slice(0, -1), true);
  const last = path.at(-1)!;
  const fresh = base.createNode(node);
  if (isMap(parent)) {
    // Keys that setIn created are plain strings; parsed ones are Scalar nodes.
    const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === last);
    if (!pair) throw new Error(`no ${path.join(".")} in the base spec`);
    const field = opts.key ? "key" : "value";
    const old = pair[field];
    (pair as { key: unknown; value: unknown })[field] = fresh;
    try {
      return base.toString();
    } finally {
      (pair as { key: unknown; value: unknown })[field] = old;
    }
  }
  if (isSeq(parent) && typeof last === "number" && !opts.key && last < parent.items.length) {
    const old = parent.items[last];
    parent.items[last] = fresh;
    try {
      return base.toString();
    } finally {
      parent.items[last] = old;
    }
  }
  throw new Error(`no ${path.join(".")} in the base spec`);
}

function build(base: Document.Parsed, slot: Slot, hostile: readonly string[]): Built {
  const wrap = slot.wrap ?? ((h: string) => h);
  switch (slot.mode) {
    case "value": {
      if (!base.hasIn(slot.path)) throw new Error(`${slot.name}: the base spec has no value there`);
      const old = String(base.getIn(slot.path));
      return { text: swapped(base, slot.path, wrap(hostile[0]!)), pairs: [[wrap(hostile[0]!), old]] };
    }
    case "key":
      return { text: swapped(base, slot.path, hostile[0]!, { key: true }), pairs: [[hostile[0]!, String(slot.path.at(-1))]] };
    default: {
      const make = (values: readonly string[]) => {
        if (slot.mode === "items") return swapped(base, slot.path, values.map((v, i) => (slot.item ? slot.item(v, i) : wrap(v))));
        if (slot.mode === "entries") return swapped(base, slot.path, Object.fromEntries(values.map((v, i) => [slot.entryKey?.(i) ?? `hostile-${i}`, v])));
        return swapped(base, slot.path, Object.fromEntries(values.map((v, i) => [v, `value-${i}`])));
      };
      const benign = hostile.map((_, i) => (slot.mode === "keys" ? `benign-key-${i}` : `benign-${i}`));
      const w = slot.item ? (h: string) => h : wrap;
      return { text: make(hostile), benignText: make(benign), pairs: hostile.map((h, i) => [w(h), w(benign[i]!)]) };
    }
  }
}

// --- the shape of a rendered tree --------------------------------------------------------------------

interface Shape {
  facts: Set<string>;
  /** Every string value and every mapping key, to check a hostile one came out as itself. */
  strings: Set<string>;
  keys: Set<string>;
  /** Shell scripts by where they sit, to shellcheck the ones a hostile value changed. */
  scripts: Map<string, string>;
  byFile: Map<string, { text: string; shape: Shape }>;
}

/** A POSIX sh or bash script (not `#!/usr/sbin/nft -f`, which is text like any other). */
const SHEBANG = /^#!\s*(\/usr)?\/bin\/(env\s+)?(ba)?sh\b/;

const YAML_READ = { version: "1.1", merge: true, uniqueKeys: true } as const;

/**
 * Maps what a hostile case wrote back to what its benign twin has, in keys, file paths and object
 * ids ("/"-separated, each part on its own), so only real differences of shape remain. A short
 * value ("yes") is replaced only between non-alphanumerics, as in bootstrap/yes.yaml.
 */
function normaliser(pairs: readonly [string, string][]): (s: string) => string {
  const one = (s: string) => {
    for (const [h, b] of pairs) {
      if (h === b) continue;
      if (s === h) return b;
      if (h === "") continue;
      if (h.length >= 6) s = s.split(h).join(b);
      else s = s.replace(new RegExp(`(^|[^A-Za-z0-9])${escapeRegExp(h)}(?=$|[^A-Za-z0-9])`, "g"), (_, pre: string) => `${pre}${b}`);
    }
    return s;
  };
  return (s) => {
    const whole = one(s);
    return whole !== s ? whole : s.split("/").map((part) => (part === "" ? part : one(part))).join("/");
  };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The structure of one line of embedded text (Corefile, prober.conf): its token count (a "quoted
 * string" with backslash escapes is one token), the structural characters outside quotes, and
 * whether a quote is left open. Properly quoted data keeps the shape; injected syntax does not.
 */
function lineShape(line: string): string {
  let tokens = 0;
  let specials = "";
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (/\s/.test(c)) {
      inToken = false;
      continue;
    }
    if (!inToken) tokens++;
    inToken = true;
    if (c === '"') quoted = true;
    else if ("{};#'`$()".includes(c)) specials += c;
  }
  return `${tokens}${specials}${quoted ? " unclosed quote" : ""}`;
}

/**
 * The shape of a tree, file by file. A file whose text equals the benign twin's (`like`) has the
 * same shape: it is taken over instead of parsed again (most files do not change).
 */
function shapeOf(files: readonly RenderedFile[], norm: (s: string) => string, like?: Shape): Shape {
  const all: Shape = { facts: new Set(), strings: new Set(), keys: new Set(), scripts: new Map(), byFile: new Map() };
  for (const f of files) {
    const same = like?.byFile.get(f.path);
    const one = same && same.text === f.text ? same.shape : fileShape(f, norm);
    all.byFile.set(f.path, { text: f.text, shape: one });
    for (const x of one.facts) all.facts.add(x);
    for (const x of one.strings) all.strings.add(x);
    for (const x of one.keys) all.keys.add(x);
    for (const [k, v] of one.scripts) all.scripts.set(k, v);
  }
  return all;
}

function fileShape(f: RenderedFile, norm: (s: string) => string): Shape {
  const facts = new Set<string>();
  const strings = new Set<string>();
  const keys = new Set<string>();
  const scripts = new Map<string, string>();
  // Embedded files: ConfigMap data keys and write_files content. Other strings are plain values.
  const isFileText = (k: string | undefined, parent: unknown) => (k !== undefined && k.includes(".")) || (k === "content" && typeof (parent as { path?: unknown })?.path === "string");
  const isYamlText = (k: string | undefined, parent: unknown) =>
    k === "valuesContent" || (k !== undefined && /\.ya?ml$/.test(k)) || (k === "content" && /\.ya?ml$/.test(String((parent as { path?: unknown })?.path ?? "")));

  const yamlText = (text: string, where: string) => {
    const docs = parseAllDocuments(text, YAML_READ);
    const list = Array.isArray(docs) ? docs : [docs];
    facts.add(`documents ${where} ${list.length}`);
    list.forEach((d, j) => {
      for (const e of d.errors) facts.add(`YAML ERROR ${where}#${j}: ${e.code}`);
      const v = d.errors.length ? undefined : (d.toJS({ maxAliasCount: -1 }) as unknown);
      if (v && typeof v === "object" && !Array.isArray(v) && "kind" in v) {
        const o = v as { apiVersion?: unknown; kind?: unknown; metadata?: { namespace?: unknown; name?: unknown } };
        facts.add(`object ${where} ${norm(`${String(o.apiVersion)}/${String(o.kind)}/${String(o.metadata?.namespace ?? "")}/${String(o.metadata?.name ?? "")}`)}`);
      }
      walk(v, `${where}#${j}`, undefined, undefined);
    });
  };

  const walk = (v: unknown, at: string, k: string | undefined, parent: unknown): void => {
    if (Array.isArray(v)) {
      if (v.length === 0) facts.add(`leaf ${at} []`);
      v.forEach((x, i) => walk(x, `${at}/${i}`, undefined, v));
    } else if (v !== null && typeof v === "object" && !(v instanceof Uint8Array)) {
      const entries = Object.entries(v);
      if (entries.length === 0) facts.add(`leaf ${at} {}`);
      for (const [kk, x] of entries) {
        keys.add(kk);
        walk(x, `${at}/${norm(kk)}`, kk, v);
      }
    } else if (typeof v === "string" && isYamlText(k, parent)) {
      yamlText(v, `${at}|yaml`);
    } else if (typeof v === "string" && SHEBANG.test(v)) {
      scripts.set(at, v);
      facts.add(`script ${at}`);
    } else if (typeof v === "string" && v.includes("\n") && isFileText(k, parent)) {
      // Embedded text that is not YAML (Corefile, prober.conf): its lines must keep their shape.
      const lines = v.split("\n");
      facts.add(`text ${at} ${lines.length} lines`);
      lines.forEach((l, n) => facts.add(`text ${at}:${n + 1} ${lineShape(l)}`));
    } else {
      if (typeof v === "string") strings.add(v);
      facts.add(`leaf ${at} ${v === null ? "null" : v instanceof Uint8Array ? "binary" : typeof v}`);
    }
  };

  const path = norm(f.path);
  facts.add(`file ${path}`);
  if (!/\.ya?ml$/.test(f.path)) {
    if (SHEBANG.test(f.text)) scripts.set(path, f.text);
  } else {
    yamlText(f.text, path);
    if (f.path.startsWith("bootstrap/")) {
      // cloud-init: one document, same top-level keys, same files written.
      facts.add(`first line ${path} ${f.text.split("\n")[0]}`);
      const v = parseDocument(f.text, YAML_READ).toJS() as Record<string, unknown> | null;
      facts.add(`top-level keys ${path} ${Object.keys(v ?? {}).sort().join(",")}`);
      for (const w of ((v?.write_files ?? []) as { path?: string }[])) facts.add(`write_files ${path} ${norm(String(w.path))}`);
    }
  }
  return { facts, strings, keys, scripts, byFile: new Map() };
}

function difference(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((x) => !b.has(x));
}

// --- shellcheck ---------------------------------------------------------------------------------------

const shellcheckAvailable = hasTool("shellcheck");
const shellcheckCache = new Map<string, string[]>();

/** shellcheck codes for a script (sorted, unique); -s sh for sh scripts. */
function shellcheck(script: string): string[] {
  const hash = createHash("sha256").update(script).digest("hex");
  const hit = shellcheckCache.get(hash);
  if (hit) return hit;
  const shell = /^#!.*\bbash\b/.test(script) ? "bash" : "sh";
  const r = spawnSync("shellcheck", ["-s", shell, "-f", "gcc", "-"], { input: script, encoding: "utf8" });
  const codes = [...new Set([...r.stdout.matchAll(/\[(SC\d+)\]/g)].map((m) => m[1]!))].sort();
  if (r.status !== 0 && codes.length === 0) codes.push(`shellcheck failed: ${r.stderr.trim()}`);
  shellcheckCache.set(hash, codes);
  return codes;
}

// --- running a case --------------------------------------------------------------------------------------

const tmp = mkdtempSync(join(tmpdir(), "slipway-hostile-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let caseNo = 0;
function writeSpec(text: string): string {
  const file = join(tmp, `case-${caseNo++}.yaml`);
  writeFileSync(file, text);
  return file;
}

const renderCache = new Map<string, Promise<{ files?: RenderedFile[]; diagnostics: Diagnostic[] }>>();
function render(text: string) {
  let p = renderCache.get(text);
  if (!p) {
    p = renderCluster(writeSpec(text));
    renderCache.set(text, p);
  }
  return p;
}

/** Problems with a rejection: every error positioned, one clean line per field. */
function rejectionProblems(ds: readonly Diagnostic[]): string[] {
  const out: string[] = [];
  for (const d of ds.filter((x) => x.severity === "error")) {
    if (d.line === undefined) out.push(`${d.code} has no position`);
    for (const [what, s] of [["message", d.message], ["hint", d.hint ?? ""], ["path", d.path ?? ""]] as const) {
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f\u007f-\u009f]/.test(s)) out.push(`${d.code} ${what} holds a control character: ${JSON.stringify(s.slice(0, 120))}`);
      if (s.length > 2000) out.push(`${d.code} ${what} is ${s.length} characters long`);
    }
  }
  return out;
}

interface Outcome {
  accepted: string[];
  rejected: string[];
  problems: string[];
}

const benignShapes = new Map<string, Shape>();
function benignShape(text: string, files: readonly RenderedFile[]): Shape {
  let s = benignShapes.get(text);
  if (!s) benignShapes.set(text, (s = shapeOf(files, (x) => x)));
  return s;
}

/** Compares one accepted case with its benign twin; returns what differs. */
async function compare(slot: Slot, built: Built, baseText: string): Promise<string[]> {
  const problems: string[] = [];
  let hostile;
  try {
    hostile = await render(built.text);
  } catch (e) {
    return [`render threw: ${String(e).split("\n")[0]}`];
  }
  if (hasErrors(hostile.diagnostics) || !hostile.files) {
    return [`validate accepted it but render failed: ${hostile.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.path ?? d.file ?? ""}: ${d.message}`.slice(0, 300)).join(" | ")}`];
  }
  const benign = await render(built.benignText ?? baseText);
  if (!benign.files || hasErrors(benign.diagnostics)) return [`the benign twin does not render: ${benign.diagnostics.map((d) => d.message).join("; ")}`];
  const b = benignShape(built.benignText ?? baseText, benign.files);
  const a = shapeOf(hostile.files, normaliser(built.pairs), b);
  for (const x of difference(a.facts, b.facts).slice(0, 8)) problems.push(`extra: ${x.slice(0, 300)}`);
  for (const x of difference(b.facts, a.facts).slice(0, 8)) problems.push(`missing: ${x.slice(0, 300)}`);
  // Batch fields are free-form: where a benign value comes out as a plain value (or key), the
  // hostile one must come out as itself, not reinterpreted, split or merged.
  if (slot.mode !== "value" && slot.mode !== "key") {
    const [had, has] = slot.mode === "keys" ? [b.keys, a.keys] : [b.strings, a.strings];
    for (const [h, bv] of built.pairs) if (had.has(bv) && !has.has(h)) problems.push(`${label(h)} does not come out as itself`);
  }
  if (shellcheckAvailable) {
    for (const [where, script] of a.scripts) {
      const before = b.scripts.get(where);
      if (before === undefined || before === script) continue;
      const added = shellcheck(script).filter((c) => !shellcheck(before).includes(c));
      if (added.length) problems.push(`shellcheck ${where}: ${added.join(", ")}`);
    }
  }
  return problems;
}

async function runSlot(slot: Slot, base: Document.Parsed, known: ReadonlySet<string>): Promise<Outcome> {
  const baseText = base.toString();
  const out: Outcome = { accepted: [], rejected: [], problems: [] };
  const single = slot.mode === "value" || slot.mode === "key";
  // Validation first, one value at a time (cheap); then render what got through.
  const accepted: string[] = [];
  for (const h of HOSTILE) {
    const built = build(base, slot, [h]);
    let diagnostics: Diagnostic[];
    try {
      // loadAndValidate without the file: the same two stages, pure.
      const load = parseSpecText("cluster.yaml", built.text);
      diagnostics = load.spec?.value !== undefined && !hasErrors(load.diagnostics) ? [...load.diagnostics, ...validateSpec(load.spec).diagnostics] : load.diagnostics;
    } catch (e) {
      out.problems.push(`${label(h)}: validate threw ${String(e).split("\n")[0]}`);
      continue;
    }
    if (hasErrors(diagnostics)) {
      out.rejected.push(h);
      for (const p of rejectionProblems(diagnostics)) out.problems.push(`${label(h)} rejected, but ${p}`);
      continue;
    }
    // The spec fed in says what we meant: the value reads back exactly.
    const back = JSON.stringify(parseDocument(built.text).toJS());
    const meant = slot.item ? JSON.stringify(slot.item(h, 0)).slice(1, -1) : JSON.stringify(slot.wrap ? slot.wrap(h) : h).slice(1, -1);
    if (!back.includes(slot.item ? JSON.stringify(h).slice(1, -1) : meant)) out.problems.push(`${label(h)}: the generated spec does not hold the value`);
    accepted.push(h);
    out.accepted.push(h);
    if (single) for (const p of await compare(slot, built, baseText)) out.problems.push(`${label(h)} accepted, but ${p}`);
  }
  // Known culprits are checked on their own, so the batch stays green and fast.
  if (!single) for (const h of accepted.filter((x) => known.has(x))) for (const p of await compare(slot, build(base, slot, [h]), baseText)) out.problems.push(`${label(h)} accepted, but ${p}`);
  const batchable = accepted.filter((x) => !known.has(x));
  if (!single && batchable.length > 0) {
    const built = build(base, slot, batchable);
    const problems = await compare(slot, built, baseText);
    if (problems.length === 0) return out;
    // Find the culprits one by one (slow path, only on failure).
    const before = out.problems.length;
    for (const h of batchable) for (const p of await compare(slot, build(base, slot, [h]), baseText)) out.problems.push(`${label(h)} accepted, but ${p}`);
    if (out.problems.length === before) out.problems.push(...problems.map((p) => `accepted together, but ${p}`));
  }
  return out;
}

/**
 * Hostile values that get through today in code this suite does not own. Each is reported loudly
 * on every run, and the test fails once it no longer reproduces, so the entry is removed with the fix.
 */
// Hostile values that are known to get through, each with the bug it shows; empty when all are fixed
// (a user key "__proto__" in chart values used to vanish: fixed in generator/plan/merge-values.ts).
const KNOWN: readonly { slot: RegExp; value: string; issue: string }[] = [];

// --- the tests ------------------------------------------------------------------------------------------------

const bases = { contabo: enrichedBase("contabo"), hetzner: enrichedBase("hetzner") };

describe("hostile values", () => {
  beforeAll(() => {
    if (!shellcheckAvailable) warnSkip("hostile values: shellcheck of changed shell scripts", "shellcheck");
  });

  it("the enriched base specs render cleanly and their scripts pass shellcheck", async () => {
    for (const [name, doc] of Object.entries(bases)) {
      const r = await render(doc.toString());
      expect(r.diagnostics.filter((d) => d.severity === "error"), name).toEqual([]);
      expect(r.files?.length, name).toBeGreaterThan(0);
      if (!shellcheckAvailable) continue;
      for (const [where, script] of shapeOf(r.files!, (s) => s).scripts) expect([where, shellcheck(script)], name).toEqual([where, []]);
    }
  });

  it("the shape comparison notices injected documents, keys, types, merges, lines and syntax", () => {
    const CONF = 'zone "benign" {\n    bind 1.2.3.4\n    }';
    const file = (data: string, conf = CONF): RenderedFile[] => [
      { path: "rendered/a.yaml", kind: "manifest", text: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  ${data}\n  conf.txt: |\n    ${conf.replace(/\n/g, "\n    ")}\n` },
    ];
    /** Whether writing `h` as `data`/`conf` gives a different shape than "benign" as `benignData`/CONF. */
    const differs = (h: string, data: string, conf = CONF, benignData = 'k: "benign"') => {
      const b = shapeOf(file(benignData), (x) => x);
      const a = shapeOf(file(data, conf), normaliser([[h, "benign"]]), b);
      return difference(a.facts, b.facts).length + difference(b.facts, a.facts).length > 0;
    };
    // Written safely: no difference.
    expect(differs("x\n---\nkind: Secret", 'k: "x\\n---\\nkind: Secret"')).toBe(false);
    expect(differs("yes", 'k: "yes"')).toBe(false);
    expect(differs('say "hi"', 'k: "benign"', 'zone "say \\"hi\\"" {\n    bind 1.2.3.4\n    }')).toBe(false);
    expect(differs("<<", 'k: {"<<": {a: 1}}', CONF, "k: {benign: {a: 1}}")).toBe(false); // quoted: a plain key
    // Written raw: each is noticed.
    expect(differs("x", "k: x\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\ndata:")).toBe(true);
    expect(differs("x", "k: x\n  extra: y")).toBe(true);
    expect(differs("yes", "k: yes")).toBe(true);
    expect(differs("<<", "k: {<<: {a: 1}}", CONF, "k: {benign: {a: 1}}")).toBe(true); // merged by 1.1 readers
    expect(differs("x", 'k: "x"', 'zone "x" {\n    bind 1.2.3.4\n    }\n    evil {')).toBe(true);
    expect(differs('a" } evil { "b', 'k: "benign"', 'zone "a" } evil { "b" {\n    bind 1.2.3.4\n    }')).toBe(true);
  });

  it.each(SLOTS.map((s) => [s.name, s] as const))("%s", async (_, slot) => {
    const known = KNOWN.filter((k) => k.slot.test(slot.name));
    const out = await runSlot(slot, bases[slot.base], new Set(known.map((k) => k.value)));
    if (process.env.SLIPWAY_HOSTILE_DEBUG) console.log(`${slot.name}: accepted ${out.accepted.length}: ${out.accepted.map(label).join(" ")}`);
    const isKnown = (p: string) => known.some((k) => p.startsWith(`${label(k.value)} `));
    for (const k of known) {
      const seen = out.problems.filter((p) => p.startsWith(`${label(k.value)} `));
      expect(seen.length, `known issue no longer reproduces in ${slot.name}; remove its KNOWN entry: ${k.issue}`).toBeGreaterThan(0);
      console.warn(`KNOWN BUG (not fixed here): ${slot.name}: ${label(k.value)}: ${k.issue}\n  ${seen.slice(0, 3).join("\n  ")}`);
    }
    expect(out.problems.filter((p) => !isKnown(p))).toEqual([]);
    // Free-form fields must take every value; a field that takes none is suspicious only if it is free-form.
    if (slot.mode === "entries" || slot.mode === "keys") expect(out.accepted.length, `${slot.name} accepted`).toBeGreaterThan(HOSTILE.length / 2);
  });
});

describe("YAML structure in values", () => {
  /** The contabo base with spec.apps[0].values written as this YAML (anchors and aliases kept). */
  const withValues = (values: string) => {
    const d = bases.contabo.clone();
    d.setIn(["spec", "apps", 0, "values"], parseDocument(values).contents);
    return d.toString();
  };

  it("anchors and aliases come out expanded, as plain values, with no anchor or alias in any output", async () => {
    const text = withValues("defaults: &d {replicas: 2, tier: '*not-an-alias'}\nprimary: *d\nlist: &l [a, '&b']\nagain: *l");
    expect(text).toContain("primary: *d");
    const r = await render(text);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const app = r.files!.find((f) => f.path === "rendered/apps/minio.yaml")!;
    const values = (parseDocument(app.text).toJS() as { spec: { source: { helm: { valuesObject: unknown } } } }).spec.source.helm.valuesObject;
    expect(values).toEqual({ defaults: { replicas: 2, tier: "*not-an-alias" }, primary: { replicas: 2, tier: "*not-an-alias" }, list: ["a", "&b"], again: ["a", "&b"] });
    for (const f of r.files!) {
      if (!/\.ya?ml$/.test(f.path)) continue;
      for (const d of parseAllDocuments(f.text) as Document.Parsed[]) {
        let aliases = 0;
        visit(d, { Alias: () => void aliases++, Node: (_, n) => void (n.anchor ? aliases++ : 0) });
        expect(aliases, f.path).toBe(0);
      }
    }
  });

  it("a << merge key is rejected (YAML 1.2 reads it as a key, Kubernetes and Helm would merge it)", () => {
    const load = parseSpecText("cluster.yaml", withValues("base: &b {a: 1}\nmerged:\n  <<: *b\n  c: 2"));
    expect(load.diagnostics.map((d) => d.code)).toEqual(["SW-YAML-MERGE-KEY"]);
  });
});

/** A few cases through the built CLI: validate rejects cleanly; render writes what the library renders. */
describe("hostile values through the built CLI", () => {
  let bin = "";
  let pkg = "";
  beforeAll(() => {
    if (!existsSync(join(ROOT, "dist/bin.js"))) throw new Error("dist/bin.js is missing: build first (node scripts/build.mjs)");
    pkg = mkdtempSync(join(tmpdir(), "slipway-hostile-cli-"));
    cpSync(join(ROOT, "dist"), join(pkg, "dist"), { recursive: true });
    for (const d of ["templates", "schema", "node_modules"]) symlinkSync(join(ROOT, d), join(pkg, d));
    bin = join(pkg, "dist/bin.js");
  });
  afterAll(() => rmSync(pkg, { recursive: true, force: true }));

  const cli = (cwd: string, args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "C.UTF-8", NO_COLOR: "1" } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it.each([
    ["metadata.name with a newline", bases.contabo, ["metadata", "name"], "a\nb"],
    ["repoURL with a command substitution", bases.contabo, ["spec", "gitops", "repoURL"], "https://github.com/x/$(rm -rf /)"],
    ["unknown key with an escape sequence", bases.contabo, ["spec", "network", "esc\u001b[31mred"], "x"],
  ] as const)("validate rejects %s with exit 1 and a clean diagnostic", (_, base, path, v) => {
    const doc = base.clone();
    doc.setIn([...path], v);
    const dir = mkdtempSync(join(tmp, "cli-"));
    writeFileSync(join(dir, "cluster.yaml"), doc.toString());
    const r = cli(dir, ["validate", "cluster.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/^ {4}at /m);
    expect(r.stderr).not.toContain("internal error");
    // eslint-disable-next-line no-control-regex
    expect(r.stderr).not.toMatch(/\u001b/);
    expect(r.stderr).toMatch(/^cluster\.yaml:\d+:\d+: error SW-/m);
  });

  it.each([
    ["app values", bases.contabo, ["spec", "apps", 0, "values", "hostile"], "x\n---\nkind: Secret\n{{ x }} $(rm -rf /) `id` ' \""],
    ["k3s arg list item", bases.hetzner, ["spec", "k3s", "args", "kubelet-arg", 0], "max-pods=50\n--- # ${HOME} 'x' \"y\""],
    ["ssh key comment", bases.hetzner, ["spec", "hosts", "ssh", "authorizedKeys", 0], `${SSH_PREFIX} '$(reboot)' "\`id\`" {{x}} # ü`],
  ] as const)("render --out writes exactly what the library renders (%s)", async (_, base, path, v) => {
    const doc = base.clone();
    doc.setIn([...path], v);
    const dir = mkdtempSync(join(tmp, "cli-"));
    writeFileSync(join(dir, "cluster.yaml"), doc.toString());
    const r = cli(dir, ["render", "cluster.yaml", "--out", join(dir, "out")]);
    expect(r.stderr).not.toContain("internal error");
    expect(r.code, r.stderr).toBe(0);
    const lib = await renderCluster(join(dir, "cluster.yaml"));
    const written = readTree(join(dir, "out"));
    expect([...written.keys()].sort()).toEqual(lib.files!.map((f) => f.path).sort());
    for (const f of lib.files!) expect(written.get(f.path), f.path).toBe(f.text);
  });
});
