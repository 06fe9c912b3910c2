/**
 * network.policies: every row names one app or namespace of the user's, once; every peer names an
 * app or namespace that exists; every port is TCP, UDP or SCTP within 1-65535; and rows do not
 * contradict each other or the components that already own a namespace's policy.
 */
import type { Diagnostic } from "../../diagnostics.js";
import { appPodLabels, classifyPeer, isPortProblem, parsePolicyPort, rowNamespace, type PolicyPeer, type PolicyPort } from "../network-policy.js";
import { isTenantByName, platformNamespaces } from "../platform-namespaces.js";
import { closest } from "../suggest.js";
import type { AppSpec, ClusterSpec, PolicyPeerSpec, PolicyPortSpec, PolicySpec } from "../types.js";
import type { Rule, RuleContext, Segments } from "./context.js";

const ROWS = ["spec", "network", "policies"] as const;
const row = (i: number, ...rest: Segments): Segments => [...ROWS, i, ...rest];

/** Namespaces that are there on every cluster. */
const BUILTIN = ["default", "kube-system", "kube-public", "kube-node-lease"];

/**
 * The platform's namespaces (platform-namespaces.ts), less `default`: Kubernetes keeps no pods of
 * its own there, so a row may govern the user's apps in it. A row may not make any other one
 * default-deny: it would cut the platform off.
 */
function ownedNamespaces(spec: ClusterSpec): Map<string, string> {
  const out = platformNamespaces(spec);
  out.delete("default");
  return out;
}

/** Every namespace a peer may name: the platform's, the apps', and those other fields create. */
function knownNamespaces(spec: ClusterSpec): string[] {
  const s = spec.spec;
  return [
    ...new Set([
      ...BUILTIN,
      ...ownedNamespaces(spec).keys(),
      ...s.apps.map((a) => a.namespace),
      ...(s.network.isolation?.namespaces ?? []),
      ...s.network.istio.ambientNamespaces,
      ...s.storage.volumes.flatMap((v) => (v.claim ? [v.claim.namespace] : [])),
    ]),
  ].sort();
}

const didYouMean = (word: string, candidates: readonly string[]): string => {
  const guess = closest(word, candidates);
  return guess && guess !== word ? `Did you mean ${guess}? ` : "";
};

/** Each row governs exactly one app or namespace of the user's apps, once. */
export const policySubjects: Rule = (ctx) => {
  const { spec, problem } = ctx;
  const out: Diagnostic[] = [];
  const apps = spec.spec.apps;
  const appNames = apps.map((a) => a.name);
  const appNamespaces = [...new Set(apps.map((a) => a.namespace))].sort();
  const platform = ownedNamespaces(spec);
  const seen = new Map<string, number>();
  spec.spec.network.policies.forEach((r, i) => {
    if ((r.app === undefined) === (r.namespace === undefined)) {
      out.push(problem("SW-POLICY-SUBJECT", row(i), r.app === undefined ? "this policy row names neither an app nor a namespace" : `this policy row names both app ${r.app} and namespace ${r.namespace}`, "Give app: (the pods of one app) or namespace: (every pod of a namespace, and its Pod Security level), one per row."));
      return;
    }
    if (r.app !== undefined && !appNames.includes(r.app)) {
      out.push(problem("SW-POLICY-UNKNOWN-APP", row(i, "app"), `no app named ${r.app} in spec.apps`, `${didYouMean(r.app, appNames)}A row governs one of your apps: ${appNames.join(", ") || "(spec.apps is empty)"}.`));
      return;
    }
    if (r.namespace !== undefined && !appNamespaces.includes(r.namespace) && !platform.has(r.namespace)) {
      out.push(problem("SW-POLICY-UNKNOWN-NAMESPACE", row(i, "namespace"), `no app runs in namespace ${r.namespace}`, `${didYouMean(r.namespace, appNamespaces)}A namespace row governs the namespace of some of your apps: ${appNamespaces.join(", ") || "(spec.apps is empty)"}.`));
      return;
    }
    const at = r.app !== undefined ? row(i, "app") : row(i, "namespace");
    const key = r.app !== undefined ? `app ${r.app}` : `namespace ${r.namespace}`;
    const prev = seen.get(key);
    if (prev !== undefined) out.push(problem("SW-POLICY-DUPLICATE", at, `${key} already has a row, spec.network.policies[${prev}]`, "One row per app or namespace: merge the two rows' ingress and egress lists."));
    else seen.set(key, i);
    out.push(...namespaceConflicts(ctx, i, r, at));
    if (r.app !== undefined && ctx.written(row(i, "podSecurity"))) {
      const ns = rowNamespace(spec, r);
      out.push(problem("SW-POLICY-POD-SECURITY-ON-APP", row(i, "podSecurity"), `podSecurity on the row of app ${r.app}: Pod Security admission holds for a whole namespace`, `Move it to a row of its own: - namespace: ${ns ?? "NAMESPACE"} with podSecurity: ${r.podSecurity}.`, { key: true }));
    }
  });
  return out;
};

/** A governed namespace that the platform or another component already owns is a contradiction. */
function namespaceConflicts({ spec, problem }: RuleContext, i: number, r: PolicySpec, at: Segments): Diagnostic[] {
  const ns = rowNamespace(spec, r);
  if (ns === undefined) return [];
  const via = r.app !== undefined ? `app ${r.app} runs in namespace ${ns}, which` : `namespace ${ns}`;
  const owner = ownedNamespaces(spec).get(ns);
  if (owner) return [problem("SW-POLICY-PLATFORM-NAMESPACE", at, `${via} belongs to ${owner}; making it default-deny would cut the platform off`, "Govern the namespaces of your own apps; move the app to a namespace of its own if it needs a policy.")];
  if (isTenantByName(spec, ns)) return [problem("SW-POLICY-ISOLATED-NAMESPACE", at, `${via} is a network.isolation tenant, whose policy isolation already sets`, `Keep ${ns} in one of the two: network.isolation (seed 003's tenant rules) or network.policies (your own allow list).`)];
  if (spec.spec.network.istio.ambientNamespaces.includes(ns)) return [problem("SW-POLICY-AMBIENT-NAMESPACE", at, `${via} is enrolled in Istio's ambient mesh (network.istio.ambientNamespaces)`, "Ambient pods talk through ztunnel's HBONE port 15008, which an allow list by port would have to admit; network.policies does not cover ambient namespaces yet. Remove the row or the enrolment.")];
  return [];
}

/** Peers name apps and namespaces that exist; `ingress` needs an ingress controller to point at. */
export const policyPeers: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const appNames = spec.spec.apps.map((a) => a.name);
  const known = knownNamespaces(spec);
  forEachPeer(spec, (peer, at) => {
    const p = classifyPeer(peer);
    if (p.kind === "app" && !appNames.includes(p.name)) {
      out.push(problem("SW-POLICY-UNKNOWN-APP", at, `no app named ${p.name} in spec.apps`, `${didYouMean(p.name, [...appNames, "internet", "ingress"])}A peer is an app's name (${appNames.join(", ") || "spec.apps is empty"}), internet, ingress, or {namespace: NAME} for the pods of any namespace.`));
    }
    if (p.kind === "pods" && !known.includes(p.namespace)) {
      out.push(problem("SW-POLICY-UNKNOWN-NAMESPACE", [...at, "namespace"], `namespace ${p.namespace} is neither one of your apps' nor the platform's`, `${didYouMean(p.namespace, known)}Known namespaces: ${known.join(", ")}.`));
    }
    if (p.kind === "ingress" && spec.spec.network.ingress !== "traefik") {
      out.push(problem("SW-POLICY-NO-INGRESS-CONTROLLER", at, `peer ingress names the ingress controller, but network.ingress is ${spec.spec.network.ingress}`, spec.spec.network.ingress === "istio" ? "With Istio, name the gateway's pods: {namespace: istio-ingress}." : "Use internet for clients that connect to the pods directly, or set network.ingress: traefik."));
    }
  });
  return out;
};

/** Every port is TCP, UDP or SCTP, and within 1-65535. */
export const policyPorts: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  spec.spec.network.policies.forEach((r, i) => {
    for (const dir of ["ingress", "egress"] as const) {
      r[dir].forEach((rule, j) => {
        (rule.ports ?? []).forEach((text, k) => {
          const p = parsePolicyPort(text);
          if (isPortProblem(p)) out.push(problem(p.part === "protocol" ? "SW-POLICY-PROTOCOL" : "SW-POLICY-PORT-RANGE", row(i, dir, j, "ports", k), p.message, p.hint));
        });
      });
    }
  });
  return out;
};

/**
 * Under default-deny on both sides a connection needs two allowances: the client's egress and
 * the server's ingress. One without the other is dead configuration and a dropped connection
 * (seed 002's table has one: MH's egress to MC on TCP:443, while MC's ingress never names MH).
 * A warning: the result is stricter than written, never more open.
 */
export const policyBothSides: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const s = spec.spec;
  const apps = new Map(s.apps.map((a) => [a.name, a]));
  const governed = new Set(s.network.policies.map((r) => rowNamespace(spec, r)).filter((n): n is string => n !== undefined));
  s.network.policies.forEach((r, i) => {
    const self = r.app !== undefined ? apps.get(r.app) : undefined;
    if (!self) return;
    for (const dir of ["ingress", "egress"] as const) {
      r[dir].forEach((rule, j) => {
        const ports = parsedPorts(rule.ports);
        if (ports === undefined) return;
        const peers = dir === "ingress" ? (rule as { from: PolicyPeerSpec[] }).from : (rule as { to: PolicyPeerSpec[] }).to;
        peers.forEach((peerSpec, k) => {
          const peer = classifyPeer(peerSpec);
          const other = peer.kind === "app" ? apps.get(peer.name) : undefined;
          if (!other || !governed.has(other.namespace)) return;
          // The other side's rules for `self`: its egress when we admit it, its ingress when we call it.
          const theirs = dir === "ingress" ? rulesFor(spec, other, "egress") : rulesFor(spec, other, "ingress");
          const missing = ports.filter((p) => !theirs.some((t) => t.peers.some((q) => admits(q, self, dir === "ingress" ? "destination" : "source")) && covers(t.ports, p)));
          if (missing.length === 0) return;
          const list = missing.map(portText).join(", ");
          const at = row(i, dir, j, dir === "ingress" ? "from" : "to", k);
          const otherRow = s.network.policies.findIndex((x) => x.app === other.name);
          const where = otherRow === -1 ? `a row - app: ${other.name}` : `spec.network.policies[${otherRow}] (${other.name})`;
          out.push({
            ...problem(
              "SW-POLICY-ONE-SIDED",
              at,
              dir === "egress"
                ? `${self.name} may connect to ${other.name} on ${list}, but ${other.name}'s ingress does not admit ${self.name} there: the connection is dropped`
                : `${self.name} admits ${other.name} on ${list}, but ${other.name}'s egress does not allow it to connect there: nothing arrives`,
              dir === "egress" ? `Add {from: [${self.name}], ports: [${list}]} to the ingress of ${where}, or remove this allowance.` : `Add {to: [${self.name}], ports: [${list}]} to the egress of ${where}, or remove this allowance.`,
            ),
            severity: "warning",
          });
        });
      });
    }
  });
  return out;
};

interface ParsedRule {
  peers: PolicyPeer[];
  /** undefined: every port. */
  ports: PolicyPort[] | undefined;
}

/** The rules of one direction that hold for an app's pods: its own row's and its namespace row's. */
function rulesFor(spec: ClusterSpec, app: AppSpec, dir: "ingress" | "egress"): ParsedRule[] {
  const rows = spec.spec.network.policies.filter((r) => r.app === app.name || (r.app === undefined && r.namespace === app.namespace));
  return rows.flatMap((r) =>
    (r[dir] as { from?: PolicyPeerSpec[]; to?: PolicyPeerSpec[]; ports?: PolicyPortSpec[] }[]).map((rule) => ({
      peers: (rule.from ?? rule.to ?? []).map(classifyPeer),
      ports: parsedPorts(rule.ports),
    })),
  );
}

/** Ports as written, parsed; undefined for "every port"; unparsable ones left to policyPorts. */
function parsedPorts(ports: PolicyPortSpec[] | undefined): PolicyPort[] | undefined {
  if (ports === undefined) return undefined;
  return ports.map(parsePolicyPort).filter((p): p is PolicyPort => !isPortProblem(p));
}

/** Whether a peer of the other side's rule takes in `app`'s pods (as a source or a destination). */
function admits(peer: PolicyPeer, app: AppSpec, as: "source" | "destination"): boolean {
  if (peer.kind === "app") return peer.name === app.name;
  if (peer.kind === "pods") {
    const labels = appPodLabels(app);
    return peer.namespace === app.namespace && Object.entries(peer.labels).every(([k, v]) => labels[k] === v);
  }
  // internet as a source admits any address, pods too; as a destination it is public addresses only.
  return peer.kind === "internet" && as === "source";
}

function covers(ports: PolicyPort[] | undefined, p: PolicyPort): boolean {
  if (ports === undefined) return true;
  return ports.some((q) => q.protocol === p.protocol && q.port <= p.port && (q.endPort ?? q.port) >= (p.endPort ?? p.port));
}

const portText = (p: PolicyPort): string => `${p.protocol}:${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ""}`;

function forEachPeer(spec: ClusterSpec, visit: (peer: PolicyPeerSpec, at: Segments) => void): void {
  spec.spec.network.policies.forEach((r, i) => {
    r.ingress.forEach((rule, j) => rule.from.forEach((p, k) => visit(p, row(i, "ingress", j, "from", k))));
    r.egress.forEach((rule, j) => rule.to.forEach((p, k) => visit(p, row(i, "egress", j, "to", k))));
  });
}

export const NETWORK_POLICY_RULES: readonly Rule[] = [policySubjects, policyPeers, policyPorts, policyBothSides];
