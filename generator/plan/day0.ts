/**
 * Day 0 on the first server. K3s applies every file in its auto-deploy directory at start, before
 * any pod network exists: bootstrap components (the CNI) run as HelmCharts with `bootstrap: true`,
 * then Argo CD, then the root Application hands everything else to Argo CD (DOMAIN.md §0.1).
 *
 * Those manifests live in the tree (rendered/day0/, beside the K3s version the cluster starts
 * with), and the first server reads them from the GitOps repository at its birth
 * (templates/cloud-init/fetch-tree.sh.hbs). Its user-data carries only what cannot be in git: the
 * Sealed Secrets keys and the repository credentials. So a new Argo CD chart version, a Cilium
 * value or a K3s upgrade never changes the first server's user-data.
 */
import { bootstrapKeySecrets } from "../secrets/key-secret.js";
import type { BootstrapSecrets, Resolved } from "../spec/resolve.js";
import { GENERATED_MARKER } from "../generated-marker.js";
import { toYamlText } from "../yaml.js";
import { MANIFESTS_DIR, SCRIPT_DIR, TREE_DAY0_DIR, TREE_VERSION_FILE } from "./components/k3s-node.js";
import type { Component, NodeContribution, NodeFile, TreeFile } from "./types.js";

export { MANIFESTS_DIR };
/** The manifest that carries the Sealed Secrets key Secrets (basename = AddOn name: RFC 1123, no `_`). */
export const SEALING_KEYS_MANIFEST = `${MANIFESTS_DIR}/slipway-sealed-secrets-keys.yaml`;
/** Removes the day-0 manifests, {@link SEALING_KEYS_MANIFEST} included, once they did their part (see its template). */
export const DAY0_HANDOVER_SCRIPT = `${SCRIPT_DIR}/day0-handover.sh`;
/** 5 s apart: about an hour, for a slow chart download on a small machine. */
const HANDOVER_ATTEMPTS = 720;

/** rendered/day0/: the day-0 HelmCharts and the K3s version the first server installs. */
export function day0TreeFiles(r: Resolved, components: Component[]): TreeFile[] {
  // Bootstrap charts first; K3s applies them all, the CNI's job runs without a pod network.
  const day0 = components.filter((c) => c.day0 && c.chart).sort((a, b) => Number(b.day0!.bootstrap) - Number(a.day0!.bootstrap) || (a.name < b.name ? -1 : 1));
  const files: TreeFile[] = day0.map((c) => {
    const chart = c.chart!;
    return {
      // The basename becomes the AddOn name: RFC 1123, no clash with packaged names (DOMAIN.md §1.6).
      path: `${TREE_DAY0_DIR}/slipway-${c.name}.yaml`,
      template: "day0/helmchart.yaml.hbs",
      context: {
        name: chart.releaseName,
        repo: chart.repoURL,
        chart: chart.chart,
        version: chart.version,
        targetNamespace: c.namespace,
        bootstrap: c.day0!.bootstrap,
        valuesContent: toYamlText(chart.values),
      },
    };
  });
  // The marker line makes it a generated file for the writer; the version is the only other line.
  files.push({ path: TREE_VERSION_FILE, content: `${GENERATED_MARKER} The first server of a new cluster installs this K3s version.\n${r.spec.spec.k3s.version}\n` });
  return files;
}

/**
 * What the first server's user-data holds for day 0 beside the tree fetch (install-k3s.sh): the
 * keys and the repository credentials, which cannot be in git.
 */
export function day0Node(r: Resolved, secrets: BootstrapSecrets): Partial<NodeContribution> {
  const g = r.spec.spec.gitops;
  const files: NodeFile[] = [sealingKeysFile(r, secrets), handoverScript()];
  if (g.private) {
    files.push({
      path: `${MANIFESTS_DIR}/slipway-repo-credentials.yaml`,
      template: "day0/repo-credentials.yaml.hbs",
      context: { namespace: r.argocdNamespace, url: g.repoURL, username: secrets.gitUsername ?? "", password: secrets.gitToken ?? "" },
      permissions: "0600",
    });
  }
  return { files, afterK3s: [DAY0_HANDOVER_SCRIPT] };
}

function handoverScript(): NodeFile {
  return {
    path: DAY0_HANDOVER_SCRIPT,
    template: "cloud-init/day0-handover.sh.hbs",
    context: { manifests: MANIFESTS_DIR, attempts: HANDOVER_ATTEMPTS, minutes: Math.round((HANDOVER_ATTEMPTS * 5) / 60) },
    permissions: "0755",
    owner: "root:root",
  };
}

/**
 * The controller's key Secrets (every key, rotated ones too, all `active`), in the controller's
 * namespace before the controller exists (DOMAIN.md §3.1-3.2). `userdata` passes the keys; the
 * committed bootstrap/ has none, and gets a comment-only stand-in at the same path and mode instead
 * of a placeholder Secret: no fake key material that could pass for real, and a file list identical
 * to what `userdata` prints (minus the keys), so the committed file shows where they go.
 */
function sealingKeysFile(r: Resolved, secrets: BootstrapSecrets): NodeFile {
  const namespace = r.spec.spec.secrets.sealedSecrets.namespace;
  const keys = secrets.sealingKeys ?? [];
  const documents: object[] = [];
  if (keys.length > 0) {
    // kube-system always exists; another namespace must exist before K3s can put the keys in it.
    if (namespace !== "kube-system") documents.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
    // PEM text as stringData (the API server stores it as data): base64 of PEM would be a third
    // larger, and user-data has a size limit (DOMAIN.md §2.4).
    documents.push(...bootstrapKeySecrets(keys, namespace).map(({ data, ...secret }) => ({ ...secret, stringData: decodeData(data) })));
  }
  return {
    path: SEALING_KEYS_MANIFEST,
    template: "day0/sealed-secrets-keys.yaml.hbs",
    context: { documents: documents.length > 0 ? documents : false, cleanup: DAY0_HANDOVER_SCRIPT },
    // Private keys: root only.
    permissions: "0600",
  };
}

function decodeData(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}

/** Context of the root Application (rendered/apps/root.yaml, which the first server also applies on day 0). */
export function rootContext(r: Resolved): Record<string, unknown> {
  const g = r.spec.spec.gitops;
  return { namespace: r.argocdNamespace, repoURL: g.repoURL, revision: g.revision, path: `${g.path}/apps` };
}
