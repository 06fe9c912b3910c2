/**
 * spec.k3s.version: a release Slipway supports, on a Kubernetes line that still gets fixes, and
 * reachable from what the cluster runs: K3s upgrades one minor at a time and never down
 * (Kubernetes' version skew policy; rancher/k3s-upgrade refuses downgrades).
 */
import type { Diagnostic } from "../../diagnostics.js";
import { compareK3sVersions, parseK3sVersion } from "../birth-facts.js";
import type { Rule } from "./context.js";

/** Minors Slipway renders for: the shipped K3s flag tables and Kubernetes schemas start at 1.33. */
export const SUPPORTED_MINORS = { oldest: 33, newest: 37 } as const;

/**
 * End of life of Kubernetes minors (kubernetes.io/releases, read 2026-11): past it a minor gets no
 * fixes. A fact table, not the clock: output never depends on the day it runs.
 */
export const END_OF_LIFE: Readonly<Record<number, string>> = { 33: "2026-06-28", 34: "2026-10-27" };

const AT = ["spec", "k3s", "version"];

export const k3sVersionSupported: Rule = ({ spec, problem }) => {
  const v = parseK3sVersion(spec.spec.k3s.version);
  if (!v) return []; // the schema's pattern reports it
  const warn = (d: Diagnostic): Diagnostic => ({ ...d, severity: "warning" });
  if (v.minor < SUPPORTED_MINORS.oldest) {
    return [problem("SW-K3S-VERSION-UNSUPPORTED", AT, `K3s ${spec.spec.k3s.version} is older than Slipway supports (v1.${SUPPORTED_MINORS.oldest} to v1.${SUPPORTED_MINORS.newest})`, `Use a v1.36 release, e.g. v1.36.3+k3s1. A running cluster on an older line upgrades one minor at a time before Slipway manages it.`)];
  }
  if (v.minor > SUPPORTED_MINORS.newest) {
    return [warn(problem("SW-K3S-VERSION-UNKNOWN", AT, `K3s ${spec.spec.k3s.version} is newer than the releases this Slipway knows (up to v1.${SUPPORTED_MINORS.newest})`, `Its flags and Kubernetes schemas are checked against the newest Slipway knows; upgrade Slipway to check them exactly.`))];
  }
  const eol = END_OF_LIFE[v.minor];
  if (eol) {
    return [warn(problem("SW-K3S-VERSION-EOL", AT, `Kubernetes 1.${v.minor} reached end of life on ${eol}: it gets no security fixes`, `Upgrade one minor at a time (1.${v.minor} -> 1.${v.minor + 1} -> ...), each a one-line change of spec.k3s.version that the Plans roll out; the default is v1.36.3+k3s1.`))];
  }
  return [];
};

export const k3sUpgradePath: Rule = ({ spec, problem, previous }) => {
  const now = spec.spec.k3s.version;
  const was = previous?.k3sVersion;
  const a = was ? parseK3sVersion(was) : undefined;
  const b = parseK3sVersion(now);
  if (!was || !a || !b) return [];
  if (compareK3sVersions(now, was) < 0) {
    return [
      problem(
        "SW-K3S-DOWNGRADE",
        AT,
        `K3s ${now} is older than ${was}, which ${previous!.source} runs: K3s does not downgrade`,
        `Keep ${was} or choose a newer release. A downgrade needs a restore of an etcd snapshot taken before the upgrade (the datastore may have been migrated); rancher/k3s-upgrade refuses it.`,
      ),
    ];
  }
  if (b.minor > a.minor + 1) {
    return [
      problem(
        "SW-K3S-MINOR-SKIP",
        AT,
        `K3s ${now} skips from 1.${a.minor} (${previous!.source}) past 1.${a.minor + 1}: K3s supports one minor at a time`,
        `Upgrade to a v1.${a.minor + 1} release first, let the Plans finish (kubectl -n system-upgrade get plans), then to v1.${b.minor}. If this cluster does not run yet, delete rendered/day0/k3s-version and render again.`,
      ),
    ];
  }
  return [];
};
