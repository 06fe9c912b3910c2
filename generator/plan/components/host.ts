/**
 * Host setup in cloud-init, all of it birth settings: the birth firewall with its boot unit, the
 * metadata guard for host-network pods, and with hosts.hardening an sshd drop-in, unattended
 * security upgrades and an SMTP egress block (seeds 001, 003). What the cluster's firewall admits
 * rolls out from the tree instead (host-firewall.ts); nothing here names another node.
 */
import type { Resolved, ResolvedNode } from "../../spec/resolve.js";
import { type Feature, type NodeContribution, type NodeFile } from "../types.js";
import { BIRTH_RULES_PATH, birthRuleset, CLUSTER_RULES_PATH, FIREWALL_TABLE } from "./host-firewall.js";
import { SCRIPT_DIR } from "./k3s-node.js";
import { bootUnit } from "./systemd-unit.js";

export const FIREWALL_UNIT = "slipway-firewall.service";
export const FIREWALL_BOOT_SCRIPT = `${SCRIPT_DIR}/firewall-boot.sh`;
export const SSHD_DROPIN_PATH = "/etc/ssh/sshd_config.d/10-slipway.conf";
export const AUTO_UPGRADES_PATH = "/etc/apt/apt.conf.d/20auto-upgrades";

/** The systemd unit that loads the firewall at every boot, before the network and K3s. */
export const FIREWALL_UNIT_TEXT = bootUnit({
  comment: "Loads the host firewall at every boot: the cluster's ruleset when this node has one, else its birth ruleset.",
  description: "Slipway host firewall (nftables table inet slipway)",
  execStart: `/bin/sh ${FIREWALL_BOOT_SCRIPT}`,
  execStop: `/usr/sbin/nft delete table ${FIREWALL_TABLE}`,
});

export function hostNode(node: ResolvedNode, r: Resolved): Partial<NodeContribution> {
  const h = r.spec.spec.hosts;
  const files: NodeFile[] = [
    { path: BIRTH_RULES_PATH, content: birthRuleset(r, node), permissions: "0600", owner: "root:root" },
    {
      path: FIREWALL_BOOT_SCRIPT,
      template: "cloud-init/firewall-boot.sh.hbs",
      context: { birth: BIRTH_RULES_PATH, cluster: CLUSTER_RULES_PATH },
      permissions: "0755",
      owner: "root:root",
    },
    { path: `/etc/systemd/system/${FIREWALL_UNIT}`, content: FIREWALL_UNIT_TEXT, permissions: "0644", owner: "root:root" },
  ];
  const packages = ["nftables"];
  if (h.hardening.enabled) {
    packages.push("unattended-upgrades");
    const admin = h.ssh.authorizedKeys.length > 0 ? h.ssh.user : false;
    files.push({ path: SSHD_DROPIN_PATH, template: "cloud-init/sshd-hardening.conf.hbs", context: { admin }, permissions: "0644", owner: "root:root" });
    files.push({ path: AUTO_UPGRADES_PATH, template: "cloud-init/auto-upgrades.hbs", context: {}, permissions: "0644", owner: "root:root" });
  }
  const script = `${SCRIPT_DIR}/harden-host.sh`;
  files.push({
    path: script,
    template: "cloud-init/harden-host.sh.hbs",
    context: { hardening: h.hardening.enabled, unit: FIREWALL_UNIT, dropin: SSHD_DROPIN_PATH },
    permissions: "0755",
    owner: "root:root",
  });
  return { files, packages, beforeK3s: [script] };
}

export function host(_r: Resolved): Feature {
  return { components: [], node: hostNode };
}
