/**
 * `slipway keygen`: create, rotate and list the Sealed Secrets keys of a repository.
 * Wiring only; the work is in generator/secrets/key-store.ts. Secret modules are imported inside
 * the action so other commands never load them (nor @peculiar/x509 behind them).
 */
import { relative, isAbsolute } from "node:path";
import type { Command } from "commander";
import { error, UserError } from "../diagnostics.js";
import type { StoredKey } from "../secrets/key-store.js";
import { examples } from "./help.js";
import { inputDir, outputDir } from "./paths.js";

/** Parsed options of `keygen`. */
export interface KeygenOptions {
  /** Repository root. @default "." */
  dir?: string;
  rotate?: boolean;
  show?: boolean;
}

/** Where keygen writes its report; injectable for tests. */
export interface KeygenIo {
  out: (text: string) => void;
  /** @default new Date() */
  now?: Date;
}

const EXAMPLES = `${examples(
  "slipway keygen                  # the first key pair, in the current repository",
  "slipway keygen --dir ./infra    # ... in another repository",
  "slipway keygen --rotate         # a newer key; old keys stay, so old SealedSecrets still decrypt",
  "slipway keygen --show           # keys and fingerprints (no change)",
)}

Files:
  .slipway/sealed-secrets/key-NNN.pem   private keys (mode 0600); never commit, back them up
  bootstrap/sealed-secrets.crt          certificate of the newest key; commit it, \`seal\` uses it`;

/** Add the `keygen` command to `program`. */
export function register(program: Command): void {
  program
    .command("keygen")
    .summary("create, rotate or show the Sealed Secrets key pair")
    .description("Creates the Sealed Secrets key pair of a repository (private key in .slipway/sealed-secrets/, certificate at bootstrap/sealed-secrets.crt), adds a newer one with --rotate, or lists them with --show.")
    .option("--dir <repo>", "repository root (made when missing, unless only reading)", ".")
    .option("--rotate", "add a new key that seals from now on, keeping the old keys")
    .option("--show", "print keys, validity and SHA-256 public key fingerprints")
    .addHelpText("after", EXAMPLES)
    .action(async (options: KeygenOptions) => {
      await runKeygen(options, { out: (t) => process.stdout.write(t) });
    });
}

/**
 * Run `keygen`: initialise (default), `--rotate`, and/or `--show`.
 * @throws UserError from the key store (keys exist, none to rotate, unreadable keys).
 */
export async function runKeygen(options: KeygenOptions, io: KeygenIo): Promise<void> {
  const writes = options.rotate === true || !options.show;
  const repoDir = writes ? outputDir(options.dir ?? ".", "--dir") : inputDir(options.dir ?? ".", "--dir", "--dir names the repository root, where `slipway keygen` made .slipway/ and bootstrap/.");
  const now = io.now ?? new Date();
  const store = await import("../secrets/key-store.js");
  if (writes) {
    const key = options.rotate ? await store.rotateKeys(repoDir, now) : await store.initKeys(repoDir, now);
    io.out(describeNewKey(key, store.certificateFileOf(repoDir), options.rotate === true));
  }
  if (options.show) io.out(await describeStore(repoDir));
}

function describeNewKey(key: StoredKey, committed: string, rotated: boolean): string {
  const lines = [
    `${rotated ? "Added" : "Created"} sealed-secrets key ${key.id} (valid ${day(key.notBefore)} to ${day(key.notAfter)})`,
    `  private key  ${display(key.keyFile)}  (secret: keep out of git, back it up)`,
    `  certificate  ${display(committed)}  (commit this; \`slipway seal\` encrypts to it)`,
    `  fingerprint  ${key.fingerprint}`,
  ];
  if (rotated) lines.push("Older keys are kept and stay loaded by the controller, so existing SealedSecrets still decrypt.");
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
