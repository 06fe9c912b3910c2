/**
 * The size gate: budgets per provider (DOMAIN.md §2.4), the estimate of the full user-data from
 * the committed placeholder version, and its findings.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkUserDataSize, countSealingKeys, estimateUserDataSize, keySecretsBytes, USER_DATA_BUDGETS } from "../../generator/check/user-data-size.js";
import { tempDir } from "../support/cli.js";

const header = "#cloud-config\nhostname: n\n";
const token = "__SLIPWAY_SECRET_SLIPWAY_K3S_TOKEN__";
const joining = `${header}write_files:\n  - path: /etc/rancher/k3s/config.yaml\n    permissions: "0600"\n    content: |\n      token: ${token}\n`;
const first = `${joining}  - path: /var/lib/rancher/k3s/server/manifests/slipway-root-app.yaml\n    permissions: "0600"\n    content: |\n      apiVersion: v1\n      kind: Namespace\n      metadata: {name: x}\n`;
const bytes = (s: string) => Buffer.byteLength(s);

describe("budgets", () => {
  it("are the documented per-provider limits, 16 KiB as the portable one", () => {
    expect(USER_DATA_BUDGETS).toEqual({ aws: 16384, hetzner: 32768, digitalocean: 65536, contabo: 16384, generic: 16384 });
  });
});

describe("estimateUserDataSize", () => {
  it("replaces the K3s token placeholder by a 64-character stand-in (openssl rand -hex 32)", () => {
    const e = estimateUserDataSize("n.yaml", joining, 0);
    expect(e.bytes).toBe(bytes(joining) - token.length + 64);
    expect(e.additions).toEqual(["1 secret placeholder replaced by realistic-length stand-ins"]);
  });

  it("adds the 4096-bit key Secrets on the first server only, when keys exist", () => {
    const one = keySecretsBytes(1, true);
    expect(one).toBeGreaterThan(5800); // a 3243-byte key PEM and a 1854-byte certificate PEM as stringData, plus YAML indentation
    expect(one).toBeLessThan(6800);
    expect(keySecretsBytes(2, true)).toBeGreaterThan(2 * one - 200);
    expect(estimateUserDataSize("n.yaml", first, 1).bytes).toBe(bytes(first) - token.length + 64 + one);
    expect(estimateUserDataSize("n.yaml", first, 1).additions).toContain("1 Sealed Secrets key Secret (4096-bit) added");
    expect(estimateUserDataSize("n.yaml", joining, 1).bytes).toBe(bytes(joining) - token.length + 64);
    expect(estimateUserDataSize("n.yaml", first, 0).bytes).toBe(bytes(first) - token.length + 64);
  });

  it("fills the secret-free stand-in of the keys manifest when the file has one (no second entry)", () => {
    const slot = `${first}  - path: /var/lib/rancher/k3s/server/manifests/slipway-sealed-secrets-keys.yaml\n    permissions: "0600"\n    content: |\n      # Secret-free stand-in.\n`;
    expect(estimateUserDataSize("n.yaml", slot, 2).bytes).toBe(bytes(slot) - token.length + 64 + keySecretsBytes(2, false));
    expect(keySecretsBytes(1, true) - keySecretsBytes(1, false)).toBeGreaterThan(100);
  });

  it("does not add keys a file already carries (they are counted by their placeholders)", () => {
    const withKey = `${first}      ---\n      apiVersion: v1\n      kind: Secret\n      metadata: {name: k, labels: {sealedsecrets.bitnami.com/sealed-secrets-key: active}}\n      data: {tls.key: __SLIPWAY_SECRET_SEALING_KEY_001__}\n`;
    const e = estimateUserDataSize("n.yaml", withKey, 1);
    expect(e.bytes).toBe(bytes(withKey) - token.length + 64 - "__SLIPWAY_SECRET_SEALING_KEY_001__".length + 4324);
  });
});

/** `n` characters of deterministic, incompressible base64. */
function noise(n: number): string {
  let out = "";
  for (let i = 0; out.length < n; i++) out += createHash("sha256").update(String(i)).digest("base64");
  return out.slice(0, n);
}

describe("checkUserDataSize", () => {
  // Random-looking content: `x` repeated would compress to nothing once over the budget.
  const big = (n: number) => `${joining}  - path: /etc/big\n    permissions: "0644"\n    content: |\n      ${noise(n)}\n`;

  it("over the budget: an error naming the estimate, the provider and its limit", () => {
    const [f, ...rest] = checkUserDataSize("bootstrap/n.yaml", big(17_000), "aws", 0);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ gate: "size", severity: "error", code: "SW-SIZE-OVER-BUDGET", file: "bootstrap/n.yaml" });
    expect(f!.message).toMatch(/^user-data is about 17\d{3} bytes with secrets filled in \(an estimate: 1 secret placeholder replaced by realistic-length stand-ins, write_files content compressed \(gz\+b64\) as `slipway userdata` does over the budget\), over the aws budget of 16384 bytes \(10\d %\): AWS EC2 accepts 16384 bytes of raw user-data \(before base64\)$/);
  });

  it("a hand-edited file that does not read as YAML is judged uncompressed, never thrown on", () => {
    const broken = big(17_000).replace("hostname: n\n", "hostname: n\nbad: [1, 2\n");
    const [f, ...rest] = checkUserDataSize("bootstrap/n.yaml", broken, "aws", 0);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: "error", code: "SW-SIZE-OVER-BUDGET" });
    expect(f!.message).not.toContain("compressed");
    const repeated = big(17_000).replace("hostname: n\n", "hostname: n\nhostname: m\n");
    expect(checkUserDataSize("bootstrap/n.yaml", repeated, "aws", 0)).toMatchObject([{ code: "SW-SIZE-OVER-BUDGET" }]);
  });

  it("the same file fits Hetzner's 32 KiB; above 90 % of a budget is a warning", () => {
    expect(checkUserDataSize("n.yaml", big(17_000), "hetzner", 0)).toEqual([]);
    expect(checkUserDataSize("n.yaml", big(15_000), "generic", 0)).toMatchObject([{ severity: "warning", code: "SW-SIZE-NEAR-BUDGET" }]);
  });
});

describe("countSealingKeys", () => {
  let work: { dir: string; cleanup: () => void } | undefined;
  afterEach(() => work?.cleanup());

  it("counts private keys in .slipway/sealed-secrets, else 1 for the committed certificate, else 0", () => {
    work = tempDir();
    expect(countSealingKeys(work.dir)).toBe(0);
    mkdirSync(join(work.dir, "bootstrap"));
    writeFileSync(join(work.dir, "bootstrap/sealed-secrets.crt"), "cert");
    expect(countSealingKeys(work.dir)).toBe(1);
    mkdirSync(join(work.dir, ".slipway/sealed-secrets"), { recursive: true });
    for (const f of ["key-001.pem", "key-001.crt", "key-002.pem", "key-002.crt"]) writeFileSync(join(work.dir, ".slipway/sealed-secrets", f), "x");
    expect(countSealingKeys(work.dir)).toBe(2);
  });
});
