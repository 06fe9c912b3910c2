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

/** Ports the Istio gateway Service answers on every node address (service.externalIPs). */
export const GATEWAY_SERVICE_PORTS = [80, 443, 15021];

/**
 * With Istio, node:80/443/15021 is the gateway Service on externalIPs: kube-proxy on the probing
 * node answers it from any ready gateway pod before a packet leaves, so a powered-off node would
 * still look healthy and never leave the zone. Probe something only that node answers.
 */
export const dnsProbeReachesTheNode: Rule = ({ spec, problem }) => {
  const probe = spec.spec.dns.failover?.probe;
  if (spec.spec.network.ingress !== "istio" || !probe) return [];
  const kind = probe.http ? "http" : probe.tcp ? "tcp" : undefined;
  const port = probe.http?.port ?? probe.tcp?.port;
  if (!kind || port === undefined || !GATEWAY_SERVICE_PORTS.includes(port)) return [];
  return [
    problem(
      "SW-DNS-PROBE-INTERCEPTED",
      ["spec", "dns", "failover", "probe", kind, "port"],
      `port ${port} on a node address is the Istio gateway Service, answered by any ready gateway pod`,
      "kube-proxy on the probing server answers it locally, so a node that is down would still pass. Probe the node itself: probe: {tcp: {port: 10250}} (the kubelet, on every node); every live node forwards 80/443 to a ready gateway.",
    ),
  ];
};
