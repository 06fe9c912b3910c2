// Benchmark (not a test): every figure of the speed goals, each as a ratio against a reference
// measured in the same run. Whole processes, interleaved (one run of every case per round, so a
// machine that slows down slows all alike), medians; a ratio is the median of the per-round ratios.
// Peak memory is each process's maxRSS, as GNU time (/usr/bin/time) reports it, or where that is
// missing as the process reports it itself (process.resourceUsage, through a --import hook, which
// adds about 3 MiB to every figure, the reference's too).
//
// Usage: npm run bench [-- --runs N] [--scale-runs N] [--no-scale] [--kube-schemas DIR]
// Needs dist/ (npm run build). Uses node, /usr/bin/time when installed, and kubeconform when it is
// on PATH with local schemas to read: kubeconform's layout (kubernetes/ and crds/), from
// --kube-schemas DIR or ../shared/kube-schemas beside the repository. kubeconform downloads
// schemas otherwise, and a timing of downloads (or of failing ones, offline) says nothing.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { writeScaleSpec } from "./scale-spec.mjs";

const root = new URL("..", import.meta.url).pathname;
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const runs = arg("--runs", 15);
const scaleRuns = arg("--scale-runs", 5);
const withScale = !process.argv.includes("--no-scale");
const schemasAt = process.argv.indexOf("--kube-schemas");
const bin = join(root, "dist/bin.js");
if (!existsSync(bin)) {
  console.error("dist/bin.js is missing: run `npm run build` first");
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), "slipway-bench-"));
const rssFile = join(work, "maxrss");
const hook = join(work, "maxrss.mjs");
writeFileSync(hook, `import { appendFileSync } from "node:fs";\nprocess.on("exit", () => appendFileSync(${JSON.stringify(rssFile)}, process.resourceUsage().maxRSS + "\\n"));\n`);

const GNU_TIME = "/usr/bin/time";
const gnuTime = spawnSync(GNU_TIME, ["-f", "%M", "-o", rssFile, process.execPath, "-e", "0"]).status === 0;

/**
 * Runs argv (argv[0] "node" is this node) once: wall ms (with GNU time's own start, about 1 ms,
 * in every figure alike) and peak RSS in KiB.
 */
function run(argv, { ok = [0], env } = {}) {
  rmSync(rssFile, { force: true });
  const node = argv[0] === "node";
  const cmd = node ? process.execPath : argv[0];
  const args = argv.slice(1);
  const [file, full] = gnuTime ? [GNU_TIME, ["-f", "%M", "-o", rssFile, cmd, ...args]] : [cmd, node ? ["--import", hook, ...args] : args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, full, { stdio: ["ignore", "ignore", "pipe"], env: env ?? process.env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!ok.includes(r.status)) throw new Error(`${argv.join(" ")} exited ${r.status}: ${String(r.stderr).slice(0, 2000)}`);
  const rss = existsSync(rssFile) ? Math.max(...readFileSync(rssFile, "utf8").trim().split("\n").map(Number).filter(Number.isFinite)) : NaN;
  return { ms, rss };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Interleaved rounds over cases (name -> argv list, run one after another as one sample).
 * Returns name -> { ms[], rss[] } (rss: the largest of the sample's processes).
 */
function measure(cases, rounds) {
  const samples = new Map(Object.keys(cases).map((k) => [k, { ms: [], rss: [] }]));
  const once = (steps) => steps.reduce((acc, s) => {
    const r = run(s.argv, s);
    return { ms: acc.ms + r.ms, rss: Math.max(acc.rss, r.rss) };
  }, { ms: 0, rss: 0 });
  for (const steps of Object.values(cases)) once(steps); // warm-up: file cache, first writes
  for (let i = 0; i < rounds; i++) {
    for (const [name, steps] of Object.entries(cases)) {
      const r = once(steps);
      samples.get(name).ms.push(r.ms);
      samples.get(name).rss.push(r.rss);
    }
  }
  return samples;
}

/** Median of the per-round ratios a/b. */
const ratio = (a, b) => median(a.map((x, i) => x / b[i]));
const fmtMs = (ms) => `${ms >= 1000 ? (ms / 1000).toFixed(2) + " s" : ms.toFixed(0) + " ms"}`;
const mib = (kib) => kib / 1024;
const line = (label, value, note = "") => console.log(`  ${label.padEnd(50)} ${value.padStart(18)}  ${note}`);

function dirBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

function which(name) {
  for (const d of (process.env.PATH ?? "").split(delimiter)) if (d && existsSync(join(d, name))) return join(d, name);
  return undefined;
}

// The largest example: the one whose tree is largest. Copied into the work folder, so its tree sits
// beside it like a real repository's (validate reads the committed tree there).
const examples = readdirSync(join(root, "examples")).filter((d) => existsSync(join(root, "examples", d, "cluster.yaml"))).sort();
const sized = examples.map((e) => {
  const dir = join(work, "examples", e);
  // The example's folder as committed (its spec, and the sealing certificate beside it), no render.
  cpSync(join(root, "examples", e), dir, { recursive: true, filter: (src) => !/\/(rendered|bootstrap\/[^/]+\.yaml)$/.test(src) });
  run(["node", bin, "render", join(dir, "cluster.yaml")]);
  return { name: e, dir, bytes: dirBytes(join(dir, "rendered")) + dirBytes(join(dir, "bootstrap")) };
}).sort((a, b) => b.bytes - a.bytes);
const largest = sized[0];
const spec = join(largest.dir, "cluster.yaml");
const kubeconform = which("kubeconform");
const kubeSchemas = schemasAt > 0 ? process.argv[schemasAt + 1] : join(root, "../shared/kube-schemas");
const localSchemas = existsSync(join(kubeSchemas, "kubernetes")) && existsSync(join(kubeSchemas, "crds"));
const cloudInit = existsSync("/usr/lib/python3/dist-packages/cloudinit/config/schemas/schema-cloud-config-v1.json") || which("cloud-init");
// check --tree with no external program: kubeconform and cloud-init's command are off PATH (the
// cloud-init gate still runs in process when cloud-init's schema file is installed).
const noTools = { ...process.env, PATH: join(work, "no-tools") };
mkdirSync(join(work, "no-tools"));
const cloudInitOnly = { ...process.env, PATH: join(work, "cloud-init-only") };
mkdirSync(join(work, "cloud-init-only"));
if (which("cloud-init")) symlinkSync(which("cloud-init"), join(work, "cloud-init-only", "cloud-init"));

const cases = {
  "node -e 0": [{ argv: ["node", "-e", "0"] }],
  "slipway --version": [{ argv: ["node", bin, "--version"] }],
  "slipway render": [{ argv: ["node", bin, "render", spec] }],
  // With cloud-init's command on PATH and kubeconform off it: the figure is Slipway's own gates.
  "slipway check": [{ argv: ["node", bin, "check", spec], env: cloudInitOnly }],
  "slipway check --tree (no external program)": [{ argv: ["node", bin, "check", "--tree", largest.dir], env: noTools }],
  // What the code cache buys (generator/cli/code-cache.ts): the same commands without it.
  "slipway render, no code cache": [{ argv: ["node", bin, "render", spec], env: { ...process.env, SLIPWAY_CODE_CACHE: "off" } }],
  "slipway check --tree, no code cache": [{ argv: ["node", bin, "check", "--tree", largest.dir], env: { ...noTools, SLIPWAY_CODE_CACHE: "off" } }],
  "validate + render + check": [{ argv: ["node", bin, "validate", spec] }, { argv: ["node", bin, "render", spec] }, { argv: ["node", bin, "check", spec], env: cloudInitOnly }],
};
const manifests = [];
// kubeconform on the same manifests, with the Kubernetes version and strict schemas the embedded
// gate uses for the example (it reports it: `objects ... against the embedded Kubernetes X`).
const embeddedVersion = /embedded Kubernetes ([0-9.]+)/.exec(String(spawnSync(process.execPath, [bin, "check", "--tree", largest.dir], { env: noTools }).stdout))?.[1];
if (kubeconform && localSchemas && embeddedVersion) {
  const walk = (d) => { for (const e of readdirSync(d, { withFileTypes: true })) { const p = join(d, e.name); if (e.isDirectory()) walk(p); else if (p.endsWith(".yaml")) manifests.push(p); } };
  walk(join(largest.dir, "rendered"));
  cases["kubeconform -strict"] = [{
    argv: [kubeconform, "-strict", "-summary", "-kubernetes-version", embeddedVersion,
      "-schema-location", join(kubeSchemas, "kubernetes/{{.NormalizedKubernetesVersion}}-standalone{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json"),
      "-schema-location", join(kubeSchemas, "crds/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"), ...manifests],
  }];
}
const noKubeconform = !kubeconform ? "kubeconform is not on PATH" : !localSchemas ? `no local schemas at ${kubeSchemas} (--kube-schemas DIR)` : !embeddedVersion ? "check --tree did not say which Kubernetes version it checked against" : "";

console.log(`slipway benchmark: ${runs} interleaved rounds, medians; ${cpus().length} cores; node ${process.version}; peak memory from ${gnuTime ? "GNU time" : "process.resourceUsage (GNU time not installed)"}`);
console.log(`largest example: ${largest.name} (${(largest.bytes / 1024).toFixed(0)} KiB of output)\n`);
const s = measure(cases, runs);
const ms = (k) => s.get(k).ms;
const node = ms("node -e 0");
const nodeRss = median(s.get("node -e 0").rss);

console.log("time (whole process, median)                              median   ratio");
for (const k of Object.keys(cases)) line(k, fmtMs(median(ms(k))), k === "node -e 0" ? "reference" : `${ratio(ms(k), node).toFixed(2)}x node -e 0`);

console.log("\ngoals");
line("render / node -e 0 (goal <= 2x)", `${ratio(ms("slipway render"), node).toFixed(2)}x`);
line("--version / node -e 0 (startup alone)", `${ratio(ms("slipway --version"), node).toFixed(2)}x`);
line(`check${cloudInit ? " with cloud-init's schema" : " (cloud-init not installed)"} / node -e 0 (goal <= 6x)`, `${ratio(ms("slipway check"), node).toFixed(2)}x`);
const tree = ms("slipway check --tree (no external program)");
if (cases["kubeconform -strict"]) {
  line(`check --tree / kubeconform -strict, ${manifests.length} files (goal <= 1x)`, `${ratio(tree, ms("kubeconform -strict")).toFixed(2)}x`);
} else {
  line("check --tree / kubeconform -strict (goal <= 1x)", "not measured", noKubeconform);
}
console.log("\npeak memory (maxRSS of the process, median)");
line("node -e 0", `${mib(nodeRss).toFixed(1)} MiB`, "reference");
const outMiB = mib(largest.bytes / 1024);
for (const k of ["slipway --version", "slipway render", "slipway check", "slipway check --tree (no external program)"]) {
  const peak = mib(median(s.get(k).rss));
  const budget = 1.5 * mib(nodeRss) + (k === "slipway render" ? outMiB : 0);
  const goal = k === "slipway --version" ? "" : `; goal 1.5x node${k === "slipway render" ? " + output" : ""} = ${budget.toFixed(1)} MiB: ${peak <= budget ? "met" : "not met"}`;
  line(k, `${peak.toFixed(1)} MiB`, `${(peak / mib(nodeRss)).toFixed(2)}x node${goal}`);
}

if (withScale) {
  console.log(`\nscale: scripts/scale-spec.mjs, N nodes and 2N apps; validate + render + check, ${scaleRuns} interleaved rounds`);
  const scaleCases = { [`${largest.name} (largest example)`]: cases["validate + render + check"] };
  const outputs = {};
  for (const n of [10, 25, 50, 100]) {
    const file = writeScaleSpec(join(work, `scale-${n}`), n);
    run(["node", bin, "render", file]);
    outputs[`${n} nodes`] = dirBytes(join(work, `scale-${n}`, "rendered")) + dirBytes(join(work, `scale-${n}`, "bootstrap"));
    scaleCases[`${n} nodes`] = [{ argv: ["node", bin, "validate", file] }, { argv: ["node", bin, "render", file] }, { argv: ["node", bin, "check", file], env: cloudInitOnly }];
  }
  const sc = measure(scaleCases, scaleRuns);
  const base = sc.get(`${largest.name} (largest example)`).ms;
  for (const [k, v] of sc) {
    const out = outputs[k] ?? largest.bytes;
    line(k, fmtMs(median(v.ms)), `${ratio(v.ms, base).toFixed(2)}x the largest example${k.endsWith("nodes") ? ` (goal at 100: < 3x)` : ""}; ${(out / 1024).toFixed(0)} KiB output; peak ${mib(median(v.rss)).toFixed(0)} MiB`);
  }
}
rmSync(work, { recursive: true, force: true });
