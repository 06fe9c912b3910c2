/**
 * Day 2 on the nodes, through Git (DESIGN.md "Day 2"): rancher/system-upgrade-controller (SUC) and
 * the Plans it runs on the nodes, one node at a time.
 *
 * - `system-upgrade`: the controller, from its release artifacts at the pinned tag: the Plan CRD
 *   (`pkg/crds/yaml/generated`, the release's crd.yaml) and the kustomization the release's
 *   system-upgrade-controller.yaml is built from, with the image set to the tag as the release
 *   script does (`kustomize edit set image`; the kustomization itself still names v0.14.0 at
 *   v0.20.1). Its default kubectl image (rancher/kubectl:v1.30.3) is too old to drain a 1.36
 *   cluster within kubectl's version skew, so it is replaced.
 * - `node-rollout`: the Plans. K3s upgrades (rancher/k3s-upgrade swaps the binary), the K3s
 *   config drop-ins, and node labels and taints. It syncs last (plan.ts): a slow or stuck rollout
 *   holds back no other Application. (The storage directories' Plan is the storage component's.) Every Plan sets `concurrency` (it has no default:
 *   0 selects no node and reports Complete, DOMAIN-DAY2.md §0.2) and is `exclusive`, so no node
 *   runs two of them at once. A Plan re-runs only when its hash changes (§0.1, §1.3): the hash
 *   covers `status.latestVersion`, so the config Plans use a digest of their payload as version.
 *
 * Plans live in the controller's namespace (docs.k3s.io upgrades/automated).
 */
import { createHash } from "node:crypto";
import { cmp } from "../../diagnostics.js";
import type { Resolved } from "../../spec/resolve.js";
import type { K3sArgValue, Role } from "../../spec/types.js";
import { K3S_DROPIN_PATH, sortKeys } from "../../spec/k3s-config.js";
import { toYamlText } from "../../yaml.js";
import { component, TemplateAsset, type Component, type Feature, type ManifestFile } from "../types.js";
import { CONTROL_PLANE_LABEL } from "./dns-failover.js";
import { fail2ban, FAIL2BAN_PACKAGES, JAIL_PATH } from "./fail2ban.js";

/** rancher/system-upgrade-controller v0.20.1 (2026-05-19, commit f1362a3; DOMAIN-DAY2.md §1.1). */
export const SUC = { repoURL: "https://github.com/rancher/system-upgrade-controller.git", version: "v0.20.1", image: "rancher/system-upgrade-controller" } as const;
export const SUC_NAMESPACE = "system-upgrade";
/** kubectl for SUC's cordon and drain containers; within kubectl's skew of Kubernetes 1.35-1.37. */
export const KUBECTL_IMAGE = "rancher/kubectl:v1.36.0";
/** Replaces the K3s binary and restarts K3s; its tag is the Plan's version (+ munged to -). */
export const K3S_UPGRADE_IMAGE = "rancher/k3s-upgrade";
/** Runs Slipway's node scripts (sh, base64, chroot; the same pin as the other components). */
export const NODE_SCRIPT_IMAGE = "docker.io/library/busybox:1.37.0";

/** Plan names; the agent Plans wait for the server Plans. */
export const PLANS = {
  serverUpgrade: "k3s-server",
  agentUpgrade: "k3s-agent",
  serverConfig: "k3s-config-server",
  agentConfig: "k3s-config-agent",
  nodeLabels: "node-labels",
  storageDirs: "storage-dirs",
  fail2ban: "host-fail2ban",
} as const;

/** Argo CD health of a Plan from its conditions (pkg/apis/upgrade.cattle.io/v1/types.go, pkg/upgrade/handle_upgrade.go). */
export const PLAN_HEALTH_LUA = [
  "hs = { status = \"Progressing\", message = \"waiting for system-upgrade-controller\" }",
  "if obj.status == nil or obj.status.conditions == nil then return hs end",
  "for _, c in ipairs(obj.status.conditions) do",
  "  if (c.type == \"Validated\" or c.type == \"LatestResolved\") and c.status == \"False\" then",
  "    hs.status = \"Degraded\"",
  "    hs.message = c.message or c.reason or c.type",
  "    return hs",
  "  end",
  "end",
  "for _, c in ipairs(obj.status.conditions) do",
  "  if c.type == \"Complete\" then",
  "    if c.status == \"True\" then",
  "      hs.status = \"Healthy\"",
  "      hs.message = \"applied on every selected node\"",
  "    elseif c.reason == \"JobFailed\" or c.reason == \"SelectNodesFailed\" or c.reason == \"ValidationFailed\" then",
  "      hs.status = \"Degraded\"",
  "      hs.message = c.message or c.reason",
  "    else",
  "      hs.message = \"applying on \" .. table.concat(obj.status.applying or {}, \", \")",
  "    end",
  "  end",
  "end",
  "return hs",
  "",
].join("\n");

export function systemUpgrade(r: Resolved): Feature {
  return { components: [controller(), nodeRollout(r)] };
}

function controller(): Component {
  const source = { repoURL: SUC.repoURL, revision: SUC.version };
  return component({
    name: "system-upgrade",
    namespace: SUC_NAMESPACE,
    gitSources: [
      { ...source, path: "pkg/crds/yaml/generated" },
      {
        ...source,
        path: ".",
        kustomize: {
          images: [`${SUC.image}:${SUC.version}`],
          patches: [
            {
              target: { kind: "ConfigMap", name: "default-controller-env" },
              patch: toYamlText([{ op: "replace", path: "/data/SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE", value: KUBECTL_IMAGE }]),
            },
          ],
        },
      },
    ],
    providesCrds: ["upgrade.cattle.io"],
    // Uninstalling the controller must not take the Plans' history (node labels) with it.
    finalizer: false,
  });
}

/** The payload of a config Plan: the drop-in texts, and a version that changes exactly when one does. */
export interface DropIn {
  role: Role;
  /** What every node of the role gets. */
  text: string;
  /** Nodes of the role whose drop-in holds more (perNode keys): the whole text of each, by node name. */
  perNode: { node: string; text: string }[];
  version: string;
}

/** The K3s config drop-in of a role, as the Plan writes it to /etc/rancher/k3s/config.yaml.d/. */
export function dropIn(r: Resolved, role: Role): DropIn {
  const plan = role === "server" ? PLANS.serverConfig : PLANS.agentConfig;
  const text = dropInText(role, plan, r.k3s.dropIn[role]);
  const perNode = r.nodes
    .filter((n) => n.role === role && r.k3s.perNode.has(n.name))
    .map((n) => ({ node: n.name, text: dropInText(role, plan, sortKeys({ ...r.k3s.dropIn[role], ...r.k3s.perNode.get(n.name) })) }));
  const digest = createHash("sha256").update(text);
  for (const p of perNode) digest.update(`\0${p.node}\0${p.text}`);
  return { role, text, perNode, version: `cfg-${digest.digest("hex").slice(0, 16)}` };
}

function dropInText(role: Role, plan: string, values: Record<string, K3sArgValue>): string {
  const header = [
    `# Generated by slipway: the ${role} part of k3s.args, written by the ${plan} Plan.`,
    "# K3s reads it after config.yaml (which holds the node's birth settings); the last value wins.",
  ].join("\n");
  const body = Object.keys(values).length > 0 ? toYamlText(values) : "{}\n";
  return `${header}\n${body}`;
}

/** Desired labels and taints of every node, in spec order (applied through the API, not at registration). */
export function nodeLabels(r: Resolved): { node: string; labels: string[]; taints: string[] }[] {
  return r.nodes.map((n) => ({
    node: n.name,
    labels: Object.entries(n.labels ?? {}).sort(([a], [b]) => cmp(a, b)).map(([k, v]) => `${k}=${v}`),
    taints: [...(n.taints ?? [])],
  }));
}

const base64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

/** Environment name of a node's entry (node names are DNS labels: a-z, 0-9 and -). */
export const nodeEnv = (prefix: string, node: string): string => `${prefix}_${node.toUpperCase().replace(/-/g, "_")}`;

function nodeRollout(r: Resolved): Component {
  const multiServer = r.servers.length > 1;
  const manifests: ManifestFile[] = [
    { file: "serviceaccounts.yaml", template: "manifests/node-rollout/serviceaccounts.yaml.hbs", context: { namespace: SUC_NAMESPACE } },
    planFile(PLANS.serverUpgrade, upgradePlan(r, "server", multiServer)),
    planFile(PLANS.serverConfig, configPlan(dropIn(r, "server"))),
    planFile(PLANS.nodeLabels, labelsPlan(r)),
    planFile(PLANS.fail2ban, fail2banPlan(r)),
  ];
  if (r.agents.length > 0) {
    manifests.push(planFile(PLANS.agentUpgrade, upgradePlan(r, "agent", true)), planFile(PLANS.agentConfig, configPlan(dropIn(r, "agent"))));
  }
  return component({
    name: "node-rollout",
    namespace: SUC_NAMESPACE,
    manifests: manifests.sort((a, b) => cmp(a.file, b.file)),
    usesCrds: ["upgrade.cattle.io"],
    finalizer: false,
    last: true,
  });
}

export function planFile(name: string, spec: Record<string, unknown>): ManifestFile {
  return { file: `plan-${name}.yaml`, template: "manifests/node-rollout/plan.yaml.hbs", context: { name, namespace: SUC_NAMESPACE, spec } };
}

const ROLE_SELECTOR: Readonly<Record<Role, Record<string, unknown>>> = {
  server: { matchExpressions: [{ key: CONTROL_PLANE_LABEL, operator: "In", values: ["true"] }] },
  agent: { matchExpressions: [{ key: CONTROL_PLANE_LABEL, operator: "DoesNotExist" }] },
};
/** Jobs must run on every node, whatever taints the user gives it (dedicated pools, gVisor). */
export const TOLERATE_ALL = [{ operator: "Exists" }];

/**
 * A K3s upgrade Plan. Servers go one at a time, cordoned, and drained when another server can take
 * their pods (draining a lone server would evict what it needs to come back, and wait on
 * PodDisruptionBudgets that can never be met); agents wait until every server runs the version
 * (k3s-upgrade's `prepare`, docs.k3s.io upgrades/automated), then go one at a time, drained.
 */
function upgradePlan(r: Resolved, role: Role, drain: boolean): Record<string, unknown> {
  return {
    concurrency: 1,
    version: r.spec.spec.k3s.version,
    nodeSelector: ROLE_SELECTOR[role],
    serviceAccountName: SUC_NAMESPACE,
    exclusive: true,
    tolerations: TOLERATE_ALL,
    ...(drain
      ? // The drain timeout is a Go duration string: an integer would be read as nanoseconds
        // (pkg/upgrade/job/job.go). It stays below the Job's 900 s deadline.
        { drain: { force: true, deleteEmptydirData: true, ignoreDaemonSets: true, skipWaitForDeleteTimeout: 60, timeout: "10m" } }
      : { cordon: true }),
    ...(role === "agent" ? { prepare: { image: K3S_UPGRADE_IMAGE, args: ["prepare", PLANS.serverUpgrade] } } : {}),
    upgrade: { image: K3S_UPGRADE_IMAGE },
  };
}

/**
 * A config Plan: writes the role's drop-in and restarts K3s, on one node at a time, only when the
 * content differs from what the node has (templates/manifests/node-rollout/apply-dropin.sh). No
 * cordon or drain: K3s keeps the containers running while it restarts.
 */
function configPlan(d: DropIn): Record<string, unknown> {
  const service = d.role === "server" ? "k3s" : "k3s-agent";
  return {
    concurrency: 1,
    version: d.version,
    nodeSelector: ROLE_SELECTOR[d.role],
    serviceAccountName: "slipway-k3s-config",
    exclusive: true,
    tolerations: TOLERATE_ALL,
    // Agents restart after the servers have theirs (the server Plan reports Complete).
    ...(d.role === "agent" ? { prepare: { image: KUBECTL_IMAGE, args: ["wait", "--namespace", SUC_NAMESPACE, "--for=condition=Complete", "--timeout=24h", `plan/${PLANS.serverConfig}`] } } : {}),
    upgrade: {
      image: NODE_SCRIPT_IMAGE,
      command: ["/bin/sh", "-c", new TemplateAsset("manifests/node-rollout/apply-dropin.sh"), "apply-dropin"],
      args: ["/host", K3S_DROPIN_PATH, service],
      // A node with a SLIPWAY_DROPIN_<NODE> of its own writes that one instead.
      envs: [{ name: "SLIPWAY_DROPIN", value: base64(d.text) }, ...d.perNode.map((p) => ({ name: nodeEnv("SLIPWAY_DROPIN", p.node), value: base64(p.text) }))],
    },
  };
}

/**
 * The fail2ban Plan: on every node, one at a time, installs fail2ban and python3-systemd when
 * missing, writes the jail and restarts fail2ban (templates/manifests/node-rollout/fail2ban.sh);
 * with fail2ban off it removes Slipway's jail. Nothing else restarts, so no cordon. Exclusive, so
 * its apt run never meets a K3s upgrade on the same node.
 */
function fail2banPlan(r: Resolved): Record<string, unknown> {
  const f = fail2ban(r);
  const envs = f.mode === "on" ? [{ name: "SLIPWAY_JAIL", value: base64(f.jail) }] : [];
  const digest = createHash("sha256").update(f.mode === "on" ? f.jail : "off").digest("hex").slice(0, 16);
  return {
    concurrency: 1,
    version: `f2b-${digest}`,
    nodeSelector: { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "Exists" }] },
    serviceAccountName: "slipway-host",
    exclusive: true,
    tolerations: TOLERATE_ALL,
    upgrade: {
      image: NODE_SCRIPT_IMAGE,
      command: ["/bin/sh", "-c", new TemplateAsset("manifests/node-rollout/fail2ban.sh"), "fail2ban"],
      args: ["/host", f.mode, JAIL_PATH, FAIL2BAN_PACKAGES.join(" ")],
      ...(envs.length ? { envs } : {}),
    },
  };
}

/** The labels Plan: each node sets its own labels and taints through the API, and drops the ones it set before that are gone. */
function labelsPlan(r: Resolved): Record<string, unknown> {
  const entries = nodeLabels(r);
  const envs = entries.flatMap((e) => [
    { name: nodeEnv("SLIPWAY_NODE", e.node), value: "1" },
    { name: nodeEnv("SLIPWAY_LABELS", e.node), value: e.labels.join(" ") },
    { name: nodeEnv("SLIPWAY_TAINTS", e.node), value: e.taints.join(" ") },
  ]);
  const digest = createHash("sha256").update(JSON.stringify(entries)).digest("hex").slice(0, 16);
  return {
    // All nodes at once: setting labels restarts nothing.
    concurrency: Math.max(1, r.nodes.length),
    version: `labels-${digest}`,
    nodeSelector: { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "Exists" }] },
    serviceAccountName: "slipway-node-labels",
    tolerations: TOLERATE_ALL,
    upgrade: {
      image: NODE_SCRIPT_IMAGE,
      command: ["/bin/sh", "-c", new TemplateAsset("manifests/node-rollout/node-labels.sh"), "node-labels"],
      args: ["/host"],
      envs,
    },
  };
}
