/**
 * Every platform feature, in the order their pieces appear in cloud-init. A feature returns
 * undefined when the spec does not ask for it. New components add one line here.
 */
import type { Resolved } from "../spec/resolve.js";
import { argocd } from "./components/argocd.js";
import { cilium } from "./components/cilium.js";
import { dnsFailover } from "./components/dns-failover.js";
import { gvisor } from "./components/gvisor.js";
import { host } from "./components/host.js";
import { hostFirewall } from "./components/host-firewall.js";
import { systemUpgrade } from "./components/system-upgrade.js";
import { isolation } from "./components/isolation.js";
import { monitoring } from "./components/monitoring.js";
import { nodeAlerts } from "./components/node-alerts.js";
import { certManager } from "./components/cert-manager.js";
import { networkPolicy } from "./components/network-policy.js";
import { istio } from "./components/istio.js";
import { sealedSecrets } from "./components/sealed-secrets.js";
import { storage } from "./components/storage.js";
import { traefik } from "./components/traefik.js";
import type { Feature } from "./types.js";

/** The in-cluster firewall and the node rollouts: every cluster has them. */
const nodeState = (r: Resolved): Feature => ({ components: [hostFirewall(r), ...systemUpgrade(r).components] });

export const FEATURES: readonly ((r: Resolved) => Feature | undefined)[] = [host, nodeState, cilium, argocd, sealedSecrets, storage, gvisor, traefik, istio, monitoring, nodeAlerts, certManager, isolation, networkPolicy, dnsFailover];
