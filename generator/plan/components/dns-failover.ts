/**
 * DNS failover (dns.failover, seed 000): every server runs CoreDNS, authoritative for the zone, and
 * the prober beside it, which probes the nodes and rewrites the zone so each name answers with only
 * the healthy addresses (never an empty set). No VIP: every gateway stays active. The data plane is
 * generator/dns/zone-config.ts and templates/manifests/dns-failover/prober.sh; this file only
 * places it: one ConfigMap and one DaemonSet on the servers, on the host network.
 *
 * Binding the public address. CoreDNS must bind the node's public address, not the wildcard
 * (systemd-resolved holds 127.0.0.53:53, DOMAIN.md §9). The downward API offers only status.hostIP,
 * the node's InternalIP, which is K3s's node-ip: the public address only when the node has no
 * privateAddress. So the address does not come from the pod at all: the ConfigMap holds one Corefile
 * per server, `Corefile.<node>` with that node's address in `bind`, and CoreDNS reads
 * `Corefile.$(NODE_NAME)` (the kubelet expands `$(NODE_NAME)` in args from the container's env, and
 * K3s's node name is spec.nodes[].name: resolve.ts sets node-name). A pod on a node the spec does not
 * know finds no Corefile and fails to start, rather than binding something else.
 */
import { basename, dirname } from "node:path";
import { failoverInput } from "../../dns/spec-input.js";
import { corefile, type DnsFailoverInput, PROBER_CONFIG_PATH, proberConfig, proberEnv, ZONE_DIR } from "../../dns/zone-config.js";
import type { Resolved, ResolvedNode } from "../../spec/resolve.js";
import { component, TemplateAsset, type Feature } from "../types.js";

export const DNS_FAILOVER_NAME = "dns-failover";

/**
 * Pinned images. coredns/coredns:1.14.7 is CoreDNS's latest release (git tag v1.14.7, DOMAIN.md §9;
 * Docker Hub tags drop the v). The image runs as the distroless nonroot user (65532) and its build
 * sets cap_net_bind_service=+ep on /coredns, so it binds :53 with NET_BIND_SERVICE as its only
 * capability (coredns/coredns Dockerfile). busybox:1.37.0 is the official image's current release;
 * the prober uses only applets its defconfig build ships (prober.sh header).
 */
export const DNS_FAILOVER_IMAGES = { coredns: "coredns/coredns:1.14.7", busybox: "busybox:1.37.0" } as const;

/** Where the ConfigMap is mounted in both containers (the prober's config path fixes it). */
export const CONFIG_DIR = dirname(PROBER_CONFIG_PATH);
/** The prober script, a static file shipped beside the templates and copied into the ConfigMap as is. */
export const PROBER_SCRIPT_ASSET = "manifests/dns-failover/prober.sh";
export const PROBER_SCRIPT_KEY = "prober.sh";
/** UID/GID of the distroless `nonroot` user the CoreDNS image runs as; the prober shares it. */
export const DNS_FAILOVER_UID = 65532;
/** The label K3s puts on every server, value "true" (k3s-io/k3s pkg/server/server.go). */
export const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";

/** DNS on the servers' public addresses: what the host firewall must let in when failover is on. */
export const DNS_PORTS: readonly { port: number; protocol: "udp" | "tcp" }[] = [
  { port: 53, protocol: "udp" },
  { port: 53, protocol: "tcp" },
];

/** Whether this node answers DNS for the failover zone (every server, when failover is on). */
export function servesDns(r: Resolved, node: ResolvedNode): boolean {
  return r.spec.spec.dns.failover !== undefined && node.role === "server";
}

/** ConfigMap key of one server's Corefile. */
export function corefileKey(node: string): string {
  return `Corefile.${node}`;
}

/** The ConfigMap's data, keys sorted; the script is a TemplateAsset that render fills in. */
function configData(input: DnsFailoverInput): Record<string, string | TemplateAsset> {
  const data: Record<string, string | TemplateAsset> = {
    [basename(PROBER_CONFIG_PATH)]: proberConfig(input),
    [PROBER_SCRIPT_KEY]: new TemplateAsset(PROBER_SCRIPT_ASSET),
  };
  for (const node of input.nodes) data[corefileKey(node.name)] = corefile(input, node.address);
  return Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function dnsFailover(r: Resolved): Feature | undefined {
  const input = failoverInput(r.spec);
  if (!input) return undefined;
  const data = configData(input);
  const namespace = DNS_FAILOVER_NAME;
  const selector = { "app.kubernetes.io/name": DNS_FAILOVER_NAME };
  const labels = { ...selector, "app.kubernetes.io/managed-by": "slipway" };
  const zone = input.zone.replace(/\.$/, "");
  return {
    components: [
      component({
        name: DNS_FAILOVER_NAME,
        namespace,
        manifests: [
          { file: "configmap.yaml", template: "manifests/dns-failover/configmap.yaml.hbs", context: { name: DNS_FAILOVER_NAME, namespace, labels, data } },
          {
            file: "daemonset.yaml",
            template: "manifests/dns-failover/daemonset.yaml.hbs",
            context: {
              name: DNS_FAILOVER_NAME,
              namespace,
              labels,
              selector,
              zone,
              configData: data,
              configName: DNS_FAILOVER_NAME,
              configDir: CONFIG_DIR,
              zoneDir: ZONE_DIR,
              corednsArgs: ["-conf", `${CONFIG_DIR}/${corefileKey("$(NODE_NAME)")}`],
              proberCommand: ["sh", `${CONFIG_DIR}/${PROBER_SCRIPT_KEY}`],
              proberEnv: proberEnv(input),
              nodeSelector: { [CONTROL_PLANE_LABEL]: "true" },
              uid: DNS_FAILOVER_UID,
              images: DNS_FAILOVER_IMAGES,
            },
          },
        ],
      }),
    ],
  };
}
