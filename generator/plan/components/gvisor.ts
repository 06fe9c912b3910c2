/**
 * gVisor (sandbox.gvisor): runsc on the nodes whose labels match the nodeSelector, registered with
 * K3s's containerd through a config template (K3s does not auto-detect runsc, DOMAIN.md §0.2, §1.8),
 * and a RuntimeClass `gvisor` that pins sandboxed pods to those nodes (DOMAIN.md §7).
 */
import type { Resolved, ResolvedNode } from "../../spec/resolve.js";
import { component, type Feature, type NodeContribution } from "../types.js";
import { SCRIPT_DIR } from "./k3s-node.js";

/** gVisor's apt repository and signing key (google/gvisor g3doc/user_guide/install.md). */
export const GVISOR_APT = { keyURL: "https://gvisor.dev/archive.key", repoURL: "https://storage.googleapis.com/gvisor/releases" } as const;
export const RUNSC_CONFIG_PATH = "/etc/containerd/runsc.toml";
export const CONTAINERD_DIR = "/var/lib/rancher/k3s/agent/etc/containerd";
/** Pinned: the overlay2 default changed across gVisor releases (DOMAIN.md §7; seed 003). */
export const RUNSC_OVERLAY2 = "root:self";

/** Whether a node carries every label of the selector (an empty selector matches every node). */
export function matchesSelector(labels: Record<string, string> | undefined, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/**
 * K3s ships containerd 2 (config version 3, template `config-v3.toml.tmpl`) from v1.31.6+k3s1 and
 * v1.32.2+k3s1 on, and in every v1.33 and later; before that containerd 1.7 reads
 * `config.toml.tmpl` (DOMAIN.md §1.8).
 */
export function containerdV3(k3sVersion: string): boolean {
  const m = /^v?1\.([0-9]+)\.([0-9]+)/.exec(k3sVersion);
  if (!m) throw new Error(`plan bug: K3s version ${k3sVersion} passed the schema but has no minor.patch`);
  const minor = Number(m[1]);
  const patch = Number(m[2]);
  return minor >= 33 || (minor === 32 && patch >= 2) || (minor === 31 && patch >= 6);
}

/**
 * The containerd config template. Its body is Go text/template for K3s, not ours: it starts with
 * K3s's own base config (`{{ template "base" . }}`, never a copy of a rendered config.toml) and
 * appends the runsc runtime table. It is plain data here and never passes through Handlebars.
 */
export function containerdTemplate(v3: boolean): string {
  const table = v3 ? `[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.'runsc']` : `[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]`;
  return [
    '{{ template "base" . }}',
    "",
    "# Added by slipway: gVisor's runsc runtime (handler of the RuntimeClass gvisor).",
    table,
    '  runtime_type = "io.containerd.runsc.v1"',
    "",
    `${table.slice(0, -1)}.options]`,
    '  TypeUrl = "io.containerd.runsc.v1.options"',
    `  ConfigPath = ${JSON.stringify(RUNSC_CONFIG_PATH)}`,
    "",
  ].join("\n");
}

export function gvisorNode(node: ResolvedNode, r: Resolved): Partial<NodeContribution> | undefined {
  const g = r.spec.spec.sandbox.gvisor;
  if (!g || !matchesSelector(node.labels, g.nodeSelector)) return undefined;
  const v3 = containerdV3(r.spec.spec.k3s.version);
  const install = `${SCRIPT_DIR}/install-gvisor.sh`;
  const reload = `${SCRIPT_DIR}/reload-gvisor.sh`;
  return {
    packages: ["gnupg"],
    files: [
      { path: RUNSC_CONFIG_PATH, template: "cloud-init/gvisor-runsc.toml.hbs", context: { platform: g.platform, overlay2: RUNSC_OVERLAY2 }, permissions: "0644", owner: "root:root" },
      // Written before K3s first starts, so its containerd comes up with runsc already registered.
      { path: `${CONTAINERD_DIR}/${v3 ? "config-v3.toml.tmpl" : "config.toml.tmpl"}`, content: containerdTemplate(v3), permissions: "0644", owner: "root:root" },
      { path: install, template: "cloud-init/gvisor-install.sh.hbs", context: { ...GVISOR_APT }, permissions: "0755", owner: "root:root" },
      { path: reload, template: "cloud-init/gvisor-reload.sh.hbs", context: { service: node.role === "server" ? "k3s" : "k3s-agent" }, permissions: "0755", owner: "root:root" },
    ],
    beforeK3s: [install],
    afterK3s: [reload],
  };
}

export function gvisor(r: Resolved): Feature | undefined {
  const g = r.spec.spec.sandbox.gvisor;
  if (!g) return undefined;
  const selector = Object.keys(g.nodeSelector).length > 0 ? g.nodeSelector : false;
  return {
    components: [
      component({
        name: "gvisor",
        // RuntimeClass is cluster-scoped; the destination namespace is only nominal.
        namespace: "kube-system",
        manifests: [
          {
            file: "runtimeclass.yaml",
            template: "manifests/gvisor/runtimeclass.yaml.hbs",
            context: { cpu: g.overhead.cpu, memory: g.overhead.memory, nodeSelector: selector },
          },
        ],
      }),
    ],
    node: gvisorNode,
  };
}
