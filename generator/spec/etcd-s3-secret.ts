/**
 * k3s.etcdSnapshots.s3 against the repository's SealedSecrets: K3s reads the S3 configuration from
 * a Secret in kube-system at every snapshot, so a missing one fails every upload (with a log line on
 * the servers only). The key names of a SealedSecret are plain text (only the values are sealed),
 * so a misspelt key is visible here too. Warnings: the Secret may come from elsewhere.
 */
import { formatPath, warning, type Diagnostic } from "../diagnostics.js";
import { S3_SECRET_KEYS, S3_SECRET_REQUIRED, S3_SECRET_TYPE } from "./etcd-snapshots.js";
import type { LoadedSpec } from "./load.js";
import { locate } from "./locate.js";
import type { RepoSealedSecret } from "./resolve.js";
import { closest } from "./suggest.js";
import type { ClusterSpec } from "./types.js";

const SEGMENTS = ["spec", "k3s", "etcdSnapshots", "s3"];

export function etcdS3SecretProblems(spec: ClusterSpec, loaded: LoadedSpec, sealed: readonly RepoSealedSecret[]): Diagnostic[] {
  const s3 = spec.spec.k3s.etcdSnapshots.s3;
  if (!s3) return [];
  const at = { file: loaded.file, ...locate(loaded, SEGMENTS), path: formatPath(SEGMENTS) };
  const found = sealed.find((x) => x.namespace === "kube-system" && x.name === s3.secret);
  if (!found) {
    return [
      warning("SW-ETCD-S3-SECRET-MISSING", `no SealedSecret kube-system/${s3.secret} in sealed-secrets/: every snapshot upload to S3 will fail until the Secret exists`, {
        ...at,
        hint: `Seal it: slipway seal ${s3.secret} -n kube-system --type ${S3_SECRET_TYPE} --from-literal etcd-s3-endpoint=... --from-literal etcd-s3-bucket=... --from-literal etcd-s3-access-key=... --from-literal etcd-s3-secret-key=... (README: Backups and restore).`,
      }),
    ];
  }
  const body = (found.object.spec ?? {}) as { encryptedData?: Record<string, unknown> };
  const keys = Object.keys(body.encryptedData ?? {});
  const out: Diagnostic[] = [];
  const missing = S3_SECRET_REQUIRED.filter((k) => !keys.includes(k));
  if (missing.length > 0) {
    out.push(warning("SW-ETCD-S3-SECRET-KEYS", `${found.file} has no ${missing.join(", ")}: K3s cannot upload snapshots without ${missing.length === 1 ? "it" : "them"}`, { ...at, hint: `Add ${missing.length === 1 ? "it" : "them"}: slipway seal ${s3.secret} -n kube-system --merge ${missing.map((k) => `--from-literal ${k}=...`).join(" ")}.` }));
  }
  for (const k of keys.filter((k) => !S3_SECRET_KEYS.has(k)).sort()) {
    const guess = closest(k, [...S3_SECRET_KEYS]);
    out.push(warning("SW-ETCD-S3-SECRET-KEYS", `${found.file} has key ${k}, which K3s does not read`, { ...at, hint: guess ? `Did you mean ${guess}?` : `K3s reads: ${[...S3_SECRET_KEYS].join(", ")}.` }));
  }
  return out;
}
