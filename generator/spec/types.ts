/**
 * cluster.yaml as TypeScript types, after schema defaults are applied (schema/cluster.schema.json
 * is the source of truth; these mirror it). Optional fields are those without a default.
 */
export type Role = "server" | "agent";
export type K3sArgValue = string | boolean | number | string[];
export type HelmValues = Record<string, unknown>;
export type FlannelBackend = "vxlan" | "host-gw" | "wireguard-native";

export interface ClusterSpec {
  apiVersion: "slipway.dev/v1alpha1";
  kind: "Cluster";
  metadata: { name: string };
  spec: {
    gitops: {
      repoURL: string;
      revision: string;
      path: string;
      private: boolean;
      argocd: { chartVersion: string; namespace: string; values: HelmValues };
    };
    k3s: {
      version: string;
      disable: string[];
      args: Record<string, K3sArgValue>;
      serverArgs: Record<string, K3sArgValue>;
      agentArgs: Record<string, K3sArgValue>;
      secretsEncryption: boolean;
      registrationAddress?: string;
      clusterCIDR: string;
      serviceCIDR: string;
      allowEvenServers: boolean;
      etcdSnapshots: EtcdSnapshotsSpec;
    };
    nodes: NodeSpec[];
    network: {
      cni: "flannel" | "cilium";
      flannel: { backend: FlannelBackend };
      cilium: { version: string; kubeProxyReplacement: boolean; encryption: "wireguard" | "none"; values: HelmValues };
      ingress: "traefik" | "istio" | "none";
      traefik: {
        install: "bundled" | "argocd";
        version: string;
        redirectToHttps: boolean;
        metricsPort: number;
        acme?: { email: string; volume?: string; staging: boolean };
        values: HelmValues;
      };
      istio: { version: string; gatewayAPIVersion: string; ambientNamespaces: string[] };
      isolation?: { namespaces: string[]; tenants?: { prefixes: string[]; except: string[] }; forceGvisor: boolean };
      policies: PolicySpec[];
    };
    storage: { localPath?: string; volumes: VolumeSpec[] };
    sandbox: { gvisor?: { nodeSelector: Record<string, string>; platform: "systrap" | "ptrace" | "kvm"; overhead: { cpu: string; memory: string } } };
    dns: { failover?: DnsFailoverSpec };
    secrets: { sealedSecrets: { version: string; namespace: string; values: HelmValues } };
    hosts: {
      provider: "hetzner" | "contabo" | "digitalocean" | "aws" | "generic";
      ssh: { user: string; authorizedKeys: string[] };
      firewall: { enabled: boolean; sshFrom?: string[]; httpFrom?: string[]; apiFrom?: string[] };
      hardening: { enabled: boolean; blockSmtp: boolean; fail2ban: Fail2banSpec };
    };
    monitoring?: { version: string; prometheusVolume?: string; alertmanagerVolume?: string; nodeAlerts: NodeAlertsSpec; values: HelmValues };
    certManager?: CertManagerSpec;
    apps: AppSpec[];
  };
}

/** monitoring.nodeAlerts: thresholds of the node PrometheusRule (seed 001's plan as defaults). */
export interface NodeAlertsSpec {
  enabled: boolean;
  cpu: { percent: number; for: string };
  memory: { percent: number; for: string };
  diskFree: { percent: number; for: string };
  notReadyFor: string;
  etcdNoLeaderFor: string;
  certificateExpiryDays: number;
}

/** certManager: the chart, and Let's Encrypt ClusterIssuers when `acme` is given. */
export interface CertManagerSpec {
  version: string;
  acme?: {
    /** Required by a rule (SW-CERT-MANAGER-EMAIL), not the schema, so the hint can say why. */
    email?: string;
    http01: boolean;
    cloudflare?: { dnsZones: string[]; secretName: string; secretKey: string };
  };
  values: HelmValues;
}

/** k3s.etcdSnapshots: K3s's scheduled etcd snapshots on the servers. */
export interface EtcdSnapshotsSpec {
  enabled: boolean;
  schedule: string;
  retention: number;
  onVolume: boolean;
  s3?: { secret: string };
}

/** hosts.hardening.fail2ban: fail2ban for sshd, rolled out by a Plan. */
export interface Fail2banSpec {
  enabled: boolean;
  maxRetry: number;
  findTime: string;
  banTime: string;
  ignoreFrom: string[];
}

export interface NodeSpec {
  name: string;
  role: Role;
  address: string;
  privateAddress?: string;
  clusterInit?: boolean;
  labels?: Record<string, string>;
  taints?: string[];
  volume?: { device: string; mountPath: string; filesystem: "ext4" | "xfs"; format: boolean };
}

export interface VolumeSpec {
  name: string;
  node?: string;
  path: string;
  size: string;
  labels: Record<string, string>;
  owner?: string;
  claim?: { name: string; namespace: string };
}

export interface DnsFailoverSpec {
  zone: string;
  records: { name: string; nodes?: string[] }[];
  ttl: number;
  probe: {
    tcp?: { port: number };
    http?: { port: number; path: string };
    interval: string;
    timeout: string;
    failures: number;
    successes: number;
  };
  extraRecords: { name: string; type: "A" | "AAAA" | "CNAME" | "TXT" | "MX"; value: string; ttl?: number }[];
}

export interface AppSpec {
  name: string;
  namespace: string;
  chart?: { repo: string; name: string; version: string };
  path?: string;
  values: HelmValues;
  wave?: number;
  podLabels?: Record<string, string>;
}

/** A peer of a policy rule: an app's name or a keyword (internet, ingress), or pods of a namespace. */
export type PolicyPeerSpec = string | { namespace: string; labels?: Record<string, string> };

/** `TCP:443`; a bare number is a schema-valid mistake the rules explain (no protocol). */
export type PolicyPortSpec = string | number;

/** One row of network.policies (seed 002's table): an app's or a namespace's pods. */
export interface PolicySpec {
  app?: string;
  namespace?: string;
  podSecurity: "restricted" | "baseline" | "privileged";
  ingress: { from: PolicyPeerSpec[]; ports?: PolicyPortSpec[] }[];
  egress: { to: PolicyPeerSpec[]; ports?: PolicyPortSpec[] }[];
  kubernetesAPI: boolean;
}
