import type { Command } from "commander";
import { UsageError } from "../diagnostics.js";
import { schemaAt, type JsonSchema } from "../spec/schema.js";
import { closest } from "../spec/suggest.js";
import { out } from "./io.js";
import { examples } from "./help.js";
import { action } from "./result.js";

export function register(program: Command): void {
  program
    .command("explain")
    .summary("describe a field of cluster.yaml")
    .description("Prints the description, type, default, allowed values and an example of a cluster.yaml field, from the schema. PATH is dotted; list items are written [] or [0].")
    .argument("<path>", "field path, e.g. spec.k3s.disable or spec.nodes[].role")
    .addHelpText("after", examples("slipway explain spec.k3s.disable", "slipway explain spec.nodes[].volume.mountPath", "slipway explain spec"))
    .action(action((path: string) => {
      const segments = parsePath(path);
      const s = schemaAt(segments);
      if (!s) throw new UsageError(`no field ${path} in cluster.yaml`, suggestion(segments));
      out(describe(path, s));
      return 0;
    }));
}

function parsePath(path: string): (string | number)[] {
  return path
    .replace(/\[(\d*)\]/g, (_, i: string) => `.${i === "" ? "[]" : i}`)
    .split(".")
    .filter(Boolean)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function suggestion(segments: (string | number)[]): string {
  for (let i = segments.length - 1; i >= 0; i--) {
    const parent = schemaAt(segments.slice(0, i));
    if (parent?.properties) {
      const guess = closest(String(segments[i]), Object.keys(parent.properties));
      const where = segments.slice(0, i).join(".") || "(top)";
      return `${guess ? `Did you mean ${[...segments.slice(0, i), guess].join(".")}? ` : ""}Fields of ${where}: ${Object.keys(parent.properties).join(", ")}.`;
    }
  }
  return "Try `slipway explain spec`.";
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return `one of: ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  if (s.const !== undefined) return `exactly ${JSON.stringify(s.const)}`;
  if (Array.isArray(s.type)) return s.type.join(" | ");
  if (s.type === "array") return `list of ${s.items ? typeOf(s.items.$ref ? schemaItem(s.items) : s.items) : "values"}`;
  if (s.type === "object") return "mapping";
  if (s.anyOf) return "string (IPv4 or IPv6 address)";
  return String(s.type ?? "any");
}

function schemaItem(s: JsonSchema): JsonSchema {
  return schemaAt([]) && s.$ref ? (schemaAtRef(s.$ref) ?? s) : s;
}

function schemaAtRef(ref: string): JsonSchema | undefined {
  const root = schemaAt([]) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  return root.$defs?.[ref.replace("#/$defs/", "")];
}

function describe(path: string, s: JsonSchema): string {
  const lines = [`FIELD: ${path}`, `TYPE: ${typeOf(s)}`];
  if (s.default !== undefined) lines.push(`DEFAULT: ${JSON.stringify(s.default)}`);
  if (s.examples?.length) lines.push(`EXAMPLE: ${JSON.stringify(s.examples[0])}`);
  lines.push("", s.description ?? "(no description)");
  if (s.properties) {
    const req = new Set((s.required as string[] | undefined) ?? []);
    lines.push("", "FIELDS:");
    for (const [k, v] of Object.entries(s.properties)) {
      const d = (v.description ?? schemaAtRef(v.$ref ?? "")?.description ?? "").split(". ")[0];
      lines.push(`  ${k}${req.has(k) ? " (required)" : ""}: ${d}`);
    }
  }
  return lines.join("\n");
}
