/**
 * Sealing: the controller's hybrid encryption (DOMAIN.md §3.5, `pkg/crypto/crypto.go` HybridEncrypt)
 * and the SealedSecret object around the ciphertexts. Pure: no files, no process; only the session
 * keys and OAEP seeds are random (STYLE.md rule 4 names `seal` as the one exception).
 */
import { constants, createCipheriv, publicEncrypt, randomBytes, X509Certificate, type KeyObject } from "node:crypto";
import { cmp, error, UserError, type Diagnostic } from "../diagnostics.js";
import { parseDocument, parseOptions } from "../yaml.js";

/** Who may decrypt: a Secret of this exact name and namespace, any name in the namespace, or anywhere. */
export type SealScope = "strict" | "namespace-wide" | "cluster-wide";

/** All scopes, in the order help texts list them. */
export const SEAL_SCOPES: readonly SealScope[] = ["strict", "namespace-wide", "cluster-wide"];

export const NAMESPACE_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/namespace-wide";
export const CLUSTER_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/cluster-wide";
export const SEALED_SECRET_API_VERSION = "bitnami.com/v1alpha1";

/** Session key length: AES-256. */
const SESSION_KEY_BYTES = 32;
/** GCM nonce: all zero, safe because every value gets a fresh session key (crypto.go). */
const ZERO_NONCE = Buffer.alloc(12);

/** Inputs of {@link sealValue}. */
export interface SealValueOptions {
  /** PEM certificate of the controller's newest key (or its public key, already parsed). */
  certificatePem: string | KeyObject;
  /** The raw secret bytes (what ends up in the Secret's `data[k]` after base64-decoding). */
  plaintext: Buffer;
  scope: SealScope;
  namespace: string;
  name: string;
  /**
   * Source of the session key; injectable so tests can pin it. OAEP's own seed always comes from
   * OpenSSL, because Node's `publicEncrypt` takes no random source.
   * @default crypto.randomBytes
   */
  random?: (size: number) => Buffer;
}

/** The OAEP label that binds a ciphertext to its scope (`EncryptionLabel` in sealedsecret_expansion.go). */
export function encryptionLabel(scope: SealScope, namespace: string, name: string): Buffer {
  switch (scope) {
    case "strict":
      // A slash between them, not plain concatenation as the upstream crypto doc says (DOMAIN.md §3.6).
      return Buffer.from(`${namespace}/${name}`);
    case "namespace-wide":
      return Buffer.from(namespace);
    case "cluster-wide":
      return Buffer.alloc(0);
  }
}

/**
 * Encrypt one value for the controller: `uint16be(len(rsaCT)) || rsaCT || aesGcm(ct || tag)`,
 * where rsaCT = RSA-OAEP-SHA256(sessionKey, label) and AES-256-GCM uses a zero nonce and no AAD.
 * @returns standard base64 with padding, as `spec.encryptedData[key]` holds it.
 */
export function sealValue(options: SealValueOptions): string {
  const { plaintext, scope, namespace, name, random = randomBytes } = options;
  assertScopeInputs(scope, namespace, name);
  const sessionKey = random(SESSION_KEY_BYTES);
  if (sessionKey.length !== SESSION_KEY_BYTES) throw new Error(`random() returned ${sessionKey.length} bytes, expected ${SESSION_KEY_BYTES}`);
  const rsaCiphertext = publicEncrypt(
    // Node's MGF1 hash follows oaepHash, matching Go's rsa.EncryptOAEP(sha256) (DOMAIN.md §3.5 interop check).
    { key: publicKeyOf(options.certificatePem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: encryptionLabel(scope, namespace, name) },
    sessionKey,
  );
  const cipher = createCipheriv("aes-256-gcm", sessionKey, ZERO_NONCE);
  const aesCiphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(rsaCiphertext.length);
  return Buffer.concat([length, rsaCiphertext, aesCiphertext]).toString("base64");
}

/**
 * Seal every value of `data` with {@link sealValue}.
 * @returns the `encryptedData` map, keys sorted.
 */
export function sealValues(options: Omit<SealValueOptions, "plaintext"> & { data: ReadonlyMap<string, Buffer> }): Record<string, string> {
  const { data, ...rest } = options;
  // Parse the certificate once instead of per value.
  const certificatePem = publicKeyOf(rest.certificatePem);
  const out: Record<string, string> = {};
  for (const key of [...data.keys()].sort(cmp)) out[key] = sealValue({ ...rest, certificatePem, plaintext: data.get(key)! });
  return out;
}

function publicKeyOf(certificate: string | KeyObject): KeyObject {
  return typeof certificate === "string" ? new X509Certificate(certificate).publicKey : certificate;
}

/** Callers validate names first; an empty one here would silently seal for the wrong label. */
function assertScopeInputs(scope: SealScope, namespace: string, name: string): void {
  if (scope !== "cluster-wide" && namespace === "") throw new Error(`${scope} scope needs a namespace`);
  if (scope === "strict" && name === "") throw new Error("strict scope needs a name");
}

/** A `bitnami.com/v1alpha1` SealedSecret as Slipway writes it. */
export interface SealedSecret {
  apiVersion: typeof SEALED_SECRET_API_VERSION;
  kind: "SealedSecret";
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec: {
    encryptedData: Record<string, string>;
    template?: {
      metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
      type?: string;
      immutable?: boolean;
    };
  };
}

/** Inputs of {@link buildSealedSecret}. */
export interface BuildSealedSecretOptions {
  name: string;
  namespace: string;
  scope: SealScope;
  /** Secret type of the unsealed Secret. @default "Opaque" */
  type?: string;
  encryptedData: Record<string, string>;
  /** Labels for the unsealed Secret (`spec.template.metadata.labels`). */
  labels?: Record<string, string>;
  /** Annotations for the unsealed Secret; scope annotations are added by this function. */
  annotations?: Record<string, string>;
  /** `spec.template.immutable`. */
  immutable?: boolean;
}

/**
 * The SealedSecret object as kubeseal emits it: scope annotation on `metadata.annotations` (the
 * controller derives the decryption label from there) and copied into the template, template
 * name/namespace set, type defaulting to Opaque. Go's `creationTimestamp: null` noise is left out.
 */
export function buildSealedSecret(options: BuildSealedSecretOptions): SealedSecret {
  const { name, namespace, scope, type = "Opaque", labels, immutable } = options;
  const scopeAnnotations = annotationsFor(scope);
  const templateAnnotations = sortedRecord({ ...options.annotations, ...scopeAnnotations });
  return {
    apiVersion: SEALED_SECRET_API_VERSION,
    kind: "SealedSecret",
    metadata: { name, namespace, ...(scopeAnnotations ? { annotations: scopeAnnotations } : {}) },
    spec: {
      encryptedData: sortedRecord(options.encryptedData) ?? {},
      template: {
        metadata: {
          name,
          namespace,
          ...(labels && Object.keys(labels).length > 0 ? { labels: sortedRecord(labels) } : {}),
          ...(templateAnnotations ? { annotations: templateAnnotations } : {}),
        },
        type,
        ...(immutable !== undefined ? { immutable } : {}),
      },
    },
  };
}

function annotationsFor(scope: SealScope): Record<string, string> | undefined {
  if (scope === "namespace-wide") return { [NAMESPACE_WIDE_ANNOTATION]: "true" };
  if (scope === "cluster-wide") return { [CLUSTER_WIDE_ANNOTATION]: "true" };
  return undefined;
}

/**
 * The scope the controller will decrypt with, read from a SealedSecret's own annotations
 * (`SecretScope`): cluster-wide wins when both are set.
 */
export function scopeOf(metadata: { annotations?: Record<string, string> }): SealScope {
  const a = metadata.annotations ?? {};
  if (a[CLUSTER_WIDE_ANNOTATION] === "true") return "cluster-wide";
  if (a[NAMESPACE_WIDE_ANNOTATION] === "true") return "namespace-wide";
  return "strict";
}

/**
 * Parse an existing SealedSecret file (for `seal --merge`). Unknown fields are kept as they are.
 * @throws UserError `SW-SEAL-EXISTING-INVALID` naming `file`.
 */
export function parseSealedSecret(text: string, file: string): SealedSecret {
  const doc = parseDocument(text, parseOptions);
  const invalid = (why: string, line?: number): UserError =>
    new UserError([error("SW-SEAL-EXISTING-INVALID", `cannot merge into this file: ${why}`, { file, ...(line ? { line } : {}) })]);
  const [firstError] = doc.errors;
  if (firstError) throw invalid(`invalid YAML (${firstError.code})`, text.slice(0, firstError.pos[0]).split("\n").length);
  const value: unknown = doc.toJS();
  if (!isRecord(value) || value.apiVersion !== SEALED_SECRET_API_VERSION || value.kind !== "SealedSecret") {
    throw invalid(`expected one ${SEALED_SECRET_API_VERSION} SealedSecret`);
  }
  const { metadata, spec } = value;
  if (!isRecord(metadata) || typeof metadata.name !== "string" || typeof metadata.namespace !== "string") {
    throw invalid("metadata.name and metadata.namespace must be strings");
  }
  if (!isRecord(spec) || !isStringRecord(spec.encryptedData)) throw invalid("spec.encryptedData must map keys to strings");
  if (metadata.annotations !== undefined && !isStringRecord(metadata.annotations)) throw invalid("metadata.annotations must map to strings");
  return value as unknown as SealedSecret;
}

/**
 * Add or replace `incoming`'s encrypted keys in `existing`, keeping its other keys and everything
 * else (template included), like `kubeseal --merge-into`.
 * @throws UserError `SW-SEAL-MERGE-MISMATCH` when name, namespace or scope differ: their
 *   ciphertexts would be bound to different OAEP labels and the merged object could not decrypt.
 */
export function mergeSealedSecret(existing: SealedSecret, incoming: SealedSecret, file?: string): SealedSecret {
  const problems: Diagnostic[] = [];
  const differ = (what: string, a: string, b: string): void => {
    if (a !== b) problems.push(error("SW-SEAL-MERGE-MISMATCH", `existing SealedSecret has ${what} "${a}", new values are for "${b}"`, file ? { file } : {}));
  };
  differ("name", existing.metadata.name, incoming.metadata.name);
  differ("namespace", existing.metadata.namespace, incoming.metadata.namespace);
  differ("scope", scopeOf(existing.metadata), scopeOf(incoming.metadata));
  if (problems.length > 0) throw new UserError(problems);
  const merged = structuredClone(existing);
  merged.spec.encryptedData = sortedRecord({ ...existing.spec.encryptedData, ...incoming.spec.encryptedData }) ?? {};
  return merged;
}

/** Keys sorted so output bytes do not depend on input order; `undefined` when empty. */
function sortedRecord(record: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!record) return undefined;
  const keys = Object.keys(record).sort(cmp);
  if (keys.length === 0) return undefined;
  return Object.fromEntries(keys.map((k) => [k, record[k]!]));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return isRecord(v) && Object.values(v).every((x) => typeof x === "string");
}
