/** Slipway as a library: the pipeline stages, for tools that embed it. */
export { loadAndValidate, renderCluster } from "./pipeline.js";
export { loadSpecFile, parseSpecText } from "./spec/load.js";
export { validateSpec } from "./spec/validate.js";
export { resolve } from "./spec/resolve.js";
export { planCluster } from "./plan/plan.js";
export { renderPlan } from "./render/render.js";
export { checkTree } from "./check/tree.js";
export { validateStrict, hasStrictSchema, type StrictProblem } from "./check/strict/validate.js";
export { strictSchemaSetFor, STRICT_SCHEMA_VERSIONS, type StrictSchemaChoice } from "./check/strict/schema-set.js";
export { writeTree } from "./output/write.js";
export type { Diagnostic } from "./diagnostics.js";
export type { ClusterSpec } from "./spec/types.js";
