/**
 * Characters no cluster setting needs, that cloud-init's YAML reader (PyYAML, YAML 1.1) does not
 * take raw: U+0085, U+2028 and U+2029 are line breaks to it (and to Go's yaml.v2), the other C1
 * controls and U+FFFE/U+FFFF make it refuse the whole file. A value goes into shell scripts and
 * block scalars of the nodes' user-data, where no escape exists, so the spec is refused instead;
 * they are invisible in most editors, hence the code point in the message.
 */
import { YAML11_UNSAFE as UNSAFE } from "../../yaml11-characters.js";
import type { Rule, Segments } from "./context.js";

const NAMES: Record<number, string> = { 0x85: "NEXT LINE", 0x2028: "LINE SEPARATOR", 0x2029: "PARAGRAPH SEPARATOR" };

function describe(c: string): string {
  const code = c.charCodeAt(0);
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}${NAMES[code] ? ` (${NAMES[code]})` : ""}`;
}

export const yaml11Characters: Rule = ({ raw, problem }) => {
  const out: ReturnType<Rule> = [];
  const why = (c: string) => `${describe(c)}, which cloud-init's YAML reader ${/[\u0085\u2028\u2029]/.test(c) ? "reads as a line break" : "refuses"}: the nodes' user-data would not read`;
  const hint = "Delete the character (most editors do not show it: retype the text around it).";
  const walk = (v: unknown, at: Segments, depth: number): void => {
    if (typeof v === "string") {
      const bad = UNSAFE.exec(v)?.[0];
      if (bad) out.push(problem("SW-SPEC-CHARACTER", at, `the value holds ${why(bad)}`, hint));
      return;
    }
    if (v === null || typeof v !== "object" || depth > 200) return;
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, [...at, i], depth + 1));
    for (const [k, x] of Object.entries(v)) {
      const bad = UNSAFE.exec(k)?.[0];
      if (bad) out.push(problem("SW-SPEC-CHARACTER", [...at, k], `the key holds ${why(bad)}`, hint, { key: true }));
      walk(x, [...at, k], depth + 1);
    }
  };
  walk(raw, [], 0);
  return out;
};
