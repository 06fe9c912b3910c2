import type { Command } from "commander";
import { UsageError } from "../diagnostics.js";
import { deref, schemaAt, type JsonSchema } from "../spec/schema.js";
import { closest } from "../spec/suggest.js";
import { err, out } from "./io.js";
import { examples } from "./help.js";
import { action } from "./result.js";

export function register(program: Command): void {
  program
    .command("explain")
    .summary("describe a field of cluster.yaml")
    .description("Prints the description, type, default, allowed values and an example of a cluster.yaml field, from the schema, and what a change to it does to a running cluster (sync, node-rollout, reprovision or destructive, the classes of `slipway plan`). PATH is dotted; list items are written [] or [0].")
    .argument("<path>", "field path, e.g. spec.k3s.disable or spec.nodes[].role")
    .addHelpText("after", examples("slipway explain spec.k3s.disable", "slipway explain spec.nodes[].volume.mountPath", "slipway explain spec"))
    .action(action((path: string) => {
      const segments = parsePath(path);
      const found = resolveField(segments);
      if (!found) throw new UsageError(`no field ${path} in cluster.yaml`, suggestion(segments));
      const canonical = formatField(found.segments);
      // `spec.nodes.name` means the field of each item: say how it is written, and describe it.
      if (found.segments.length !== segments.length) err(`slipway: ${path} read as ${canonical} (${formatField(found.segments.slice(0, found.segments.indexOf("[]")))} is a list)`);
      out(describe(canonical, found.schema, changeClass(found.segments)));
      return 0;
    }));
}

type Segment = string | number;

function parsePath(path: string): Segment[] {
  return path
    .replace(/\[(\d*)\]/g, (_, i: string) => `.${i === "" ? "[]" : i}`)
    .split(".")
    .filter(Boolean)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * The schema at `segments`, reading a field name after a list as a field of its items
 * (`spec.nodes.name` is `spec.nodes[].name`); the segments as they should be written.
 */
function resolveField(segments: readonly Segment[]): { schema: JsonSchema; segments: Segment[] } | undefined {
  const written: Segment[] = [];
  for (const seg of segments) {
    const here = schemaAt(written);
    if (!here) return undefined;
    if (typeof seg === "string" && seg !== "[]" && here.type === "array" && here.items && !schemaAt([...written, seg])) written.push("[]");
    written.push(seg);
  }
  const schema = schemaAt(written);
  return schema ? { schema, segments: written } : undefined;
}

/** `spec.nodes[].name`, `spec.nodes[0]`. */
function formatField(segments: readonly Segment[]): string {
  return segments.reduce<string>((acc, s) => (s === "[]" || typeof s === "number" ? `${acc}[${s === "[]" ? "" : s}]` : acc ? `${acc}.${s}` : s), "");
}

/** Where the path stops matching, the closest field there (lists read as their items, as above). */
function suggestion(segments: Segment[]): string {
  const written: Segment[] = [];
  for (const seg of segments) {
    let here = schemaAt(written);
    if (here?.type === "array" && here.items && typeof seg === "string" && seg !== "[]") {
      written.push("[]");
      here = schemaAt(written);
    }
    if (!schemaAt([...written, seg])) {
      const fields = Object.keys(here?.properties ?? {});
      if (fields.length === 0) break;
      const guess = closest(String(seg), fields);
      const where = formatField(written) || "(top)";
      return `${guess ? `Did you mean ${formatField([...written, guess])}? ` : ""}Fields of ${where}: ${fields.join(", ")}.`;
    }
    written.push(seg);
  }
  return "Try `slipway explain spec`.";
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return `one of: ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  if (s.const !== undefined) return `exactly ${JSON.stringify(s.const)}`;
  if (Array.isArray(s.type)) return s.type.join(" | ");
  if (s.type === "array") return `list of ${s.items ? typeOf(s.items.$ref ? schemaItem(s.items) : s.items) : "values"}`;
  if (s.type === "object") return "mapping";
  if (s.anyOf && s.type === "string") return "string (IPv4 or IPv6 address)";
  // A choice of shapes (a policy peer: an app's name or a mapping; a K3s argument's value types).
  if (s.anyOf) return [...new Set((s.anyOf as JsonSchema[]).map((b) => typeOf(deref(b))))].join(" or ");
  return String(s.type ?? "any");
}

function schemaItem(s: JsonSchema): JsonSchema {
  return schemaAt([]) && s.$ref ? (schemaAtRef(s.$ref) ?? s) : s;
}

function schemaAtRef(ref: string): JsonSchema | undefined {
  const root = schemaAt([]) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  return root.$defs?.[ref.replace("#/$defs/", "")];
}

/** What each `x-change` class means for a running cluster (the schema's annotation; `slipway plan` uses the same classes). */
const CHANGE_MEANING: Readonly<Record<string, string>> = {
  sync: "Argo CD applies the change from the tree; no node is rebuilt",
  "node-rollout": "system-upgrade-controller Plans roll it over the running nodes in place, one at a time; K3s restarts on each",
  reprovision: "only nodes built after the change get it (it lives in their user-data); running nodes keep what they were born with",
  destructive: "it cannot change on a running cluster without data loss or a manual procedure: validate and plan say which",
};

/** The `x-change` of the field, or of the nearest enclosing field that has one. */
function changeClass(segments: readonly Segment[]): string | undefined {
  for (let n = segments.length; n > 0; n--) {
    const s = schemaAt(segments.slice(0, n)) as (JsonSchema & { "x-change"?: string }) | undefined;
    if (s?.["x-change"]) return s["x-change"];
  }
  return undefined;
}

function describe(path: string, s: JsonSchema, change: string | undefined): string {
  const lines = [`FIELD: ${path}`, `TYPE: ${typeOf(s)}`];
  if (s.default !== undefined) lines.push(`DEFAULT: ${JSON.stringify(s.default)}`);
  if (s.examples?.length) lines.push(`EXAMPLE: ${JSON.stringify(s.examples[0])}`);
  if (change) lines.push(`ON A RUNNING CLUSTER: ${change} (${CHANGE_MEANING[change] ?? change})`);
  lines.push("", s.description ?? "(no description)");
  const item = s.type === "array" && s.items ? deref(s.items) : undefined;
  if (s.properties) lines.push("", "FIELDS:", ...fieldLines(s));
  else if (item?.properties) lines.push("", `FIELDS (of each item, ${path}[]):`, ...fieldLines(item));
  return lines.join("\n");
}

function fieldLines(s: JsonSchema): string[] {
  const req = new Set((s.required as string[] | undefined) ?? []);
  return Object.entries(s.properties ?? {}).map(([k, v]) => `  ${k}${req.has(k) ? " (required)" : ""}: ${firstSentence(v.description ?? deref(v).description ?? "")}`);
}

/** Abbreviations whose full stop does not end a sentence. */
const ABBREVIATIONS = /\b(?:e\.g|i\.e|etc|vs|cf|approx|incl|min|max|no)$/i;

/** The first sentence of a description: up to the first full stop that ends one (never "e.g."). */
export function firstSentence(text: string): string {
  const end = /[.!?](?=\s|$)/g;
  for (let m = end.exec(text); m; m = end.exec(text)) {
    if (!ABBREVIATIONS.test(text.slice(0, m.index))) return text.slice(0, m.index + 1);
  }
  return text;
}
