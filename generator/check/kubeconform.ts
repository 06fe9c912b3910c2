/**
 * The kubeconform gate: runs the `kubeconform` binary on rendered manifests and turns its JSON
 * report into findings. kubeconform is a second opinion beside the embedded strict gate
 * (strict/validate.ts), so schemas it cannot download never fail a check: that is one warning,
 * found fast. Split in two so the reading of kubeconform's output is a pure function tested on
 * genuine outputs (test fixtures), and the process handling is a thin edge:
 *
 * - {@link parseKubeconformJson}: stdout + exit code -> findings (pure);
 * - {@link runKubeconform}: spawn the binary (no shell, bounded time), then parse.
 *
 * The two process helpers ({@link findExecutable}, {@link runTool}) are shared with the cloud-init
 * runner, which has the same needs.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError } from "../diagnostics.js";
import { describeEnd, executableOrNull, findExecutable, firstLines, runTool } from "./external-tool.js";
import { formatResource, sortFindings, type Finding, type FindingResource } from "./finding.js";

const GATE = "kubeconform";

/** kubeconform's own counts (present when it ran with `-summary`, which {@link runKubeconform} passes). */
export interface KubeconformSummary {
  valid: number;
  invalid: number;
  errors: number;
  skipped: number;
}

/** What one kubeconform run found. */
export interface KubeconformResult {
  /** Sorted (kubeconform prints in worker completion order, which varies run to run). */
  findings: Finding[];
  /** null when the output had no summary or could not be read. */
  summary: KubeconformSummary | null;
  /** True when a schema location did not answer: some or all resources were not checked. */
  unreachable: boolean;
}

/** One entry of `resources` in kubeconform's JSON output (pkg/output/json.go, v0.7.0). */
interface KubeconformResource {
  filename?: string;
  kind?: string;
  name?: string;
  version?: string;
  status?: string;
  msg?: string;
  validationErrors?: { path?: string; msg?: string }[];
}

/**
 * kubeconform's message for a schema violation starts with this, then names the schema file. The
 * structured `validationErrors` say the same without the schema path (which differs per machine).
 */
const SCHEMA_PREFIX = /^problem validating schema\. Check JSON formatting: jsonschema validation failed with '[^']*' - /;

/**
 * kubeconform's errors when a schema location does not answer (pkg/loader/http.go, v0.7.0): the
 * request failed (no network, DNS, TLS; after its client's two retries) or got a status other than
 * 200 and 404. A 404 is not one of them: that location has no such schema, and kubeconform tries
 * the next.
 */
const DOWNLOAD_FAILED = /^(?:failed downloading schema at (\S+?): |error while downloading schema at (\S+) - )(.*)$/s;

/** The one finding for schemas kubeconform could not download. */
function unreachableFinding(why: string): Finding {
  return {
    gate: GATE,
    severity: "warning",
    code: "SW-KUBECONFORM-UNREACHABLE",
    message: `schemas unreachable: use --schema-location or rely on the embedded gate (${why})`,
    hint: "kubeconform downloads schemas unless every --schema-location is a local path (a copy of kubernetes-json-schema and of the CRDs catalog); the objects gate checked every object offline against the embedded strict schemas",
  };
}

/** `https://…/deployment-apps-v1.json: dial tcp: lookup raw.githubusercontent.com: no such host`: the URL and the innermost cause. */
function shortDownloadError(msg: string): string {
  const m = DOWNLOAD_FAILED.exec(msg);
  if (!m) return msg;
  // Go wraps the cause as `Get "URL": GET URL giving up after 3 attempt(s): Get "URL": cause`.
  const cause = m[3]!.split(/"[^"]*": /).pop()!.trim();
  return `${m[1] ?? m[2]}: ${cause}`;
}

/**
 * Findings from kubeconform's `-output json` stdout and exit code.
 *
 * - `statusInvalid` -> one error per validation error (`SW-KUBECONFORM-INVALID`);
 * - `statusError` -> an error: missing schema (`SW-KUBECONFORM-MISSING-SCHEMA`), duplicate key
 *   (`SW-KUBECONFORM-DUPLICATE-KEY`, with the line kubeconform gives: it counts from the start of
 *   the YAML document, which is the file's line only in a one-document file) or other
 *   (`SW-KUBECONFORM-ERROR`);
 * - `statusSkipped` (listed only with `-verbose`) -> a warning (`SW-KUBECONFORM-SKIPPED`): the
 *   resource was not checked;
 * - `statusValid` -> nothing.
 *
 * Output that is not kubeconform's JSON gives `SW-KUBECONFORM-OUTPUT` quoting its first lines; a
 * failing exit code with nothing reported gives `SW-KUBECONFORM-EXIT`, so a failed run can never
 * read as a clean one.
 *
 * @param stdout what kubeconform printed on stdout
 * @param rc its exit code (0: nothing invalid, 1: something invalid or errored, or a usage error)
 * @param stderr what it printed on stderr, quoted when stdout is unreadable
 */
export function parseKubeconformJson(stdout: string, rc: number, stderr = ""): KubeconformResult {
  const report = readReport(stdout);
  if (!report) {
    const shown = firstLines(stdout.trim() ? stdout : stderr);
    return {
      findings: [
        {
          gate: GATE,
          severity: "error",
          code: "SW-KUBECONFORM-OUTPUT",
          message: `kubeconform (exit code ${rc}) printed output that is not its JSON report${shown ? `: ${shown}` : " (nothing)"}`,
          hint: "run the same kubeconform command by hand; check its version (v0.7.0 expected) and flags",
        },
      ],
      summary: null,
      unreachable: false,
    };
  }

  const failed = report.resources.filter((r) => r.status === "statusError" && DOWNLOAD_FAILED.test(r.msg ?? ""));
  const findings = report.resources.filter((r) => !failed.includes(r)).flatMap(findingsForResource);
  if (failed.length > 0) {
    const n = failed.length === 1 ? "1 resource" : `${failed.length} resources`;
    findings.push(unreachableFinding(`kubeconform could not download the schema of ${n}; first: ${shortDownloadError(oneLine(failed[0]!.msg ?? ""))}`));
  } else if (rc !== 0 && !findings.some((f) => f.severity === "error")) {
    const shown = firstLines(stderr);
    findings.push({
      gate: GATE,
      severity: "error",
      code: "SW-KUBECONFORM-EXIT",
      message: `kubeconform exited with code ${rc} but reported no invalid resource${shown ? `: ${shown}` : ""}`,
      hint: "run the same kubeconform command by hand to see why it failed",
    });
  }
  return { findings: sortFindings(findings), summary: report.summary, unreachable: failed.length > 0 };
}

function readReport(stdout: string): { resources: KubeconformResource[]; summary: KubeconformSummary | null } | null {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    return null;
  }
  if (!isRecord(data) || !Array.isArray(data.resources) || !data.resources.every(isRecord)) return null;
  const s = data.summary;
  const summary =
    isRecord(s) && [s.valid, s.invalid, s.errors, s.skipped].every((n) => typeof n === "number")
      ? { valid: s.valid as number, invalid: s.invalid as number, errors: s.errors as number, skipped: s.skipped as number }
      : null;
  return { resources: data.resources as KubeconformResource[], summary };
}

function findingsForResource(r: KubeconformResource): Finding[] {
  const resource = resourceOf(r);
  const base = {
    gate: GATE,
    ...(r.filename ? { file: r.filename } : {}),
    ...(resource ? { resource } : {}),
  };
  const who = resource ? `${formatResource(resource)}: ` : "";
  const msg = oneLine(r.msg ?? "");

  switch (r.status) {
    case "statusInvalid": {
      const errs = (r.validationErrors ?? []).filter((e) => e.msg);
      if (errs.length === 0) {
        return [{ ...base, severity: "error", code: "SW-KUBECONFORM-INVALID", message: `${who}${msg.replace(SCHEMA_PREFIX, "")}` }];
      }
      return errs.map((e) => {
        const at = e.path || "/";
        const unknown = /^additional properties (.+) not allowed$/.exec(e.msg ?? "");
        return {
          ...base,
          severity: "error" as const,
          code: "SW-KUBECONFORM-INVALID",
          message: `${who}at '${at}': ${e.msg}`,
          ...(unknown
            ? { hint: `${unknown[1]} is not a field at ${at} in the schema: check the spelling, or whether the field exists in this version` }
            : {}),
        };
      });
    }
    case "statusError": {
      const dup = /line (\d+): (key .* already set in map)/.exec(msg);
      if (dup) {
        return [
          {
            ...base,
            line: Number(dup[1]),
            severity: "error",
            code: "SW-KUBECONFORM-DUPLICATE-KEY",
            message: `${who}line ${dup[1]}: ${dup[2]}`,
            hint: "remove the repeated key: a map must not name a key twice (Kubernetes would keep only one of the values)",
          },
        ];
      }
      if (/^could not find schema for /.test(msg)) {
        const gvk = resource ? `${resource.apiVersion ?? "?"} ${resource.kind}` : "this kind";
        return [
          {
            ...base,
            severity: "error",
            code: "SW-KUBECONFORM-MISSING-SCHEMA",
            message: `${who}${msg}`,
            hint: `no schema location has ${gvk}: add its schema (CRD catalog layout {{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json) or skip the kind`,
          },
        ];
      }
      return [{ ...base, severity: "error", code: "SW-KUBECONFORM-ERROR", message: `${who}${msg || "kubeconform could not check it"}` }];
    }
    case "statusSkipped":
      return [
        {
          ...base,
          severity: "warning",
          code: "SW-KUBECONFORM-SKIPPED",
          message: `${who}not checked: kubeconform skipped it (kind listed in -skip, or no schema with -ignore-missing-schemas)`,
        },
      ];
    default:
      // statusValid, and the empty status kubeconform gives an empty document under -verbose.
      return [];
  }
}

function resourceOf(r: KubeconformResource): FindingResource | undefined {
  if (!r.kind) return undefined;
  // kubeconform's JSON names the object but not its namespace (its JUnit output does; the JSON
  // is the one with structured validation errors, so we read that one).
  return { ...(r.version ? { apiVersion: r.version } : {}), kind: r.kind, ...(r.name ? { name: r.name } : {}) };
}

/** Options of {@link runKubeconform}. */
export interface KubeconformOptions {
  /** Path of the kubeconform binary (see {@link findKubeconform}). */
  binary: string;
  /** Files or directories to check; directories are searched recursively by kubeconform. */
  dirs: readonly string[];
  /**
   * `-schema-location` values, in order. None: kubeconform's default (online) location. The value
   * `default` is passed through and means that location too.
   * @default []
   */
  schemaLocations?: readonly string[];
  /** Full `x.y.z` version (kubeconform rejects `1.33`), or `master`. */
  kubernetesVersion: string;
  /** Report a kind with no schema as skipped instead of an error. @default false */
  ignoreMissingSchemas?: boolean;
  /** Kinds (or `apiVersion/Kind`) not to check, e.g. `CustomResourceDefinition`. @default [] */
  skipKinds?: readonly string[];
  /** Working directory; file names in findings are relative to it. @default process.cwd() */
  cwd?: string;
  /** Kill kubeconform after this long. @default 120000 */
  timeoutMs?: number;
  /**
   * The objects to be checked (parsed), or some of them. When a schema location downloads, a
   * stand-in for one Kubernetes kind and one custom kind among them is checked first, within
   * {@link PROBE_TIMEOUT_MS}: without network that fails in seconds, where the whole run would
   * retry every download (20-30 s for a cluster) and report each failure. @default [] (no probe)
   */
  probe?: readonly { apiVersion?: unknown; kind?: unknown }[];
}

/**
 * How long the probe may take. kubeconform's HTTP client (hashicorp/go-retryablehttp, RetryMax 2)
 * waits 1 s, then 2 s, between tries, and sets no connect timeout of its own: without DNS the
 * probe fails in about 3 s, behind a firewall that drops packets it would hang.
 */
export const PROBE_TIMEOUT_MS = 8_000;

/** True for a schema location kubeconform downloads from: `default`, or an http(s) URL template. */
export function isRemoteSchemaLocation(location: string): boolean {
  return location === "default" || /^https?:\/\//i.test(location);
}

/** The argument vector {@link runKubeconform} passes (exported so it can be tested and shown). */
export function kubeconformArgs(opts: Omit<KubeconformOptions, "binary" | "cwd" | "timeoutMs" | "probe">): string[] {
  assertKubernetesVersion(opts.kubernetesVersion);
  if (opts.dirs.length === 0) {
    // With no file argument kubeconform reads stdin; that is never what a caller means.
    throw new Error("runKubeconform: no files or directories to check");
  }
  const args = ["-strict", "-summary", "-output", "json", "-kubernetes-version", opts.kubernetesVersion];
  for (const loc of opts.schemaLocations ?? []) args.push("-schema-location", loc);
  if (opts.ignoreMissingSchemas) args.push("-ignore-missing-schemas");
  if (opts.skipKinds && opts.skipKinds.length > 0) args.push("-skip", opts.skipKinds.join(","));
  // Go's flag package stops at `--`, so a file name starting with `-` is not taken for a flag.
  args.push("--", ...opts.dirs);
  return args;
}

/**
 * A version kubeconform accepts: a full `x.y.z` (it rejects `1.33`) or `master`.
 * @throws UsageError otherwise
 */
export function assertKubernetesVersion(version: string): void {
  if (!/^(\d+\.\d+\.\d+|master)$/.test(version)) {
    throw new UsageError(
      `kubeconform needs a full Kubernetes version such as 1.33.1, not "${version}"`,
      "kubeconform looks up schemas by the exact x.y.z version",
    );
  }
}

/**
 * Run kubeconform (`-strict -summary -output json`) on the given files and directories.
 *
 * @throws UsageError when the binary does not exist or is not executable
 * @returns findings (sorted) and kubeconform's summary counts
 */
export async function runKubeconform(opts: KubeconformOptions): Promise<KubeconformResult> {
  const args = kubeconformArgs(opts);
  const remote = (opts.schemaLocations ?? []).length === 0 || (opts.schemaLocations ?? []).some(isRemoteSchemaLocation);
  if (remote) {
    const unreachable = await probeSchemaLocations(opts);
    if (unreachable) return { findings: [unreachable], summary: null, unreachable: true };
  }
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const run = await runTool(opts.binary, args, { cwd: opts.cwd, timeoutMs, notFoundHint: NOT_FOUND_HINT });
  if (run.timedOut) {
    const why = `kubeconform did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`;
    // With a location that downloads, a hang is the network's doing, and the network does not decide a check.
    if (remote) return { findings: [unreachableFinding(why)], summary: null, unreachable: true };
    return { findings: [{ gate: GATE, severity: "error", code: "SW-KUBECONFORM-TIMEOUT", message: why, hint: "run the same kubeconform command by hand to see where it stops" }], summary: null, unreachable: false };
  }
  const result = parseKubeconformJson(run.stdout, run.rc ?? -1, describeEnd(run));
  result.findings = result.findings.map((f) => dropDocumentRelativeLine(f, opts.cwd));
  return result;
}

const NOT_FOUND_HINT = "install kubeconform v0.7.0 (a release binary) or pass its path with --kubeconform";

/**
 * kubeconform, with the run's flags, on stand-ins for one Kubernetes kind and one custom kind of
 * `opts.probe` (read from stdin): the unreachable finding when a location did not answer, else
 * undefined. kubeconform looks a kind up in each location in turn, so the two stand-ins reach
 * every location the run will (a custom kind misses in the Kubernetes one first).
 */
async function probeSchemaLocations(opts: KubeconformOptions): Promise<Finding | undefined> {
  const kinds = probeKinds(opts.probe ?? []);
  if (kinds.length === 0) return undefined;
  const input = kinds.map((k) => JSON.stringify({ ...k, metadata: { name: "slipway-probe" } })).join("\n---\n");
  const run = await runTool(opts.binary, kubeconformArgs({ ...opts, dirs: ["-"] }), { cwd: opts.cwd, timeoutMs: PROBE_TIMEOUT_MS, notFoundHint: NOT_FOUND_HINT, input });
  if (run.timedOut) return unreachableFinding(`kubeconform got no schema within ${PROBE_TIMEOUT_MS / 1000} s`);
  return parseKubeconformJson(run.stdout, run.rc ?? -1, describeEnd(run)).findings.find((f) => f.code === "SW-KUBECONFORM-UNREACHABLE");
}

/** The first Kubernetes kind and the first custom kind among `objects`. */
function probeKinds(objects: readonly { apiVersion?: unknown; kind?: unknown }[]): { apiVersion: string; kind: string }[] {
  const isKubernetes = (apiVersion: string) => {
    const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : "";
    return !group.includes(".") || group.endsWith(".k8s.io");
  };
  const typed = objects.filter((o): o is { apiVersion: string; kind: string } => typeof o.apiVersion === "string" && typeof o.kind === "string");
  return [typed.find((o) => isKubernetes(o.apiVersion)), typed.find((o) => !isKubernetes(o.apiVersion))]
    .filter((o) => o !== undefined)
    .map((o) => ({ apiVersion: o.apiVersion, kind: o.kind }));
}

/**
 * kubeconform numbers lines from the start of each YAML document. In a file with one document that
 * is the file's line; in a multi-document file it is not, so the line is dropped there (the message
 * still says "line N") rather than point at the wrong place.
 */
function dropDocumentRelativeLine(f: Finding, cwd: string | undefined): Finding {
  if (f.line === undefined || f.file === undefined) return f;
  if (isSingleDocument(resolve(cwd ?? process.cwd(), f.file))) return f;
  const { line: _line, col: _col, ...rest } = f;
  return rest;
}

/** True when the file reads and has no `---` document marker (unreadable: not known, so false). */
function isSingleDocument(file: string): boolean {
  try {
    return !/^---/m.test(readFileSync(file, "utf8"));
  } catch {
    return false;
  }
}

/**
 * Runs `kubeconform -v` and returns the version it prints, so a binary that cannot run (wrong
 * architecture, not kubeconform, a broken wrapper) is a usage error before any check starts,
 * not a confusing finding.
 *
 * @throws UsageError when it does not start, fails, or prints no version
 */
export async function probeKubeconform(binary: string, timeoutMs = 15_000): Promise<string> {
  const hint = "pass the path of a kubeconform binary (v0.7.0) for this machine, e.g. --kubeconform ./kubeconform";
  const run = await runTool(binary, ["-v"], { timeoutMs, notFoundHint: hint });
  const version = /^v?\d+\.\d+\.\d+\S*$/m.exec(run.stdout.trim())?.[0];
  if (run.timedOut || run.rc !== 0 || !version) {
    const why = run.timedOut ? "it did not answer" : `exit code ${run.rc ?? run.signal}${firstLines(run.stdout + "\n" + run.stderr) ? `: ${firstLines(run.stdout + "\n" + run.stderr, 2)}` : ""}`;
    throw new UsageError(`${binary} does not run as kubeconform (\`-v\` printed no version; ${why})`, hint);
  }
  return version;
}

/**
 * Where the kubeconform binary is: an explicit path (or bare name looked up on PATH) when given,
 * else `kubeconform` on PATH, else null.
 *
 * @throws UsageError when an explicit binary was given and is missing or not executable
 */
export function findKubeconform(explicit?: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (explicit !== undefined && explicit !== "") {
    const found = isBareName(explicit) ? findExecutable(explicit, env) : executableOrNull(resolve(explicit));
    if (!found) {
      throw new UsageError(
        `kubeconform not found or not executable: ${explicit}`,
        "pass the path of a kubeconform binary (v0.7.0), e.g. --kubeconform ./kubeconform",
      );
    }
    return found;
  }
  return findExecutable("kubeconform", env);
}

function isBareName(p: string): boolean {
  return !p.includes("/") && !p.includes("\\");
}

/** Collapse kubeconform's multi-line messages (yaml errors) into one line. */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").trim();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
