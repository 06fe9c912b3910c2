import { createPrivateKey, X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { bootstrapKeySecrets, KEY_LABEL } from "../../generator/secrets/key-secret.js";
import { generateKeyPair, type KeyPair } from "../../generator/secrets/keypair.js";
import { toYamlText } from "../../generator/yaml.js";

let older: KeyPair;
let newer: KeyPair;
beforeAll(async () => {
  [older, newer] = await Promise.all([generateKeyPair({ now: new Date("2026-01-01T00:00:00Z") }), generateKeyPair({ now: new Date("2026-06-01T00:00:00Z") })]);
});

const decode = (b64: string): string => Buffer.from(b64, "base64").toString("utf8");

describe("bootstrapKeySecrets", () => {
  it("emits one active kubernetes.io/tls Secret per key with stable names, oldest first", () => {
    const secrets = bootstrapKeySecrets([
      { index: 2, ...newer },
      { index: 1, ...older },
    ]);
    expect(secrets.map((s) => s.metadata.name)).toEqual(["sealed-secrets-key-001", "sealed-secrets-key-002"]);
    for (const s of secrets) {
      expect(s).toMatchObject({ apiVersion: "v1", kind: "Secret", type: "kubernetes.io/tls" });
      expect(s.metadata.namespace).toBe("kube-system");
      expect(s.metadata.labels).toEqual({ [KEY_LABEL]: "active" });
      expect(Object.keys(s.data).sort()).toEqual(["tls.crt", "tls.key"]);
      expect(s.metadata).not.toHaveProperty("generateName");
    }
  });

  it("tls.crt is the certificate of the tls.key in the same Secret", () => {
    for (const s of bootstrapKeySecrets([{ index: 1, ...older }, { index: 2, ...newer }])) {
      const cert = new X509Certificate(decode(s.data["tls.crt"]));
      const key = createPrivateKey(decode(s.data["tls.key"]));
      expect(cert.checkPrivateKey(key)).toBe(true);
      expect(decode(s.data["tls.key"])).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    }
  });

  it("uses the controller namespace given", () => {
    expect(bootstrapKeySecrets([{ index: 1, ...older }], "sealed-secrets")[0]?.metadata.namespace).toBe("sealed-secrets");
  });

  it("serialises to YAML that parses back to the same objects", () => {
    const secrets = bootstrapKeySecrets([{ index: 1, ...older }]);
    expect(parse(toYamlText(secrets[0]))).toEqual(secrets[0]);
  });
});
