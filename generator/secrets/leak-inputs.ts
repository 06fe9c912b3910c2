/**
 * What the secret-leak scan (check/secret-leak.ts) looks for, read at the edge: the provisioning
 * secrets from the environment and every secret file of the repository's .slipway/ folder.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { UserError, type Diagnostic } from "../diagnostics.js";
import type { LeakContext } from "../check/secret-leak.js";
import { listFiles } from "../list-files.js";
import { SECRET_ENV } from "../spec/resolve.js";
import { loadKeys } from "./key-store.js";

/** The git-ignored folder beside the spec. */
export const PRIVATE_DIR = ".slipway";
/** Larger files in .slipway/ are not secrets we know how to look for. */
const MAX_VALUE_FILE = 64 * 1024;

/**
 * Environment tokens, the contents of .slipway/ files (certificates, which are public, and its
 * .gitignore excepted), and the Sealed Secrets private keys.
 * @returns problems of the key store as diagnostics (a key without its certificate, say).
 */
export async function loadLeakContext(repoDir: string, env: NodeJS.ProcessEnv): Promise<{ context: LeakContext; diagnostics: Diagnostic[] }> {
  const values: { source: string; value: string }[] = [];
  for (const name of [SECRET_ENV.k3sToken, SECRET_ENV.gitToken]) {
    const v = env[name]?.trim();
    if (v) values.push({ source: `the ${name} environment variable`, value: v });
  }
  const diagnostics: Diagnostic[] = [];
  let privateKeys: LeakContext["privateKeys"] = [];
  try {
    privateKeys = (await loadKeys(repoDir)).map((k) => ({ id: k.id, file: `${PRIVATE_DIR}/sealed-secrets/${k.id}.pem`, pem: k.privateKeyPem }));
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    diagnostics.push(...e.diagnostics);
  }
  const keyFiles = new Set(privateKeys.map((k) => k.file));
  const dir = join(repoDir, PRIVATE_DIR);
  for (const rel of listFiles(dir)) {
    const file = `${PRIVATE_DIR}/${rel}`;
    if (keyFiles.has(file) || rel.endsWith(".crt") || rel.split("/").pop() === ".gitignore") continue;
    const path = join(dir, rel);
    if (statSync(path).size > MAX_VALUE_FILE) continue;
    const text = readFileSync(path, "utf8");
    values.push({ source: file, value: text });
  }
  return { context: { values, privateKeys }, diagnostics };
}
