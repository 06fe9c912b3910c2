/** Same spec, same bytes: across runs, time zones, locales and working directories. */
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { ROOT, slipway, tempDir } from "./support/cli.js";
import { readTree } from "./support/tree.js";

const tmp = tempDir("slipway-determinism-");
afterAll(() => tmp.cleanup());

it.each(["contabo-ha", "hetzner-single"])("%s renders byte-identically with TZ, LANG and cwd changed", (name) => {
  const spec = join(ROOT, "examples", name, "cluster.yaml");
  const a = join(tmp.dir, `${name}-a`);
  const b = join(tmp.dir, `${name}-b`);
  const elsewhere = join(tmp.dir, `${name}-cwd`);
  mkdirSync(elsewhere, { recursive: true });
  cpSync(spec, join(elsewhere, "cluster.yaml"));
  // The committed sealing certificate beside the spec is an input of the tree (the key check).
  cpSync(join(ROOT, "examples", name, "bootstrap/sealed-secrets.crt"), join(elsewhere, "bootstrap/sealed-secrets.crt"));
  expect(slipway(["render", spec, "--out", a], { env: { TZ: "UTC", LANG: "C.UTF-8", LC_ALL: "C.UTF-8" } }).code).toBe(0);
  expect(slipway(["render", "--out", b], { cwd: elsewhere, env: { TZ: "Pacific/Kiritimati", LANG: "tr_TR.UTF-8", LC_ALL: "tr_TR.UTF-8" } }).code).toBe(0);
  const ta = readTree(a);
  const tb = readTree(b);
  expect([...tb.keys()]).toEqual([...ta.keys()]);
  for (const [p, text] of ta) expect(tb.get(p), p).toBe(text);
  for (const text of ta.values()) {
    expect(text.endsWith("\n")).toBe(true);
    expect(text).not.toContain("\r");
  }
});
