/** hosts.firewall: settings that leave a door open or would not apply. */
import type { Diagnostic } from "../../diagnostics.js";
import type { Rule } from "./context.js";

export const firewallSettings: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const s = spec.spec;
  const fw = s.hosts.firewall;
  if (!fw.enabled) {
    out.push({
      ...problem(
        "SW-FIREWALL-DISABLED",
        ["spec", "hosts", "firewall", "enabled"],
        "the host firewall is off: on public addresses K3s's etcd (2379-2380), API (6443), kubelet (10250), the overlay and every host-network port answer the internet",
        "Leave hosts.firewall.enabled out (it defaults to true) unless a firewall in front of every node admits these ports only between the nodes; apiFrom admits admin networks to 6443.",
      ),
      severity: "warning",
    });
    return out;
  }
  if (fw.httpFrom && s.network.cni === "cilium" && s.network.cilium.kubeProxyReplacement) {
    out.push({
      ...problem("SW-FIREWALL-HTTP-FROM-KPR", ["spec", "hosts", "firewall", "httpFrom"], "Cilium's kube-proxy replacement serves hostPorts and LoadBalancer ports in eBPF before nftables sees them, so httpFrom does not restrict 80/443", "Restrict 80/443 in your provider's firewall, or turn kubeProxyReplacement off."),
      severity: "warning",
    });
  }
  return out;
};
