/**
 * Helm values Slipway sets, against the keys a chart really has: the chart's values.yaml in
 * ../shared/charts/<chart>-<version>/ (SOURCE.txt there says which commit), or, for a chart that is
 * not there, a key list recorded from the upstream file in the test with its citation.
 *
 * A path is known when every step of it is a key of the chart's values, or when it goes below a
 * key whose default is an empty map or null (a free-form map such as `labels: {}`), or below one of
 * `freeForm` (a map the chart passes through whole, e.g. istiod's meshConfig: say why in the test).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { SHARED } from "./cli.js";

export const CHARTS = join(SHARED, "charts");

/** The chart's values.yaml as data, or undefined when ../shared/charts/<dir> is absent. */
export function chartValues(dir: string): Record<string, unknown> | undefined {
  const file = join(CHARTS, dir, "values.yaml");
  if (!existsSync(file)) return undefined;
  const v = parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  // Istio's charts keep their defaults under _internal_defaults_do_not_set; users set the keys at the top.
  const inner = v._internal_defaults_do_not_set;
  return inner && typeof inner === "object" ? { ...(inner as Record<string, unknown>), ...v } : v;
}

/** Every path (dot-joined) of a values object down to its leaves; lists are leaves. */
export function valuePaths(values: Record<string, unknown>, prefix = ""): string[] {
  return Object.entries(values).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0 ? valuePaths(v as Record<string, unknown>, path) : [path];
  });
}

const isFreeMap = (v: unknown): boolean => v === null || (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0);

/** The paths of `values` that the chart's values do not have (see the file comment). */
export function unknownPaths(values: Record<string, unknown>, chart: Record<string, unknown>, freeForm: readonly string[] = []): string[] {
  return valuePaths(values).filter((path) => {
    if (freeForm.some((f) => path === f || path.startsWith(`${f}.`))) return false;
    let here: unknown = chart;
    for (const step of path.split(".")) {
      if (isFreeMap(here)) return false;
      if (here === null || typeof here !== "object" || Array.isArray(here) || !Object.hasOwn(here, step)) return true;
      here = (here as Record<string, unknown>)[step];
    }
    return false;
  });
}

/** The same check against a recorded key list (dot-joined paths, each a key of the upstream file). */
export function unknownInList(values: Record<string, unknown>, keys: readonly string[], freeForm: readonly string[] = []): string[] {
  return valuePaths(values).filter((path) => !keys.includes(path) && !freeForm.some((f) => path.startsWith(`${f}.`)));
}
