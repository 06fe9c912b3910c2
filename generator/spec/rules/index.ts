/** Every semantic rule, run in this order; each returns all its findings (never stops early). */
import type { Rule } from "./context.js";
import { appSources, uniqueAppNames } from "./apps.js";
import { ambientNamespacesNeedIstio, dnsProbeReachesTheNode, ingressSettingsMatch } from "./ingress.js";
import { ciliumApiserverLb } from "./cilium.js";
import { DNS_RULES } from "./dns.js";
import { s3SecretAlone, snapshotDirsOwn, snapshotsNeedEmbeddedEtcd } from "./etcd-snapshots.js";
import { forceGvisorNeedsGvisor, gvisorNodes } from "./gvisor.js";
import { firewallSettings } from "./host.js";
import { birthSettingsUnchanged, encryptedOverlay, etcdOnPrivateNetwork } from "./birth-settings.js";
import { k3sUpgradePath, k3sVersionSupported } from "./k3s-version.js";
import { tenantNamespaces } from "./isolation.js";
import { NETWORK_POLICY_RULES } from "./network-policy.js";
import { k3sArgValueShapes, k3sFlagTableVersion, knownK3sArgs } from "./k3s-arg-flags.js";
import { reservedK3sArgs } from "./k3s-args.js";
import { atLeastOneServer, oddServers, oneClusterInit, ownLabelsAndTaints, uniqueNodeAddresses, uniqueNodeNames, usableNodeAddresses } from "./nodes.js";
import { noSshKeys, placeholderRepoUrl } from "./placeholders.js";
import { monitoringVolumes, uniqueVolumes, volumeNodes, volumePaths } from "./storage.js";
import { bundledTraefikNotDisabled, traefikAcmeVolume } from "./traefik.js";
import { certManagerAcme, certManagerCrdsKept } from "./cert-manager.js";
import { yaml11Characters } from "./characters.js";
import { etcdAlertNeedsPrivateMetrics } from "./node-alerts.js";

export const RULES: readonly Rule[] = [
  yaml11Characters,
  uniqueNodeNames,
  uniqueNodeAddresses,
  ownLabelsAndTaints,
  usableNodeAddresses,
  atLeastOneServer,
  oneClusterInit,
  oddServers,
  etcdOnPrivateNetwork,
  encryptedOverlay,
  k3sVersionSupported,
  k3sUpgradePath,
  birthSettingsUnchanged,
  reservedK3sArgs,
  knownK3sArgs,
  k3sArgValueShapes,
  k3sFlagTableVersion,
  snapshotsNeedEmbeddedEtcd,
  s3SecretAlone,
  snapshotDirsOwn,
  appSources,
  uniqueAppNames,
  ingressSettingsMatch,
  ambientNamespacesNeedIstio,
  dnsProbeReachesTheNode,
  ciliumApiserverLb,
  gvisorNodes,
  forceGvisorNeedsGvisor,
  volumeNodes,
  uniqueVolumes,
  volumePaths,
  monitoringVolumes,
  etcdAlertNeedsPrivateMetrics,
  certManagerAcme,
  certManagerCrdsKept,
  traefikAcmeVolume,
  bundledTraefikNotDisabled,
  tenantNamespaces,
  ...NETWORK_POLICY_RULES,
  firewallSettings,
  ...DNS_RULES,
  placeholderRepoUrl,
  noSshKeys,
];
