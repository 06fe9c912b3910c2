/** Human output of diagnostics: `file:line:col: severity CODE path: message`, hint, code frame. */
import { relative } from "node:path";
import type { Diagnostic } from "../diagnostics.js";

export interface PrintOptions {
  /** Source text per file, for code frames. */
  sources?: Map<string, string>;
  color?: boolean;
}

export function formatDiagnostic(d: Diagnostic, opts: PrintOptions = {}): string {
  const c = colors(opts.color ?? false);
  const file = d.file ? displayPath(d.file) : "slipway";
  const where = d.line ? `${file}:${d.line}:${d.col ?? 1}` : file;
  const sev = d.severity === "error" ? c.red("error") : c.yellow("warning");
  const lines = [`${where}: ${sev} ${d.code}${d.path ? ` ${d.path}` : ""}: ${d.message}`];
  if (d.hint) lines.push(`  ${c.dim("hint:")} ${d.hint}`);
  const src = d.file ? opts.sources?.get(d.file) : undefined;
  if (src && d.line) lines.push(codeFrame(src, d.line, d.col ?? 1));
  return lines.join("\n");
}

/** Columns of source a code frame shows per line; a longer line is cut around the caret. */
export const FRAME_WIDTH = 120;

export function codeFrame(text: string, line: number, col: number): string {
  const all = text.split("\n", line + 1);
  const from = Math.max(1, line - 1);
  const to = Math.min(all.length, line + 1);
  const width = String(to).length;
  const out: string[] = [];
  // Every line of the frame shows the same window, so the lines above and below stay aligned.
  const window = frameWindow(all[line - 1]?.length ?? 0, col);
  for (let n = from; n <= to; n++) {
    const src = clip((all[n - 1] ?? "").replace(/\t/g, "→"), window);
    out.push(`  ${n === line ? ">" : " "} ${String(n).padStart(width)} | ${src}`);
    if (n === line) out.push(`    ${" ".repeat(width)} | ${" ".repeat(Math.max(0, col - 1 - window.start + (window.start > 0 ? 1 : 0)))}^`);
  }
  return out.join("\n");
}

/** The columns [start, start + FRAME_WIDTH) around `col` of a line of `length` characters. */
function frameWindow(length: number, col: number): { start: number } {
  if (length <= FRAME_WIDTH) return { start: 0 };
  return { start: Math.max(0, Math.min(col - 1 - FRAME_WIDTH / 2, length - FRAME_WIDTH)) };
}

function clip(src: string, w: { start: number }): string {
  if (w.start === 0 && src.length <= FRAME_WIDTH) return src;
  const end = w.start + FRAME_WIDTH;
  const shown = src.slice(w.start, end);
  return shown === "" ? "" : `${w.start > 0 ? "…" : ""}${shown}${end < src.length ? "…" : ""}`;
}

export function summary(ds: readonly Diagnostic[]): string {
  const e = ds.filter((d) => d.severity === "error").length;
  const w = ds.length - e;
  return `${e} error${e === 1 ? "" : "s"}, ${w} warning${w === 1 ? "" : "s"}`;
}

/** Diagnostics as stable JSON (fixed key order). */
export function diagnosticsJson(ds: readonly Diagnostic[]): object[] {
  return ds.map((d) => ({
    severity: d.severity,
    code: d.code,
    file: d.file ? displayPath(d.file) : null,
    line: d.line ?? null,
    col: d.col ?? null,
    path: d.path ?? null,
    message: d.message,
    hint: d.hint ?? null,
  }));
}

export function displayPath(file: string): string {
  if (!file.startsWith("/")) return file;
  const rel = relative(process.cwd(), file);
  return rel === "" ? "." : rel.startsWith("..") ? file : rel;
}

function colors(on: boolean) {
  const wrap = (code: number) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { red: wrap(31), yellow: wrap(33), dim: wrap(2) };
}
