/**
 * The published package, as `npm pack` makes it (scripts ignored: nothing is rebuilt while other
 * tests use dist/): what it holds, that nothing runs at install, and its size. Then the packed CLI
 * itself runs from an unpacked tarball, so it needs nothing the package does not ship.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, tempDir } from "./support/cli.js";

interface PackedFile {
  path: string;
  size: number;
}
interface Pack {
  size: number;
  unpackedSize: number;
  entryCount: number;
  filename: string;
  files: PackedFile[];
}

/**
 * Budgets, with room over what the package measures today (2.5 MB packed, 8.4 MB unpacked, 122
 * files). 1.9 MB of the packed size and 6 MB unpacked are render's and check's own bundles and
 * their V8 code caches (generator/cli/code-cache.ts); a cache compresses little.
 */
const BUDGET = { packed: 3 * 1024 * 1024, unpacked: 10 * 1024 * 1024, files: 200 };
/** Scripts npm runs when the package is installed (or, for prepare, installed from git). */
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare"];

const npmEnv = { ...process.env, npm_config_update_notifier: "false", npm_config_audit: "false", npm_config_fund: "false", npm_config_offline: "true" };
const work = tempDir("slipway-pack-");
let pack: Pack;

function npmPack(...args: string[]): Pack {
  const r = spawnSync("npm", ["pack", "--json", "--ignore-scripts", ...args], { cwd: ROOT, encoding: "utf8", env: npmEnv });
  if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as Pack[])[0]!;
}

beforeAll(() => {
  pack = npmPack("--dry-run");
});
afterAll(() => work.cleanup());

describe("npm pack", () => {
  const paths = () => pack.files.map((f) => f.path);

  it("holds the built CLI, the schema, the templates, the README and package.json, and no sources or tests", () => {
    expect(paths()).toEqual(expect.arrayContaining(["package.json", "README.md", "dist/bin.js", "dist/index.js", "schema/cluster.schema.json", "templates/init/cluster.yaml", "templates/workflows/commit-rendered.yml"]));
    const outside = paths().filter((p) => !/^(dist|schema|templates)\//.test(p) && !["package.json", "README.md", "scripts/prepare.mjs"].includes(p));
    expect(outside).toEqual([]);
    expect(paths().filter((p) => p.endsWith(".ts") && !p.endsWith(".d.ts"))).toEqual([]);
  });

  it("ships no source maps", () => {
    expect(paths().filter((p) => p.endsWith(".map"))).toEqual([]);
  });

  it(`stays within its size budget (${BUDGET.packed / 1024} KiB packed, ${BUDGET.unpacked / 1024 / 1024} MiB unpacked, ${BUDGET.files} files)`, () => {
    expect(pack.size).toBeLessThan(BUDGET.packed);
    expect(pack.unpackedSize).toBeLessThan(BUDGET.unpacked);
    expect(pack.entryCount).toBeLessThan(BUDGET.files);
  });

  it("runs nothing at install, and a lifecycle script only points at files in the package", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    for (const name of INSTALL_SCRIPTS.filter((n) => n !== "prepare")) expect(pkg.scripts[name], name).toBeUndefined();
    for (const name of INSTALL_SCRIPTS.filter((n) => pkg.scripts[n] !== undefined)) {
      const files = [...pkg.scripts[name]!.matchAll(/\bnode\s+(\S+)/g)].map((m) => m[1]!);
      expect(files.length, `${name}: ${pkg.scripts[name]}`).toBeGreaterThan(0);
      for (const f of files) expect(paths(), `${name} runs ${f}`).toContain(f);
    }
  });

  it("the packed CLI runs from the unpacked tarball: it finds its templates and schema there", () => {
    const packed = npmPack("--pack-destination", work.dir);
    expect(spawnSync("tar", ["-xzf", join(work.dir, packed.filename), "-C", work.dir]).status).toBe(0);
    const pkgDir = join(work.dir, "package");
    // The dependencies, as npm would install them beside the package.
    symlinkSync(join(ROOT, "node_modules"), join(pkgDir, "node_modules"));
    expect(existsSync(join(pkgDir, "scripts/build.mjs"))).toBe(false);
    // prepare is a no-op here (no sources to build), never a failure.
    expect(spawnSync(process.execPath, [join(pkgDir, "scripts/prepare.mjs")], { cwd: pkgDir }).status).toBe(0);
    const init = spawnSync(process.execPath, [join(pkgDir, "dist/bin.js"), "init", "--dir", join(work.dir, "repo")], { encoding: "utf8" });
    expect(init.status, init.stderr).toBe(0);
    const render = spawnSync(process.execPath, [join(pkgDir, "dist/bin.js"), "render"], { cwd: join(work.dir, "repo"), encoding: "utf8", env: { ...process.env, SLIPWAY_CODE_CACHE: "report" } });
    expect(render.status, render.stderr).toBe(0);
    // The package's render bundle and its code cache (built by this Node) are used from there.
    expect(render.stderr).toContain("slipway: code cache accepted (render.cache)");
    expect(existsSync(join(work.dir, "repo/rendered/apps/root.yaml"))).toBe(true);
  });
});
