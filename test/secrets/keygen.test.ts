/**
 * Key generation and the on-disk key store. Two 4096-bit keys are generated once (init + rotate)
 * and every test reads that one store; the refusal tests generate nothing.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runKeygen } from "../../generator/cli/keygen.js";
import { UserError, type Diagnostic } from "../../generator/diagnostics.js";
import { certificateFileOf, initKeys, keyDirOf, loadCertificate, loadKeys, rotateKeys, type StoredKey } from "../../generator/secrets/key-store.js";
import { fingerprint, generateKeyPair, parseCertificate, privateKeyMatchesCertificate } from "../../generator/secrets/keypair.js";
import { buildSealedSecret, sealValues } from "../../generator/secrets/seal.js";
import { ROOT } from "../support/cli.js";
import { unseal } from "./decrypt.js";

const NOW = new Date("2026-08-01T12:00:00.750Z");
const tmp = mkdtempSync(join(tmpdir(), "slipway-keygen-"));
const repo = join(tmp, "repo");
let first: StoredKey;
let second: StoredKey;
let keygenOutput = "";

beforeAll(async () => {
  await runKeygen({ dir: repo }, { out: (t) => (keygenOutput += t), now: NOW });
  first = (await loadKeys(repo))[0]!;
  // Same clock on purpose: rotation must still produce a strictly later NotBefore.
  second = await rotateKeys(repo, NOW);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Run `fn`, expect a UserError, return its diagnostics. */
async function diagnosticsOf(fn: () => unknown): Promise<Diagnostic[]> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof UserError) return e.diagnostics;
    throw e;
  }
  throw new Error("expected a UserError");
}

describe("generated key pair", () => {
  it("is RSA 4096 with a PKCS#1 private key", () => {
    expect(first.privateKeyPem.startsWith("-----BEGIN RSA PRIVATE KEY-----\n")).toBe(true);
    const key = createPrivateKey(first.privateKeyPem);
    expect(key.asymmetricKeyType).toBe("rsa");
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(4096);
  });

  it("has a self-signed certificate for that key: CN/O sealed-secret, NotBefore = now, 10 years", () => {
    const cert = new X509Certificate(first.certificatePem);
    expect(privateKeyMatchesCertificate(first.privateKeyPem, first.certificatePem)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(first.privateKeyPem))).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.subject).toContain("CN=sealed-secret");
    expect(cert.subject).toContain("O=sealed-secret");
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.ca).toBe(true);
    expect(first.notBefore.toISOString()).toBe("2026-08-01T12:00:00.000Z");
    expect(first.notAfter.getTime() - first.notBefore.getTime()).toBe(3650 * 86_400_000);
  });

  it("uses random serials", () => {
    const serial = (k: StoredKey) => new X509Certificate(k.certificatePem).serialNumber;
    expect(serial(first)).toMatch(/^[0-9A-F]{32}$/);
    expect(serial(first)).not.toBe(serial(second));
  });

  it("does not match another key's certificate", () => {
    expect(privateKeyMatchesCertificate(first.privateKeyPem, second.certificatePem)).toBe(false);
  });

  it("fingerprint is the SHA-256 of the SPKI, hex without colons", () => {
    expect(first.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprint(first.certificatePem)).toBe(first.fingerprint);
    expect(first.fingerprint).not.toBe(second.fingerprint);
  });
});

describe("key store layout", () => {
  it("writes private keys 0600 in a 0700 folder and commits only the newest certificate", () => {
    expect(statSync(keyDirOf(repo)).mode & 0o777).toBe(0o700);
    expect(readdirSync(keyDirOf(repo)).sort()).toEqual([".gitignore", "key-001.crt", "key-001.pem", "key-002.crt", "key-002.pem"]);
    expect(readFileSync(join(keyDirOf(repo), ".gitignore"), "utf8")).toMatch(/^\*$/m);
    // Only the key folder is private; the repository folder keygen created keeps the default mode.
    mkdirSync(join(tmp, "reference"));
    expect(statSync(repo).mode & 0o777).toBe(statSync(join(tmp, "reference")).mode & 0o777);
    for (const k of [first, second]) expect(statSync(k.keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(certificateFileOf(repo), "utf8")).toBe(second.certificatePem);
  });

  it("keygen printed the paths and the fingerprint but no key material", () => {
    expect(keygenOutput).toContain("key-001.pem");
    expect(keygenOutput).toContain("bootstrap/sealed-secrets.crt");
    expect(keygenOutput).toContain(first.fingerprint);
    expect(keygenOutput).not.toContain("PRIVATE KEY");
  });

  it("init refuses when keys exist, writing nothing", async () => {
    const before = readdirSync(keyDirOf(repo)).sort();
    const certBefore = readFileSync(certificateFileOf(repo), "utf8");
    const ds = await diagnosticsOf(() => initKeys(repo, NOW));
    expect(ds.map((d) => d.code)).toEqual(["SW-SEAL-KEYS-EXIST", "SW-SEAL-CERT-EXISTS"]);
    expect(readdirSync(keyDirOf(repo)).sort()).toEqual(before);
    expect(readFileSync(certificateFileOf(repo), "utf8")).toBe(certBefore);
  });

  it("init refuses when only the committed certificate exists (keys live elsewhere)", async () => {
    const clone = join(tmp, "clone");
    mkdirSync(join(clone, "bootstrap"), { recursive: true });
    writeFileSync(certificateFileOf(clone), first.certificatePem);
    expect((await diagnosticsOf(() => initKeys(clone, NOW))).map((d) => d.code)).toEqual(["SW-SEAL-CERT-EXISTS"]);
  });

  it("rotate without keys says to run keygen", async () => {
    const empty = join(tmp, "empty");
    expect((await diagnosticsOf(() => rotateKeys(empty, NOW)))[0]).toMatchObject({ code: "SW-SEAL-NO-KEYS" });
  });
});

describe("rotation", () => {
  it("keeps the old key and adds a newer one with a strictly later NotBefore", async () => {
    const keys = await loadKeys(repo);
    expect(keys.map((k) => k.id)).toEqual(["key-001", "key-002"]);
    expect(keys[0]?.privateKeyPem).toBe(first.privateKeyPem);
    expect(second.notBefore.getTime()).toBeGreaterThan(first.notBefore.getTime());
  });

  it("sealing uses the newest certificate; both keys remain for decryption", async () => {
    const cert = await loadCertificate(repo, NOW);
    expect(cert.info.fingerprint).toBe(second.fingerprint);
    const encryptedData = sealValues({ certificatePem: cert.pem, data: new Map([["k", Buffer.from("v")]]), scope: "strict", namespace: "a", name: "b" });
    const sealed = buildSealedSecret({ name: "b", namespace: "a", scope: "strict", encryptedData });
    expect(unseal(sealed, [second.privateKeyPem]).k?.toString()).toBe("v");
    expect(() => unseal(sealed, [first.privateKeyPem])).toThrow();
  });

  it("loadKeys reports a key whose certificate belongs to another key", async () => {
    const broken = join(tmp, "broken");
    mkdirSync(keyDirOf(broken), { recursive: true });
    writeFileSync(join(keyDirOf(broken), "key-001.pem"), first.privateKeyPem);
    writeFileSync(join(keyDirOf(broken), "key-001.crt"), second.certificatePem);
    expect((await diagnosticsOf(() => loadKeys(broken)))[0]).toMatchObject({ code: "SW-SEAL-KEY-MISMATCH" });
  });

  it("keygen --show lists both keys and marks the sealing one", async () => {
    let out = "";
    await runKeygen({ dir: repo, show: true }, { out: (t) => (out += t) });
    const lines = out.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`key-001  ${first.fingerprint}`);
    expect(lines[1]).toContain(`key-002  ${second.fingerprint}`);
    expect(lines[1]).toContain("seals");
  });
});

describe("certificate validation", () => {
  it("reports a malformed PEM with the file name", async () => {
    const ds = await diagnosticsOf(() => parseCertificate("not a cert", "bad.crt", NOW));
    expect(ds[0]).toMatchObject({ code: "SW-SEAL-CERT-MALFORMED", file: "bad.crt" });
    const garbled = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    expect((await diagnosticsOf(() => parseCertificate(garbled, "bad.crt", NOW)))[0]?.code).toBe("SW-SEAL-CERT-MALFORMED");
  });

  it("reports an expired certificate", async () => {
    const later = new Date(first.notAfter.getTime() + 1000);
    expect((await diagnosticsOf(() => parseCertificate(first.certificatePem, "old.crt", later)))[0]).toMatchObject({ code: "SW-SEAL-CERT-EXPIRED", file: "old.crt" });
  });

  it("reports an RSA key below 2048 bits", async () => {
    const small = await generateKeyPair({ now: NOW, modulusBits: 1024 });
    expect((await diagnosticsOf(() => parseCertificate(small.certificatePem, "small.crt", NOW)))[0]).toMatchObject({ code: "SW-SEAL-CERT-KEY-TOO-SMALL" });
  });

  it("reports a non-RSA certificate", async () => {
    const x509 = await import("@peculiar/x509");
    const { webcrypto } = await import("node:crypto");
    const crypto = webcrypto as unknown as Crypto;
    const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
    const cert = await x509.X509CertificateGenerator.createSelfSigned(
      { name: "CN=ec", notBefore: NOW, notAfter: new Date(NOW.getTime() + 86_400_000), signingAlgorithm: { name: "ECDSA", hash: "SHA-256" }, keys },
      crypto,
    );
    expect((await diagnosticsOf(() => parseCertificate(cert.toString("pem"), "ec.crt", NOW)))[0]).toMatchObject({ code: "SW-SEAL-CERT-NOT-RSA", file: "ec.crt" });
  });

  it("loadCertificate without keygen says to run it", async () => {
    expect((await diagnosticsOf(() => loadCertificate(join(tmp, "nothing"))))[0]).toMatchObject({ code: "SW-SEAL-NO-CERT" });
  });
});

describe("delivering a rotated key to a running cluster", () => {
  const listing = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();

  it("keygen --print-secrets prints every key as the controller's key Secret for kubectl apply -f -, writing nothing", async () => {
    const before = listing(repo);
    let out = "";
    let err = "";
    await runKeygen({ dir: repo, printSecrets: true }, { out: (t) => (out += t), err: (t) => (err += t) });
    expect(listing(repo)).toEqual(before);
    expect(err).toBe("");
    const docs = parseAllDocuments(out).map((d) => d.toJS() as { kind: string; type: string; metadata: { name: string; namespace: string; labels: Record<string, string> }; data: Record<string, string> });
    expect(docs.map((d) => d.metadata.name)).toEqual(["sealed-secrets-key-001", "sealed-secrets-key-002"]);
    for (const d of docs) {
      expect(d).toMatchObject({ kind: "Secret", type: "kubernetes.io/tls", metadata: { namespace: "kube-system", labels: { "sealedsecrets.bitnami.com/sealed-secrets-key": "active" } } });
    }
    expect(Buffer.from(docs[1]!.data["tls.key"]!, "base64").toString("utf8")).toBe(second.privateKeyPem);
    expect(out).toMatch(/^# The Sealed Secrets controller's keys \(PRIVATE\)/);
  });

  it("uses the controller namespace of the repository's cluster.yaml", async () => {
    const other = join(tmp, "other-namespace");
    cpSync(repo, other, { recursive: true });
    writeFileSync(join(other, "cluster.yaml"), readFileSync(join(ROOT, "examples/hetzner-single/cluster.yaml"), "utf8").replace(/^spec:\n/m, "spec:\n  secrets:\n    sealedSecrets:\n      namespace: sealed-secrets\n"));
    let out = "";
    await runKeygen({ dir: other, printSecrets: true }, { out: (t) => (out += t), err: () => undefined });
    expect(out).toContain("namespace: sealed-secrets");
    expect(out).toContain("kubectl -n sealed-secrets rollout restart deployment/sealed-secrets-controller");
  });

  it("--secrets-out FILE writes them with mode 0600 instead, and says so", async () => {
    const file = join(tmp, "keys.yaml");
    let out = "";
    await runKeygen({ dir: repo, secretsOut: file }, { out: (t) => (out += t) });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toContain("sealed-secrets-key-002");
    expect(out).toContain("(mode 0600)");
    expect(out).not.toContain("PRIVATE KEY");
  });

  it("--rotate says what to do next, in order: deliver the key, restart the controller, render and commit, back up", async () => {
    const rotated = join(tmp, "rotated");
    cpSync(repo, rotated, { recursive: true });
    let out = "";
    let err = "";
    await runKeygen({ dir: rotated, rotate: true, printSecrets: true }, { out: (t) => (out += t), err: (t) => (err += t), now: NOW });
    // stdout carries only the Secrets (it is piped into kubectl); the report goes to stderr.
    expect(parseAllDocuments(out).map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name)).toEqual(["sealed-secrets-key-001", "sealed-secrets-key-002", "sealed-secrets-key-003"]);
    expect(err).toContain("Added sealed-secrets key key-003");
    const steps = ["kubectl -n kube-system rollout restart deployment/sealed-secrets-controller", "Run `slipway render`", "Back up .slipway/sealed-secrets/"];
    const at = steps.map((s) => err.indexOf(s));
    expect(at.every((i) => i >= 0), err).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // Already delivering: the report does not tell the user to run --print-secrets again.
    expect(err).not.toContain("slipway keygen --print-secrets");
  });

  it("the first key's report names render and the delivery for a cluster that already runs", () => {
    expect(keygenOutput).toContain("run `slipway render`");
    expect(keygenOutput).toContain("slipway keygen --print-secrets | kubectl apply -f -");
  });
});
