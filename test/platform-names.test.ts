/**
 * Every Application Slipway renders for itself has a reserved name, so a user app can never take
 * it (spec/rules/apps.ts): checked against what each example really renders.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { parse } from "yaml";
import { isPlatformAppName } from "../generator/spec/rules/apps.js";
import { ROOT } from "./support/cli.js";

it("every platform Application name is reserved", () => {
  const unreserved: string[] = [];
  for (const example of readdirSync(join(ROOT, "test/cases"))) {
    const spec = parse(readFileSync(join(ROOT, "examples", example, "cluster.yaml"), "utf8")) as { spec: { apps?: { name: string }[] } };
    const userApps = new Set((spec.spec.apps ?? []).map((a) => a.name));
    for (const f of readdirSync(join(ROOT, "test/cases", example, "rendered/apps"))) {
      const name = f.replace(/\.yaml$/, "");
      if (name === "project" || userApps.has(name)) continue;
      if (!isPlatformAppName(name)) unreserved.push(`${example}: ${name}`);
    }
  }
  expect(unreserved).toEqual([]);
});
