/**
 * The on-disk layout of Sealed Secrets keys, and every file read or write that touches secrets.
 *
 *     <repo>/.slipway/sealed-secrets/      mode 0700, never committed (its own .gitignore: `*`)
 *       key-001.pem  key-001.crt           private key (0600, PKCS#1) and its certificate
 *       key-002.pem  key-002.crt           ... newest = highest index
 *     <repo>/bootstrap/sealed-secrets.crt  certificate of the newest key, committed: `seal` needs
 *                                          only this file, so anyone with the repo can seal
 *
 * Every key's certificate is also kept beside it (the newest one too), so the private store is
 * self-contained even if the committed copy is edited; a store without the newest `.crt` still
 * loads by falling back to the committed certificate.
 */
import { chmod, mkdir, readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { error, UserError, type Diagnostic } from "../diagnostics.js";
import { writeFileAtomic } from "../atomic-file.js";
import { generateKeyPair, inspectCertificate, parseCertificate, parsePrivateKey, privateKeyMatchesCertificate, type CertificateInfo, type KeyPair } from "./keypair.js";

/** Private key folder, relative to the repository root. */
export const KEY_DIR = ".slipway/sealed-secrets";
/** Committed certificate of the newest key, relative to the repository root. */
export const CERTIFICATE_FILE = "bootstrap/sealed-secrets.crt";

const KEY_FILE_RE = /^key-(\d{3,})\.pem$/;

/** One key pair of the store, with what its certificate says. */
export interface StoredKey extends KeyPair {
  /** 1-based position; the highest is the newest. */
  index: number;
  /** `key-001`: the file stem, also used in the controller key Secret's name. */
  id: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the public key (see `fingerprint` in keypair.ts). */
  fingerprint: string;
  keyFile: string;
  certificateFile: string;
}

/** The committed certificate, validated for sealing. */
export interface LoadedCertificate {
  file: string;
  pem: string;
  info: CertificateInfo;
}

/** Absolute path of the private key folder of `repoDir`. */
export const keyDirOf = (repoDir: string): string => join(repoDir, KEY_DIR);
/** Absolute path of the committed certificate of `repoDir`. */
export const certificateFileOf = (repoDir: string): string => join(repoDir, CERTIFICATE_FILE);

/** `007` for index 7; three digits keep `ls` order right for the first 999 keys. */
export const keyNumber = (index: number): string => String(index).padStart(3, "0");
/** `key-007` for index 7: the file stem in the store. */
export const keyId = (index: number): string => `key-${keyNumber(index)}`;

/**
 * Create the first key pair. Refuses, writing nothing, when a private key or a committed
 * certificate already exists (`SW-SEAL-KEYS-EXIST`, `SW-SEAL-CERT-EXISTS`): overwriting either would
 * make every existing SealedSecret undecryptable.
 * @param now NotBefore of the new certificate.
 */
export async function initKeys(repoDir: string, now: Date): Promise<StoredKey> {
  const problems: Diagnostic[] = [];
  const existing = await listKeyIndexes(repoDir);
  if (existing.length > 0) {
    problems.push(
      error("SW-SEAL-KEYS-EXIST", `${existing.length} sealed-secrets key(s) already exist; refusing to overwrite`, {
        file: keyDirOf(repoDir),
        hint: "Use `slipway keygen --rotate` to add a new key, or `slipway keygen --show` to list them.",
      }),
    );
  }
  if ((await readTextIfExists(certificateFileOf(repoDir))) !== undefined) {
    problems.push(
      error("SW-SEAL-CERT-EXISTS", "a sealing certificate is already committed; its private key may live on another machine", {
        file: certificateFileOf(repoDir),
        hint: "Copy the matching .slipway/sealed-secrets/ folder here, or delete the certificate if its key is truly lost.",
      }),
    );
  }
  if (problems.length > 0) throw new UserError(problems);
  return addKey(repoDir, 1, await generateKeyPair({ now }));
}

/**
 * Add a new newest key and keep all old ones (they still decrypt existing SealedSecrets). The new
 * certificate's NotBefore is forced later than every existing one, because the controller seals
 * with the key of latest NotBefore (`--key-order-priority CertNotBefore`).
 * @throws UserError `SW-SEAL-NO-KEYS` when there is nothing to rotate.
 */
export async function rotateKeys(repoDir: string, now: Date): Promise<StoredKey> {
  const keys = await loadKeys(repoDir);
  const newest = keys.at(-1);
  if (!newest) throw noKeys(repoDir);
  const latest = Math.max(...keys.map((k) => k.notBefore.getTime()));
  const notBefore = new Date(Math.max(now.getTime(), latest + 1000));
  return addKey(repoDir, newest.index + 1, await generateKeyPair({ now: notBefore }));
}

/**
 * All key pairs, oldest first. Each private key must match its certificate (`SW-SEAL-KEY-MISMATCH`);
 * expired certificates still load because their keys still decrypt.
 * @returns `[]` when the store does not exist.
 */
export async function loadKeys(repoDir: string): Promise<StoredKey[]> {
  const indexes = await listKeyIndexes(repoDir);
  const keys: StoredKey[] = [];
  const problems: Diagnostic[] = [];
  for (const index of indexes) {
    try {
      keys.push(await loadKey(repoDir, index, index === indexes.at(-1)));
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      problems.push(...e.diagnostics);
    }
  }
  if (problems.length > 0) throw new UserError(problems);
  return keys;
}

/**
 * The committed certificate (`bootstrap/sealed-secrets.crt`), validated for sealing.
 * @param now for the expiry check. @default new Date()
 * @throws UserError `SW-SEAL-NO-CERT` or a certificate diagnostic.
 */
export async function loadCertificate(repoDir: string, now: Date = new Date()): Promise<LoadedCertificate> {
  const file = certificateFileOf(repoDir);
  const pem = await readTextIfExists(file);
  if (pem === undefined) {
    throw new UserError([
      error("SW-SEAL-NO-CERT", "no sealing certificate found", { file, hint: "Run `slipway keygen` first (or pass --dir to point at the repository)." }),
    ]);
  }
  return { file, pem, info: parseCertificate(pem, file, now) };
}

async function loadKey(repoDir: string, index: number, isNewest: boolean): Promise<StoredKey> {
  const id = keyId(index);
  const keyFile = join(keyDirOf(repoDir), `${id}.pem`);
  const privateKeyPem = await readFile(keyFile, "utf8");
  parsePrivateKey(privateKeyPem, keyFile);
  let certificateFile = join(keyDirOf(repoDir), `${id}.crt`);
  let certificatePem = await readTextIfExists(certificateFile);
  if (certificatePem === undefined && isNewest) {
    certificateFile = certificateFileOf(repoDir);
    certificatePem = await readTextIfExists(certificateFile);
  }
  if (certificatePem === undefined) {
    throw new UserError([error("SW-SEAL-KEY-NO-CERT", `private key ${id} has no certificate`, { file: certificateFile })]);
  }
  const info = inspectCertificate(certificatePem, certificateFile);
  if (!privateKeyMatchesCertificate(privateKeyPem, certificatePem)) {
    throw new UserError([
      error("SW-SEAL-KEY-MISMATCH", `private key ${id} does not belong to its certificate`, {
        file: certificateFile,
        hint: `Restore the certificate that belongs to ${keyFile}.`,
      }),
    ]);
  }
  const { notBefore, notAfter, fingerprint } = info;
  return { index, id, privateKeyPem, certificatePem, notBefore, notAfter, fingerprint, keyFile, certificateFile };
}

/**
 * Write key `index`: private key and certificate into the store, then the committed certificate.
 * That order means a crash midway leaves a key without a committed certificate (re-runnable),
 * never a committed certificate whose key was lost.
 */
async function addKey(repoDir: string, index: number, pair: KeyPair): Promise<StoredKey> {
  const dir = await ensureKeyDir(repoDir);
  const id = keyId(index);
  const keyFile = join(dir, `${id}.pem`);
  const certificateFile = join(dir, `${id}.crt`);
  writeFileAtomic(keyFile, pair.privateKeyPem, { mode: 0o600, exclusive: true });
  writeFileAtomic(certificateFile, pair.certificatePem, { mode: 0o644, exclusive: true });
  const committed = certificateFileOf(repoDir);
  await mkdir(dirname(committed), { recursive: true });
  writeFileAtomic(committed, pair.certificatePem, { mode: 0o644 });
  const info = inspectCertificate(pair.certificatePem, certificateFile);
  const { notBefore, notAfter, fingerprint } = info;
  return { index, id, ...pair, notBefore, notAfter, fingerprint, keyFile, certificateFile };
}

/**
 * Create the private folder: 0700 for it alone (parents, possibly the repository itself, keep the
 * default mode), plus a `.gitignore` of `*` so the keys stay out of git even in a repository
 * whose own .gitignore forgot `.slipway/`.
 */
async function ensureKeyDir(repoDir: string): Promise<string> {
  const dir = keyDirOf(repoDir);
  await mkdir(dirname(dir), { recursive: true });
  await mkdir(dir, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "EEXIST") throw e;
  });
  // mkdir's mode is masked by umask and does not apply to an existing folder; enforce it.
  await chmod(dir, 0o700);
  const ignore = join(dir, ".gitignore");
  if ((await readTextIfExists(ignore)) === undefined) writeFileAtomic(ignore, "# Private keys: never commit.\n*\n");
  return dir;
}

/** Indexes of `key-NNN.pem` files, ascending numerically (never trust readdir order). */
async function listKeyIndexes(repoDir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(keyDirOf(repoDir));
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
  return names
    .map((n) => KEY_FILE_RE.exec(n)?.[1])
    .filter((d): d is string => d !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

function noKeys(repoDir: string): UserError {
  return new UserError([
    error("SW-SEAL-NO-KEYS", "no sealed-secrets private keys found", {
      file: keyDirOf(repoDir),
      hint: "Run `slipway keygen` to create the first key.",
    }),
  ]);
}

/**
 * File text, or `undefined` when the file does not exist.
 * @throws UserError `SW-FILE-IS-DIRECTORY` when a directory stands where the file goes.
 */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if (isNotFound(e)) return undefined;
    if ((e as NodeJS.ErrnoException).code === "EISDIR") {
      throw new UserError([error("SW-FILE-IS-DIRECTORY", "a directory stands where this file goes", { file: path, hint: "Move the directory away; Slipway keeps a file here." })]);
    }
    throw e;
  }
}

/**
 * Read a file whose content is a secret value (for `seal --from-file` / `--from-env-file`).
 * @throws UserError `SW-SEAL-INPUT-UNREADABLE` naming the file and the OS reason, never content.
 */
export async function readInputFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new UserError([error("SW-SEAL-INPUT-UNREADABLE", `cannot read input file (${code})`, { file: path })]);
  }
}

/** Nothing there: no such file, or a path through a file (`repo/cluster.yaml/.slipway`). */
function isNotFound(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}
