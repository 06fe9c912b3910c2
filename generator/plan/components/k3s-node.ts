/**
 * What every node gets: the K3s config file, the install script (joining nodes wait for the first
 * server), and the data disk mount.
 */
import { nodeK3sConfig, type BootstrapSecrets, type Resolved, type ResolvedNode } from "../../spec/resolve.js";
import { toYamlText } from "../../yaml.js";
import type { NodeContribution } from "../types.js";

export const K3S_CONFIG_PATH = "/etc/rancher/k3s/config.yaml";
export const SCRIPT_DIR = "/usr/local/lib/slipway";

export function k3sNode(r: Resolved, node: ResolvedNode, secrets: BootstrapSecrets): Partial<NodeContribution> {
  const install = `${SCRIPT_DIR}/install-k3s.sh`;
  return {
    packages: ["ca-certificates", "curl"],
    files: [
      // Holds the join token: root-only.
      { path: K3S_CONFIG_PATH, content: toYamlText(nodeK3sConfig(r, node, secrets)), permissions: "0600", owner: "root:root" },
      {
        path: install,
        template: "cloud-init/install-k3s.sh.hbs",
        context: {
          version: r.spec.spec.k3s.version,
          exec: node.role === "server" ? "server" : "agent",
          joinURL: node.first ? "" : r.joinURL,
          node: node.name,
          dataMount: node.volume?.mountPath ?? "",
        },
        permissions: "0755",
        owner: "root:root",
      },
    ],
  };
}
