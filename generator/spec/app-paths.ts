/**
 * `spec.apps[].path` against the repository on disk: Argo CD fails to sync an Application whose
 * folder is not in the repository, so a path that does not exist (or holds nothing) is a warning
 * now rather than a red sync later. The only disk read of the spec stage besides the spec itself
 * (see load.ts); the rules in rules/ stay pure.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, posix, sep } from "node:path";
import { formatPath, warning, type Diagnostic } from "../diagnostics.js";
import type { LoadedSpec } from "./load.js";
import { locate } from "./locate.js";
import type { ClusterSpec } from "./types.js";

/**
 * The repository root, where app paths start: `render` writes rendered/ beside the spec, and
 * gitops.path says where that folder is in the repository (`clusters/prod/rendered` puts the
 * root two folders up). Otherwise the nearest folder above with a `.git`, else the spec's folder.
 */
export function repositoryRoot(specDir: string, gitopsPath: string): string {
  const parent = posix.dirname(gitopsPath);
  if (parent === ".") return specDir;
  const suffix = parent.split("/").join(sep);
  if (specDir.endsWith(`${sep}${suffix}`)) return specDir.slice(0, -suffix.length - 1);
  for (let d = specDir; ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return d;
    if (dirname(d) === d) return specDir;
  }
}

/** What is at `path`: missing, a file, an empty folder, or a folder with something in it. */
function kindOf(path: string): "missing" | "file" | "empty" | "folder" {
  if (!existsSync(path)) return "missing";
  if (!statSync(path).isDirectory()) return "file";
  return readdirSync(path).some((n) => !n.startsWith(".")) ? "folder" : "empty";
}

/** A warning for every app whose path is not a folder with files in the repository. */
export function appPathProblems(spec: ClusterSpec, loaded: LoadedSpec, specDir: string): Diagnostic[] {
  const root = repositoryRoot(specDir, spec.spec.gitops.path);
  const out: Diagnostic[] = [];
  spec.spec.apps.forEach((app, i) => {
    if (app.path === undefined) return;
    const kind = kindOf(join(root, app.path));
    if (kind === "folder") return;
    const segments = ["spec", "apps", i, "path"];
    const what = kind === "missing" ? "does not exist in the repository" : kind === "file" ? "is a file, not a folder of manifests" : "is an empty folder (git does not even commit one)";
    out.push(
      warning("SW-APP-PATH-MISSING", `app "${app.name}": path ${app.path} ${what}, so Argo CD will fail to sync it`, {
        file: loaded.file,
        ...locate(loaded, segments),
        path: formatPath(segments),
        hint: `Create ${app.path}/ with the app's manifests and commit it (the path is relative to the repository root, ${root}), or correct the path.`,
      }),
    );
  });
  return out;
}
