/**
 * Cross-check against the real `kubeseal` binary when it is on PATH: it seals → we decrypt, and we
 * seal → `kubeseal --recovery-unseal` decrypts. Skipped loudly otherwise; the genuine vector in
 * kubeseal-vector.test.ts still pins the algorithm.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runSeal } from "../../generator/cli/seal.js";
import { initKeys, type StoredKey } from "../../generator/secrets/key-store.js";
import { buildSealedSecret, SEAL_SCOPES, sealValues } from "../../generator/secrets/seal.js";
import { toYamlText } from "../../generator/yaml.js";
import { unseal, type SealedLike } from "./decrypt.js";

const kubesealVersion = spawnSync("kubeseal", ["--version"], { encoding: "utf8" });
const haveKubeseal = kubesealVersion.error === undefined && kubesealVersion.status === 0;
const SKIP_REASON = "SKIP: kubeseal not installed";
if (!haveKubeseal) console.warn(`\n*** ${SKIP_REASON}: the kubeseal cross-checks in ${import.meta.url} did not run ***\n`);

const tmp = mkdtempSync(join(tmpdir(), "slipway-kubeseal-"));
const certFile = join(tmp, "bootstrap", "sealed-secrets.crt");
const keyFile = join(tmp, "key.pem");
let key: StoredKey;

beforeAll(async () => {
  if (!haveKubeseal) return;
  key = await initKeys(tmp, new Date());
  writeFileSync(keyFile, key.privateKeyPem, { mode: 0o600 });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function kubeseal(args: string[], input: string): string {
  const r = spawnSync("kubeseal", args, { input, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`kubeseal ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

const secretJson = (namespace: string, name: string, data: Record<string, string>) =>
  JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])) });

describe.skipIf(!haveKubeseal)(`kubeseal cross-check (${haveKubeseal ? kubesealVersion.stdout.trim() : SKIP_REASON})`, () => {
  it.each(SEAL_SCOPES)("kubeseal seals (%s) → our test routine decrypts", (scope) => {
    const out = kubeseal(["--cert", certFile, "--scope", scope, "-o", "yaml"], secretJson("app", "db", { password: "from-kubeseal" }));
    expect(unseal(parse(out) as SealedLike, [key.privateKeyPem]).password?.toString()).toBe("from-kubeseal");
  });

  it.each(SEAL_SCOPES)("we seal (%s) → kubeseal --recovery-unseal decrypts", (scope) => {
    const encryptedData = sealValues({ certificatePem: key.certificatePem, data: new Map([["password", Buffer.from("from-slipway")]]), scope, namespace: "app", name: "db" });
    const sealed = toYamlText(buildSealedSecret({ name: "db", namespace: "app", scope, encryptedData }));
    const secret = parse(kubeseal(["--recovery-unseal", "--recovery-private-key", keyFile, "-o", "yaml"], sealed));
    expect(Buffer.from(secret.data.password, "base64").toString()).toBe("from-slipway");
  });

  it("seal --kubeseal writes a SealedSecret our routine decrypts", async () => {
    const io = { out: () => undefined, err: () => undefined, readStdin: async () => Buffer.alloc(0) };
    await runSeal("db", undefined, { namespace: "app", fromLiteral: ["k=via-cli"], dir: tmp, kubeseal: true }, io);
    const sealed = parse(readFileSync(join(tmp, "sealed-secrets", "app", "db.yaml"), "utf8")) as SealedLike;
    expect(unseal(sealed, [key.privateKeyPem]).k?.toString()).toBe("via-cli");
  });
});
