/** Helm-style deep merge: the user's maps merge into derived values, lists and scalars replace. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) define(out, k, v);
  for (const [k, v] of Object.entries(over)) {
    const b = Object.hasOwn(out, k) ? out[k] : undefined;
    define(out, k, isMap(b) && isMap(v) ? mergeValues(b, v) : v);
  }
  return out;
}

/**
 * A plain assignment with a user key such as `__proto__` would set the object's prototype and drop
 * the key from the chart values; defining the property keeps every key a key.
 */
function define(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
