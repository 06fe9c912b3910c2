/**
 * `slipway seal`: encrypt Secret values to the repository's committed certificate and write a
 * SealedSecret under `sealed-secrets/<namespace>/<name>.yaml`, where `render` picks it up.
 * Wiring and validation of command-line values only; the work is in generator/secrets/.
 */
import { writeFileAtomic } from "../output/write.js";
import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { dirname, isAbsolute, join, relative } from "node:path";
import type { Command } from "commander";
import { error, UsageError, UserError, type Diagnostic } from "../diagnostics.js";
import type { SecretInput } from "../secrets/input.js";
import type { SealedSecret, SealScope } from "../secrets/seal.js";
import { examples } from "./help.js";
import { inputDir, outputFile } from "./paths.js";

/** Parsed options of `seal`. */
export interface SealOptions {
  namespace?: string;
  fromLiteral?: string[];
  fromFile?: string[];
  fromEnvFile?: string[];
  /** @default "strict" */
  scope?: string;
  /** Secret type; @default the manifest's type, else "Opaque" */
  type?: string;
  merge?: boolean;
  out?: string;
  /** Repository root. @default "." */
  dir?: string;
  kubeseal?: boolean;
}

/** Process edges of `seal`, injectable for tests. */
export interface SealIo {
  out: (text: string) => void;
  err: (text: string) => void;
  readStdin: () => Promise<Buffer>;
}

/** Same list as seal.ts `SEAL_SCOPES`, repeated so registering the command loads no secrets code. */
const SCOPES: readonly SealScope[] = ["strict", "namespace-wide", "cluster-wide"];
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const NOTES = `
Notes:
  Values given with --from-literal end up in shell history; prefer --from-file or stdin.
  Only bootstrap/sealed-secrets.crt is needed to seal; private keys are not read.
  Scopes: strict (this name and namespace; default), namespace-wide (any name in the namespace),
  cluster-wide (anywhere). --kubeseal seals with the kubeseal binary instead (cross-check).
  A mistake on the command line (NAME, -n, --scope, a --from-literal without "=") is a usage
  error (exit 2); a problem in what is read (a file, stdin) is exit 1.`;

/** Repeatable option: no default value, so help shows none (commander would print `(default: [])`). */
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Add the `seal` command to `program`. */
export function register(program: Command): void {
  program
    .command("seal")
    .summary("encrypt Secret values into a SealedSecret only the cluster's controller can decrypt")
    .description(
      "Seals Secret values offline with the committed certificate (bootstrap/sealed-secrets.crt), byte-compatible with kubeseal, and writes the SealedSecret to sealed-secrets/NAMESPACE/NAME.yaml, where `slipway render` puts it in the tree. Give - after NAME to read a v1 Secret manifest (YAML or JSON) from standard input.",
    )
    .argument("<name>", "Secret name (DNS-1123 subdomain)")
    .argument("[-]", "read a v1 Secret manifest (YAML or JSON) from standard input")
    .option("-n, --namespace <namespace>", "Secret namespace (DNS-1123 label; required)")
    .option("--from-literal <key=value>", "a key and literal value (repeatable)", collect)
    .option("--from-file <[key=]path>", "a key and the file holding its value; key defaults to the file name (repeatable)", collect)
    .option("--from-env-file <file>", "KEY=VALUE lines; # comments; no quote removal or $ expansion (repeatable)", collect)
    .option("--scope <scope>", `who may decrypt: ${SCOPES.join(", ")}`, "strict")
    .option("--type <type>", "Secret type (default: the manifest's, else Opaque)")
    .option("--merge", "add/replace these keys in an existing SealedSecret, keeping its other keys")
    .option("--out <file>", "output file; its directory must exist (default: <repo>/sealed-secrets/<namespace>/<name>.yaml)")
    .option("--dir <repo>", "repository root", ".")
    .option("--kubeseal", "seal with the kubeseal binary (must be on PATH) instead of the built-in code")
    .addHelpText(
      "after",
      `${examples(
        "slipway seal db-credentials -n app --from-literal username=app --from-file password=./pw.txt",
        "slipway seal tls-extra -n web --from-file ./ca.crt          # key = file name (\"ca.crt\")",
        "slipway seal app-env -n app --from-env-file .env --scope namespace-wide",
        "kubectl create secret generic x -n app --from-file=k=./k --dry-run=client -o yaml | slipway seal x -n app -",
        "slipway seal db-credentials -n app --from-literal port=5432 --merge   # add a key, keep the others",
      )}\n${NOTES}`,
    )
    .action(async (name: string, stdinArg: string | undefined, options: SealOptions) => {
      await runSeal(name, stdinArg, options, {
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
        readStdin: () => readAll(process.stdin),
      });
    });
}

/**
 * Run `seal`: validate arguments, collect values, seal them (built-in or kubeseal), optionally
 * merge, write atomically, print the path.
 * @throws UsageError for invalid command-line values; UserError for input, key and merge problems.
 */
export async function runSeal(name: string, stdinArg: string | undefined, options: SealOptions, io: SealIo): Promise<void> {
  const { collectSecretInput, commandLineProblems } = await import("../secrets/input.js");
  const typed = commandLineProblems({ fromLiteral: options.fromLiteral ?? [], fromFile: options.fromFile ?? [] });
  const { namespace, scope } = checkArguments(name, stdinArg, options, typed.map((d) => d.message));
  // Paths before any work: a directory given as --out, a missing --dir are usage errors (exit 2).
  const repoDir = inputDir(options.dir ?? ".", "--dir", "--dir names the repository root, the directory that holds bootstrap/sealed-secrets.crt.");
  const outFile = options.out ? outputFile(options.out, "--out", `sealed-secrets/${namespace}/${name}.yaml`) : join(repoDir, "sealed-secrets", namespace, `${name}.yaml`);
  const [store, sealing, { toYamlText }] = await Promise.all([
    import("../secrets/key-store.js"),
    import("../secrets/seal.js"),
    import("../yaml.js"),
  ]);
  const input = await collectSecretInput(
    { fromLiteral: options.fromLiteral ?? [], fromFile: options.fromFile ?? [], fromEnvFile: options.fromEnvFile ?? [], stdin: stdinArg === "-" },
    { readFile: store.readInputFile, readStdin: io.readStdin },
  );
  for (const w of input.warnings) io.err(`warning: ${w.file ?? ""}${w.line ? `:${w.line}` : ""}: ${w.message} [${w.code}]\n`);
  checkManifestMatches(input, name, namespace);
  const cert = await store.loadCertificate(repoDir);
  const type = options.type ?? input.manifest?.type;
  let sealed: SealedSecret;
  if (options.kubeseal) {
    sealed = await sealWithKubeseal({ name, namespace, scope, type, input, certificateFile: cert.file });
  } else {
    const encryptedData = sealing.sealValues({ certificatePem: cert.info.publicKey, data: input.data, scope, namespace, name });
    const { labels, annotations, immutable } = input.manifest ?? {};
    sealed = sealing.buildSealedSecret({ name, namespace, scope, type, encryptedData, labels, annotations, immutable });
  }
  const existingText = options.merge ? await store.readTextIfExists(outFile) : undefined;
  if (existingText !== undefined) {
    const existing = sealing.parseSealedSecret(existingText, outFile);
    checkTypeMatches(existing, options.type, outFile);
    sealed = sealing.mergeSealedSecret(existing, sealed, outFile);
  }
  await mkdir(dirname(outFile), { recursive: true });
  writeFileAtomic(outFile, toYamlText(sealed), { mode: 0o644 });
  io.out(`${display(outFile)}\n`);
}

/**
 * Validate NAME, -n, --scope, --type, the optional `-` and (`more`) the --from-literal/--from-file
 * arguments; report every problem at once, as one usage error (exit 2).
 */
function checkArguments(name: string, stdinArg: string | undefined, options: SealOptions, more: readonly string[]): { namespace: string; scope: SealScope } {
  const problems: string[] = [];
  const namespace = options.namespace ?? "";
  if (!isDns1123Subdomain(name)) problems.push(`NAME "${name}" is not a DNS-1123 subdomain (lower-case letters, digits, '-', '.'; at most 253)`);
  if (namespace === "") problems.push("-n/--namespace is required");
  else if (!isDns1123Label(namespace)) problems.push(`namespace "${namespace}" is not a DNS-1123 label (lower-case letters, digits, '-'; at most 63)`);
  const scope = SCOPES.find((s) => s === (options.scope ?? "strict"));
  if (!scope) problems.push(`unknown --scope "${options.scope}" (expected ${SCOPES.join(", ")})`);
  if (options.type !== undefined && options.type.trim() === "") problems.push("--type must not be empty");
  // Never echo the stray argument: a user who forgot --from-literal may have typed a value there.
  if (stdinArg !== undefined && stdinArg !== "-") problems.push("unexpected second argument; only '-' (read a Secret manifest from stdin) is accepted");
  problems.push(...more);
  if (problems.length > 0 || !scope) throw new UsageError(problems.join("; "), "See `slipway seal --help`.");
  return { namespace, scope };
}

/** A manifest on stdin must be for the same Secret as the command line, or we would seal under the wrong label. */
function checkManifestMatches(input: SecretInput, name: string, namespace: string): void {
  const problems: Diagnostic[] = [];
  const m = input.manifest;
  if (m?.name !== undefined && m.name !== name) {
    problems.push(error("SW-SEAL-NAME-MISMATCH", `manifest on stdin is for Secret "${m.name}", but NAME is "${name}"`, { file: "<stdin>" }));
  }
  if (m?.namespace !== undefined && m.namespace !== namespace) {
    problems.push(error("SW-SEAL-NAME-MISMATCH", `manifest on stdin is for namespace "${m.namespace}", but -n is "${namespace}"`, { file: "<stdin>" }));
  }
  if (problems.length > 0) throw new UserError(problems);
}

/** `--merge` keeps the existing template, so an explicit, different --type would be silently lost. */
function checkTypeMatches(existing: SealedSecret, type: string | undefined, file: string): void {
  const existingType = existing.spec.template?.type ?? "Opaque";
  if (type !== undefined && type !== existingType) {
    throw new UserError([error("SW-SEAL-MERGE-MISMATCH", `existing SealedSecret has type "${existingType}", --type is "${type}"`, { file })]);
  }
}

/** True for a Kubernetes object name that must be a DNS-1123 subdomain (Secret names). */
export function isDns1123Subdomain(value: string): boolean {
  return value.length > 0 && value.length <= 253 && value.split(".").every((part) => DNS1123_LABEL.test(part));
}

/** True for a DNS-1123 label (namespace names). */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

interface KubesealRequest {
  name: string;
  namespace: string;
  scope: SealScope;
  type: string | undefined;
  input: SecretInput;
  certificateFile: string;
}

/**
 * Seal by piping a Secret into `kubeseal --cert … --scope … -o yaml` (no shell, values only on
 * stdin, never in argv where `ps` would show them).
 * @throws UserError `SW-SEAL-KUBESEAL-MISSING` / `SW-SEAL-KUBESEAL-FAILED`.
 */
async function sealWithKubeseal(request: KubesealRequest): Promise<SealedSecret> {
  const { name, namespace, scope, type, input, certificateFile } = request;
  const { labels, annotations, immutable } = input.manifest ?? {};
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
    type: type ?? "Opaque",
    ...(immutable !== undefined ? { immutable } : {}),
    data: Object.fromEntries([...input.data].map(([k, v]) => [k, v.toString("base64")])),
  };
  const args = ["--cert", certificateFile, "--scope", scope, "-o", "yaml"];
  const result = await runProcess("kubeseal", args, Buffer.from(JSON.stringify(secret)));
  if (result.code !== 0) {
    const detail = redact(result.stderr, [...input.data.values()]);
    throw new UserError([error("SW-SEAL-KUBESEAL-FAILED", `kubeseal exited with ${result.code}${detail ? `: ${detail}` : ""}`)]);
  }
  const { parseSealedSecret } = await import("../secrets/seal.js");
  return stripNullTimestamps(parseSealedSecret(result.stdout, "kubeseal output"));
}

interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runProcess(command: string, args: string[], stdin: Buffer): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], shell: false });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => stdout.push(c));
    child.stderr.on("data", (c: Buffer) => stderr.push(c));
    child.on("error", (e: NodeJS.ErrnoException) => reject(e.code === "ENOENT" ? kubesealMissing() : e));
    child.on("close", (code) => resolvePromise({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") }));
    // EPIPE if the child exits before reading; the exit code then tells the story.
    child.stdin.on("error", () => undefined);
    child.stdin.end(stdin);
  });
}

function kubesealMissing(): UserError {
  return new UserError([
    error("SW-SEAL-KUBESEAL-MISSING", "--kubeseal was given but `kubeseal` is not on PATH", {
      hint: "Install kubeseal (https://github.com/bitnami-labs/sealed-secrets/releases, `brew install kubeseal`, or your distribution's package), or drop --kubeseal to use Slipway's built-in sealing.",
    }),
  ]);
}

/**
 * kubeseal's stderr might echo its input. Hide every value (raw and base64); if a value is too short
 * to replace without mangling the text (and too short to spot reliably), drop the text entirely.
 */
export function redact(text: string, values: readonly Buffer[]): string {
  const trimmed = text.trim();
  if (trimmed === "") return "";
  if (values.some((v) => v.length < 4)) return "(stderr hidden: it could contain secret values)";
  let out = trimmed;
  for (const v of values) {
    for (const form of [v.toString("utf8"), v.toString("base64")]) out = out.split(form).join("<redacted>");
  }
  return out;
}

/** kubeseal serialises Go's zero time as `creationTimestamp: null`; drop it so both paths write the same shape. */
function stripNullTimestamps(sealed: SealedSecret): SealedSecret {
  for (const meta of [sealed.metadata, sealed.spec.template?.metadata]) {
    const m = meta as Record<string, unknown> | undefined;
    if (m && m.creationTimestamp === null) delete m.creationTimestamp;
  }
  return sealed;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}
