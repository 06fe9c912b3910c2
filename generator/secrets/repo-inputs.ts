/**
 * The repository's own inputs to the tree besides cluster.yaml, read at the pipeline's I/O edge:
 * the committed sealing certificate (bootstrap/sealed-secrets.crt, for the controller key check)
 * and the SealedSecrets `slipway seal` wrote under sealed-secrets/<namespace>/<name>.yaml. Each
 * is validated here; problems are diagnostics naming the file, collected, never thrown.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cmp, error, UserError, warning, type Diagnostic } from "../diagnostics.js";
import { listFiles } from "../list-files.js";
import type { RepoInputs, RepoSealedSecret } from "../spec/resolve.js";
import { parseDocument, parseOptions } from "../yaml.js";
import { CERTIFICATE_FILE } from "./key-store.js";
import { inspectCertificate } from "./keypair.js";
import { parseSealedSecret } from "./seal.js";

/** Where `slipway seal` writes SealedSecrets, relative to the repository (the spec's folder). */
export const SEALED_SECRETS_DIR = "sealed-secrets";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Fields the API server sets; a file copied from `kubectl get -o yaml` must not carry them into git. */
const RUNTIME_METADATA = ["creationTimestamp", "resourceVersion", "uid", "generation", "managedFields", "selfLink"];
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

export interface RepoInputsResult {
  inputs: RepoInputs;
  diagnostics: Diagnostic[];
}

/** Read and validate everything under `repoDir` that the tree is made from besides the spec. */
export function loadRepoInputs(repoDir: string): RepoInputsResult {
  const diagnostics: Diagnostic[] = [];
  const inputs: RepoInputs = { sealedSecrets: [] };
  const certFile = join(repoDir, CERTIFICATE_FILE);
  if (existsSync(certFile)) {
    const pem = readFileSync(certFile, "utf8");
    try {
      inputs.certificate = { file: CERTIFICATE_FILE, pem, fingerprint: inspectCertificate(pem, certFile).fingerprint };
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      diagnostics.push(...e.diagnostics);
    }
  }
  const seen = new Map<string, string>();
  for (const rel of listFiles(join(repoDir, SEALED_SECRETS_DIR)).filter((f) => /\.ya?ml$/.test(f))) {
    const file = `${SEALED_SECRETS_DIR}/${rel}`;
    const read = readSealedSecretFile(file, readFileSync(join(repoDir, file), "utf8"));
    // Diagnostics point at the file on disk; the tree keeps the repository-relative path.
    diagnostics.push(...read.diagnostics.map((d) => ({ ...d, file: join(repoDir, file) })));
    if (!read.sealed) continue;
    const id = `${read.sealed.namespace}/${read.sealed.name}`;
    const prev = seen.get(id);
    if (prev) {
      diagnostics.push(error("SW-SEALED-SECRET-DUPLICATE", `SealedSecret ${id} is also in ${prev}`, { file: join(repoDir, file), hint: "Keep one file per Secret; `slipway seal --merge` adds keys to an existing one." }));
      continue;
    }
    seen.set(id, file);
    inputs.sealedSecrets.push(read.sealed);
  }
  inputs.sealedSecrets.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
  return { inputs, diagnostics };
}

/** One file under sealed-secrets/: a SealedSecret, or diagnostics saying why not. */
export function readSealedSecretFile(file: string, text: string): { sealed?: RepoSealedSecret; diagnostics: Diagnostic[] } {
  const kind = kindOf(text);
  if (kind === "Secret") {
    return {
      diagnostics: [
        error("SW-SEALED-SECRET-PLAIN", "this is a plain Secret: its values would be committed and rendered in clear text", {
          file,
          hint: "Seal it instead and delete this file: slipway seal NAME -n NAMESPACE - < this-file (then remove the plain copy from git history).",
        }),
      ],
    };
  }
  let sealed;
  try {
    sealed = parseSealedSecret(text, file);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    // parseSealedSecret speaks of merging (its first user is `seal --merge`); say what matters here.
    return { diagnostics: e.diagnostics.map((d) => ({ ...d, code: "SW-SEALED-SECRET-INVALID", message: d.message.replace(/^cannot merge into this file: /, "not a usable SealedSecret: "), hint: "Files under sealed-secrets/ are written by `slipway seal`; re-seal this one." })) };
  }
  const { name, namespace } = sealed.metadata;
  const diagnostics: Diagnostic[] = [];
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) diagnostics.push(error("SW-SEALED-SECRET-INVALID", `namespace "${namespace}" is not a DNS-1123 label`, { file }));
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) diagnostics.push(error("SW-SEALED-SECRET-INVALID", `name "${name}" is not a DNS-1123 subdomain`, { file }));
  if (diagnostics.length > 0) return { diagnostics };
  const expected = `${SEALED_SECRETS_DIR}/${namespace}/${name}.yaml`;
  if (file !== expected) {
    diagnostics.push(
      warning("SW-SEALED-SECRET-MISPLACED", `this SealedSecret is ${namespace}/${name}, which \`slipway seal\` keeps at ${expected}`, {
        file,
        hint: "A SealedSecret only decrypts under the name and namespace it was sealed for; if the file was copied and edited, re-seal it instead.",
      }),
    );
  }
  return { sealed: { file, namespace, name, object: normalise(sealed as unknown as Record<string, unknown>) }, diagnostics };
}

function kindOf(text: string): unknown {
  const doc = parseDocument(text, parseOptions);
  if (doc.errors.length > 0) return undefined;
  const v: unknown = doc.toJS();
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>).kind : undefined;
}

/** A copy without status and the fields the API server sets; everything the user wrote stays. */
function normalise(obj: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(obj);
  delete out.status;
  const clean = (meta: unknown): void => {
    if (typeof meta !== "object" || meta === null) return;
    const m = meta as Record<string, unknown>;
    for (const k of RUNTIME_METADATA) delete m[k];
    const a = m.annotations as Record<string, unknown> | undefined;
    if (a && LAST_APPLIED in a) {
      delete a[LAST_APPLIED];
      if (Object.keys(a).length === 0) delete m.annotations;
    }
  };
  clean(out.metadata);
  const template = (out.spec as Record<string, unknown> | undefined)?.template as Record<string, unknown> | undefined;
  clean(template?.metadata);
  return out;
}
