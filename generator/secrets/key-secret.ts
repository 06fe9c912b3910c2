/**
 * The controller's key Secrets (DOMAIN.md §3.1-3.2): one `kubernetes.io/tls` Secret per key pair,
 * labelled so the controller loads it at startup. Pure: takes keys, returns plain objects.
 */
import { keyNumber } from "./key-store.js";
import type { KeyPair } from "./keypair.js";

/** Label the controller selects its keys by; only the value `active` is loaded. */
export const KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key";
/** The controller's default `--key-prefix`, used as the stem of our stable names. */
export const KEY_SECRET_PREFIX = "sealed-secrets-key";

/** A key pair with its store index (see key-store.ts `StoredKey`, which satisfies this). */
export interface IndexedKeyPair extends KeyPair {
  /** 1-based index; gives the stable name `sealed-secrets-key-001`. */
  index: number;
}

/** A `v1` Secret of type `kubernetes.io/tls`, as a plain object ready for `toYamlText`. */
export interface KeySecret {
  apiVersion: "v1";
  kind: "Secret";
  type: "kubernetes.io/tls";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  data: { "tls.crt": string; "tls.key": string };
}

/**
 * One key Secret per key, oldest first. Every key is labelled `active`, old ones too: a key that
 * is not loaded can no longer decrypt the SealedSecrets sealed with it. The controller seals new
 * values with the key of latest certificate NotBefore, which key-store's rotation keeps increasing.
 * Names are stable (`sealed-secrets-key-001`, not `generateName`) so Argo CD can own and diff them.
 * @param namespace the controller's namespace (it only reads keys there). @default "kube-system"
 */
export function bootstrapKeySecrets(keys: readonly IndexedKeyPair[], namespace = "kube-system"): KeySecret[] {
  return [...keys]
    .sort((a, b) => a.index - b.index)
    .map((key) => ({
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/tls",
      metadata: {
        name: `${KEY_SECRET_PREFIX}-${keyNumber(key.index)}`,
        namespace,
        labels: { [KEY_LABEL]: "active" },
      },
      data: {
        "tls.crt": Buffer.from(key.certificatePem).toString("base64"),
        "tls.key": Buffer.from(key.privateKeyPem).toString("base64"),
      },
    }));
}
