/**
 * The only way values enter templates. Each helper emits valid YAML (or shell) for any input and
 * throws on input it cannot represent, never returning "" (helm's toYaml is the warning, STYLE.md).
 */
import { createHash } from "node:crypto";
import type { HelperDelegate, HelperOptions } from "handlebars";
import { toYamlText } from "../yaml.js";
import { escapeYaml11Unsafe } from "../yaml11-characters.js";

class TemplateValueError extends Error {}

function need(name: string, v: unknown): void {
  if (v === undefined) throw new TemplateValueError(`template helper ${name}: value is undefined`);
}

/** A YAML double-quoted scalar (JSON string syntax is valid YAML); numbers and booleans as strings. */
export function quote(v: unknown): string {
  need("quote", v);
  if (typeof v === "string") return escapeYaml11Unsafe(JSON.stringify(v));
  if (typeof v === "number" || typeof v === "boolean") return JSON.stringify(String(v));
  throw new TemplateValueError(`template helper quote: expected a scalar, got ${v === null ? "null" : typeof v}`);
}

/** A YAML block of any value, every line indented by `indent` spaces; no trailing newline. */
export function toYaml(v: unknown, indent: number): string {
  need("toYaml", v);
  const text = toYamlText(v).replace(/\n$/, "");
  const pad = " ".repeat(indent);
  return text.split("\n").map((l) => (l === "" ? l : pad + l)).join("\n");
}

/** A POSIX shell single-quoted word. */
export function shq(v: unknown): string {
  need("shq", v);
  if (typeof v !== "string" && typeof v !== "number") throw new TemplateValueError("template helper shq: expected a string or number");
  return `'${String(v).replace(/'/g, `'\\''`)}'`;
}

/** An integer, checked. */
export function int(v: unknown): string {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new TemplateValueError(`template helper int: expected an integer, got ${JSON.stringify(v)}`);
  return String(v);
}

/**
 * Hex SHA-256 of a value's JSON: a checksum annotation on a pod template, so the pods roll when
 * the config they read changes. For subexpressions only (`{{quote (sha256 x)}}`).
 */
export function sha256(v: unknown): string {
  need("sha256", v);
  return createHash("sha256").update(JSON.stringify(v)).digest("hex");
}

/** Registers the helpers; hash argument `indent` for toYaml. */
export const HELPERS: Record<string, HelperDelegate> = {
  quote: (v: unknown) => quote(v),
  toYaml: (v: unknown, options: HelperOptions) => toYaml(v, Number(options.hash?.indent ?? 0)),
  shq: (v: unknown) => shq(v),
  int: (v: unknown) => int(v),
  sha256: (v: unknown) => sha256(v),
  // Comparison for {{#if (eq a b)}}; returns a boolean, never text.
  eq: (a: unknown, b: unknown) => a === b,
};
