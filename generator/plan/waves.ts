/**
 * Sync waves are derived, not hand-set: a component's wave is one more than the highest wave of
 * what it comes after, where "after" includes every component providing a CRD group it uses.
 */
import type { Component } from "./types.js";

export function assignWaves(components: Component[]): (Component & { wave: number })[] {
  const byName = new Map(components.map((c) => [c.name, c]));
  const providers = new Map<string, string>();
  for (const c of components) for (const g of c.providesCrds) providers.set(g, c.name);
  const deps = (c: Component): string[] => {
    const d = new Set(c.after.filter((n) => byName.has(n)));
    for (const g of c.usesCrds) {
      const p = providers.get(g);
      if (p && p !== c.name) d.add(p);
    }
    return [...d].sort();
  };
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const wave = (c: Component): number => {
    const known = memo.get(c.name);
    if (known !== undefined) return known;
    if (c.wave !== undefined) {
      memo.set(c.name, c.wave);
      return c.wave;
    }
    if (visiting.has(c.name)) throw new Error(`plan bug: dependency cycle through ${c.name}`);
    visiting.add(c.name);
    const w = Math.max(-1, ...deps(c).map((n) => wave(byName.get(n)!))) + 1;
    visiting.delete(c.name);
    memo.set(c.name, w);
    return w;
  };
  return components
    .map((c) => ({ ...c, after: deps(c), wave: wave(c) }))
    .sort((a, b) => a.wave - b.wave || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The wave of user apps without one: after every platform component. */
export function appWave(platform: (Component & { wave: number })[]): number {
  return Math.max(0, ...platform.map((c) => c.wave)) + 1;
}
