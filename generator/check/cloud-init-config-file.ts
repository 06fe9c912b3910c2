/**
 * One user-data file checked as `cloud-init schema --config-file FILE` checks it
 * (`validate_cloudconfig_file` in `cloudinit/config/schema.py`, cloud-init 22.4), in process:
 *
 * 1. the raw bytes must start with `#cloud-config` (else one error at 1:1, nothing else is read);
 * 2. the text is read as YAML 1.1 by PyYAML's SafeLoader (cloud-init-yaml.ts); a YAML error is one
 *    error at the mark PyYAML gives (a value PyYAML raises on, such as the date 2030-13-01, makes
 *    cloud-init stop with a traceback: one error at the value);
 * 3. what it reads must be a dict ("Cloud-config is not a YAML dict." otherwise);
 * 4. the dict is validated against cloud-init's schema (cloud-init-validator.ts): errors, and
 *    deprecations as warnings.
 */
import { crashFinding, failureFinding, problemFindings } from "./cloud-init-findings.js";
import { sortFindings, type Finding } from "./finding.js";
import type { CloudConfigValidator } from "./cloud-init-validator.js";
import { loadLikeCloudInit } from "./cloud-init-yaml.js";

/** `CLOUD_CONFIG_HEADER`, compared with the start of the file's bytes. */
const HEADER = "#cloud-config";

/** The findings of one file, named `file` in messages and findings. */
export function checkCloudConfig(text: string, file: string, validator: CloudConfigValidator): Finding[] {
  const fail = (path: string, message: string) => problemFindings({ errors: [{ path, message }], deprecations: [] }, file, undefined);
  if (!text.startsWith(HEADER)) return fail("format-l1.c1", `File ${file} needs to begin with "${HEADER}"`);
  const loaded = loadLikeCloudInit(text);
  if (!loaded.ok && loaded.python) return [crashFinding(loaded.message, file, loaded.line, loaded.col)];
  if (!loaded.ok) return fail(`format-l${loaded.line}.c${loaded.col}`, `File ${file} is not valid yaml. ${loaded.message}`);
  const config = loaded.value;
  if (typeof config !== "object" || config === null || Array.isArray(config)) return [failureFinding("Cloud-config is not a YAML dict.", file)];
  // In line order, as the `cloud-init schema` runner returns them (cloud-init's own order is by path).
  return sortFindings(problemFindings(validator.validate(config as Record<string, unknown>, loaded.notes), file, loaded.doc));
}
