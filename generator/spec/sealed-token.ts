/**
 * certManager.acme.cloudflare names a Secret that only the repository can supply, as a SealedSecret
 * that `slipway seal` wrote to sealed-secrets/cert-manager/<name>.yaml: without it the ClusterIssuers
 * sync, but every DNS-01 challenge fails on the missing Secret. A warning, not an error: the token
 * may be sealed and committed after the spec.
 */
import { formatPath, warning, type Diagnostic } from "../diagnostics.js";
import type { LoadedSpec } from "./load.js";
import { locate } from "./locate.js";
import type { RepoInputs } from "./resolve.js";
import type { ClusterSpec } from "./types.js";

/** cert-manager reads ClusterIssuer Secrets from its own namespace only (--cluster-resource-namespace). */
const NAMESPACE = "cert-manager";

export function cloudflareTokenProblems(spec: ClusterSpec, loaded: LoadedSpec, repo: RepoInputs): Diagnostic[] {
  const cf = spec.spec.certManager?.acme?.cloudflare;
  if (!cf) return [];
  if (repo.sealedSecrets.some((s) => s.namespace === NAMESPACE && s.name === cf.secretName)) return [];
  const segments = ["spec", "certManager", "acme", "cloudflare"];
  return [
    warning("SW-CERT-MANAGER-TOKEN-MISSING", `no SealedSecret ${NAMESPACE}/${cf.secretName} in the repository: the Cloudflare DNS-01 solver would find no API token`, {
      file: loaded.file,
      ...locate(loaded, segments),
      path: formatPath(segments),
      hint: `Put the token (Zone:DNS:Edit and Zone:Zone:Read) in a file, seal it, delete the file, commit sealed-secrets/${NAMESPACE}/${cf.secretName}.yaml: npx slipway seal ${cf.secretName} -n ${NAMESPACE} --from-file ${cf.secretKey}=cloudflare-token.txt`,
    }),
  ];
}
