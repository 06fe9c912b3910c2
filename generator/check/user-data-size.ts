/**
 * The size gate: a node's user-data must fit its provider's limit (DOMAIN.md §2.4). The committed
 * bootstrap/ holds placeholders where `slipway userdata` puts secrets, so the size that matters,
 * the full user-data, is estimated: each placeholder is replaced by a stand-in of realistic
 * length, and on the first server the Sealed Secrets key Secrets (4096-bit keys) are added when
 * keys exist and the file does not carry them yet. Pure but for {@link countSealingKeys}.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { SEALING_KEYS_MANIFEST } from "../plan/day0.js";
import { bootstrapKeySecrets, KEY_LABEL } from "../secrets/key-secret.js";
import { CERTIFICATE_FILE, KEY_DIR } from "../secrets/key-store.js";
import { SECRET_ENV } from "../spec/resolve.js";
import { toYamlText } from "../yaml.js";
import { byteLength, compactUserData } from "../output/compact-user-data.js";
import { checkCloudInitStructure } from "./cloud-init-structure.js";
import type { Finding } from "./finding.js";
import { parseManifests } from "./tree.js";

/**
 * User-data limits in bytes of raw (not base64-encoded) text, per provider (DOMAIN.md §2.4).
 * Contabo documents none, so it gets the portable budget, as does `generic`.
 */
export const USER_DATA_BUDGETS = {
  aws: 16384,
  hetzner: 32768,
  digitalocean: 65536,
  contabo: 16384,
  generic: 16384,
} as const;

export type Provider = keyof typeof USER_DATA_BUDGETS;

/** What each budget is, for messages. */
const BUDGET_SOURCE: Readonly<Record<Provider, string>> = {
  aws: "AWS EC2 accepts 16384 bytes of raw user-data (before base64)",
  hetzner: "Hetzner Cloud accepts 32 KiB of user_data",
  digitalocean: "DigitalOcean accepts 64 KiB of plain-text user_data (no gzip)",
  contabo: "Contabo documents no limit; 16 KiB is the portable budget",
  generic: "16 KiB is the portable budget (the smallest limit among the providers, AWS's)",
};

export const isProvider = (p: string): p is Provider => Object.hasOwn(USER_DATA_BUDGETS, p);

/** Share of the budget past which a warning says the node is close to the limit. */
const NEAR = 0.9;

/**
 * Lengths of the stand-ins per placeholder name: a K3s token from `openssl rand -hex 32`, a GitHub
 * fine-grained token (`github_pat_` + 82), a username of GitHub's maximum length. An unknown
 * placeholder that names a key gets the base64 of a 4096-bit PKCS#1 PEM; any other, 64.
 */
const STAND_IN_LENGTH: Readonly<Record<string, number>> = {
  [SECRET_ENV.k3sToken]: 64,
  [SECRET_ENV.gitToken]: 93,
  [SECRET_ENV.gitUsername]: 39,
};
/** PEM lengths of a Slipway 4096-bit key pair (measured on `generateKeyPair`: 3243 and 1854). */
const KEY_PEM_LENGTH = 3243;
const CERT_PEM_LENGTH = 1854;
const KEY_B64_LENGTH = Math.ceil(KEY_PEM_LENGTH / 3) * 4;

const PLACEHOLDER = /__SLIPWAY_SECRET_([A-Z0-9_]+?)__/g;

/** The estimated full user-data size of one bootstrap file. */
export interface SizeEstimate {
  bytes: number;
  /** Of which the key Secrets added (uncompressed). */
  keyBytes: number;
  keys: number;
  /** What was substituted or added, for the message ("1 placeholder", "2 sealing keys"). */
  additions: string[];
}

/**
 * Bytes of the user-data with secrets filled in, estimated from the committed text.
 * @param sealingKeys keys the first server would import (see {@link countSealingKeys})
 */
export function estimateUserDataSize(file: string, text: string, sealingKeys: number): SizeEstimate {
  let bytes = Buffer.byteLength(text, "utf8");
  let keyBytes = 0;
  let keys = 0;
  const additions: string[] = [];
  let placeholders = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    const length = STAND_IN_LENGTH[name] ?? (/KEY|SEAL/.test(name) ? KEY_B64_LENGTH : 64);
    bytes += length - m[0].length;
    placeholders++;
  }
  if (placeholders > 0) additions.push(`${placeholders} secret placeholder${placeholders === 1 ? "" : "s"} replaced by realistic-length stand-ins`);
  // The first server is the one that hands the cluster to Argo CD (it alone writes auto-deploy
  // manifests); it imports the sealing keys, which `userdata` writes into the secret-free
  // stand-in of SEALING_KEYS_MANIFEST. A file that already holds key Secrets (with placeholders)
  // has them counted above.
  const manifests = checkCloudInitStructure(file, text).manifests;
  const carriesKeys = manifests.some((m) => parseManifests(file, m.content).objects.some((o) => isKeySecret(o.obj)));
  if (manifests.length > 0 && sealingKeys > 0 && !carriesKeys) {
    keyBytes = keySecretsBytes(sealingKeys, !manifests.some((m) => m.path === SEALING_KEYS_MANIFEST));
    keys = sealingKeys;
    bytes += keyBytes;
    additions.push(`${sealingKeys} Sealed Secrets key Secret${sealingKeys === 1 ? "" : "s"} (4096-bit) added`);
  }
  return { bytes, additions, keyBytes, keys };
}

function isKeySecret(obj: Record<string, unknown>): boolean {
  const labels = ((obj.metadata as Record<string, unknown> | undefined)?.labels ?? {}) as Record<string, unknown>;
  return obj.kind === "Secret" && labels[KEY_LABEL] !== undefined;
}

/**
 * Bytes `n` controller key Secrets add to the first server's user-data: YAML documents indented
 * in a write_files `content` block, plus the entry itself when the file has no slot for them yet.
 */
export function keySecretsBytes(n: number, withEntry: boolean): number {
  // The shape day0.ts writes: PEM text (64-character lines) as stringData.
  const pem = (length: number) => `${"A".repeat(length).replace(/(.{64})/g, "$1\n")}\n`;
  const keys = Array.from({ length: n }, (_, i) => ({ index: i + 1, privateKeyPem: pem(KEY_PEM_LENGTH), certificatePem: pem(CERT_PEM_LENGTH) }));
  const documents = bootstrapKeySecrets(keys).flatMap(({ data, ...s }) => {
    const stringData = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
    return ["---", ...toYamlText({ ...s, stringData }).trimEnd().split("\n")];
  });
  const entry = withEntry ? [`  - path: ${SEALING_KEYS_MANIFEST}`, '    permissions: "0600"', "    owner: root:root", "    content: |"] : [];
  return Buffer.byteLength(`${[...entry, ...documents.map((l) => `      ${l}`)].join("\n")}\n`, "utf8");
}

/** gzip+base64 size of `n` key Secrets: PEM bodies are base64 of random DER, so use random bytes. */
function compressedKeyBytes(n: number): number {
  const body = (length: number, seed: string) => {
    let out = "";
    for (let i = 0; out.length < length; i++) out += createHash("sha256").update(`${seed}${i}`).digest("base64");
    return `${out.slice(0, length).replace(/(.{64})/g, "$1\n")}\n`;
  };
  const keys = Array.from({ length: n }, (_, i) => ({ index: i + 1, privateKeyPem: body(KEY_PEM_LENGTH, `k${i}`), certificatePem: body(CERT_PEM_LENGTH, `c${i}`) }));
  const text = bootstrapKeySecrets(keys).map(({ data, ...s }) => toYamlText({ ...s, stringData: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")])) })).join("---\n");
  return gzipSync(Buffer.from(text), { level: 9 }).toString("base64").length;
}

/**
 * How many Sealed Secrets keys the first server would import: the private keys in
 * `.slipway/sealed-secrets/` when that folder is here, else one when the committed certificate
 * exists (CI has only the certificate), else none.
 */
export function countSealingKeys(repoDir: string): number {
  const dir = join(repoDir, KEY_DIR);
  if (existsSync(dir)) {
    const n = readdirSync(dir).filter((f) => /^key-\d{3,}\.pem$/.test(f)).length;
    if (n > 0) return n;
  }
  return existsSync(join(repoDir, CERTIFICATE_FILE)) ? 1 : 0;
}

/**
 * The size finding of one bootstrap file: an error over the budget, a warning above 90 % of it,
 * nothing otherwise.
 */
export function checkUserDataSize(file: string, text: string, provider: Provider, sealingKeys: number, displayFile = file): Finding[] {
  const budget = USER_DATA_BUDGETS[provider];
  const estimate = estimateUserDataSize(file, text, sealingKeys);
  let { bytes, additions } = estimate;
  // A file that does not read as YAML has its own finding (the structure check); it is not compressed.
  if (bytes > budget && checkCloudInitStructure(file, text).readable) {
    // `slipway userdata` compresses write_files content when the plain form is over the budget;
    // judge what it would deliver: the compressed committed text, the placeholders' growth, and
    // the key Secrets as gzip+base64 of key-like (random base64) text.
    const tokenGrowth = bytes - byteLength(text) - estimate.keyBytes;
    bytes = byteLength(compactUserData(text)) + tokenGrowth + (estimate.keys > 0 ? compressedKeyBytes(estimate.keys) : 0);
    additions = [...additions, "write_files content compressed (gz+b64) as `slipway userdata` does over the budget"];
  }
  if (bytes <= budget * NEAR) return [];
  const what = `user-data is about ${bytes} bytes with secrets filled in (an estimate${additions.length ? `: ${additions.join(", ")}` : ""})`;
  const over = bytes > budget;
  return [
    {
      gate: "size",
      severity: over ? "error" : "warning",
      code: over ? "SW-SIZE-OVER-BUDGET" : "SW-SIZE-NEAR-BUDGET",
      message: `${what}, ${over ? "over" : "close to"} the ${provider} budget of ${budget} bytes (${Math.round((bytes / budget) * 100)} %): ${BUDGET_SOURCE[provider]}`,
      file: displayFile,
      hint: "move large content out of user-data: Helm values and manifests belong in the Git repository, which Argo CD syncs after day 0",
    },
  ];
}
