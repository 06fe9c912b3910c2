/**
 * Go (RE2) regular expressions as JavaScript ones. The schemas' `pattern`s are written for Go:
 * Kubernetes and kubeconform (santhosh-tekuri/jsonschema v6) match them with Go's regexp package.
 * Most read the same in JavaScript's `u` mode; where the two languages differ we rewrite to what
 * Go means (https://github.com/google/re2/wiki/Syntax), and anything we do not know how to rewrite
 * throws, so a new pattern can never be matched with the wrong meaning:
 *
 * - `\pC` / `\PC` and the other one-letter classes: JavaScript spells them `\p{C}`; Go's `C` is
 *   Cc|Cf|Co|Cs (no Cn, unassigned), so it is spelled out (Cilium's CRDs use `^\PC*$`);
 * - `.` never matches `\n` in Go but does match `\r`, U+2028 and U+2029 there: `[^\n]`;
 * - `\s` is `[\t\n\f\r ]` in Go, wider in JavaScript;
 * - a leading `(?i)` (Go's flag syntax) becomes the `i` flag;
 * - `\z`, `\A`, `\Q…\E`, `\x{…}`, POSIX classes such as `[[:alpha:]]`, escaped punctuation, and a
 *   literal `{` or `]` that JavaScript's `u` mode would reject.
 */

/** A pattern ready for `new RegExp(source, flags)`. */
export interface TranslatedPattern {
  source: string;
  flags: string;
}

/** Go's one-letter `C` class. */
const GO_OTHER = "\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}";
const GO_SPACE = "\\t\\n\\f\\r ";
/** Characters JavaScript's `u` mode lets us escape with a backslash. */
const JS_SYNTAX = new Set([..."^$\\.*+?()[]{}|/"]);
const POSIX: Readonly<Record<string, string>> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: GO_SPACE + "\\v",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

/**
 * The JavaScript form of a Go regular expression (to use with the `u` flag, which `flags` has).
 * @throws Error for syntax this translation does not cover
 */
export function translateGoRegExp(pattern: string): TranslatedPattern {
  let flags = "u";
  let rest = pattern;
  let lead = "";
  // Go's `(?i)` at the start (after an optional `^`): the whole pattern is case-insensitive.
  const leading = /^(\^?)\(\?([is]+)\)/.exec(rest);
  if (leading) {
    lead = leading[1]!;
    rest = rest.slice(leading[0].length);
    if (leading[2]!.includes("i")) flags += "i";
    if (leading[2]!.includes("s")) flags += "s";
  }
  const dotAll = flags.includes("s");
  return { source: lead + translateBody(rest, pattern, dotAll), flags };
}

function translateBody(p: string, whole: string, dotAll: boolean): string {
  let out = "";
  let i = 0;
  const unsupported = (what: string): never => {
    throw new Error(`Go regular expression ${JSON.stringify(whole)}: ${what} is not supported`);
  };
  while (i < p.length) {
    const c = p[i]!;
    if (c === "\\") {
      const [text, next] = escapeOutside(p, i, unsupported);
      out += text;
      i = next;
    } else if (c === "[") {
      const [text, next] = charClass(p, i, unsupported);
      out += text;
      i = next;
    } else if (c === "(") {
      if (p.startsWith("(?P<", i)) {
        out += "(?<";
        i += 4;
      } else if (p[i + 1] === "?" && p[i + 2] !== ":" && p[i + 2] !== "<") {
        unsupported("a flag group other than a leading (?i)");
      } else {
        out += c;
        i++;
      }
    } else if (c === ".") {
      out += dotAll ? "[\\s\\S]" : "[^\\n]";
      i++;
    } else if (c === "{") {
      const repeat = /^\{\d+(,\d*)?\}/.exec(p.slice(i));
      if (repeat) {
        out += repeat[0];
        i += repeat[0].length;
      } else {
        out += "\\{"; // Go reads a brace that is not a repeat as a literal
        i++;
      }
    } else if (c === "}" || c === "]") {
      out += `\\${c}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** One escape outside a class: [JavaScript text, index after it]. */
function escapeOutside(p: string, i: number, unsupported: (what: string) => never): [string, number] {
  const e = p[i + 1];
  if (e === undefined) unsupported("a trailing backslash");
  if (e === "p" || e === "P") return unicodeClass(p, i, false, unsupported);
  if (e === "s") return [`[${GO_SPACE}]`, i + 2];
  if (e === "S") return [`[^${GO_SPACE}]`, i + 2];
  if (e === "A") return ["^", i + 2];
  if (e === "z") return ["$", i + 2];
  if (e === "Q") {
    const end = p.indexOf("\\E", i + 2);
    const literal = end === -1 ? p.slice(i + 2) : p.slice(i + 2, end);
    return [[...literal].map(literalChar).join(""), end === -1 ? p.length : end + 2];
  }
  return common(p, i, unsupported);
}

/** Escapes that mean the same inside and outside a class. */
function common(p: string, i: number, unsupported: (what: string) => never): [string, number] {
  const e = p[i + 1]!;
  if ("dDwWbBntrfv".includes(e)) return [`\\${e}`, i + 2];
  if (e === "a") return ["\\x07", i + 2];
  if (e === "x") {
    const braced = /^\\x\{([0-9A-Fa-f]+)\}/.exec(p.slice(i));
    if (braced) return [`\\u{${braced[1]}}`, i + braced[0].length];
    const two = /^\\x([0-9A-Fa-f]{2})/.exec(p.slice(i));
    if (two) return [`\\x${two[1]}`, i + 4];
    unsupported("a malformed \\x escape");
  }
  if (/[!-/:-@[-`{-~]/.test(e)) return [literalChar(e), i + 2]; // Go lets any punctuation be escaped
  return unsupported(`the escape \\${e}`);
}

/** `\pL`, `\p{Greek}`, `\PC`: [JavaScript text, index after it]. */
function unicodeClass(p: string, i: number, inClass: boolean, unsupported: (what: string) => never): [string, number] {
  const negated = p[i + 1] === "P";
  let name: string;
  let next: number;
  if (p[i + 2] === "{") {
    const end = p.indexOf("}", i + 3);
    if (end === -1) unsupported("an unclosed \\p{");
    name = p.slice(i + 3, end);
    next = end + 1;
  } else {
    name = p[i + 2] ?? "";
    next = i + 3;
  }
  if (name.startsWith("^")) unsupported("a negated \\p{^…}");
  if (name === "C") {
    if (inClass && negated) unsupported("\\PC inside a character class");
    return [inClass ? GO_OTHER : negated ? `[^${GO_OTHER}]` : `[${GO_OTHER}]`, next];
  }
  // General categories (L, Lu, Nd, ...) are spelled alike; anything else is a script in Go.
  const property = /^[A-Z][a-z]?$/.test(name) ? name : /^[A-Z][A-Za-z_]+$/.test(name) ? `Script=${name}` : unsupported(`the class \\p{${name}}`);
  return [`\\${negated ? "P" : "p"}{${property}}`, next];
}

/** A `[...]` class: [JavaScript text, index after it]. */
function charClass(p: string, start: number, unsupported: (what: string) => never): [string, number] {
  let i = start + 1;
  let out = "[";
  if (p[i] === "^") {
    out += "^";
    i++;
  }
  let first = true;
  while (i < p.length) {
    const c = p[i]!;
    if (c === "]" && !first) return [`${out}]`, i + 1];
    first = false;
    if (c === "[" && p[i + 1] === ":") {
      const end = p.indexOf(":]", i + 2);
      const name = end === -1 ? "" : p.slice(i + 2, end);
      const negated = name.startsWith("^");
      const ranges = POSIX[negated ? name.slice(1) : name];
      if (ranges === undefined || negated) unsupported(`the POSIX class [:${name}:]`);
      out += ranges;
      i = end + 2;
    } else if (c === "\\") {
      const e = p[i + 1];
      if (e === "p" || e === "P") {
        const [text, next] = unicodeClass(p, i, true, unsupported);
        out += text;
        i = next;
      } else if (e === "s") {
        out += GO_SPACE;
        i += 2;
      } else if (e === "S") {
        return unsupported("\\S inside a character class");
      } else {
        const [text, next] = common(p, i, unsupported);
        out += text;
        i = next;
      }
    } else if (c === "]" || c === "[") {
      out += `\\${c}`; // a literal bracket (Go allows `[]a]` and `[[]`)
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return unsupported("an unclosed character class");
}

/** One literal character as JavaScript `u`-mode source. */
function literalChar(ch: string): string {
  if (JS_SYNTAX.has(ch)) return `\\${ch}`;
  if (/[!-/:-@[-`{-~]/.test(ch)) return `\\u{${ch.codePointAt(0)!.toString(16)}}`;
  return ch;
}
