import { describe, expect, it } from "vitest";
import { UsageError, UserError } from "../../generator/diagnostics.js";
import { collectSecretInput, isValidDataKey, parseEnvFile, parseSecretManifest, type InputIo, type SecretInputOptions } from "../../generator/secrets/input.js";

/** A value that must never show up in any message. */
const SECRET = "hunter2-TOP-SECRET";
const SECRET_B64 = Buffer.from(SECRET).toString("base64");

function memoryIo(files: Record<string, string>, stdin = ""): InputIo {
  return {
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined) throw new UserError([{ severity: "error", code: "SW-SEAL-INPUT-UNREADABLE", message: "cannot read input file (ENOENT)", file: path }]);
      return Buffer.from(text);
    },
    readStdin: async () => Buffer.from(stdin),
  };
}

async function collect(options: SecretInputOptions, files: Record<string, string> = {}, stdin = "") {
  return collectSecretInput(options, memoryIo(files, stdin));
}

/** The text of every message, hint and field of a thrown UserError. */
async function errorText(options: SecretInputOptions, files: Record<string, string> = {}, stdin = ""): Promise<{ codes: string[]; text: string }> {
  try {
    await collect(options, files, stdin);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return { codes: e.diagnostics.map((d) => d.code), text: JSON.stringify(e.diagnostics) + e.message };
  }
  throw new Error("expected a UserError");
}

const plain = (m: Map<string, Buffer>) => Object.fromEntries([...m].map(([k, v]) => [k, v.toString("utf8")]));

describe("collectSecretInput", () => {
  it("combines literals, files, env files and a manifest, keys sorted", async () => {
    const files = { "/x/ca.crt": "CA", "/p": "pw\n", "app.env": "# comment\n\n  A=1\r\nB=x=y\n" };
    const stdin = `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: app, labels: {t: x}}\ntype: kubernetes.io/basic-auth\ndata: {username: ${Buffer.from("u").toString("base64")}}\nstringData: {s: str}\n`;
    const input = await collect({ fromLiteral: ["lit=a=b"], fromFile: ["/x/ca.crt", "password=/p"], fromEnvFile: ["app.env"], stdin: true }, files, stdin);
    expect([...input.data.keys()]).toEqual(["A", "B", "ca.crt", "lit", "password", "s", "username"]);
    expect(plain(input.data)).toEqual({ A: "1", B: "x=y", "ca.crt": "CA", lit: "a=b", password: "pw\n", s: "str", username: "u" });
    expect(input.manifest).toEqual({ name: "db", namespace: "app", labels: { t: "x" }, type: "kubernetes.io/basic-auth" });
  });

  it("is a usage error to give no input", async () => {
    await expect(collect({})).rejects.toBeInstanceOf(UsageError);
  });

  it("keeps file bytes exactly (binary, trailing newline)", async () => {
    const input = await collectSecretInput({ fromFile: ["k=/bin"] }, { readFile: async () => Buffer.from([0, 255, 10]), readStdin: async () => Buffer.alloc(0) });
    expect(input.data.get("k")).toEqual(Buffer.from([0, 255, 10]));
  });

  it("reports every problem at once", async () => {
    const { codes } = await errorText({ fromLiteral: ["a=", "a=1", "bad key=1", "novalue"], fromFile: ["missing=/nope"] });
    expect(codes.sort()).toEqual(["SW-SEAL-INPUT-BAD-KEY", "SW-SEAL-INPUT-DUPLICATE", "SW-SEAL-INPUT-EMPTY", "SW-SEAL-INPUT-SYNTAX", "SW-SEAL-INPUT-UNREADABLE"]);
  });

  it("rejects empty values from every source", async () => {
    const stdin = "kind: Secret\nstringData: {e: ''}\n";
    const { codes } = await errorText({ fromLiteral: ["a="], fromFile: ["b=/empty"], fromEnvFile: ["e.env"], stdin: true }, { "/empty": "", "e.env": "C=\n" }, stdin);
    expect(codes).toEqual(["SW-SEAL-INPUT-EMPTY", "SW-SEAL-INPUT-EMPTY", "SW-SEAL-INPUT-EMPTY", "SW-SEAL-INPUT-EMPTY"]);
  });
});

describe("no secret value in any message", () => {
  const cases: [string, SecretInputOptions, Record<string, string>, string][] = [
    ["literal without '='", { fromLiteral: [SECRET] }, {}, ""],
    ["literal with a bad key", { fromLiteral: [`${SECRET}!=x`] }, {}, ""],
    ["duplicate keys", { fromLiteral: [`k=${SECRET}`, `k=${SECRET}`] }, {}, ""],
    ["env line without '='", { fromEnvFile: ["f.env"] }, { "f.env": `${SECRET}\n` }, ""],
    ["env line with a bad key", { fromEnvFile: ["f.env"] }, { "f.env": `${SECRET} x=1\n` }, ""],
    ["manifest with invalid YAML", { stdin: true }, {}, `kind: Secret\nstringData:\n  k: "${SECRET}\n  - ${SECRET}: [`],
    ["manifest with bad base64", { stdin: true }, {}, `kind: Secret\ndata: {k: "${SECRET}"}\n`],
    ["manifest with a bad key", { stdin: true }, {}, `kind: Secret\nstringData: {"${SECRET} x": y}\n`],
    ["manifest that is not a Secret", { stdin: true }, {}, `kind: ConfigMap\ndata: {k: ${SECRET}}\n`],
    ["manifest stringData not a string", { stdin: true }, {}, `kind: Secret\nstringData: {k: [${SECRET}]}\n`],
  ];
  it.each(cases)("%s", async (_name, options, files, stdin) => {
    const { text } = await errorText(options, files, stdin);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SECRET_B64);
  });

  it("warnings about quoted env values do not quote the value", async () => {
    const input = await collect({ fromEnvFile: ["q.env"] }, { "q.env": `K="${SECRET}"\n` });
    expect(input.warnings.map((w) => w.code)).toEqual(["SW-SEAL-INPUT-QUOTED"]);
    expect(JSON.stringify(input.warnings)).not.toContain(SECRET);
    expect(input.data.get("K")?.toString()).toBe(`"${SECRET}"`);
  });
});

describe("parseEnvFile", () => {
  it("takes values verbatim: no expansion, no unquoting, inner whitespace kept", () => {
    const { entries, problems } = parseEnvFile("\uFEFFA=$HOME\nB= spaced \n#C=1\n", "f.env");
    expect(problems).toEqual([]);
    expect(entries.map((e) => [e.key, e.value.toString()])).toEqual([
      ["A", "$HOME"],
      ["B", " spaced "],
    ]);
  });

  it("points at the line of a problem", () => {
    const { problems } = parseEnvFile("A=1\n\nNOEQUALS\n", "f.env");
    expect(problems[0]).toMatchObject({ code: "SW-SEAL-INPUT-SYNTAX", file: "f.env", line: 3 });
  });
});

describe("parseSecretManifest", () => {
  it("lets stringData win over data for the same key, like the API server", () => {
    const { entries } = parseSecretManifest(`kind: Secret\ndata: {k: ${Buffer.from("old").toString("base64")}}\nstringData: {k: new}\n`);
    expect(entries.map((e) => [e.key, e.value.toString()])).toEqual([["k", "new"]]);
  });

  it("drops kubectl's last-applied annotation, which holds the values", () => {
    const { meta } = parseSecretManifest(`kind: Secret\nmetadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"k":"${SECRET_B64}"}}'\n    keep: me\nstringData: {k: v}\n`);
    expect(meta.annotations).toEqual({ keep: "me" });
  });

  it("accepts JSON (kubectl -o json) too", () => {
    const { entries, problems } = parseSecretManifest(JSON.stringify({ apiVersion: "v1", kind: "Secret", data: { k: SECRET_B64 } }));
    expect(problems).toEqual([]);
    expect(entries[0]?.value.toString()).toBe(SECRET);
  });
});

describe("isValidDataKey", () => {
  it.each(["a", "tls.crt", "A_b-c.d", "x".repeat(253)])("accepts %s", (k) => expect(isValidDataKey(k)).toBe(true));
  it.each(["", ".", "..", "a b", "a/b", "x".repeat(254)])("rejects %j", (k) => expect(isValidDataKey(k)).toBe(false));
});
