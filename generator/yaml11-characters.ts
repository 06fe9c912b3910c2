/**
 * Characters YAML 1.2 writers (the yaml library, JSON.stringify) leave raw that YAML 1.1 readers do
 * not take raw: PyYAML (cloud-init) refuses C1 controls and U+FFFE/U+FFFF in a file (its Reader's
 * NON_PRINTABLE), and PyYAML and Go's yaml.v2 read U+0085, U+2028 and U+2029 as line breaks (so
 * does a terminal or a CI log, for the last two). A module of its own, without the YAML libraries:
 * the writer, the spec rule that refuses them and the diagnostics all use it.
 */
export const YAML11_UNSAFE = /[\u0080-\u009f\u2028\u2029\ufffe\uffff]/;
const YAML11_UNSAFE_ALL = new RegExp(YAML11_UNSAFE.source, "g");

/** A JSON (or YAML double-quoted) string's text with the characters of {@link YAML11_UNSAFE} as `\uXXXX` escapes. */
export function escapeYaml11Unsafe(text: string): string {
  return text.replace(YAML11_UNSAFE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
