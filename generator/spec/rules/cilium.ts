/** Cilium's kube-proxy replacement reaches the API through K3s's per-node balancer; keep it on. */
import type { Diagnostic } from "../../diagnostics.js";
import type { Rule } from "./context.js";

export const ciliumApiserverLb: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const n = spec.spec.network;
  const v = spec.spec.k3s.args["disable-apiserver-lb"];
  if (n.cni === "cilium" && n.cilium.kubeProxyReplacement && (v === true || v === "true")) {
    out.push(
      problem(
        "SW-CILIUM-APISERVER-LB-DISABLED",
        ["spec", "k3s", "args", "disable-apiserver-lb"],
        "k3s.args disables the local apiserver balancer that Cilium's kube-proxy replacement talks to (127.0.0.1:6444)",
        "Remove disable-apiserver-lb, or set spec.network.cilium.kubeProxyReplacement: false (https://docs.cilium.io/en/stable/installation/k3s/).",
        { key: true },
      ),
    );
  }
  return out;
};
