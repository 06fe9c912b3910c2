/**
 * k3s.etcdSnapshots: settings K3s would silently not act on, and snapshot directories that other
 * data shares. The SealedSecret the S3 upload reads is checked where the repository is read
 * (spec/etcd-s3-secret.ts).
 */
import type { Diagnostic } from "../../diagnostics.js";
import { snapshotDir } from "../etcd-snapshots.js";
import { argMaps } from "./k3s-arg-flags.js";
import type { Rule } from "./context.js";

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`) || dir.startsWith(`${path}/`);
const warn = (d: Diagnostic): Diagnostic => ({ ...d, severity: "warning" });
const AT = ["spec", "k3s", "etcdSnapshots"];

/**
 * With an external datastore K3s runs no etcd, so it takes no snapshots (docs.k3s.io
 * cli/etcd-snapshot is about embedded etcd only): the database is the user's to back up.
 */
export const snapshotsNeedEmbeddedEtcd: Rule = ({ spec, problem, written }) => {
  const endpoint = argMaps(spec).find(({ field, args }) => field !== "agentArgs" && typeof args["datastore-endpoint"] === "string");
  if (!endpoint) return [];
  return [
    warn(
      problem(
        "SW-ETCD-SNAPSHOTS-EXTERNAL-DATASTORE",
        written(AT) ? AT : ["spec", "k3s", endpoint.field, "datastore-endpoint"],
        "with an external datastore (datastore-endpoint) K3s runs no embedded etcd and takes no snapshots: nothing of k3s.etcdSnapshots applies",
        "Back the external database up with its own tools (pg_dump, mysqldump, etcdctl snapshot save), or drop datastore-endpoint: Slipway starts every cluster with embedded etcd otherwise, even a single server.",
      ),
    ),
  ];
};

/**
 * K3s uses the S3 config Secret only when no other etcd-s3 setting is given ("If any other S3
 * configuration flags are set, the Secret will be ignored", docs.k3s.io cli/etcd-snapshot);
 * etcd-s3-retention is the exception (pkg/etcd/s3/s3.go leaves Retention out of the comparison),
 * though with the Secret it has no effect either.
 */
export const s3SecretAlone: Rule = ({ spec, problem }) => {
  if (!spec.spec.k3s.etcdSnapshots.s3) return [];
  const out: Diagnostic[] = [];
  for (const { field, args } of argMaps(spec)) {
    for (const key of Object.keys(args).sort()) {
      if (!key.startsWith("etcd-s3-") || key === "etcd-s3-retention") continue;
      out.push(
        problem(
          "SW-ETCD-S3-FLAG-IGNORES-SECRET",
          ["spec", "k3s", field, key],
          `with k3s.etcdSnapshots.s3, k3s.${field}.${key} would make K3s ignore the Secret ${spec.spec.k3s.etcdSnapshots.s3.secret} and upload with the flags alone`,
          `Move ${key} into the Secret (one key of that name) and remove it here.`,
          { key: true },
        ),
      );
    }
  }
  return out;
};

/** A snapshot directory that a static volume or local-path also uses: pods could read or delete etcd's history. */
export const snapshotDirsOwn: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const s = spec.spec;
  for (const node of s.nodes) {
    const dir = snapshotDir(s.k3s.etcdSnapshots, node);
    if (!dir) continue;
    const single = s.nodes.length === 1;
    s.storage.volumes.forEach((v, i) => {
      if ((v.node ?? (single ? node.name : undefined)) !== node.name || !under(v.path, dir)) return;
      out.push(problem("SW-ETCD-SNAPSHOT-DIR-SHARED", ["spec", "storage", "volumes", i, "path"], `volume "${v.name}" (${v.path}) and the etcd snapshots of ${node.name} (${dir}) share a directory`, `Pods of the volume could read every Secret in a snapshot, or delete it; use a sibling directory, e.g. ${dir.replace(/\/[^/]+$/, "")}/${v.name}.`));
    });
    if (s.storage.localPath && under(s.storage.localPath, dir)) {
      out.push(problem("SW-ETCD-SNAPSHOT-DIR-SHARED", ["spec", "storage", "localPath"], `storage.localPath (${s.storage.localPath}) and the etcd snapshots of ${node.name} (${dir}) share a directory`, `Use a sibling directory for local-path, e.g. ${dir.replace(/\/[^/]+$/, "")}/k3s-storage.`));
    }
  }
  return out;
};
