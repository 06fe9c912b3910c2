/** sandbox.gvisor: the nodeSelector must pick at least one node, or sandboxed pods never schedule. */
import type { Diagnostic } from "../../diagnostics.js";
import type { Rule } from "./context.js";

export const gvisorNodes: Rule = ({ spec, problem }) => {
  const out: Diagnostic[] = [];
  const g = spec.spec.sandbox.gvisor;
  if (!g) return out;
  const sel = Object.entries(g.nodeSelector);
  if (spec.spec.nodes.some((n) => sel.every(([k, v]) => n.labels?.[k] === v))) return out;
  const wanted = sel.map(([k, v]) => `${k}=${v}`).join(", ");
  out.push(
    problem(
      "SW-GVISOR-NO-NODE",
      ["spec", "sandbox", "gvisor", "nodeSelector"],
      `sandbox.gvisor.nodeSelector (${wanted}) matches no node: runsc would be installed nowhere and pods with runtimeClassName: gvisor would stay Pending`,
      `Add these labels to the sandbox nodes (spec.nodes[].labels), e.g. labels: {${sel.map(([k, v]) => `${k}: "${v}"`).join(", ")}}, or change the nodeSelector.`,
    ),
  );
  return out;
};

/** network.isolation.forceGvisor needs a gVisor RuntimeClass to force pods onto. */
export const forceGvisorNeedsGvisor: Rule = ({ spec, problem }) =>
  spec.spec.network.isolation?.forceGvisor && !spec.spec.sandbox.gvisor
    ? [problem("SW-ISOLATION-GVISOR-MISSING", ["spec", "network", "isolation", "forceGvisor"], "network.isolation.forceGvisor needs sandbox.gvisor", "Add spec.sandbox.gvisor (with a nodeSelector matching your sandbox nodes), or set forceGvisor: false.")]
    : [];
