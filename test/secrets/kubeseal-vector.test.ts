/**
 * The genuine vector (controller + kubeseal v0.14.1, see the fixture README): proves the test
 * decryption routine follows the real controller, which in turn makes the round trips in
 * seal.test.ts evidence that our sealing is compatible.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { bootstrapKeySecrets } from "../../generator/secrets/key-secret.js";
import { inspectCertificate, privateKeyMatchesCertificate } from "../../generator/secrets/keypair.js";
import { buildSealedSecret, sealValues } from "../../generator/secrets/seal.js";
import { unseal, type SealedLike } from "./decrypt.js";

const FIXTURE = new URL("../fixtures/sealed-secrets/genuine-kubeseal-v0.14.1/", import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, FIXTURE), "utf8");

const keySecret = parse(read("key-secret.yaml"));
const privateKeyPem = Buffer.from(keySecret.data["tls.key"], "base64").toString();
const certificatePem = Buffer.from(keySecret.data["tls.crt"], "base64").toString();
const sealed = parse(read("sealed-secret.yaml")) as SealedLike;
const expected = JSON.parse(read("expected.json")) as Record<string, Record<string, string>>;

describe("genuine kubeseal v0.14.1 vector", () => {
  it("decrypts with the test routine to expected.json", () => {
    const id = `${sealed.metadata.namespace}/${sealed.metadata.name}`;
    const plain = unseal(sealed, [privateKeyPem]);
    const asText = Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, v.toString("utf8")]));
    expect(asText).toEqual(expected[id]);
  });

  it("our parsers accept the controller's own key and certificate", () => {
    expect(privateKeyMatchesCertificate(privateKeyPem, certificatePem)).toBe(true);
    expect(inspectCertificate(certificatePem, "tls.crt").modulusBits).toBe(4096);
  });

  it("what we seal to the controller's certificate decrypts with its key", () => {
    const encryptedData = sealValues({ certificatePem, data: new Map([["token", Buffer.from("sealed-secrets-example")]]), scope: "strict", namespace: "foo", name: "credentials" });
    const ours = buildSealedSecret({ name: "credentials", namespace: "foo", scope: "strict", encryptedData });
    expect(unseal(ours, [privateKeyPem]).token?.toString()).toBe("sealed-secrets-example");
    // Same shape as kubeseal's output, minus Go's `creationTimestamp: null`.
    const strip = (o: unknown) => JSON.parse(JSON.stringify(o, (k, v) => (k === "creationTimestamp" || k === "encryptedData" ? undefined : v)));
    expect(strip(ours)).toEqual(strip(sealed));
  });

  it("bootstrapKeySecrets matches the controller's own key Secret where the controller reads it", () => {
    const [ours] = bootstrapKeySecrets([{ index: 1, privateKeyPem, certificatePem }]);
    expect(ours?.type).toBe(keySecret.type);
    expect(ours?.metadata.namespace).toBe(keySecret.metadata.namespace);
    expect(ours?.metadata.labels).toEqual(keySecret.metadata.labels);
    expect(Object.keys(ours?.data ?? {}).sort()).toEqual(Object.keys(keySecret.data).sort());
    expect(ours?.data).toEqual(keySecret.data);
  });
});
