/**
 * Rendered objects within the sizes Kubernetes accepts, one named rule per limit, run by the tree
 * check before anything is written (check/tree.ts):
 *
 * - `SW-RENDER-OBJECT-TOO-LARGE` (error) over 1.5 MiB: the API server stores every object in etcd,
 *   whose default request limit (`--max-request-bytes`) is 1.5 MiB; a larger object is refused
 *   ("etcdserver: request is too large"), however it is applied.
 *   https://etcd.io/docs/v3.5/dev-guide/limit/
 * - `SW-RENDER-OBJECT-LARGE` (warning) over 256 KiB, for an object Argo CD applies client-side
 *   (its default): `kubectl apply` keeps the whole object in the
 *   `kubectl.kubernetes.io/last-applied-configuration` annotation, and the API server limits an
 *   object's annotations to 256 KiB ("metadata.annotations: Too long"), so that sync fails unless
 *   the Application applies server-side (`ServerSideApply=true`).
 *   https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/#syntax-and-character-set
 *   https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#server-side-apply
 *
 * Sizes are of the object as JSON (what a client sends). Each finding names the field that made the
 * object big: a user's Helm values, most often.
 */
import { formatPath, warning, error, type Diagnostic } from "../diagnostics.js";

/** etcd's default request size limit, which caps every object the API server stores. */
/** A parsed rendered document (tree.ts's ParsedObject, by shape: tree.ts calls this module). */
interface SizedObject {
  file: string;
  app?: string;
  obj: Record<string, unknown>;
  line: number;
}

export const ETCD_REQUEST_LIMIT = 1.5 * 1024 * 1024;
/** The API server's limit on an object's annotations together (client-side apply's last-applied copy). */
export const ANNOTATIONS_LIMIT = 256 * 1024;

const bytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v) ?? "");
const kib = (n: number): string => `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KiB`;

/**
 * The field that makes `value` big: from the top, into the largest child while it holds at least
 * half of its parent, as path segments with its size.
 */
export function largestField(value: unknown): { segments: (string | number)[]; size: number } {
  const segments: (string | number)[] = [];
  let here = value;
  let size = bytes(value);
  for (;;) {
    if (here === null || typeof here !== "object") break;
    const children: [string | number, unknown][] = Array.isArray(here) ? here.map((v, i) => [i, v]) : Object.entries(here);
    let best: [string | number, unknown, number] | undefined;
    for (const [k, v] of children) {
      const s = bytes(v);
      if (!best || s > best[2]) best = [k, v, s];
    }
    if (!best || best[2] * 2 < size) break;
    segments.push(best[0]);
    here = best[1];
    size = best[2];
  }
  return { segments, size };
}

/** Names of Applications that apply server-side (their objects carry no last-applied copy). */
function serverSideApps(objects: readonly SizedObject[]): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    if (o.obj.kind !== "Application") continue;
    const spec = (o.obj.spec ?? {}) as { syncPolicy?: { syncOptions?: unknown } };
    const options = spec.syncPolicy?.syncOptions;
    const name = (o.obj.metadata as { name?: unknown } | undefined)?.name;
    if (Array.isArray(options) && options.includes("ServerSideApply=true") && typeof name === "string") out.add(name);
  }
  return out;
}

/** The size rules on every rendered object. */
export function objectSizeProblems(objects: readonly SizedObject[]): Diagnostic[] {
  const serverSide = serverSideApps(objects);
  const out: Diagnostic[] = [];
  for (const o of objects) {
    const size = bytes(o.obj);
    if (size <= ANNOTATIONS_LIMIT) continue;
    const meta = (o.obj.metadata ?? {}) as { name?: unknown };
    const what = `${String(o.obj.kind)} ${String(meta.name)}`;
    const big = largestField(o.obj);
    const values = o.obj.kind === "Application" && big.segments.slice(0, 3).join(".") === "spec.source.helm" ? `, the Helm values of app ${String(meta.name)} (spec.apps[].values in cluster.yaml)` : "";
    const field = big.segments.length > 0 ? ` Most of it is ${formatPath(big.segments)} (${kib(big.size)})${values}.` : "";
    const move = "Keep large data out of cluster.yaml's Helm values and manifests: put it in files in the repository (an app with path:) or in the chart's own defaults.";
    const at = { file: o.file, line: o.line };
    if (size > ETCD_REQUEST_LIMIT) {
      out.push(error("SW-RENDER-OBJECT-TOO-LARGE", `${what} is ${kib(size)}, over the 1.5 MiB the API server accepts for one object (etcd's request limit).${field}`, { ...at, hint: move }));
    } else if (!serverSide.has(o.app ?? "")) {
      out.push(
        warning("SW-RENDER-OBJECT-LARGE", `${what} is ${kib(size)}, over the 256 KiB client-side apply can store in its last-applied annotation, so Argo CD's sync of it will fail.${field}`, {
          ...at,
          hint: `${move} (An Application that applies server-side, ServerSideApply=true, has no such limit.)`,
        }),
      );
    }
  }
  return out;
}
