import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { UserError } from "../../generator/diagnostics.js";
import { generateKeyPair, type KeyPair } from "../../generator/secrets/keypair.js";
import {
  buildSealedSecret,
  encryptionLabel,
  mergeSealedSecret,
  parseSealedSecret,
  scopeOf,
  sealValue,
  sealValues,
  SEAL_SCOPES,
  type SealScope,
} from "../../generator/secrets/seal.js";
import { toYamlText } from "../../generator/yaml.js";
import { decryptValue, labelFor, unseal } from "./decrypt.js";

const FIXTURE = new URL("../fixtures/sealed-secrets/genuine-kubeseal-v0.14.1/", import.meta.url);
/** The published controller key of the genuine vector: a second, unrelated 4096-bit key. */
const otherKeyPem = Buffer.from(parse(readFileSync(new URL("key-secret.yaml", FIXTURE), "utf8")).data["tls.key"], "base64").toString();

let pair: KeyPair;
beforeAll(async () => {
  pair = await generateKeyPair({ now: new Date() });
});

function sealedFor(scope: SealScope, plaintext: Buffer, namespace = "app", name = "db") {
  const encryptedData = sealValues({ certificatePem: pair.certificatePem, data: new Map([["password", plaintext]]), scope, namespace, name });
  return buildSealedSecret({ name, namespace, scope, encryptedData });
}

/** Re-point a sealed object at another name/namespace, as an attacker copying ciphertext would. */
function moved(sealed: ReturnType<typeof sealedFor>, namespace: string, name: string) {
  return { ...sealed, metadata: { ...sealed.metadata, namespace, name } };
}

describe("sealValue / decrypt round trip", () => {
  const secret = Buffer.from("s3cr3t-\u00e9\u0000binary\xff", "latin1");

  it.each(SEAL_SCOPES)("%s scope decrypts with the controller's algorithm", (scope) => {
    const sealed = sealedFor(scope, secret);
    expect(unseal(sealed, [pair.privateKeyPem]).password).toEqual(secret);
  });

  it("uses the exact blob layout: uint16 BE length 512, RSA part, AES-GCM part with 16-byte tag", () => {
    const blob = Buffer.from(sealValue({ certificatePem: pair.certificatePem, plaintext: Buffer.from("abc"), scope: "strict", namespace: "n", name: "x" }), "base64");
    expect(blob.readUInt16BE(0)).toBe(512);
    expect(blob.length).toBe(2 + 512 + 3 + 16);
  });

  it("takes the session key from the injected random source", () => {
    const fixed = () => Buffer.alloc(32, 7);
    const seal = () => Buffer.from(sealValue({ certificatePem: pair.certificatePem, plaintext: Buffer.from("same"), scope: "cluster-wide", namespace: "", name: "", random: fixed }), "base64");
    const [a, b] = [seal(), seal()];
    // OAEP is randomised by OpenSSL, the AES part depends only on the session key and plaintext.
    expect(a.subarray(2, 514)).not.toEqual(b.subarray(2, 514));
    expect(a.subarray(514)).toEqual(b.subarray(514));
  });

  it("fails with a different private key", () => {
    expect(() => unseal(sealedFor("strict", secret), [otherKeyPem])).toThrow();
  });

  it.each([
    ["RSA part", 10],
    ["AES ciphertext", 2 + 512 + 1],
    ["GCM tag", -1],
  ])("fails when the %s is tampered with", (_what, offset) => {
    const sealed = sealedFor("cluster-wide", secret);
    const blob = Buffer.from(sealed.spec.encryptedData.password!, "base64");
    const at = offset < 0 ? blob.length + offset : offset;
    blob[at] = blob[at]! ^ 0x01;
    expect(() => decryptValue(pair.privateKeyPem, blob.toString("base64"), labelFor(sealed))).toThrow();
  });

  it("strict scope fails for another name or another namespace", () => {
    const sealed = sealedFor("strict", secret);
    expect(() => unseal(moved(sealed, "app", "other"), [pair.privateKeyPem])).toThrow();
    expect(() => unseal(moved(sealed, "other", "db"), [pair.privateKeyPem])).toThrow();
  });

  it("namespace-wide allows another name but not another namespace", () => {
    const sealed = sealedFor("namespace-wide", secret);
    expect(unseal(moved(sealed, "app", "other"), [pair.privateKeyPem]).password).toEqual(secret);
    expect(() => unseal(moved(sealed, "other", "db"), [pair.privateKeyPem])).toThrow();
  });

  it("cluster-wide decrypts anywhere", () => {
    const sealed = sealedFor("cluster-wide", secret);
    expect(unseal(moved(sealed, "elsewhere", "x"), [pair.privateKeyPem]).password).toEqual(secret);
  });

  it("labels match the controller's TestEncryptionLabel vectors", () => {
    expect(encryptionLabel("strict", "myns", "myname").toString()).toBe("myns/myname");
    expect(encryptionLabel("namespace-wide", "myns", "myname").toString()).toBe("myns");
    expect(encryptionLabel("cluster-wide", "myns", "myname").length).toBe(0);
  });
});

describe("buildSealedSecret", () => {
  it("emits kubeseal's shape for strict scope (no scope annotations, type Opaque)", () => {
    expect(buildSealedSecret({ name: "db", namespace: "app", scope: "strict", encryptedData: { b: "B", a: "A" } })).toEqual({
      apiVersion: "bitnami.com/v1alpha1",
      kind: "SealedSecret",
      metadata: { name: "db", namespace: "app" },
      spec: { encryptedData: { a: "A", b: "B" }, template: { metadata: { name: "db", namespace: "app" }, type: "Opaque" } },
    });
  });

  it.each([
    ["namespace-wide", "sealedsecrets.bitnami.com/namespace-wide"],
    ["cluster-wide", "sealedsecrets.bitnami.com/cluster-wide"],
  ] as const)("puts the %s annotation on metadata and on the template", (scope, annotation) => {
    const s = buildSealedSecret({ name: "db", namespace: "app", scope, type: "kubernetes.io/tls", encryptedData: { a: "A" }, labels: { team: "x" }, annotations: { note: "y" } });
    expect(s.metadata.annotations).toEqual({ [annotation]: "true" });
    expect(s.spec.template?.metadata?.annotations).toEqual({ note: "y", [annotation]: "true" });
    expect(s.spec.template?.metadata?.labels).toEqual({ team: "x" });
    expect(s.spec.template?.type).toBe("kubernetes.io/tls");
    expect(scopeOf(s.metadata)).toBe(scope);
  });

  it("encryptedData keys come out sorted in the YAML text", () => {
    const text = toYamlText(buildSealedSecret({ name: "db", namespace: "app", scope: "strict", encryptedData: { z: "1", a: "2" } }));
    expect(text.indexOf("a: ")).toBeLessThan(text.indexOf("z: "));
  });
});

describe("mergeSealedSecret", () => {
  const existing = buildSealedSecret({ name: "db", namespace: "app", scope: "strict", type: "Opaque", encryptedData: { keep: "K", change: "OLD" }, labels: { l: "1" } });

  it("updates and adds keys, keeps the others and the existing template", () => {
    const incoming = buildSealedSecret({ name: "db", namespace: "app", scope: "strict", encryptedData: { change: "NEW", added: "A" } });
    const merged = mergeSealedSecret(existing, incoming);
    expect(merged.spec.encryptedData).toEqual({ added: "A", change: "NEW", keep: "K" });
    expect(merged.spec.template?.metadata?.labels).toEqual({ l: "1" });
    expect(existing.spec.encryptedData.change).toBe("OLD");
  });

  it.each([
    ["name", { name: "other", namespace: "app", scope: "strict" as const }],
    ["namespace", { name: "db", namespace: "other", scope: "strict" as const }],
    ["scope", { name: "db", namespace: "app", scope: "cluster-wide" as const }],
  ])("refuses a different %s", (_what, target) => {
    const incoming = buildSealedSecret({ ...target, encryptedData: { x: "X" } });
    expect(() => mergeSealedSecret(existing, incoming, "f.yaml")).toThrow(UserError);
    try {
      mergeSealedSecret(existing, incoming, "f.yaml");
    } catch (e) {
      expect((e as UserError).diagnostics[0]).toMatchObject({ code: "SW-SEAL-MERGE-MISMATCH", file: "f.yaml" });
    }
  });

  it("parseSealedSecret reads back what we write and rejects other documents", () => {
    expect(parseSealedSecret(toYamlText(existing), "f.yaml")).toEqual(existing);
    expect(() => parseSealedSecret("kind: Secret\napiVersion: v1\n", "f.yaml")).toThrow(UserError);
    expect(() => parseSealedSecret("a: [", "f.yaml")).toThrow(UserError);
  });
});
