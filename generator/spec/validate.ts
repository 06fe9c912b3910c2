/**
 * The validate stage: schema first; semantic rules only on a schema-valid spec (they rely on its
 * shape), so a user sees structural mistakes first and never a rule tripping over a wrong type.
 */
import { hasErrors, sortDiagnostics, type Diagnostic } from "../diagnostics.js";
import { factsOf, type BirthFacts } from "./birth-facts.js";
import type { LoadedSpec } from "./load.js";
import { resolve } from "./resolve.js";
import { ruleContext } from "./rules/context.js";
import { RULES } from "./rules/index.js";
import type { ClusterSpec } from "./types.js";
import { validateSchema, withDefaults } from "./validate-schema.js";

export interface Validated {
  spec?: ClusterSpec;
  diagnostics: Diagnostic[];
}

/**
 * @param previous what the running cluster was born with (the committed tree beside the spec, or
 *   the base of `slipway plan`), for the rules that guard birth settings and the upgrade path
 */
export function validateSpec(loaded: LoadedSpec, previous?: BirthFacts): Validated {
  const schemaProblems = validateSchema(loaded);
  if (hasErrors(schemaProblems)) return { diagnostics: sortDiagnostics(schemaProblems) };
  const spec = withDefaults<ClusterSpec>(loaded.value);
  // resolve() needs a server; without one the node rules report it and birth facts do not exist.
  const birth = spec.spec.nodes.some((n) => n.role === "server") ? factsOf(resolve(spec), "this spec") : undefined;
  const ctx = ruleContext(spec, loaded, { ...(previous ? { previous } : {}), ...(birth ? { birth } : {}) });
  const problems = [...schemaProblems, ...RULES.flatMap((rule) => rule(ctx))];
  return { spec: hasErrors(problems) ? undefined : spec, diagnostics: sortDiagnostics(problems) };
}
