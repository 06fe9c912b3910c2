/**
 * A test-only decryption routine, written from DOMAIN.md §3.5 and the controller's
 * `singleDecrypt` / `Unseal` rather than from generator/secrets/seal.ts, so the two can check each
 * other. It deliberately imports nothing from the generator.
 */
import { constants, createDecipheriv, createPrivateKey, privateDecrypt } from "node:crypto";

/** The parts of a SealedSecret the controller reads when unsealing. */
export interface SealedLike {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec: { encryptedData: Record<string, string> };
}

/**
 * The OAEP label, computed like the controller from the SealedSecret's OWN metadata:
 * cluster-wide annotation → "", namespace-wide → namespace, else "namespace/name".
 */
export function labelFor(sealed: SealedLike): Buffer {
  const a = sealed.metadata.annotations ?? {};
  const ns = sealed.metadata.namespace ?? "";
  if (a["sealedsecrets.bitnami.com/cluster-wide"] === "true") return Buffer.alloc(0);
  if (a["sealedsecrets.bitnami.com/namespace-wide"] === "true") return Buffer.from(ns);
  return Buffer.from(`${ns}/${sealed.metadata.name}`);
}

/**
 * Decrypt one `encryptedData` value with one private key.
 * @throws on any failure (wrong key, wrong label, tampered bytes, truncated blob).
 */
export function decryptValue(privateKeyPem: string, base64Value: string, label: Buffer): Buffer {
  const blob = Buffer.from(base64Value, "base64");
  if (blob.length < 2) throw new Error("blob too short");
  const rsaLength = blob.readUInt16BE(0);
  if (blob.length < 2 + rsaLength + 16) throw new Error("blob shorter than its header says");
  const rsaCiphertext = blob.subarray(2, 2 + rsaLength);
  const aesPart = blob.subarray(2 + rsaLength);
  const sessionKey = privateDecrypt(
    { key: createPrivateKey(privateKeyPem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: label },
    rsaCiphertext,
  );
  const decipher = createDecipheriv("aes-256-gcm", sessionKey, Buffer.alloc(12));
  decipher.setAuthTag(aesPart.subarray(aesPart.length - 16));
  return Buffer.concat([decipher.update(aesPart.subarray(0, aesPart.length - 16)), decipher.final()]);
}

/** Unseal every key like the controller: try each loaded private key until one works. */
export function unseal(sealed: SealedLike, privateKeyPems: readonly string[]): Record<string, Buffer> {
  const label = labelFor(sealed);
  const out: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(sealed.spec.encryptedData)) {
    out[key] = decryptWithAny(privateKeyPems, value, label);
  }
  return out;
}

function decryptWithAny(privateKeyPems: readonly string[], value: string, label: Buffer): Buffer {
  for (const pem of privateKeyPems) {
    try {
      return decryptValue(pem, value, label);
    } catch {
      // try the next key, as the controller does
    }
  }
  throw new Error("no private key could decrypt the value");
}
