/**
 * Decrypting a SealedSecret value, the controller's way (`pkg/crypto/crypto.go` singleDecrypt,
 * DOMAIN.md §3.5), only to check that a committed SealedSecret opens under its own name and
 * namespace with a key of this repository. Values are never returned to callers that print.
 */
import { constants, createDecipheriv, privateDecrypt, type KeyObject } from "node:crypto";
import { encryptionLabel, scopeOf } from "./seal.js";

/** The parts of a SealedSecret the controller reads to unseal it. */
export interface UnsealTarget {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec: { encryptedData: Record<string, string> };
}

/**
 * Whether `base64Value` decrypts with `key` under `label`. AES-GCM's tag makes a wrong key or
 * label fail instead of yielding garbage.
 */
export function decrypts(key: KeyObject, base64Value: string, label: Buffer): boolean {
  try {
    const blob = Buffer.from(base64Value, "base64");
    if (blob.length < 2) return false;
    const rsaLength = blob.readUInt16BE(0);
    if (blob.length < 2 + rsaLength + 16) return false;
    const sessionKey = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: label }, blob.subarray(2, 2 + rsaLength));
    const aes = blob.subarray(2 + rsaLength);
    const decipher = createDecipheriv("aes-256-gcm", sessionKey, Buffer.alloc(12));
    decipher.setAuthTag(aes.subarray(aes.length - 16));
    decipher.update(aes.subarray(0, aes.length - 16));
    decipher.final();
    return true;
  } catch {
    return false;
  }
}

/**
 * The keys of `encryptedData` that no key in `keys` decrypts under the label the controller will
 * use for this object: its own name and namespace (strict), namespace, or none, as its scope
 * annotations say (`labelFor(s.GetObjectMeta())` in the controller).
 */
export function undecryptableKeys(sealed: UnsealTarget, keys: readonly KeyObject[]): string[] {
  const label = encryptionLabel(scopeOf(sealed.metadata), sealed.metadata.namespace, sealed.metadata.name);
  return Object.entries(sealed.spec.encryptedData)
    .filter(([, value]) => !keys.some((k) => decrypts(k, value, label)))
    .map(([key]) => key)
    .sort();
}
