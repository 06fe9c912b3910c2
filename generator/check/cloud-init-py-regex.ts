/**
 * A Python `re` pattern (what jsonschema runs for `pattern` and `patternProperties`, with
 * `re.search`) as a JavaScript RegExp that matches the same strings. Where the two dialects differ
 * on cloud-init's patterns, Python's meaning is written out:
 *
 * - `.` is any character but `\n` (JavaScript's also stops at `\r`, U+2028 and U+2029);
 * - `$` matches at the end or before a final `\n` (`^.+$` accepts "name\n" in Python);
 * - `\d` and `\w` are Unicode-aware for Python's str patterns;
 * - `(?P<name>...)` and `(?P=name)` are Python's spelling of named groups; `\A` and `\Z` its anchors.
 *
 * Anything JavaScript cannot compile throws, and the in-process gate then falls back to the
 * `cloud-init schema` command.
 */

/** Ajv's `code.regExp` engine (Ajv passes "u" as `flags`); `code` names it in standalone code, unused here. */
export const pythonRegExp = Object.assign((pattern: string, flags: string): RegExp => new RegExp(translate(pattern), flags.includes("u") ? flags : `${flags}u`), {
  code: "pythonRegExp",
});

const CLASS_ESCAPES: Record<string, string> = { d: "\\p{Nd}", w: "\\p{L}\\p{N}_" };
const OUTSIDE_ESCAPES: Record<string, string> = { d: "\\p{Nd}", D: "\\P{Nd}", w: "[\\p{L}\\p{N}_]", W: "[^\\p{L}\\p{N}_]", A: "^", Z: "$" };
/** Characters JavaScript's `u` mode lets a backslash escape outside a class. */
const JS_SYNTAX = new Set([..."^$\\.*+?()[]{}|/"]);

function translate(pattern: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\") {
      const next = pattern[i + 1] ?? "";
      i++;
      if (inClass) out += CLASS_ESCAPES[next] ?? (/[A-Za-z0-9]/.test(next) || "\\]-^[".includes(next) ? `\\${next}` : next);
      else if (next in OUTSIDE_ESCAPES) out += OUTSIDE_ESCAPES[next];
      else out += /[A-Za-z0-9]/.test(next) || JS_SYNTAX.has(next) ? `\\${next}` : next;
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      out += ch;
      continue;
    }
    if (ch === "[") {
      inClass = true;
      out += ch;
      if (pattern[i + 1] === "^") out += pattern[++i];
      if (pattern[i + 1] === "]") out += `\\${pattern[++i]}`; // Python: a ] first in a class is literal
    } else if (ch === ".") out += "[^\\n]";
    else if (ch === "$") out += "(?=\\n?$)";
    else if (pattern.startsWith("(?P<", i)) {
      out += "(?<";
      i += 3;
    } else if (pattern.startsWith("(?P=", i)) {
      const end = pattern.indexOf(")", i);
      out += `\\k<${pattern.slice(i + 4, end)}>`;
      i = end;
    } else out += ch;
  }
  return out;
}
