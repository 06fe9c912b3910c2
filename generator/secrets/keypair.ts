/**
 * Sealed Secrets key material: generating the controller's RSA key pair with its self-signed
 * certificate, and validating certificates and keys that come from disk (DOMAIN.md §3.1-3.2).
 *
 * Parsing and checks use node:crypto only; @peculiar/x509 is needed just to *build* a certificate,
 * so it is imported lazily inside {@link generateKeyPair} and `seal` never loads it.
 */
import { createHash, createPrivateKey, randomBytes, webcrypto, X509Certificate, type KeyObject } from "node:crypto";
import { error, UserError, type Diagnostic } from "../diagnostics.js";

/** A private key and the certificate that carries its public half, both PEM. */
export interface KeyPair {
  /** PKCS#1 "RSA PRIVATE KEY" PEM, the form the controller itself writes into `tls.key`. */
  privateKeyPem: string;
  /** Self-signed X.509 certificate PEM (`tls.crt`, and what `seal` encrypts to). */
  certificatePem: string;
}

/** What Slipway needs to know about a parsed, validated certificate. */
export interface CertificateInfo {
  /** The file it came from (for messages). */
  file: string;
  notBefore: Date;
  notAfter: Date;
  /** RSA modulus length in bits. */
  modulusBits: number;
  /** See {@link fingerprint}. */
  fingerprint: string;
  /** The certificate's public key, ready for `publicEncrypt`. */
  publicKey: KeyObject;
}

/** Options of {@link generateKeyPair}. */
export interface GenerateOptions {
  /** NotBefore of the certificate; truncated to whole seconds (X.509 time precision). */
  now: Date;
  /**
   * RSA modulus length. The controller generates 4096-bit keys (`--key-size`).
   * @default 4096
   */
  modulusBits?: number;
}

/** The controller's own defaults (`cmd/controller/main.go`): CN/O "sealed-secret", 10 year TTL. */
const SUBJECT = "CN=sealed-secret, O=sealed-secret";
/** The controller's `--key-ttl` default is `10 * 365 * 24h`; we use the same span, not calendar years. */
const VALIDITY_MS = 10 * 365 * 24 * 60 * 60 * 1000;
/** Below this an RSA key is considered broken (NIST SP 800-131A); kubeseal itself does not check. */
export const MIN_MODULUS_BITS = 2048;

/**
 * Generate an RSA key pair and a self-signed certificate like the controller does:
 * CN and O "sealed-secret", NotBefore = `now`, NotAfter = NotBefore + 3650 days, random positive
 * 128-bit serial, CA basic constraints.
 */
export async function generateKeyPair({ now, modulusBits = 4096 }: GenerateOptions): Promise<KeyPair> {
  const x509 = await loadX509();
  // Node's webcrypto is structurally the DOM `Crypto` the library's types ask for.
  const crypto = webcrypto as unknown as Crypto;
  x509.cryptoProvider.set(crypto);
  const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: modulusBits };
  const keys = await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const notBefore = truncateToSeconds(now);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: SUBJECT,
    notBefore,
    notAfter: new Date(notBefore.getTime() + VALIDITY_MS),
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      // The key unwraps OAEP-encrypted session keys (keyEncipherment) and signs its own certificate;
      // RFC 5280 §4.2.1.9 requires keyCertSign whenever cA is set, and OpenSSL enforces it. The
      // controller writes EncipherOnly instead, meaningless without keyAgreement; nothing checks it.
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  const privateKeyPem = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }).export({ type: "pkcs1", format: "pem" }) as string;
  return { privateKeyPem, certificatePem: ensureTrailingNewline(cert.toString("pem")) };
}

type X509Module = typeof import("@peculiar/x509");

/**
 * Import @peculiar/x509 on first use. The package is CommonJS (`main`): Node's loader exposes its
 * named exports, but the esbuild bundle (scripts/build.mjs) exposes only `default`; accept both.
 */
async function loadX509(): Promise<X509Module> {
  const mod: X509Module | { default: X509Module } = await import("@peculiar/x509");
  return "cryptoProvider" in mod ? mod : mod.default;
}

/**
 * Parse and validate a certificate for sealing: {@link inspectCertificate} plus
 * `SW-SEAL-CERT-EXPIRED` (kubeseal refuses expired certificates too).
 * @throws UserError with all problems found, each naming `file`.
 */
export function parseCertificate(pem: string, file: string, now: Date): CertificateInfo {
  const info = inspectCertificate(pem, file);
  if (now.getTime() > info.notAfter.getTime()) {
    throw new UserError([
      error("SW-SEAL-CERT-EXPIRED", `certificate expired on ${info.notAfter.toISOString()}`, {
        file,
        hint: "Add a new key with `slipway keygen --rotate`; the old keys stay so existing SealedSecrets still decrypt.",
      }),
    ]);
  }
  return info;
}

/**
 * Parse a certificate and check what every use needs, ignoring expiry (old keys must still load
 * for decryption): `SW-SEAL-CERT-MALFORMED`, `SW-SEAL-CERT-NOT-RSA`, `SW-SEAL-CERT-KEY-TOO-SMALL`.
 * @throws UserError naming `file`.
 */
export function inspectCertificate(pem: string, file: string): CertificateInfo {
  const cert = readX509(pem, file);
  const publicKey = cert.publicKey;
  const problem = keyProblem(publicKey, file);
  if (problem) throw new UserError([problem]);
  const notBefore = parseX509Time(cert.validFrom, file);
  const notAfter = parseX509Time(cert.validTo, file);
  const modulusBits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  return { file, notBefore, notAfter, modulusBits, fingerprint: fingerprintOf(cert), publicKey };
}

/** Sealing needs RSA-OAEP, so only RSA keys of a sane size will do. */
function keyProblem(publicKey: KeyObject, file: string): Diagnostic | undefined {
  if (publicKey.asymmetricKeyType !== "rsa") {
    return error("SW-SEAL-CERT-NOT-RSA", `certificate key is ${publicKey.asymmetricKeyType ?? "unknown"}, but Sealed Secrets needs RSA`, {
      file,
      hint: "Use the certificate of the sealed-secrets controller (`slipway keygen` writes one).",
    });
  }
  const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_MODULUS_BITS) {
    return error("SW-SEAL-CERT-KEY-TOO-SMALL", `certificate RSA key has ${bits} bits; at least ${MIN_MODULUS_BITS} are required`, {
      file,
      hint: "Generate a new key with `slipway keygen --rotate`.",
    });
  }
  return undefined;
}

/**
 * Parse a PEM private key (PKCS#1 or PKCS#8, as the controller accepts) and require RSA.
 * @throws UserError `SW-SEAL-KEY-MALFORMED` / `SW-SEAL-KEY-NOT-RSA`; never includes key bytes.
 */
export function parsePrivateKey(pem: string, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    // The OpenSSL message is not useful to a user and must not be echoed near key material anyway.
    throw new UserError([error("SW-SEAL-KEY-MALFORMED", "not a readable PEM private key", { file })]);
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new UserError([error("SW-SEAL-KEY-NOT-RSA", `private key is ${key.asymmetricKeyType ?? "unknown"}, but Sealed Secrets needs RSA`, { file })]);
  }
  return key;
}

/** True when `privateKeyPem` is the private half of the key in `certificatePem`. */
export function privateKeyMatchesCertificate(privateKeyPem: string, certificatePem: string): boolean {
  try {
    return new X509Certificate(certificatePem).checkPrivateKey(createPrivateKey(privateKeyPem));
  } catch {
    return false;
  }
}

/**
 * Fingerprint shown by `keygen --show`: SHA-256 over the DER SubjectPublicKeyInfo, lower-case hex
 * without colons. It identifies the key, so it survives re-issuing a certificate for the same key.
 * @throws UserError `SW-SEAL-CERT-MALFORMED` when the PEM does not parse.
 */
export function fingerprint(certificatePem: string, file = "<certificate>"): string {
  return fingerprintOf(readX509(certificatePem, file));
}

function fingerprintOf(cert: X509Certificate): string {
  const spki = cert.publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("hex");
}

function readX509(pem: string, file: string): X509Certificate {
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UserError([malformed(file, "no PEM CERTIFICATE block found")]);
  }
  try {
    return new X509Certificate(pem);
  } catch {
    throw new UserError([malformed(file, "the PEM CERTIFICATE block is not a valid X.509 certificate")]);
  }
}

function malformed(file: string, why: string): Diagnostic {
  return error("SW-SEAL-CERT-MALFORMED", `cannot read certificate: ${why}`, {
    file,
    hint: "Expected the PEM certificate written by `slipway keygen` (bootstrap/sealed-secrets.crt).",
  });
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * Node 20 exposes validity only as OpenSSL's text (`Feb 13 04:24:32 2031 GMT`; `validFromDate`
 * arrived in Node 22), so parse that exact shape instead of trusting `Date.parse` heuristics.
 */
function parseX509Time(text: string, file: string): Date {
  const m = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) GMT$/.exec(text);
  const month = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || month < 0) throw new UserError([malformed(file, `unreadable validity time "${text}"`)]);
  return new Date(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
}

/** X.509 times have whole-second precision; truncating keeps NotBefore comparisons exact. */
export function truncateToSeconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

/**
 * A random 128-bit serial like the controller's. The top bit is cleared so the DER INTEGER stays
 * positive, and the next one set so no leading zero byte gets stripped (RFC 5280 §4.1.2.2).
 */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString("hex");
}

function ensureTrailingNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
