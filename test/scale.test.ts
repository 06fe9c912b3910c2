/**
 * The scale spec of `npm run bench` (scripts/scale-spec.mjs): deterministic, within the schema's
 * limits, and a cluster Slipway validates, renders and checks without an error at 100 nodes and
 * 200 apps, through the built CLI. No timing here: the bench measures that.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { scaleSpec, writeScaleSpec } from "../scripts/scale-spec.mjs";
import { slipway, tempDir } from "./support/cli.js";

const work = tempDir("slipway-scale-");
afterAll(() => work.cleanup());

it("the same arguments give the same bytes; nodes and apps as asked, within the schema's limits", () => {
  expect(scaleSpec(100)).toBe(scaleSpec(100));
  expect(scaleSpec(100).match(/^ {4}- name: (server|agent)-/gm)).toHaveLength(100);
  expect(scaleSpec(100).match(/^ {4}- name: app-/gm)).toHaveLength(200);
  expect(scaleSpec(10).match(/^ {4}- name: app-/gm)).toHaveLength(20);
  expect(() => scaleSpec(101)).toThrow(/3 to 100/);
});

it("100 nodes and 200 apps validate, render and check with no error", () => {
  const file = writeScaleSpec(work.dir, 100);
  for (const cmd of ["validate", "render", "check"]) {
    const r = slipway([cmd, file]);
    expect(r.stderr, cmd).not.toMatch(/ error |internal error/);
    // No object near Argo CD's client-side apply limit (the host firewall's rulesets once grew as
    // the square of the node count and passed it at about 45 nodes).
    expect(r.stderr, cmd).not.toContain("SW-RENDER-OBJECT-LARGE");
    expect(r.code, `${cmd}: ${r.stderr}`).toBe(0);
  }
  expect(readdirSync(join(work.dir, "bootstrap")).filter((f) => f.endsWith(".yaml"))).toHaveLength(100);
  expect(statSync(join(work.dir, "rendered/manifests/host-firewall/configmap.yaml")).size).toBeLessThan(64 * 1024);
  expect(readdirSync(join(work.dir, "rendered/apps")).filter((f) => f.startsWith("app-"))).toHaveLength(200);
});
