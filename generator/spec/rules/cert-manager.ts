/**
 * spec.certManager: an ACME account needs an e-mail, the issuers need a solver that can work on
 * this cluster, and the CRDs must stay in the chart (DOMAIN-DAY2.md §0.10, §5).
 */
import type { Diagnostic } from "../../diagnostics.js";
import type { Rule } from "./context.js";

/** crds.enabled appeared in chart v1.15.0 (installCRDs before it, values.yaml "Deprecated: use crds.enabled"). */
const FIRST_CRDS_ENABLED = [1, 15, 0] as const;

function olderThan(version: string, floor: readonly number[]): boolean {
  const parts = (/^v?([0-9]+)\.([0-9]+)\.([0-9]+)/.exec(version) ?? []).slice(1).map(Number);
  for (let i = 0; i < floor.length; i++) if (parts[i] !== floor[i]) return (parts[i] ?? 0) < floor[i]!;
  return false;
}

export const certManagerAcme: Rule = ({ spec, problem, written }) => {
  const out: Diagnostic[] = [];
  const acme = spec.spec.certManager?.acme;
  if (!acme) return out;
  const at = ["spec", "certManager", "acme"];
  if (acme.email === undefined) {
    out.push(
      problem(
        "SW-CERT-MANAGER-EMAIL",
        at,
        "certManager.acme has no email: the Let's Encrypt account of the ClusterIssuers needs one",
        "Let's Encrypt sends expiry and account notices to it, and it is how you recover the account: add `email: you@example.com` under spec.certManager.acme (or remove acme to run cert-manager without Slipway's issuers).",
      ),
    );
  }
  const ingress = spec.spec.network.ingress;
  if (acme.http01 && ingress === "none") {
    out.push(
      problem(
        "SW-CERT-MANAGER-HTTP01-NO-INGRESS",
        written([...at, "http01"]) ? [...at, "http01"] : at,
        "HTTP-01 needs an ingress to answer Let's Encrypt on port 80, and network.ingress is none",
        "Set network.ingress to traefik or istio, or set certManager.acme.http01: false and prove names through DNS-01 with certManager.acme.cloudflare.",
      ),
    );
  }
  if (!acme.http01 && !acme.cloudflare) {
    out.push(
      problem(
        "SW-CERT-MANAGER-NO-SOLVER",
        [...at, "http01"],
        "certManager.acme has no solver: http01 is false and there is no cloudflare",
        "The ClusterIssuers could issue nothing: keep http01: true (through network.ingress), or add cloudflare: {dnsZones: [example.com]} for DNS-01.",
      ),
    );
  }
  return out;
};

export const certManagerCrdsKept: Rule = ({ spec, problem }) => {
  const cm = spec.spec.certManager;
  if (!cm) return [];
  const out: Diagnostic[] = [];
  const at = ["spec", "certManager"];
  if (olderThan(cm.version, FIRST_CRDS_ENABLED)) {
    out.push(problem("SW-CERT-MANAGER-VERSION", [...at, "version"], `cert-manager chart ${cm.version} has no crds.enabled, so it would install no CRDs here`, "Use v1.15.0 or newer (the default is the pinned v1.21.1)."));
  }
  const v = cm.values;
  const crds = v.crds as Record<string, unknown> | undefined;
  const why = "Argo CD prunes a CRD that drops out of the rendered chart even with helm.sh/resource-policy: keep (that only protects against deleting the Application), and Kubernetes then deletes every Certificate, Issuer and ClusterIssuer with it";
  for (const key of ["enabled", "keep"] as const) {
    if (crds && key in crds && crds[key] !== true) {
      out.push(problem("SW-CERT-MANAGER-CRDS", [...at, "values", "crds", key], `certManager.values.crds.${key} must stay true: Slipway installs cert-manager's CRDs with the chart and keeps them`, `${why}. Remove crds.${key} from certManager.values.`));
    }
  }
  if ("installCRDs" in v) {
    out.push(problem("SW-CERT-MANAGER-CRDS", [...at, "values", "installCRDs"], "certManager.values.installCRDs is deprecated and Slipway's: the chart's CRDs come from crds.enabled and crds.keep", "Remove installCRDs from certManager.values; Slipway sets crds.enabled and crds.keep."));
  }
  return out;
};
