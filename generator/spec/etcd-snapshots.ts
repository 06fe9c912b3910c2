/**
 * k3s.etcdSnapshots as K3s configuration keys (docs.k3s.io cli/etcd-snapshot; DOMAIN-DAY2.md §2.3).
 * Every key is a `k3s server` flag that K3s applies at a restart (§2.2: "etcd-snapshot-*, etcd-s3-*
 * applied on that server"), none is critical, so they roll out in the servers' drop-in and never
 * reach user-data:
 *
 * - role-wide: etcd-disable-snapshots, etcd-snapshot-schedule-cron, etcd-snapshot-retention, and
 *   with s3 only etcd-s3 + etcd-s3-config-secret (any other etcd-s3-* key makes K3s ignore the
 *   Secret: k3s-io/k3s pkg/etcd/s3/s3.go `GetClient`, which compares the S3 config with its defaults);
 * - per server: etcd-snapshot-dir on that server's own data volume, where a rebuild keeps it.
 *
 * A value equal to K3s's own default is not written, so clusters that never set one see no drop-in
 * change (and no K3s restart) when Slipway learns these fields.
 */
import type { EtcdSnapshotsSpec, K3sArgValue, NodeSpec } from "./types.js";

/** K3s's defaults (docs.k3s.io cli/etcd-snapshot: at 00:00 and 12:00, 5 retained); the schema's are the same. */
export const K3S_SNAPSHOT_DEFAULTS = { schedule: "0 */12 * * *", retention: 5 } as const;
/** The folder under a server's volume mount that holds its snapshots. */
export const SNAPSHOT_SUBDIR = "k3s-etcd-snapshots";
/** The Secret type K3s documents for the S3 configuration (docs.k3s.io cli/etcd-snapshot). */
export const S3_SECRET_TYPE = "etcd.k3s.cattle.io/s3-config-secret";
/**
 * Keys of that Secret K3s reads (k3s-io/k3s@4755269 pkg/etcd/s3/config_secret.go
 * `getConfigFromSecret`). Not etcd-s3-retention: the Secret's configuration replaces the flags'
 * whole, retention 0 included, so K3s prunes nothing in the bucket (pkg/etcd/s3/s3.go
 * `SnapshotRetention` returns early below 1).
 */
export const S3_SECRET_KEYS: ReadonlySet<string> = new Set([
  "etcd-s3-access-key",
  "etcd-s3-bucket",
  "etcd-s3-bucket-lookup-type",
  "etcd-s3-endpoint",
  "etcd-s3-endpoint-ca",
  "etcd-s3-endpoint-ca-name",
  "etcd-s3-folder",
  "etcd-s3-insecure",
  "etcd-s3-proxy",
  "etcd-s3-region",
  "etcd-s3-secret-key",
  "etcd-s3-session-token",
  "etcd-s3-skip-ssl-verify",
  "etcd-s3-timeout",
]);
/** Without these the upload cannot work on a VPS (no instance credentials; the default endpoint is AWS's). */
export const S3_SECRET_REQUIRED = ["etcd-s3-access-key", "etcd-s3-bucket", "etcd-s3-endpoint", "etcd-s3-secret-key"] as const;

/** The keys every server's drop-in gets. */
export function snapshotArgs(s: EtcdSnapshotsSpec): Record<string, K3sArgValue> {
  const out: Record<string, K3sArgValue> = {};
  if (!s.enabled) out["etcd-disable-snapshots"] = true;
  if (s.schedule !== K3S_SNAPSHOT_DEFAULTS.schedule) out["etcd-snapshot-schedule-cron"] = s.schedule;
  if (s.retention !== K3S_SNAPSHOT_DEFAULTS.retention) out["etcd-snapshot-retention"] = s.retention;
  if (s.s3) {
    out["etcd-s3"] = true;
    out["etcd-s3-config-secret"] = s.s3.secret;
  }
  return out;
}

/** Where a server keeps its snapshots when that is its data volume; undefined for K3s's own directory. */
export function snapshotDir(s: EtcdSnapshotsSpec, node: NodeSpec): string | undefined {
  if (!s.onVolume || node.role !== "server" || !node.volume) return undefined;
  return `${node.volume.mountPath.replace(/\/+$/, "")}/${SNAPSHOT_SUBDIR}`;
}
