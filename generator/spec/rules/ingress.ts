/** One ingress: settings for a controller that is not the chosen one are a mistake, not a no-op. */
import type { Diagnostic } from "../../diagnostics.js";
import type { Rule } from "./context.js";

export const ingressSettingsMatch: Rule = ({ spec, problem, written }) => {
  const out: Diagnostic[] = [];
  const ingress = spec.spec.network.ingress;
  for (const other of ["traefik", "istio"] as const) {
    if (ingress === other || !written(["spec", "network", other])) continue;
    out.push(
      problem(
        "SW-INGRESS-MISMATCH",
        ["spec", "network", other],
        `network.${other} is set but network.ingress is ${ingress}`,
        ingress === "none"
          ? `Set network.ingress: ${other} to install it, or remove network.${other}.`
          : `Traefik and Istio ambient are never installed together (both want ports 80/443 on every node). Set network.ingress: ${other}, or remove network.${other}.`,
        { key: true },
      ),
    );
  }
  return out;
};

export const ambientNamespacesNeedIstio: Rule = ({ spec, problem }) => {
  const n = spec.spec.network;
  const clash = n.isolation?.namespaces.filter((ns) => n.istio.ambientNamespaces.includes(ns)) ?? [];
  return clash.map((ns) =>
    problem(
      "SW-ISTIO-NAMESPACE-ISOLATED",
      ["spec", "network", "istio", "ambientNamespaces", n.istio.ambientNamespaces.indexOf(ns)],
      `namespace "${ns}" is both enrolled in the ambient mesh and a tenant namespace`,
      "Tenant isolation's default-deny policy blocks ztunnel's HBONE traffic (port 15008) and kubelet probes from 169.254.7.127; keep tenants out of the mesh, or the mesh out of tenant namespaces.",
    ),
  );
};
