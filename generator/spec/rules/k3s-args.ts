/** k3s.args must not set what Slipway derives, and must not contradict it. */
import type { Diagnostic } from "../../diagnostics.js";
import { CREDENTIAL_ARGS, RESERVED_ARGS, UNSUPPORTED_ARGS } from "../resolve.js";
import { argMaps } from "./k3s-arg-flags.js";
import type { Rule } from "./context.js";

export const reservedK3sArgs: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  for (const { field, args } of argMaps(spec)) {
    for (const key of Object.keys(args).sort()) {
      const where = RESERVED_ARGS[key];
      if (!where) continue;
      const at = ["spec", "k3s", field, key];
      const conflict = contradiction(key, args[key], spec);
      if (conflict) out.push(problem("SW-K3S-ARG-CONFLICT", at, conflict.message, conflict.hint, { key: true }));
      else if (CREDENTIAL_ARGS.has(key)) {
        out.push(
          problem(
            "SW-K3S-ARG-SECRET",
            at,
            `k3s.${field}.${key} is a credential, and cluster.yaml is committed (and would reach every server's config in the tree)`,
            `Remove it: set spec.k3s.etcdSnapshots.s3 and put ${key} into the Secret it names, sealed with \`slipway seal\` (README: Backups and restore). Rotate the credential if it was pushed.`,
            { key: true },
          ),
        );
      } else if (UNSUPPORTED_ARGS.has(key)) out.push(problem("SW-K3S-ARG-RESERVED", at, `k3s.${field}.${key} is not supported by Slipway`, `Remove it: ${where}.`, { key: true }));
      else {
        const how = key === "etcd-snapshot-dir" ? "Slipway writes each server's own" : "Slipway writes it identically on every server";
        out.push(problem("SW-K3S-ARG-RESERVED", at, `k3s.${field}.${key} is set by Slipway`, `Remove it and use ${where}; ${how}.`, { key: true }));
      }
    }
  }
  return out;
};

function contradiction(key: string, value: unknown, spec: Parameters<Rule>[0]["spec"]): { message: string; hint: string } | undefined {
  const n = spec.spec.network;
  if (key === "flannel-backend") {
    if (n.cni === "cilium" && value !== "none") return { message: `network.cni: cilium requires flannel-backend: none, but k3s.args sets ${JSON.stringify(value)}`, hint: "Remove k3s.args.flannel-backend; with Cilium, Slipway sets flannel-backend: none on every server." };
    if (n.cni === "flannel" && value === "none") return { message: "k3s.args sets flannel-backend: none but network.cni is flannel: no pod would get a network", hint: "To run another CNI, set spec.network.cni: cilium; to tune flannel, set spec.network.flannel.backend." };
  }
  if (key === "disable-network-policy" && n.cni === "cilium" && value === false) return { message: "network.cni: cilium requires disable-network-policy: true, but k3s.args sets false", hint: "Remove it: Cilium enforces NetworkPolicy itself; K3s's kube-router controller must be off." };
  if (key === "disable-kube-proxy" && value === true && !(n.cni === "cilium" && n.cilium.kubeProxyReplacement)) return { message: "k3s.args disables kube-proxy but nothing replaces it", hint: "Set spec.network.cni: cilium and spec.network.cilium.kubeProxyReplacement: true instead." };
  return undefined;
}
