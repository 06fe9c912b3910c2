// Everything generated from the sources before bundling or testing: the schema validator and the
// precompiled templates. Also vitest's globalSetup, so tests never run on stale generated code.
import "./generate-validator.mjs";
import "./precompile-templates.mjs";

export default function setup() {}
