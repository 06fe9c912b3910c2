/**
 * Structural check of rendered cloud-init, offline (`check` also validates against cloud-init's own
 * schema when cloud-init is installed: cloud-init-gate.ts): the header, YAML 1.1 types that
 * cloud-init's PyYAML would change, and known keys.
 */
import { error, type Diagnostic } from "../diagnostics.js";
import { readYaml } from "../yaml.js";

/** Top-level keys Slipway renders; anything else means a template or hostile value went wrong. */
const KNOWN_KEYS = new Set(["hostname", "package_update", "package_upgrade", "packages", "users", "ssh_pwauth", "disable_root", "fs_setup", "mounts", "write_files", "runcmd", "bootcmd"]);
const WRITE_FILE_KEYS = new Set(["path", "content", "permissions", "owner", "defer", "encoding", "append"]);

export interface CloudInitCheck {
  diagnostics: Diagnostic[];
  /** Whether the text reads as YAML at all (a problem that says otherwise is in diagnostics). */
  readable: boolean;
  /** Files written into K3s's auto-deploy directory, for object validation. */
  manifests: { path: string; content: string }[];
}

/**
 * The structure check of one user-data text. The tree check and the size gate both need it for
 * every node, so each text is parsed once a run (callers only read the result).
 */
export function checkCloudInitStructure(file: string, text: string): CloudInitCheck {
  let byText = checked.get(file);
  if (!byText) checked.set(file, (byText = new Map()));
  let result = byText.get(text);
  if (!result) byText.set(text, (result = checkOnce(file, text)));
  return result;
}

const checked = new Map<string, Map<string, CloudInitCheck>>();

function checkOnce(file: string, text: string): CloudInitCheck {
  const diagnostics: Diagnostic[] = [];
  const manifests: { path: string; content: string }[] = [];
  const bad = (message: string) => diagnostics.push(error("SW-RENDER-CLOUD-INIT", message, { file }));
  if (!text.startsWith("#cloud-config\n")) bad('user-data must begin with "#cloud-config"');
  // cloud-init reads YAML 1.1: parse the way it does, so `0644` or `no` would show as retyped.
  const read = readYaml(text, { version: "1.1" });
  if (!read.ok) {
    diagnostics.push(error("SW-RENDER-CLOUD-INIT", `cloud-init user-data does not parse: ${read.message}`, { file, line: read.line, col: read.col }));
    return { diagnostics, manifests, readable: false };
  }
  if (read.docs.length > 1) {
    bad("cloud-init user-data must be one YAML document (cloud-init reads one)");
    return { diagnostics, manifests, readable: false };
  }
  const v = read.docs[0]?.value as Record<string, unknown> | undefined;
  if (!v || typeof v !== "object" || Array.isArray(v)) {
    bad("cloud-init user-data is not a mapping");
    return { diagnostics, manifests, readable: false };
  }
  for (const k of Object.keys(v)) if (!KNOWN_KEYS.has(k)) bad(`unexpected top-level key "${k}" in user-data`);
  const wf = v.write_files;
  if (!Array.isArray(wf)) bad("write_files must be a list");
  else {
    for (const item of wf as Record<string, unknown>[]) {
      for (const k of Object.keys(item)) if (!WRITE_FILE_KEYS.has(k)) bad(`unexpected key "${k}" in a write_files entry`);
      if (typeof item.path !== "string") bad("a write_files entry has no path");
      if (typeof item.permissions !== "string") bad(`permissions of ${String(item.path)} must be a quoted string (YAML 1.1 reads 0644 as a number)`);
      if (typeof item.content !== "string") bad(`content of ${String(item.path)} must be a string`);
      if (typeof item.path === "string" && item.path.startsWith("/var/lib/rancher/k3s/server/manifests/") && typeof item.content === "string") {
        manifests.push({ path: item.path, content: item.content });
      }
    }
  }
  for (const key of ["runcmd", "packages"]) {
    if (v[key] !== undefined && !Array.isArray(v[key])) bad(`${key} must be a list`);
  }
  return { diagnostics, manifests, readable: true };
}
