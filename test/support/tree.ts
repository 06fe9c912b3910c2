/** Reading rendered trees in tests. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parseAllDocuments, parseDocument } from "yaml";
import { listFiles } from "../../generator/list-files.js";

export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const top of ["rendered", "bootstrap"]) for (const rel of listFiles(join(dir, top))) out.set(`${top}/${rel}`, readFileSync(join(dir, top, rel), "utf8"));
  return out;
}

export function yamlObjects(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>).filter((o) => o && typeof o === "object");
}

/**
 * write_files entries of a cloud-init file, parsed as YAML 1.1 and with gz+b64 content decoded,
 * as cloud-init does (`slipway userdata` compresses content to fit a provider's size limit).
 */
export function writeFiles(text: string): { path: string; content: string; permissions: string; encoding?: string }[] {
  const v = parseDocument(text, { version: "1.1" }).toJS() as { write_files?: { path: string; content: string; permissions: string; encoding?: string }[] };
  return (v.write_files ?? []).map((f) => (f.encoding === "gz+b64" ? { ...f, content: gunzipSync(Buffer.from(f.content, "base64")).toString("utf8") } : f));
}
