/**
 * Fitting user-data into a provider's budget. The committed bootstrap/ stays readable; when the
 * complete user-data (with keys and tokens) is over the budget, the content of each larger
 * write_files entry is gzipped and base64-encoded (`encoding: gz+b64`, which cloud-init decodes;
 * DOMAIN.md §2.3). The user-data itself stays plain text, so DigitalOcean's text-only rule holds.
 */
import { gzipSync } from "node:zlib";
import { readAsCloudInit, toYamlText } from "../yaml.js";

/** Entries smaller than this stay as they are: gzip+base64 would not make them smaller. */
const MIN_COMPRESS = 256;

export function compactUserData(text: string): string {
  const [first, ...rest] = text.split("\n");
  if (first !== "#cloud-config") throw new Error("compactUserData: not a #cloud-config document");
  const value = readAsCloudInit(rest.join("\n")) as Record<string, unknown> | null | undefined;
  if (!value || typeof value !== "object") throw new Error("compactUserData: the user-data does not read as one YAML mapping");
  const files = value.write_files as Record<string, unknown>[] | undefined;
  for (const f of files ?? []) {
    const content = f.content;
    if (typeof content !== "string" || f.encoding !== undefined || Buffer.byteLength(content) < MIN_COMPRESS) continue;
    // level 9 and zlib's fixed header (mtime 0) keep the output byte-identical run to run.
    const packed = gzipSync(Buffer.from(content, "utf8"), { level: 9 }).toString("base64");
    if (packed.length >= Buffer.byteLength(content)) continue;
    f.encoding = "gz+b64";
    f.content = packed;
  }
  const comments = rest.filter((l, i) => i < 4 && l.startsWith("#")).join("\n");
  return `#cloud-config\n${comments ? `${comments}\n# write_files content compressed (gz+b64) to fit the provider's user-data size limit.\n` : ""}${toYamlText(value)}`;
}

export const byteLength = (text: string): number => Buffer.byteLength(text, "utf8");
