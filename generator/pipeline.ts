/**
 * Composes the stages: load -> validate -> resolve -> plan -> render -> check. No printing and no
 * process access; commands decide what to do with the result.
 */
import { hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { checkTree, type ParsedObject } from "./check/tree.js";
import { planCluster } from "./plan/plan.js";
import type { Plan } from "./plan/types.js";
import { renderPlan, type RenderedFile } from "./render/render.js";
import { loadSpecFile, type LoadedSpec } from "./spec/load.js";
import { resolve, type BootstrapSecrets, type Resolved } from "./spec/resolve.js";
import type { ClusterSpec } from "./spec/types.js";
import { validateSpec } from "./spec/validate.js";

export interface SpecResult {
  loaded?: LoadedSpec;
  spec?: ClusterSpec;
  resolved?: Resolved;
  diagnostics: Diagnostic[];
}

/** load + validate + resolve. */
export function loadAndValidate(file: string): SpecResult {
  const load = loadSpecFile(file);
  if (!load.spec || hasErrors(load.diagnostics)) return { loaded: load.spec, diagnostics: sortDiagnostics(load.diagnostics) };
  const v = validateSpec(load.spec);
  const diagnostics = sortDiagnostics([...load.diagnostics, ...v.diagnostics]);
  if (!v.spec) return { loaded: load.spec, diagnostics };
  return { loaded: load.spec, spec: v.spec, resolved: resolve(v.spec), diagnostics };
}

export interface RenderResult extends SpecResult {
  plan?: Plan;
  files?: RenderedFile[];
  objects?: ParsedObject[];
}

/** The whole pipeline up to a checked in-memory tree. `secrets` only for `userdata`. */
export async function renderCluster(file: string, secrets?: BootstrapSecrets): Promise<RenderResult> {
  const s = loadAndValidate(file);
  if (!s.resolved) return s;
  const plan = planCluster(s.resolved, secrets);
  const files = renderPlan(plan);
  const checked = await checkTree(files, s.resolved.spec.spec.gitops.path);
  return { ...s, plan, files, objects: checked.objects, diagnostics: sortDiagnostics([...s.diagnostics, ...checked.diagnostics]) };
}
