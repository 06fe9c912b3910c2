/**
 * `slipway keygen` / `slipway seal` through commander, in-process: one key generated in beforeAll.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Command } from "commander";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { register as registerKeygen } from "../../generator/cli/keygen.js";
import { isDns1123Label, isDns1123Subdomain, redact, register as registerSeal, runSeal, type SealIo } from "../../generator/cli/seal.js";
import { UsageError, UserError } from "../../generator/diagnostics.js";
import { loadKeys } from "../../generator/secrets/key-store.js";
import { unseal, type SealedLike } from "./decrypt.js";

const tmp = mkdtempSync(join(tmpdir(), "slipway-cli-"));
const repo = join(tmp, "repo");
let privateKeyPem: string;
let stdout = "";

function program(): Command {
  const p = new Command("slipway").exitOverride();
  registerKeygen(p);
  registerSeal(p);
  return p;
}

async function slipway(...args: string[]): Promise<string> {
  stdout = "";
  await program().parseAsync(args, { from: "user" });
  return stdout;
}

function readSealed(namespace: string, name: string): SealedLike {
  return parse(readFileSync(join(repo, "sealed-secrets", namespace, `${name}.yaml`), "utf8"));
}

const plain = (sealed: SealedLike) => Object.fromEntries(Object.entries(unseal(sealed, [privateKeyPem])).map(([k, v]) => [k, v.toString()]));

async function rejection(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

beforeAll(async () => {
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  await slipway("keygen", "--dir", repo);
  privateKeyPem = (await loadKeys(repo))[0]!.privateKeyPem;
  vi.restoreAllMocks();
});

afterEach(() => vi.restoreAllMocks());
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function captureStdout(): void {
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
}

describe("slipway seal", () => {
  it("writes sealed-secrets/<ns>/<name>.yaml that the controller algorithm decrypts, and prints the path", async () => {
    captureStdout();
    const out = await slipway("seal", "db", "-n", "app", "--from-literal", "user=app", "--from-literal", "password=pw", "--dir", repo);
    const file = join(repo, "sealed-secrets", "app", "db.yaml");
    expect(out.trim()).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    const sealed = readSealed("app", "db");
    expect(sealed).toMatchObject({ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: { name: "db", namespace: "app" } });
    expect(plain(sealed)).toEqual({ password: "pw", user: "app" });
  });

  it("--merge adds and replaces keys and keeps the others; without it the file is replaced", async () => {
    captureStdout();
    await slipway("seal", "m", "-n", "app", "--from-literal", "a=1", "--from-literal", "b=2", "--dir", repo);
    await slipway("seal", "m", "-n", "app", "--from-literal", "b=3", "--from-literal", "c=4", "--merge", "--dir", repo);
    expect(plain(readSealed("app", "m"))).toEqual({ a: "1", b: "3", c: "4" });
    await slipway("seal", "m", "-n", "app", "--from-literal", "z=9", "--dir", repo);
    expect(plain(readSealed("app", "m"))).toEqual({ z: "9" });
  });

  it("--merge refuses another scope and an explicit different --type", async () => {
    captureStdout();
    await slipway("seal", "s", "-n", "app", "--from-literal", "a=1", "--dir", repo);
    const scope = await rejection(() => slipway("seal", "s", "-n", "app", "--from-literal", "b=1", "--scope", "cluster-wide", "--merge", "--dir", repo));
    expect((scope as UserError).diagnostics?.[0]?.code).toBe("SW-SEAL-MERGE-MISMATCH");
    const type = await rejection(() => slipway("seal", "s", "-n", "app", "--from-literal", "b=1", "--type", "kubernetes.io/tls", "--merge", "--dir", repo));
    expect((type as UserError).diagnostics?.[0]?.code).toBe("SW-SEAL-MERGE-MISMATCH");
  });

  it.each(["namespace-wide", "cluster-wide"])("--scope %s annotates and decrypts", async (scope) => {
    captureStdout();
    await slipway("seal", `sc-${scope}`, "-n", "app", "--from-literal", "k=v", "--scope", scope, "--dir", repo);
    const sealed = readSealed("app", `sc-${scope}`);
    expect(sealed.metadata.annotations).toEqual({ [`sealedsecrets.bitnami.com/${scope}`]: "true" });
    expect(plain(sealed)).toEqual({ k: "v" });
  });

  it("--out writes elsewhere", async () => {
    captureStdout();
    const out = join(tmp, "elsewhere.yaml");
    await slipway("seal", "o", "-n", "app", "--from-literal", "k=v", "--out", out, "--dir", repo);
    expect(plain(parse(readFileSync(out, "utf8")))).toEqual({ k: "v" });
  });

  it("reads a Secret manifest from stdin and keeps its type and labels", async () => {
    const io: SealIo = {
      out: () => undefined,
      err: () => undefined,
      readStdin: async () => Buffer.from("apiVersion: v1\nkind: Secret\nmetadata: {name: web, namespace: app, labels: {a: b}}\ntype: kubernetes.io/basic-auth\nstringData: {username: u, password: p}\n"),
    };
    await runSeal("web", "-", { namespace: "app", dir: repo }, io);
    const sealed = readSealed("app", "web") as SealedLike & { spec: { template: { type: string; metadata: { labels: Record<string, string> } } } };
    expect(sealed.spec.template.type).toBe("kubernetes.io/basic-auth");
    expect(sealed.spec.template.metadata.labels).toEqual({ a: "b" });
    expect(plain(sealed)).toEqual({ password: "p", username: "u" });
    const mismatch = await rejection(() => runSeal("other", "-", { namespace: "app", dir: repo }, io));
    expect((mismatch as UserError).diagnostics[0]?.code).toBe("SW-SEAL-NAME-MISMATCH");
  });

  it.each([
    [["seal", "Bad_Name", "-n", "app", "--from-literal", "k=v"], "DNS-1123 subdomain"],
    [["seal", "db", "-n", "app.x", "--from-literal", "k=v"], "DNS-1123 label"],
    [["seal", "db", "--from-literal", "k=v"], "-n/--namespace is required"],
    [["seal", "db", "-n", "app", "--from-literal", "k=v", "--scope", "global"], 'unknown --scope "global"'],
    [["seal", "db", "-n", "app"], "nothing to seal"],
    // One rule: a mistake on the command line is a usage error (exit 2), whichever argument it is in.
    [["seal", "db", "-n", "app", "--from-literal", "novalue"], '--from-literal #1: expected KEY=VALUE (no "=" found)'],
    [["seal", "db", "-n", "app", "--from-literal", "bad key=v"], "--from-literal #1: key must be"],
    [["seal", "db", "-n", "app", "--from-literal", "k="], 'value of "k" is empty'],
    [["seal", "db", "-n", "app", "--from-literal", "k=1", "--from-literal", "k=2"], 'key "k" given twice'],
    [["seal", "db", "-n", "app", "--from-file", "k="], "--from-file #1: no file path given"],
    [["seal", "db", "-n", "Bad_NS", "--from-literal", "novalue"], 'namespace "Bad_NS" is not a DNS-1123 label (lower-case letters, digits, \'-\'; at most 63); --from-literal #1: expected KEY=VALUE'],
  ])("usage error: %j", async (args, message) => {
    const e = await rejection(() => slipway(...args, "--dir", repo));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toContain(message);
  });

  it("does not echo a stray positional argument (it may be a value)", async () => {
    const e = await rejection(() => slipway("seal", "db", "-n", "app", "hunter2", "--dir", repo));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).not.toContain("hunter2");
  });

  it("without keygen, says to run it", async () => {
    mkdirSync(join(tmp, "no-keys"), { recursive: true });
    const e = await rejection(() => slipway("seal", "db", "-n", "app", "--from-literal", "k=v", "--dir", join(tmp, "no-keys")));
    expect((e as UserError).diagnostics[0]?.code).toBe("SW-SEAL-NO-CERT");
  });

  it("a --dir that does not exist is a usage error", async () => {
    const e = await rejection(() => slipway("seal", "db", "-n", "app", "--from-literal", "k=v", "--dir", join(tmp, "no-repo")));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toContain("does not exist");
  });

  it("--kubeseal without kubeseal on PATH explains how to install it", async () => {
    vi.stubEnv("PATH", join(tmp, "empty-bin"));
    try {
      const e = await rejection(() => slipway("seal", "db", "-n", "app", "--from-literal", "k=v", "--kubeseal", "--dir", repo));
      expect((e as UserError).diagnostics[0]).toMatchObject({ code: "SW-SEAL-KUBESEAL-MISSING" });
      expect((e as UserError).diagnostics[0]?.hint).toContain("Install kubeseal");
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("--kubeseal pipes the Secret on stdin (never argv) and normalises kubeseal's output", async () => {
    const bin = fakeKubeseal();
    vi.stubEnv("PATH", `${bin}:${dirname(process.execPath)}`);
    try {
      captureStdout();
      await slipway("seal", "ks", "-n", "app", "--from-literal", "k=kubeseal-secret-value", "--scope", "namespace-wide", "--kubeseal", "--dir", repo);
      const call = JSON.parse(readFileSync(join(bin, "call.json"), "utf8")) as { argv: string[]; stdin: string };
      expect(call.argv).toEqual(["--cert", join(repo, "bootstrap", "sealed-secrets.crt"), "--scope", "namespace-wide", "-o", "yaml"]);
      expect(JSON.parse(call.stdin)).toMatchObject({ kind: "Secret", metadata: { name: "ks", namespace: "app" }, type: "Opaque", data: { k: Buffer.from("kubeseal-secret-value").toString("base64") } });
      const written = readFileSync(join(repo, "sealed-secrets", "app", "ks.yaml"), "utf8");
      expect(written).not.toContain("creationTimestamp");
      expect(parse(written)).toMatchObject({ kind: "SealedSecret", spec: { encryptedData: { k: "FAKE" } } });
      const e = await rejection(() => slipway("seal", "fail", "-n", "app", "--from-literal", "k=kubeseal-secret-value", "--kubeseal", "--dir", repo));
      expect((e as UserError).diagnostics[0]?.code).toBe("SW-SEAL-KUBESEAL-FAILED");
      expect(e.message).toContain("<redacted>");
      expect(e.message).not.toContain("kubeseal-secret-value");
      expect(e.message).not.toContain(Buffer.from("kubeseal-secret-value").toString("base64"));
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("help lists the options and examples", () => {
    let help = "";
    const seal = program().commands.find((c) => c.name() === "seal")!;
    seal.configureOutput({ writeOut: (s) => (help += s) });
    seal.outputHelp();
    for (const word of ["--from-literal", "--from-file", "--from-env-file", "--scope", "--merge", "--kubeseal", "Examples:"]) expect(help).toContain(word);
  });
});

/**
 * A stand-in `kubeseal` (a Node script) that records its argv and stdin, answers like kubeseal
 * (Go's `creationTimestamp: null` included), and for Secret "fail" echoes its input to stderr.
 */
function fakeKubeseal(): string {
  const bin = join(tmp, "fake-bin");
  mkdirSync(bin, { recursive: true });
  const script = `#!/usr/bin/env node
const fs = require("node:fs");
const stdin = fs.readFileSync(0, "utf8");
const secret = JSON.parse(stdin);
if (secret.metadata.name === "fail") { process.stderr.write("error: cannot seal " + stdin); process.exit(1); }
fs.writeFileSync(${JSON.stringify(join(bin, "call.json"))}, JSON.stringify({ argv: process.argv.slice(2), stdin }));
const { name, namespace } = secret.metadata;
process.stdout.write([
  "apiVersion: bitnami.com/v1alpha1", "kind: SealedSecret", "metadata:", "  creationTimestamp: null",
  "  name: " + name, "  namespace: " + namespace, "spec:", "  encryptedData:", "    k: FAKE", "  template:",
  "    metadata:", "      creationTimestamp: null", "      name: " + name, "      namespace: " + namespace, "    type: Opaque", ""
].join("\\n"));
`;
  writeFileSync(join(bin, "kubeseal"), script, { mode: 0o755 });
  return bin;
}

describe("helpers", () => {
  it("DNS-1123 names", () => {
    expect(isDns1123Subdomain("a.b-c.d")).toBe(true);
    expect(isDns1123Subdomain("A")).toBe(false);
    expect(isDns1123Subdomain("a..b")).toBe(false);
    expect(isDns1123Label("kube-system")).toBe(true);
    expect(isDns1123Label("a".repeat(64))).toBe(false);
  });

  it("redact hides values in raw and base64 form, or everything when a value is too short", () => {
    const v = Buffer.from("s3cr3t-value");
    expect(redact(`bad input s3cr3t-value and ${v.toString("base64")}`, [v])).toBe("bad input <redacted> and <redacted>");
    expect(redact("error x", [Buffer.from("x")])).not.toContain("x");
  });
});
