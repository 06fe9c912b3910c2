/**
 * network.traefik: the ACME store on a claimed static volume in Traefik's namespace, and a packaged
 * Traefik that K3s is not told to remove.
 */
import type { Diagnostic } from "../../diagnostics.js";
import type { Rule } from "./context.js";

export const traefikAcmeVolume: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const n = spec.spec.network;
  const acme = n.traefik.acme;
  if (n.ingress !== "traefik" || !acme) return out;
  const at = ["spec", "network", "traefik", "acme"];
  if (acme.volume === undefined) {
    out.push({
      ...problem("SW-TRAEFIK-ACME-EPHEMERAL", at, "Traefik's ACME certificates are kept in the pod only: every restart requests them again", "Let's Encrypt rate-limits repeated requests; add a storage.volumes entry with a claim and set acme.volume to its name (seed 004)."),
      severity: "warning",
    });
    return out;
  }
  const volumes = spec.spec.storage.volumes;
  const i = volumes.findIndex((v) => v.name === acme.volume);
  const v = volumes[i];
  if (!v) {
    const known = volumes.map((x) => x.name);
    out.push(problem("SW-TRAEFIK-ACME-VOLUME-UNKNOWN", [...at, "volume"], `acme.volume "${acme.volume}" is not in storage.volumes`, known.length ? `Use one of: ${known.join(", ")}; or add a volume of that name.` : `Add it: storage.volumes: [{name: ${acme.volume}, path: /data/traefik, size: 128Mi, claim: {name: ${acme.volume}, namespace: traefik}}].`));
    return out;
  }
  const namespace = n.traefik.install === "bundled" ? "kube-system" : "traefik";
  if (!v.claim) {
    out.push(problem("SW-TRAEFIK-ACME-VOLUME-NO-CLAIM", [...at, "volume"], `storage.volumes entry "${v.name}" has no claim for Traefik to mount`, `Add claim: {name: ${v.name}, namespace: ${namespace}} to spec.storage.volumes[${i}].`));
  } else if (v.claim.namespace !== namespace) {
    out.push(problem("SW-TRAEFIK-ACME-CLAIM-NAMESPACE", ["spec", "storage", "volumes", i, "claim", "namespace"], `Traefik's ACME claim is in namespace ${v.claim.namespace}, but Traefik runs in ${namespace}`, `A pod can only mount a claim of its own namespace: set namespace: ${namespace}.`));
  }
  return out;
};

export const bundledTraefikNotDisabled: Rule = ({ spec, problem }) => {
  const n = spec.spec.network;
  if (n.ingress !== "traefik" || n.traefik.install !== "bundled") return [];
  const i = spec.spec.k3s.disable.indexOf("traefik");
  if (i < 0) return [];
  return [problem("SW-TRAEFIK-BUNDLED-DISABLED", ["spec", "k3s", "disable", i], "k3s.disable removes the packaged Traefik that network.traefik.install: bundled configures", "Remove traefik from spec.k3s.disable, or set network.traefik.install: argocd to run the pinned chart through Argo CD.")];
};
