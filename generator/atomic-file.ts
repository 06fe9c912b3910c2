/** One file written atomically: readers see the old content or the new, never a torn one. */
import { randomBytes } from "node:crypto";
import { closeSync, fchmodSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode, set before the file becomes visible (not narrowed by the umask). @default 0o644 */
  mode?: number;
  /** Fail with `EEXIST` instead of replacing an existing file, even under a race. @default false */
  exclusive?: boolean;
}

/**
 * Writes one file so readers see the old content or the new, never a torn one: a temp file in the
 * same folder, its mode set, fsynced, then renamed over the target (or hard-linked when
 * `exclusive`). The one writer for single files: user-data (0600), keys (0600), scaffolding.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const { mode = 0o644, exclusive = false } = options;
  const temp = join(dirname(ensureParent(path)), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const fd = openSync(temp, "wx", mode);
    try {
      fchmodSync(fd, mode); // open's mode is narrowed by the umask
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (exclusive) linkSync(temp, path);
    else renameSync(temp, path);
  } finally {
    rmSync(temp, { force: true }); // gone after rename; left behind after link or failure
  }
}

function ensureParent(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  return path;
}
