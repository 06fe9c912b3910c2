// Benchmark (not a test): wall time of `slipway render` per example against a bare `node -e 0`,
// measured in the same run, as medians of several runs. Target: render <= 3x a bare Node start.
// Usage: npm run bench [-- --runs N]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 15;
const bin = join(root, "dist/bin.js");
if (!existsSync(bin)) {
  console.error("dist/bin.js is missing: run `npm run build` first");
  process.exit(2);
}
const out = mkdtempSync(join(tmpdir(), "slipway-bench-"));

function time(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const examples = readdirSync(join(root, "examples")).filter((d) => existsSync(join(root, "examples", d, "cluster.yaml"))).sort();
const cases = [["node -e 0", ["-e", "0"]], ...examples.map((e) => [`render ${e}`, [bin, "render", join(root, "examples", e, "cluster.yaml"), "--out", join(out, e)]])];
const samples = new Map(cases.map(([name]) => [name, []]));
for (const [, args] of cases) time(args); // warm-up: file cache, first render writes the tree
for (let i = 0; i < runs; i++) for (const [name, args] of cases) samples.get(name).push(time(args)); // interleaved, so drift hits all alike
rmSync(out, { recursive: true, force: true });

const base = median(samples.get("node -e 0"));
console.log(`slipway render benchmark: ${runs} runs each, interleaved, medians (min-max)`);
for (const [name] of cases) {
  const xs = samples.get(name);
  const m = median(xs);
  console.log(`${name.padEnd(28)} ${m.toFixed(1).padStart(7)} ms  (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})  ${(m / base).toFixed(2)}x node`);
}
