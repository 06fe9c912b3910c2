/**
 * The cloud-init gate of `slipway check`: every node's user-data against cloud-init's own schema.
 *
 * - In process when the installed cloud-init's JSON schema can be read (cloud-init-schema-file.ts):
 *   all nodes in this process, with the findings `cloud-init schema` would give (a cloud-init start,
 *   0.25-0.5 s, saved per node). The gate's detail names the cloud-init release whose schema it
 *   was (the nodes may run another: --cloud-init-schema picks theirs). A file that is
 *   not valid YAML is still given to `cloud-init schema` when it is installed, for PyYAML's own
 *   words and line.
 * - Else with the `cloud-init schema` command, one process per node, and the report says why.
 * - Else skipped, as a warning: nothing checked the user-data against cloud-init's schema.
 */
import { CLOUD_INIT_GATE } from "./cloud-init-findings.js";
import { runCloudInitSchema } from "./cloud-init-schema.js";
import { findCloudInitSchema, type CloudInitSchema } from "./cloud-init-schema-file.js";
import type { Finding } from "./finding.js";

/** One node's user-data. */
export interface UserDataFile {
  /** The file on disk (for the `cloud-init schema` command). */
  file: string;
  text: string;
  /** Its name in findings (`bootstrap/node-1.yaml`). */
  display: string;
}

/** Options of {@link runCloudInitGate}. */
export interface CloudInitGateOptions {
  /** The `cloud-init` command; null: not installed. */
  binary: string | null;
  /** A schema file to use instead of the installed cloud-init's. @default the installed one */
  schemaFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Passed to the schema search (tests move Debian's place away). */
  fixedPath?: string;
}

const HINT_INSTALL = "install cloud-init 22.2 or later (Debian/Ubuntu: apt-get install cloud-init), or pass its schema-cloud-config-v1.json with --cloud-init-schema";

/** What the gate found; `checked` lists the files it checked, `detail` what against, `skipped` why nothing was. */
export interface CloudInitGateResult {
  findings: Finding[];
  checked: string[];
  detail?: string;
  skipped?: string;
}

/** Check every node's user-data. */
export async function runCloudInitGate(nodes: readonly UserDataFile[], opts: CloudInitGateOptions): Promise<CloudInitGateResult> {
  if (nodes.length === 0) return { findings: [], checked: [] };
  const checked = nodes.map((n) => n.display);
  const search = await findCloudInitSchema({ explicit: opts.schemaFile, cloudInit: opts.binary, ...(opts.env ? { env: opts.env } : {}), ...(opts.fixedPath ? { fixedPath: opts.fixedPath } : {}) });
  let why: string;
  if ("found" in search) {
    const inProcess = await checkInProcess(nodes, search.found, opts.binary);
    if (Array.isArray(inProcess)) return { findings: inProcess, checked, detail: schemaUsed(search.found) };
    why = inProcess.why;
  } else {
    why = search.missing;
  }
  if (opts.binary) return { findings: await checkWithCommand(nodes, opts.binary, why), checked, detail: "`cloud-init schema`, one process per node" };
  const message = `user-data was not checked against cloud-init's schema (only Slipway's offline structure check ran): cloud-init's JSON schema could not be used (${why}) and cloud-init is not on PATH`;
  return {
    findings: [{ gate: CLOUD_INIT_GATE, severity: "warning", code: "SW-CHECK-SKIPPED", message, hint: HINT_INSTALL }],
    checked: [],
    skipped: "cloud-init's schema could not be used and cloud-init is not on PATH (only the offline structure check ran)",
  };
}

/** Every node in this process, led by the schema's name; or why the schema cannot be used. */
async function checkInProcess(nodes: readonly UserDataFile[], source: CloudInitSchema, binary: string | null): Promise<Finding[] | { why: string }> {
  // Ajv and the PyYAML model load only here, so commands that never check user-data do not pay for them.
  const [{ CloudConfigValidator, SchemaNotUsable }, { checkCloudConfig }] = await Promise.all([import("./cloud-init-validator.js"), import("./cloud-init-config-file.js")]);
  let perNode: Finding[][];
  try {
    const validator = new CloudConfigValidator(source.schema);
    perNode = nodes.map((n) => checkCloudConfig(n.text, n.display, validator));
  } catch (e) {
    if (e instanceof SchemaNotUsable) return { why: `${source.file}: ${e.message}` };
    throw e;
  }
  const findings: Finding[] = [];
  for (const [i, n] of nodes.entries()) {
    // A file that does not parse is where the yaml library and PyYAML differ: PyYAML points at the
    // start of the enclosing block, in its own words. Ask cloud-init, for that file only.
    const yamlError = binary !== null && perNode[i]!.some((f) => f.code === "SW-CLOUD-INIT-YAML");
    findings.push(...(yamlError ? await runCloudInitSchema(n.file, { binary, displayFile: n.display }) : perNode[i]!));
  }
  return findings;
}

/** `cloud-init schema`, one process per node, led by why. */
async function checkWithCommand(nodes: readonly UserDataFile[], binary: string, why: string): Promise<Finding[]> {
  const findings: Finding[] = [
    {
      gate: CLOUD_INIT_GATE,
      severity: "warning",
      code: "SW-CLOUD-INIT-FALLBACK",
      message: `user-data checked with \`cloud-init schema\`, one process per node: cloud-init's JSON schema could not be used in process (${why})`,
      hint: "each node costs a cloud-init start (0.25-0.5 s); with cloud-init's schema file readable (or given with --cloud-init-schema), all nodes are checked in one process",
    },
  ];
  for (const n of nodes) findings.push(...(await runCloudInitSchema(n.file, { binary, displayFile: n.display })));
  return findings;
}

/** Which cloud-init's schema the user-data was checked against: the nodes may run another release. */
function schemaUsed(source: CloudInitSchema): string {
  const release = source.version !== undefined ? `cloud-init ${source.version}` : "a cloud-init release of unknown version";
  // The validation itself mirrors 22.4's code (cloud-init-validator.ts); later releases word some messages differently.
  const mirrored = source.version?.startsWith("22.") ? "" : ", validated the way cloud-init 22.4 validates";
  return `the schema of ${release}, in process (${source.file}${mirrored})`;
}
