/** The cluster.yaml JSON Schema, bundled into the CLI (schema/cluster.schema.json is the source). */
import schemaJson from "../../schema/cluster.schema.json" with { type: "json" };

export type JsonSchema = {
  [key: string]: unknown;
  description?: string;
  default?: unknown;
  examples?: unknown[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  $ref?: string;
  enum?: unknown[];
  type?: string | string[];
  additionalProperties?: boolean | JsonSchema;
};

export const clusterSchema = schemaJson as unknown as JsonSchema;

/** Follows a local `$ref` (`#/$defs/x`), merging the referring schema's own keywords over it. */
export function deref(schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace(/^#\/\$defs\//, "");
  const defs = clusterSchema.$defs as Record<string, JsonSchema>;
  const target = defs[name];
  if (!target) throw new Error(`schema bug: unresolved $ref ${schema.$ref}`);
  const { $ref: _ref, ...own } = schema;
  return { ...deref(target), ...own };
}

/** The schema at a dotted/indexed spec path (`spec.nodes[0].name`), or undefined. */
export function schemaAt(segments: readonly (string | number)[]): JsonSchema | undefined {
  let s: JsonSchema | undefined = clusterSchema;
  for (const seg of segments) {
    if (!s) return undefined;
    s = deref(s);
    if (typeof seg === "number" || seg === "[]") s = s.items;
    else if (s.properties?.[seg]) s = s.properties[seg];
    else if (typeof s.additionalProperties === "object") s = s.additionalProperties;
    else return undefined;
  }
  return s ? deref(s) : undefined;
}
