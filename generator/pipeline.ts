/**
 * Composes the stages: load -> validate -> resolve -> plan -> render -> check. No printing and no
 * process access; commands decide what to do with the result.
 */
import { dirname, join } from "node:path";
import { hasErrors, sortDiagnostics, warning, type Diagnostic } from "./diagnostics.js";
import { scanSecretLeaks, type LeakContext } from "./check/secret-leak.js";
import { checkTree, type ParsedObject, type StrictTreeCheck } from "./check/tree.js";
import { CERTIFICATE_FILE } from "./secrets/key-store.js";
import { loadRepoInputs } from "./secrets/repo-inputs.js";
import { planCluster } from "./plan/plan.js";
import type { Plan } from "./plan/types.js";
import { renderPlan, type RenderedFile } from "./render/render.js";
import { readCommittedFacts } from "./output/committed-facts.js";
import type { BirthFacts } from "./spec/birth-facts.js";
import { appPathProblems } from "./spec/app-paths.js";
import { etcdS3SecretProblems } from "./spec/etcd-s3-secret.js";
import { cloudflareTokenProblems } from "./spec/sealed-token.js";
import { loadSpecFile, parseSpecText, type LoadedSpec, type LoadResult } from "./spec/load.js";
import { resolve, type BootstrapSecrets, type RepoInputs, type Resolved } from "./spec/resolve.js";
import type { ClusterSpec } from "./spec/types.js";
import { validateSpec } from "./spec/validate.js";

export interface SpecResult {
  loaded?: LoadedSpec;
  spec?: ClusterSpec;
  resolved?: Resolved;
  diagnostics: Diagnostic[];
}

/**
 * load + validate + resolve, and what the spec says about the repository beside it (app paths).
 * `committed`: the directory of the tree the cluster runs from (its rendered/ and bootstrap/),
 * whose birth facts the upgrade and birth-setting rules compare with; default beside the spec.
 */
export function loadAndValidate(file: string, committed: string = dirname(file)): SpecResult {
  const r = validateLoaded(loadSpecFile(file), readCommittedFacts(committed));
  if (!r.spec || !r.loaded) return r;
  return { ...r, diagnostics: sortDiagnostics([...r.diagnostics, ...appPathProblems(r.spec, r.loaded, dirname(file))]) };
}

/** {@link loadAndValidate} on spec text that is not on disk (e.g. `git show REF:cluster.yaml`), against the given facts. */
export function loadAndValidateText(file: string, text: string, previous?: BirthFacts): SpecResult {
  return validateLoaded(parseSpecText(file, text), previous);
}

function validateLoaded(load: LoadResult, previous?: BirthFacts): SpecResult {
  if (!load.spec || hasErrors(load.diagnostics)) return { loaded: load.spec, diagnostics: sortDiagnostics(load.diagnostics) };
  const v = validateSpec(load.spec, previous);
  const diagnostics = sortDiagnostics([...load.diagnostics, ...v.diagnostics]);
  if (!v.spec) return { loaded: load.spec, diagnostics };
  return { loaded: load.spec, spec: v.spec, resolved: resolve(v.spec), diagnostics };
}

export interface RenderResult extends SpecResult {
  plan?: Plan;
  files?: RenderedFile[];
  objects?: ParsedObject[];
  /** The tree check of `files` (its `objects` are the above), for `check` to report without running it again. */
  tree?: StrictTreeCheck;
  /** The repository inputs the tree was made from (certificate, SealedSecrets). */
  repo?: RepoInputs;
}

/** Optional inputs of {@link renderCluster}. */
export interface RenderOptions {
  /**
   * What the secret-leak scan looks for besides private key blocks and plain Secrets: `render`
   * passes the environment's tokens and .slipway/ (secrets/leak-inputs.ts).
   */
  leaks?: LeakContext;
  /**
   * The repository inputs (bootstrap/sealed-secrets.crt, sealed-secrets/). renderCluster reads
   * them beside the spec when not given; renderClusterText uses none unless given.
   */
  repo?: RepoInputs;
  /** The directory of the committed tree (see {@link loadAndValidate}); default beside the spec. */
  committed?: string;
  /** What the cluster was born with (the base of `plan`), instead of the committed tree's facts. */
  previous?: BirthFacts;
}

/**
 * The whole pipeline up to a checked in-memory tree. `secrets` only for `userdata`: then the
 * bootstrap/ files hold secrets by design and only rendered/ is scanned for leaks.
 */
export async function renderCluster(file: string, secrets?: BootstrapSecrets, options: RenderOptions = {}): Promise<RenderResult> {
  const s = options.previous ? validateLoaded(loadSpecFile(file), options.previous) : loadAndValidate(file, options.committed);
  if (!s.resolved || options.repo) return renderValidated(s, secrets, options.repo ?? { sealedSecrets: [] }, options.leaks, [], dirname(file));
  const repoDir = dirname(file);
  const read = loadRepoInputs(repoDir);
  const notes = [...read.diagnostics, ...(s.spec && s.loaded ? etcdS3SecretProblems(s.spec, s.loaded, read.inputs.sealedSecrets) : [])];
  if (!read.inputs.certificate) {
    notes.push(
      warning("SW-SEAL-NO-CERTIFICATE", "no sealing certificate: the check that the Sealed Secrets controller runs the committed key is not rendered", {
        file: join(repoDir, CERTIFICATE_FILE),
        hint: "Run `slipway keygen` (private key into .slipway/, certificate to bootstrap/sealed-secrets.crt) and commit the certificate.",
      }),
    );
  }
  return renderValidated(s, secrets, read.inputs, options.leaks, notes, repoDir);
}

/** {@link renderCluster} on spec text (`file` names it in diagnostics); reads nothing from disk but templates. */
export async function renderClusterText(file: string, text: string, secrets?: BootstrapSecrets, options: RenderOptions = {}): Promise<RenderResult> {
  return renderValidated(loadAndValidateText(file, text, options.previous), secrets, options.repo ?? { sealedSecrets: [] }, options.leaks, []);
}

/** `repoDir`: where the repository inputs' relative paths point, for diagnostics. */
async function renderValidated(s: SpecResult, secrets: BootstrapSecrets | undefined, repo: RepoInputs, leaks: LeakContext = {}, notes: Diagnostic[], repoDir?: string): Promise<RenderResult> {
  if (!s.resolved) return s;
  const resolved: Resolved = { ...s.resolved, repo };
  const plan = planCluster(resolved, secrets);
  const files = renderPlan(plan);
  const checked = await checkTree(files, resolved.spec.spec.gitops.path, resolved.spec.spec.k3s.version);
  // With real secrets (userdata) bootstrap/ holds them on purpose; rendered/ never may.
  const scanned = secrets ? files.filter((f) => f.path.startsWith("rendered/")) : files;
  const at = (path: string): string => (repoDir ? join(repoDir, path) : path);
  const leaked = scanSecretLeaks(scanned, {
    ...leaks,
    certificate: repo.certificate ? { file: at(repo.certificate.file), pem: repo.certificate.pem } : undefined,
    sealedSecrets: repo.sealedSecrets.map((x) => ({ file: at(x.file), object: x.object })),
  });
  const tokens = s.loaded && s.spec ? cloudflareTokenProblems(s.spec, s.loaded, repo) : [];
  const diagnostics = sortDiagnostics([...s.diagnostics, ...notes, ...tokens, ...checked.diagnostics, ...leaked]);
  return { ...s, resolved, plan, files, objects: checked.objects, tree: checked, repo, diagnostics };
}
