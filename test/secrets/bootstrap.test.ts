/**
 * Issue #3 end to end, through the built CLI: the first server's user-data carries every Sealed
 * Secrets key as a controller key Secret, the committed tree stays secret-free, SealedSecrets from
 * sealed-secrets/ reach the tree, and the leak checks fail for the right reasons. Keys are made in
 * temp dirs (CI has no .slipway/): two, made once, copied into each scratch repository.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { scanSecretLeaks } from "../../generator/check/secret-leak.js";
import { listFiles } from "../../generator/list-files.js";
import { loadKeys, rotateKeys, initKeys, type StoredKey } from "../../generator/secrets/key-store.js";
import { KEY_LABEL } from "../../generator/secrets/key-secret.js";
import { strictProblems } from "../support/kube-schemas.js";
import { ROOT, slipway, tempDir } from "../support/cli.js";
import { writeFiles, yamlObjects } from "../support/tree.js";
import { unseal, type SealedLike } from "./decrypt.js";

const TOKEN = "k3s-token-for-leak-test-0123456789";
const GIT_TOKEN = "ghp_leaktestleaktestleaktest0123";
const KEYS_MANIFEST = "/var/lib/rancher/k3s/server/manifests/slipway-sealed-secrets-keys.yaml";
const EXAMPLES = readdirSync(join(ROOT, "examples")).filter((d) => existsSync(join(ROOT, "examples", d, "cluster.yaml"))).sort();

const tmp = tempDir("slipway-bootstrap-");
/** A repository holding only .slipway/ and bootstrap/sealed-secrets.crt of two keys (001 rotated to 002). */
const keyRepo = join(tmp.dir, "keys");
let keys: StoredKey[];

beforeAll(async () => {
  await initKeys(keyRepo, new Date("2026-01-01T00:00:00Z"));
  await rotateKeys(keyRepo, new Date("2026-06-01T00:00:00Z"));
  keys = await loadKeys(keyRepo);
});
afterAll(() => tmp.cleanup());

let n = 0;
/** A scratch repository: an example's cluster.yaml, the two keys, a K3s token file. */
function repo(example = "contabo-ha", withKeys = true): string {
  const dir = join(tmp.dir, `repo-${n++}`);
  mkdirSync(dir, { recursive: true });
  // Two 4096-bit keys do not fit the 16 KiB portable budget (Contabo's, see the size test below):
  // run these on Hetzner's 32 KiB.
  const spec = readFileSync(join(ROOT, "examples", example, "cluster.yaml"), "utf8").replace(/provider: \w+/, "provider: hetzner");
  writeFileSync(join(dir, "cluster.yaml"), spec);
  if (withKeys) {
    cpSync(join(keyRepo, ".slipway"), join(dir, ".slipway"), { recursive: true });
    cpSync(join(keyRepo, "bootstrap"), join(dir, "bootstrap"), { recursive: true });
    writeFileSync(join(dir, ".slipway/k3s-token"), `${TOKEN}\n`, { mode: 0o600 });
  }
  return dir;
}

const env = { SLIPWAY_K3S_TOKEN: TOKEN, SLIPWAY_GIT_TOKEN: GIT_TOKEN };

function keySecrets(userData: string): Record<string, unknown>[] {
  const file = writeFiles(userData).find((f) => f.path === KEYS_MANIFEST);
  if (!file) throw new Error(`no ${KEYS_MANIFEST} in the user-data`);
  return yamlObjects(file.content);
}

describe("slipway userdata: the first server imports the Sealed Secrets keys", () => {
  it("compresses write_files content to fit the provider's limit, and refuses when even that is too large", () => {
    const dir = repo();
    writeFileSync(join(dir, "cluster.yaml"), readFileSync(join(dir, "cluster.yaml"), "utf8").replace("provider: hetzner", "provider: contabo"));
    const tooLarge = slipway(["userdata", "node-1"], { cwd: dir, env });
    expect(tooLarge.code).toBe(1);
    expect(tooLarge.stderr).toMatch(/error SW-USERDATA-TOO-LARGE: the user-data of node-1 is \d+ bytes even compressed, over the contabo limit of 16384 bytes/);
    expect(tooLarge.stdout).toBe("");
    // One key fits once compressed; cloud-init decodes gz+b64 content (test/support/tree.ts does too).
    const oneKey = join(tmp.dir, `one-key-${n++}`);
    mkdirSync(join(oneKey, ".slipway/sealed-secrets"), { recursive: true });
    cpSync(join(dir, "cluster.yaml"), join(oneKey, "cluster.yaml"));
    for (const f of readdirSync(join(dir, ".slipway/sealed-secrets")).filter((f) => f.startsWith("key-002"))) cpSync(join(dir, ".slipway/sealed-secrets", f), join(oneKey, ".slipway/sealed-secrets", f.replace("002", "001")));
    cpSync(join(dir, "bootstrap"), join(oneKey, "bootstrap"), { recursive: true });
    const fits = slipway(["userdata", "node-1"], { cwd: oneKey, env });
    expect(fits.stderr).toContain("compressed (gz+b64)");
    expect(fits.code).toBe(0);
    expect(Buffer.byteLength(fits.stdout)).toBeLessThanOrEqual(16384);
    expect(fits.stdout).toContain("encoding: gz+b64");
    expect(keySecrets(fits.stdout).filter((o) => o.kind === "Secret")).toHaveLength(1);
  });

  it("writes every key (rotated ones too) as an active kubernetes.io/tls Secret in kube-system, mode 0600, and a script that removes it after import", () => {
    const dir = repo();
    const out = join(dir, "node-1.user-data");
    const r = slipway(["userdata", "node-1", "--out", out], { cwd: dir, env });
    expect(r.stderr).toContain("mode 0600");
    expect(r.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const text = readFileSync(out, "utf8");
    const entry = writeFiles(text).find((f) => f.path === KEYS_MANIFEST)!;
    expect(entry.permissions).toBe("0600");
    const secrets = keySecrets(text);
    expect(secrets.map((s) => (s.metadata as { name: string }).name)).toEqual(["sealed-secrets-key-001", "sealed-secrets-key-002"]);
    secrets.forEach((s, i) => {
      expect(s).toMatchObject({ apiVersion: "v1", kind: "Secret", type: "kubernetes.io/tls", metadata: { namespace: "kube-system", labels: { [KEY_LABEL]: "active" } } });
      // PEM text as stringData (smaller user-data); the API server stores it as data.
      const data = s.stringData as Record<string, string>;
      expect(s.data).toBeUndefined();
      expect(Object.keys(data).sort()).toEqual(["tls.crt", "tls.key"]);
      expect(new X509Certificate(data["tls.crt"]!).checkPrivateKey(createPrivateKey(data["tls.key"]!))).toBe(true);
      expect(data["tls.key"]!).toBe(keys[i]!.privateKeyPem);
      expect(strictProblems(s)).toEqual([]);
    });
    // K3s installs first, then the handover script deletes each day-0 manifest, this one included,
    // once K3s has imported it (run for real in test/day2/day0-handover.test.ts).
    const runcmd = (parse(text) as { runcmd: string[][] }).runcmd.map((c) => c[1]);
    expect(runcmd.indexOf("/usr/local/lib/slipway/day0-handover.sh")).toBeGreaterThan(runcmd.indexOf("/usr/local/lib/slipway/install-k3s.sh"));
    const script = writeFiles(text).find((f) => f.path === "/usr/local/lib/slipway/day0-handover.sh")!.content;
    expect(script).toContain(`MANIFESTS='${KEYS_MANIFEST.slice(0, KEYS_MANIFEST.lastIndexOf("/"))}'`);
    expect(script).toMatch(/k3s kubectl get -f "\$1"/);
  });

  it("other nodes get no keys", () => {
    const dir = repo();
    const r = slipway(["userdata", "node-2"], { cwd: dir, env });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("slipway-sealed-secrets-keys");
    expect(r.stdout).not.toContain("PRIVATE KEY");
  });

  it("the first server without keys is an error naming slipway keygen", () => {
    const dir = repo("contabo-ha", false);
    const r = slipway(["userdata", "node-1"], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("SW-SECRET-MISSING");
    expect(r.stderr).toContain("slipway keygen");
  });

  it("after rotation, seal encrypts to the newest key only; the old key stays in the user-data", () => {
    const dir = repo();
    expect(slipway(["seal", "db", "-n", "web", "--from-literal", "password=hunter2hunter2"], { cwd: dir }).code).toBe(0);
    const sealed = parse(readFileSync(join(dir, "sealed-secrets/web/db.yaml"), "utf8")) as SealedLike;
    expect(unseal(sealed, [keys[1]!.privateKeyPem]).password!.toString()).toBe("hunter2hunter2");
    expect(() => unseal(sealed, [keys[0]!.privateKeyPem])).toThrow();
    const userData = slipway(["userdata", "node-1"], { cwd: dir, env }).stdout;
    expect(keySecrets(userData)).toHaveLength(2);
  });
});

describe("slipway render: the committed tree stays secret-free", () => {
  it.each(EXAMPLES)("%s: no token, no private key bytes anywhere in rendered/ or bootstrap/", (example) => {
    const dir = repo(example);
    expect(slipway(["seal", "app-credentials", "-n", "web", "--from-literal", "password=s3cr3t-value-xyz"], { cwd: dir }).code).toBe(0);
    const r = slipway(["render"], { cwd: dir, env });
    // Warnings about the example itself (e.g. etcd on public addresses) may print; no leak finding may.
    expect(r.stderr).not.toMatch(/ error |SW-LEAK|SW-SEAL/);
    expect(r.code).toBe(0);
    const needles = [TOKEN, GIT_TOKEN, Buffer.from(TOKEN).toString("base64"), Buffer.from(GIT_TOKEN).toString("base64"), "s3cr3t-value-xyz", "PRIVATE KEY"];
    for (const k of keys) {
      // Every 64-character line of each key's PEM body, and of its base64 (a Secret's data form).
      const body = k.privateKeyPem.split("\n").filter((l) => l && !l.startsWith("-----"));
      const encoded = Buffer.from(k.privateKeyPem).toString("base64");
      needles.push(...body.slice(1, -1), ...Array.from({ length: Math.floor(encoded.length / 64) - 2 }, (_, i) => encoded.slice(64 * (i + 1), 64 * (i + 2))));
    }
    const files = ["rendered", "bootstrap"].flatMap((top) => listFiles(join(dir, top)).map((f) => `${top}/${f}`));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(join(dir, f), "utf8");
      const compact = text.replace(/\s+/g, "");
      for (const needle of needles) expect(text.includes(needle) || compact.includes(needle), `${f} contains secret bytes`).toBe(false);
    }
    // The first server's committed file has the stand-in, not key Secrets.
    const first = files.filter((f) => f.startsWith("bootstrap/") && f.endsWith(".yaml")).map((f) => readFileSync(join(dir, f), "utf8")).find((t) => t.includes(KEYS_MANIFEST))!;
    expect(keySecretsOrNone(first)).toEqual([]);
  });

  it("SealedSecrets from sealed-secrets/ land in a secrets-<namespace> Application and pass the strict schemas, with the key check and the metadata guard", () => {
    const dir = repo();
    expect(slipway(["seal", "db", "-n", "storage", "--from-literal", "password=abcdefgh123"], { cwd: dir }).code).toBe(0);
    expect(slipway(["seal", "api", "-n", "web", "--from-literal", "token=abcdefgh123", "--scope", "namespace-wide"], { cwd: dir }).code).toBe(0);
    expect(slipway(["render"], { cwd: dir, env }).code).toBe(0);
    const copied = parse(readFileSync(join(dir, "rendered/manifests/secrets-storage/db.yaml"), "utf8"));
    expect(copied).toEqual(parse(readFileSync(join(dir, "sealed-secrets/storage/db.yaml"), "utf8")));
    const app = parse(readFileSync(join(dir, "rendered/apps/secrets-web.yaml"), "utf8")) as { metadata: { annotations: Record<string, string> }; spec: { destination: { namespace: string }; source: { path: string } } };
    expect(app.spec.destination.namespace).toBe("web");
    expect(app.spec.source.path).toBe("examples/contabo-ha/rendered/manifests/secrets-web");
    const controllerWave = Number((parse(readFileSync(join(dir, "rendered/apps/sealed-secrets.yaml"), "utf8")) as typeof app).metadata.annotations["argocd.argoproj.io/sync-wave"]);
    expect(Number(app.metadata.annotations["argocd.argoproj.io/sync-wave"])).toBeGreaterThan(controllerWave);
    const problems: string[] = [];
    for (const f of listFiles(join(dir, "rendered"))) for (const o of yamlObjects(readFileSync(join(dir, "rendered", f), "utf8"))) for (const p of strictProblems(o)) problems.push(`${f}: ${String(o.kind)} ${p}`);
    expect(problems).toEqual([]);
    const check = yamlObjects(readFileSync(join(dir, "rendered/manifests/sealed-secrets-check/key-check.yaml"), "utf8"));
    expect(check.map((o) => o.kind)).toEqual(["ConfigMap", "Job"]);
    // Its own Application in the last wave, shared only with the node Plans (which hold nothing
    // back either): a red check holds back no other Application.
    const wavesByFile = new Map(listFiles(join(dir, "rendered/apps")).map((f) => [f, Number((parse(readFileSync(join(dir, "rendered/apps", f), "utf8")) as typeof app).metadata.annotations?.["argocd.argoproj.io/sync-wave"] ?? 0)]));
    const checkWave = wavesByFile.get("sealed-secrets-check.yaml")!;
    expect(checkWave).toBe(Math.max(...wavesByFile.values()));
    expect([...wavesByFile].filter(([, w]) => w === checkWave).map(([f]) => f).sort()).toEqual(["node-rollout.yaml", "sealed-secrets-check.yaml"]);
    expect((check[0]!.data as Record<string, string>)["cert.pem"]).toBe(readFileSync(join(dir, "bootstrap/sealed-secrets.crt"), "utf8"));
    expect(existsSync(join(dir, "rendered/manifests/metadata-guard/cilium-clusterwide-policy.yaml"))).toBe(true);
    // The committed certificate is kept by render (it is not a generated file).
    expect(existsSync(join(dir, "bootstrap/sealed-secrets.crt"))).toBe(true);
  });

  it("without a certificate: no key check, and a warning naming slipway keygen", () => {
    const dir = repo("contabo-ha", false);
    const r = slipway(["render"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("warning SW-SEAL-NO-CERTIFICATE");
    expect(r.stderr).toContain("slipway keygen");
    expect(existsSync(join(dir, "rendered/manifests/sealed-secrets"))).toBe(false);
  });
});

describe("the leak checks fail for the right reason, and nothing is written", () => {
  function expectFailure(dir: string, code: string, mention: string): void {
    const r = slipway(["render"], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error ${code}`);
    expect(r.stderr).toContain(mention);
    expect(existsSync(join(dir, "rendered"))).toBe(false);
  }

  it("a private key pasted into Helm values", () => {
    const dir = repo();
    const pem = JSON.stringify(keys[1]!.privateKeyPem);
    writeFileSync(join(dir, "cluster.yaml"), readFileSync(join(dir, "cluster.yaml"), "utf8").replace("values: {mode: distributed, replicas: 3}", `values: {mode: distributed, replicas: 3, tls: {key: ${pem}}}`));
    expectFailure(dir, "SW-LEAK-PRIVATE-KEY", "rendered/apps/minio.yaml");
    expect(slipway(["render"], { cwd: dir, env }).stderr).toContain("the secret from .slipway/sealed-secrets/key-002.pem is in the tree");
  });

  it("the K3s token pasted into Helm values (never echoed)", () => {
    const dir = repo();
    writeFileSync(join(dir, "cluster.yaml"), readFileSync(join(dir, "cluster.yaml"), "utf8").replace("values: {mode: distributed, replicas: 3}", `values: {mode: distributed, replicas: 3, t: ${TOKEN}}`));
    expectFailure(dir, "SW-LEAK-SECRET-VALUE", "the SLIPWAY_K3S_TOKEN environment variable");
    expect(slipway(["render"], { cwd: dir, env }).stderr).not.toContain(TOKEN);
  });

  it("a plain Secret under sealed-secrets/", () => {
    const dir = repo();
    mkdirSync(join(dir, "sealed-secrets/web"), { recursive: true });
    writeFileSync(join(dir, "sealed-secrets/web/plain.yaml"), "apiVersion: v1\nkind: Secret\nmetadata: {name: plain, namespace: web}\nstringData: {password: x}\n");
    expectFailure(dir, "SW-SEALED-SECRET-PLAIN", "sealed-secrets/web/plain.yaml");
    expect(slipway(["validate"], { cwd: dir }).code).toBe(1);
  });

  it("a committed certificate that is not the newest key's", () => {
    const dir = repo();
    cpSync(join(dir, ".slipway/sealed-secrets/key-001.crt"), join(dir, "bootstrap/sealed-secrets.crt"));
    expectFailure(dir, "SW-SEAL-CERT-MISMATCH", "key-002.pem");
  });

  it("a SealedSecret re-labelled for another name", () => {
    const dir = repo();
    expect(slipway(["seal", "db", "-n", "web", "--from-literal", "password=abcdefgh123"], { cwd: dir }).code).toBe(0);
    const text = readFileSync(join(dir, "sealed-secrets/web/db.yaml"), "utf8").replaceAll("name: db", "name: db-copy");
    writeFileSync(join(dir, "sealed-secrets/web/db-copy.yaml"), text);
    expectFailure(dir, "SW-SEALED-SECRET-WRONG-SCOPE", "sealed-secrets/web/db-copy.yaml");
  });
});

describe("slipway init", () => {
  it("also makes the key pair: private key in .slipway/ (0600), certificate committed; render then needs no keygen", () => {
    const dir = join(tmp.dir, "init");
    mkdirSync(dir);
    const r = slipway(["init"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("bootstrap/sealed-secrets.crt");
    expect(statSync(join(dir, ".slipway/sealed-secrets/key-001.pem")).mode & 0o777).toBe(0o600);
    const cert = readFileSync(join(dir, "bootstrap/sealed-secrets.crt"), "utf8");
    expect(new X509Certificate(cert).checkPrivateKey(createPrivateKey(readFileSync(join(dir, ".slipway/sealed-secrets/key-001.pem"), "utf8")))).toBe(true);
    const render = slipway(["render"], { cwd: dir });
    expect(render.stderr).not.toContain("SW-SEAL-NO-CERTIFICATE");
    expect(render.code).toBe(0);
    expect(readFileSync(join(dir, "bootstrap/sealed-secrets.crt"), "utf8")).toBe(cert);
  });
});

describe("scanSecretLeaks (unit)", () => {
  it("a plain v1 Secret in rendered/ is an error; in bootstrap/ it is not this rule's business", () => {
    const secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: x\nstringData:\n  a: b\n";
    const d = scanSecretLeaks([{ path: "rendered/manifests/x/s.yaml", text: secret }, { path: "bootstrap/n.yaml", text: "#cloud-config\n" }]);
    expect(d.map((x) => [x.code, x.file, x.line])).toEqual([["SW-LEAK-PLAIN-SECRET", "rendered/manifests/x/s.yaml", 1]]);
  });

  it("finds a base64-encoded private key (a Secret's data) with no context at all", () => {
    const b64 = Buffer.from(keys[0]!.privateKeyPem).toString("base64");
    const d = scanSecretLeaks([{ path: "bootstrap/n.yaml", text: `x:\n  tls.key: ${b64}\n` }]);
    expect(d.map((x) => [x.code, x.line])).toEqual([["SW-LEAK-PRIVATE-KEY", 2]]);
  });

  it("ignores the public certificate and values too short to tell", () => {
    const d = scanSecretLeaks([{ path: "rendered/a.yaml", text: `c: ${JSON.stringify(keys[1]!.certificatePem)}\nshort: abc\n` }], {
      values: [{ source: "x", value: "abc" }],
      privateKeys: keys.map((k) => ({ id: k.id, file: k.keyFile, pem: k.privateKeyPem })),
      certificate: { file: "bootstrap/sealed-secrets.crt", pem: keys[1]!.certificatePem },
    });
    expect(d).toEqual([]);
  });
});

function keySecretsOrNone(userData: string): Record<string, unknown>[] {
  return keySecrets(userData).filter((o) => o.kind === "Secret");
}
