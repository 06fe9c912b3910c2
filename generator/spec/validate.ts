/**
 * The validate stage: schema first; semantic rules only on a schema-valid spec (they rely on its
 * shape), so a user sees structural mistakes first and never a rule tripping over a wrong type.
 */
import { hasErrors, sortDiagnostics, type Diagnostic } from "../diagnostics.js";
import type { LoadedSpec } from "./load.js";
import { ruleContext } from "./rules/context.js";
import { RULES } from "./rules/index.js";
import type { ClusterSpec } from "./types.js";
import { validateSchema, withDefaults } from "./validate-schema.js";

export interface Validated {
  spec?: ClusterSpec;
  diagnostics: Diagnostic[];
}

export function validateSpec(loaded: LoadedSpec): Validated {
  const schemaProblems = validateSchema(loaded);
  if (hasErrors(schemaProblems)) return { diagnostics: sortDiagnostics(schemaProblems) };
  const spec = withDefaults<ClusterSpec>(loaded.value);
  const ctx = ruleContext(spec, loaded);
  const problems = [...schemaProblems, ...RULES.flatMap((rule) => rule(ctx))];
  return { spec: hasErrors(problems) ? undefined : spec, diagnostics: sortDiagnostics(problems) };
}
