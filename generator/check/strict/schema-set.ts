/**
 * Which embedded schema set validates a cluster: the one whose Kubernetes minor is nearest the
 * cluster's (`spec.k3s.version`). Minor versions change the API (fields and kinds come and go),
 * patch releases do not, so the distance is counted in minors. Reads only the list of versions:
 * the schema table itself loads with validate.ts.
 */
import { STRICT_SCHEMA_VERSIONS as VERSIONS } from "../generated/strict-schema-versions.js";

/** The schema set chosen for a version, and how well it fits. */
export interface StrictSchemaChoice {
  /** The set's Kubernetes version, e.g. `1.36.2`. */
  version: string;
  /** The version asked for, as given (`v1.36.3+k3s1`). */
  requested: string;
  /** True when the set has the requested minor. */
  exact: boolean;
}

/** The Kubernetes versions of the embedded sets, oldest first. */
export const STRICT_SCHEMA_VERSIONS: readonly string[] = VERSIONS;

/**
 * The embedded schema set nearest a Kubernetes or K3s version: `v1.36.3+k3s1` -> 1.36.2,
 * `v1.33.4+k3s1` -> 1.33.1, `v1.35.0` -> 1.36.2 (one minor away, against two). On a tie the older
 * set wins: it knows fewer fields, so it is the stricter of the two. A version that does not parse
 * gets the newest set (the spec schema rejects such a version before this matters).
 */
export function strictSchemaSetFor(k3sVersion: string): StrictSchemaChoice {
  const wanted = parseVersion(k3sVersion);
  const newest = STRICT_SCHEMA_VERSIONS[STRICT_SCHEMA_VERSIONS.length - 1]!;
  if (!wanted) return { version: newest, requested: k3sVersion, exact: false };
  let best = newest;
  let bestDistance = Infinity;
  for (const version of STRICT_SCHEMA_VERSIONS) {
    const v = parseVersion(version)!;
    const distance = Math.abs((v.major - wanted.major) * 1000 + v.minor - wanted.minor);
    if (distance < bestDistance) {
      best = version;
      bestDistance = distance;
    }
  }
  return { version: best, requested: k3sVersion, exact: bestDistance === 0 };
}

/** `Kubernetes 1.36.2 schemas`, plus what they stand in for when the minor differs. */
export function describeSchemaChoice(choice: StrictSchemaChoice): string {
  return `Kubernetes ${choice.version} schemas${choice.exact ? "" : ` (the nearest embedded set to ${choice.requested})`}`;
}

function parseVersion(v: string): { major: number; minor: number } | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(v.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}
