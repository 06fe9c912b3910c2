/**
 * `slipway keygen`: create, rotate and list the Sealed Secrets keys of a repository.
 * Wiring only; the work is in generator/secrets/key-store.ts. Secret modules are imported inside
 * the action so other commands never load them (nor @peculiar/x509 behind them).
 */
import { existsSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import type { Command } from "commander";
import { error, UserError } from "../diagnostics.js";
import type { StoredKey } from "../secrets/key-store.js";
import { writeFileAtomic } from "../output/write.js";
import { examples } from "./help.js";
import { inputDir, outputDir, outputFile } from "./paths.js";

/** Parsed options of `keygen`. */
export interface KeygenOptions {
  /** Repository root. @default "." */
  dir?: string;
  rotate?: boolean;
  show?: boolean;
  /** Print the controller's key Secrets (private keys) on stdout, for `kubectl apply -f -`. */
  printSecrets?: boolean;
  /** Write the controller's key Secrets to this file (mode 0600) instead. */
  secretsOut?: string;
}

/** Where keygen writes; injectable for tests. */
export interface KeygenIo {
  /** Standard output: the report, or the key Secrets when they are printed. */
  out: (text: string) => void;
  /** Standard error: the report when standard output carries the key Secrets. @default out */
  err?: (text: string) => void;
  /** @default new Date() */
  now?: Date;
}

/** The Deployment the sealed-secrets chart makes (fullnameOverride, kubeseal's default name). */
const CONTROLLER = "sealed-secrets-controller";

/** Add the `keygen` command to `program`. */
export function register(program: Command): void {
  program
    .command("keygen")
    .summary("create, rotate or show the Sealed Secrets key pair; deliver the keys to a running cluster")
    .description(
      [
        "Creates the Sealed Secrets key pair of a repository (private key in .slipway/sealed-secrets/, certificate at bootstrap/sealed-secrets.crt), adds a newer one with --rotate, or lists them with --show.",
        "A new cluster gets every key from its first server's user-data (slipway userdata). A running cluster needs a new key delivered: --print-secrets prints the controller's key Secrets for `kubectl apply -f -` (nothing is written to disk), --secrets-out FILE writes them to FILE with mode 0600. Then restart the controller, which reads its keys when it starts.",
      ].join("\n\n"),
    )
    .option("--dir <repo>", "repository root (made when missing, unless only reading)", ".")
    .option("--rotate", "add a new key that seals from now on, keeping the old keys")
    .option("--show", "print keys, validity and SHA-256 public key fingerprints")
    .option("--print-secrets", "print every key as the controller's key Secret (private keys!) on standard output, for kubectl apply -f -")
    .option("--secrets-out <file>", "write those Secrets to FILE (mode 0600; its directory must exist) instead of printing them")
    .addHelpText(
      "after",
      `${examples(
        "slipway keygen                  # the first key pair, in the current repository",
        "slipway keygen --dir ./infra    # ... in another repository",
        "slipway keygen --rotate         # a newer key; old keys stay, so old SealedSecrets still decrypt",
        "slipway keygen --print-secrets | kubectl apply -f -",
        `kubectl -n kube-system rollout restart deployment/${CONTROLLER}`,
        "slipway keygen --show           # keys and fingerprints (no change)",
      )}

Files:
  .slipway/sealed-secrets/key-NNN.pem   private keys (mode 0600); never commit, back them up
  bootstrap/sealed-secrets.crt          certificate of the newest key; commit it, \`seal\` uses it`,
    )
    .action(async (options: KeygenOptions) => {
      await runKeygen(options, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
    });
}

/**
 * Run `keygen`: initialise (default), `--rotate`, `--show`, and/or deliver the keys
 * (`--print-secrets`, `--secrets-out`).
 * @throws UsageError for paths that cannot be used; UserError from the key store (keys exist,
 *   none to rotate, unreadable keys) or a spec that does not validate.
 */
export async function runKeygen(options: KeygenOptions, io: KeygenIo): Promise<void> {
  const deliver = options.printSecrets === true || options.secretsOut !== undefined;
  const writes = options.rotate === true || (!options.show && !deliver);
  const dirHint = "--dir names the repository root, where `slipway keygen` made .slipway/ and bootstrap/.";
  const repoDir = writes ? outputDir(options.dir ?? ".", "--dir") : inputDir(options.dir ?? ".", "--dir", dirHint);
  const secretsOut = options.secretsOut === undefined ? undefined : outputFile(options.secretsOut, "--secrets-out", "sealing-keys.yaml");
  // When stdout carries the Secrets (for a pipe into kubectl), everything else goes to stderr.
  const report = options.printSecrets && secretsOut === undefined ? (io.err ?? io.out) : io.out;
  const now = io.now ?? new Date();
  const store = await import("../secrets/key-store.js");
  const namespace = deliver || writes ? await controllerNamespace(repoDir, deliver) : "kube-system";
  if (writes) {
    const key = options.rotate ? await store.rotateKeys(repoDir, now) : await store.initKeys(repoDir, now);
    report(describeNewKey(key, store.certificateFileOf(repoDir), options.rotate === true, namespace, deliver));
  }
  if (options.show) report(await describeStore(repoDir));
  if (deliver) {
    const text = await keySecretsText(repoDir, namespace);
    if (secretsOut === undefined) io.out(text);
    else {
      writeFileAtomic(secretsOut, text, { mode: 0o600 });
      report(`wrote ${display(secretsOut)} (mode 0600): it holds the private keys; apply it with kubectl apply -f ${display(secretsOut)}, then delete it\n`);
    }
  }
}

/** Every key as the controller's key Secret, as YAML documents for `kubectl apply -f -`. */
async function keySecretsText(repoDir: string, namespace: string): Promise<string> {
  const store = await import("../secrets/key-store.js");
  const { bootstrapKeySecrets } = await import("../secrets/key-secret.js");
  const { toYamlText } = await import("../yaml.js");
  const keys = await store.loadKeys(repoDir);
  if (keys.length === 0) {
    throw new UserError([error("SW-SEAL-NO-KEYS", "no sealed-secrets private keys to deliver", { file: store.keyDirOf(repoDir), hint: "Run `slipway keygen` first, or copy the .slipway/ folder of the machine where the keys were made." })]);
  }
  const header = `# The Sealed Secrets controller's keys (PRIVATE): kubectl apply -f -, then\n# kubectl -n ${namespace} rollout restart deployment/${CONTROLLER}. Never commit this.\n`;
  return header + bootstrapKeySecrets(keys, namespace).map((s) => toYamlText(s)).join("---\n");
}

/**
 * The controller's namespace: spec.secrets.sealedSecrets.namespace of the repository's
 * cluster.yaml, else kubeseal's default. Keys are made whatever the spec's state; Secrets are
 * delivered only into a namespace read from a valid spec (`strict`), never a guess.
 */
async function controllerNamespace(repoDir: string, strict: boolean): Promise<string> {
  const file = join(repoDir, "cluster.yaml");
  if (!existsSync(file)) return "kube-system";
  const { loadAndValidate } = await import("../pipeline.js");
  const s = loadAndValidate(file);
  if (s.spec) return s.spec.spec.secrets.sealedSecrets.namespace;
  if (strict) throw new UserError(s.diagnostics.filter((d) => d.severity === "error"));
  return "kube-system";
}

function describeNewKey(key: StoredKey, committed: string, rotated: boolean, namespace: string, delivering: boolean): string {
  const lines = [
    `${rotated ? "Added" : "Created"} sealed-secrets key ${key.id} (valid ${day(key.notBefore)} to ${day(key.notAfter)})`,
    `  private key  ${display(key.keyFile)}  (secret: keep out of git, back it up)`,
    `  certificate  ${display(committed)}  (commit this; \`slipway seal\` encrypts to it)`,
    `  fingerprint  ${key.fingerprint}`,
  ];
  const deliver = [
    ...(delivering ? [] : ["       slipway keygen --print-secrets | kubectl apply -f -"]),
    `       kubectl -n ${namespace} rollout restart deployment/${CONTROLLER}`,
  ];
  if (rotated) {
    lines.push(
      "Older keys are kept and stay loaded by the controller, so existing SealedSecrets still decrypt.",
      "`slipway seal` encrypts to the new key from now on. Next, in this order:",
      "  1. Deliver the key to the running cluster (the controller reads its keys when it starts):",
      ...deliver,
      "  2. Run `slipway render` and commit rendered/, bootstrap/ and the certificate: the key check",
      "     Job then expects the new certificate (it turns red until step 1 is done).",
      "  3. Back up .slipway/sealed-secrets/: the new private key exists only on this machine.",
    );
  } else {
    lines.push(
      "Next: run `slipway render` (the key check follows the certificate) and commit the certificate.",
      "A new cluster gets the key from its first server's user-data (`slipway userdata`); a cluster",
      "that already runs needs it delivered:",
      ...deliver,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** `--show`: the private store if present, and the committed certificate. */
async function describeStore(repoDir: string): Promise<string> {
  const store = await import("../secrets/key-store.js");
  const { fingerprint } = await import("../secrets/keypair.js");
  const keys = await store.loadKeys(repoDir);
  const committedFile = store.certificateFileOf(repoDir);
  const committedPem = await store.readTextIfExists(committedFile);
  if (keys.length === 0 && committedPem === undefined) {
    throw new UserError([error("SW-SEAL-NO-KEYS", "no sealed-secrets keys found", { file: store.keyDirOf(repoDir), hint: "Run `slipway keygen` to create one." })]);
  }
  const committedPrint = committedPem === undefined ? undefined : fingerprint(committedPem, committedFile);
  const lines = keys.map((k) => {
    const mark = k.fingerprint === committedPrint ? "  (seals: committed certificate)" : "";
    return `${k.id}  ${k.fingerprint}  ${day(k.notBefore)} .. ${day(k.notAfter)}${mark}`;
  });
  if (keys.length === 0) lines.push(`No private keys on this machine (${display(store.keyDirOf(repoDir))}); sealing still works.`);
  if (committedPrint === undefined) lines.push(`No committed certificate at ${display(committedFile)}.`);
  else if (!keys.some((k) => k.fingerprint === committedPrint)) lines.push(`${display(committedFile)}  ${committedPrint}  (no matching private key here)`);
  return `${lines.join("\n")}\n`;
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Paths relative to the working directory when inside it, so output is short and copy-pastable. */
function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}
