/**
 * The secret-leak scan: nothing secret may reach rendered/ or bootstrap/ (DESIGN.md). Small named
 * rules over the tree's files and what the caller knows is secret, each returning diagnostics that
 * name the file and the kind of secret, never its value. Pure: callers read the environment and
 * .slipway/ (generator/secrets/leak-inputs.ts) and pass the values in. `render` runs it before
 * writing; `slipway check` can run it on a tree on disk.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { error, type Diagnostic } from "../diagnostics.js";
import { privateKeyMatchesCertificate } from "../secrets/keypair.js";
import { undecryptableKeys, type UnsealTarget } from "../secrets/unseal.js";
import { parseManifests } from "./tree.js";

/** What the scan knows to be secret, and the repository facts it cross-checks. */
export interface LeakContext {
  /** Secret values that must not appear, named for messages (`SLIPWAY_K3S_TOKEN`, `.slipway/k3s-token`). */
  values?: readonly { source: string; value: string }[];
  /** Private keys of .slipway/sealed-secrets/, oldest first (PEM). */
  privateKeys?: readonly { id: string; file: string; pem: string }[];
  /** The committed certificate; must belong to the newest private key. */
  certificate?: { file: string; pem: string };
  /** The repository's SealedSecrets; each must open under its own name and namespace. */
  sealedSecrets?: readonly { file: string; object: Record<string, unknown> }[];
}

/** A file of the tree: path relative to the tree root (`rendered/...`, `bootstrap/...`). */
export interface ScannedFile {
  path: string;
  text: string;
}

/** Values shorter than this are not searched for: they would match by chance. */
export const MIN_SECRET_LENGTH = 8;

/** Every rule, all findings at once. */
export function scanSecretLeaks(files: readonly ScannedFile[], ctx: LeakContext = {}): Diagnostic[] {
  return [
    ...noPlainSecrets(files),
    ...noPrivateKeyBlocks(files),
    ...noKnownValues(files, ctx),
    ...certificateMatchesNewestKey(ctx),
    ...sealedSecretsOpenUnderOwnName(ctx),
  ];
}

/** rendered/ is committed and synced by Argo CD: a `v1` Secret there is its values in clear text. */
export function noPlainSecrets(files: readonly ScannedFile[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const f of files.filter((x) => x.path.startsWith("rendered/"))) {
    for (const o of parseManifests(f.path, f.text).objects) {
      if (o.obj.kind === "Secret" && o.obj.apiVersion === "v1") {
        const name = String((o.obj.metadata as Record<string, unknown> | undefined)?.name ?? "");
        out.push(
          error("SW-LEAK-PLAIN-SECRET", `a plain Secret ${JSON.stringify(name)} is in the rendered tree: its values would be committed in clear text`, {
            file: f.path,
            line: o.line,
            hint: "Seal it (slipway seal NAME -n NAMESPACE ...) and commit the SealedSecret under sealed-secrets/ instead.",
          }),
        );
      }
    }
  }
  return out;
}

const PEM_PRIVATE = /-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY-----/;
/** Base64 of "-----BEGIN", how a PEM starts inside a Secret's `data`. */
const B64_PEM_START = /LS0tLS1CRUdJTi[A-Za-z0-9+/]{8,}={0,2}/g;

/** Any private key, known or not, in clear PEM or base64-encoded PEM. */
export function noPrivateKeyBlocks(files: readonly ScannedFile[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const f of files) {
    let line = lineOf(f.text, f.text.search(PEM_PRIVATE));
    if (line === undefined) {
      for (const m of f.text.matchAll(B64_PEM_START)) {
        if (PEM_PRIVATE.test(Buffer.from(m[0], "base64").toString("latin1"))) {
          line = lineOf(f.text, m.index);
          break;
        }
      }
    }
    if (line !== undefined) {
      out.push(error("SW-LEAK-PRIVATE-KEY", "a private key is in the tree", { file: f.path, line, hint: "Private keys belong in .slipway/ (never committed); `slipway userdata` delivers the Sealed Secrets keys to the first server." }));
    }
  }
  return out;
}

/** The values the caller knows are secret, raw or base64-encoded, and the bodies of its private keys. */
export function noKnownValues(files: readonly ScannedFile[], ctx: LeakContext): Diagnostic[] {
  const needles: { source: string; forms: string[]; compact: boolean }[] = [];
  for (const v of ctx.values ?? []) {
    const value = v.value.trim();
    if (value.length < MIN_SECRET_LENGTH) continue;
    // A PEM (a key file someone dropped into .slipway/) is searched for like the store's keys.
    if (value.includes("-----BEGIN")) needles.push({ source: v.source, forms: pemNeedles(value), compact: true });
    else needles.push({ source: v.source, forms: [value, Buffer.from(value).toString("base64")], compact: false });
  }
  for (const k of ctx.privateKeys ?? []) needles.push({ source: k.file, forms: pemNeedles(k.pem), compact: true });
  const out: Diagnostic[] = [];
  for (const f of files) {
    const compactText = f.text.replace(/\s+/g, "");
    for (const n of needles) {
      const hit = n.forms.some((form) => f.text.includes(form) || (n.compact && compactText.includes(form)));
      if (hit) {
        out.push(
          error("SW-LEAK-SECRET-VALUE", `the secret from ${n.source} is in the tree`, {
            file: f.path,
            hint: "Secrets reach nodes only through `slipway userdata`, and workloads only as SealedSecrets; remove it from cluster.yaml or sealed-secrets/ and rotate it.",
          }),
        );
      }
    }
  }
  return out;
}

/** Distinctive pieces of a PEM key: chunks of its base64 body, and of the base64 of the whole PEM. */
function pemNeedles(pem: string): string[] {
  const body = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  const encoded = Buffer.from(pem).toString("base64");
  const chunks: string[] = [];
  for (const s of [body, encoded]) {
    if (s.length < 200) continue;
    // Skip the first bytes: every RSA key's DER (and every PEM header) starts alike.
    chunks.push(s.slice(100, 164), s.slice(Math.floor(s.length / 2), Math.floor(s.length / 2) + 64));
  }
  return chunks;
}

/** The committed certificate must be the newest private key's: `seal` encrypts to it. */
export function certificateMatchesNewestKey(ctx: LeakContext): Diagnostic[] {
  const newest = ctx.privateKeys?.at(-1);
  const cert = ctx.certificate;
  if (!newest || !cert) return [];
  if (privateKeyMatchesCertificate(newest.pem, cert.pem)) return [];
  const older = ctx.privateKeys!.slice(0, -1).find((k) => privateKeyMatchesCertificate(k.pem, cert.pem));
  return [
    error("SW-SEAL-CERT-MISMATCH", `the committed certificate is not the certificate of the newest private key (${newest.file})`, {
      file: cert.file,
      hint: older
        ? `It belongs to the older ${older.file}: restore the newest certificate (a copy is beside its key in .slipway/sealed-secrets/).`
        : "It belongs to no key in .slipway/sealed-secrets/: copy the matching .slipway/ from where the keys were made, or restore the certificate of the newest key.",
    }),
  ];
}

/**
 * With the private keys at hand, every SealedSecret must decrypt under the label the controller
 * will use, its own name and namespace (strict scope): a file copied and renamed, or sealed for
 * another Secret, would sync and never produce a Secret.
 */
export function sealedSecretsOpenUnderOwnName(ctx: LeakContext): Diagnostic[] {
  const keys = (ctx.privateKeys ?? []).map((k) => createPrivateKey(k.pem)).reverse(); // newest first: most values use it
  if (keys.length === 0) return [];
  const out: Diagnostic[] = [];
  for (const s of ctx.sealedSecrets ?? []) {
    const target = s.object as unknown as UnsealTarget;
    if (!target.spec?.encryptedData) continue;
    const failed = undecryptableKeys(target, keys as KeyObject[]);
    if (failed.length === 0) continue;
    const { namespace, name } = target.metadata;
    out.push(
      error("SW-SEALED-SECRET-WRONG-SCOPE", `${failed.map((k) => JSON.stringify(k)).join(", ")} of SealedSecret ${namespace}/${name} cannot be decrypted under its own name and namespace with any key of .slipway/sealed-secrets/`, {
        file: s.file,
        hint: `It was sealed for another Secret (a copied or renamed file?) or with another cluster's key. Re-seal the values: slipway seal ${name} -n ${namespace} ...`,
      }),
    );
  }
  return out;
}

function lineOf(text: string, index: number | undefined): number | undefined {
  if (index === undefined || index < 0) return undefined;
  return text.slice(0, index).split("\n").length;
}
