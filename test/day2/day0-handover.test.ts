/**
 * The first server's day-0 handover, run for real under sh with a stand-in `k3s kubectl` that
 * answers from the manifest files and a simulated helm-controller: a HelmChart is annotated
 * unmanaged and its file removed only once its install Job has succeeded; the root Application's
 * and the Sealed Secrets keys' files go once their objects exist; the committed, secret-free
 * stand-in goes at once; a Job that never succeeds leaves its file in place and fails, bounded.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasTool, ROOT, tempDir, warnSkip } from "../support/cli.js";
import { writeFiles } from "../support/tree.js";

const tmp = tempDir("slipway-handover-");
afterAll(() => tmp.cleanup());
let n = 0;

const SCRIPT = "/usr/local/lib/slipway/day0-handover.sh";

function handoverScript(example: string, node: string): string | undefined {
  const text = readFileSync(join(ROOT, "test/cases", example, "bootstrap", `${node}.yaml`), "utf8");
  return writeFiles(text).find((f) => f.path === SCRIPT)?.content;
}

/**
 * Runs the script against a manifests directory holding `files`. The stand-in k3s: `kubectl get -f
 * F -o name` names F's objects once their file was "applied" (always, here); a chart's install Job
 * reports succeeded=1 from the `succeedAfter`-th question on (never when absent).
 */
function run(files: Record<string, string>, succeedAfter: Record<string, number>, attempts = 5) {
  const root = join(tmp.dir, `run-${n++}`);
  const bin = join(root, "bin");
  const manifests = join(root, "manifests");
  mkdirSync(bin, { recursive: true });
  mkdirSync(manifests);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(manifests, name), text);
  const log = join(root, "calls.log");
  const k3s = [
    "#!/bin/sh",
    `printf '%s\\n' "$*" >> '${log}'`,
    'shift # kubectl',
    'if [ "$1" = get ] && [ "$2" = -f ]; then',
    // kind + name of each document: "helmchart.helm.cattle.io/argocd", "application.argoproj.io/root"
    `  awk '/^kind: HelmChart$/{k="helmchart.helm.cattle.io"} /^kind: Application$/{k="application.argoproj.io"} /^kind: Secret$/{k="secret"} /^  name: /{gsub(/"/,"",$2); if(k){print k "/" $2; k=""}}' "$3"`,
    "  exit 0",
    "fi",
    'if [ "$3" = get ] && [ "$4" = job ]; then',
    '  chart=${5#helm-install-}',
    `  count=$(( $(cat '${root}'/asked-"$chart" 2>/dev/null || echo 0) + 1 )); echo "$count" > '${root}'/asked-"$chart"`,
    ...Object.entries(succeedAfter).map(([chart, after]) => `  [ "$chart" = ${chart} ] && [ "$count" -ge ${after} ] && { printf 1; exit 0; }`),
    "  exit 0",
    "fi",
    "exit 0",
  ].join("\n");
  writeFileSync(join(bin, "k3s"), k3s);
  chmodSync(join(bin, "k3s"), 0o755);
  writeFileSync(join(bin, "sleep"), "#!/bin/sh\nexit 0\n");
  chmodSync(join(bin, "sleep"), 0o755);
  const script = handoverScript("contabo-ha", "node-1")!
    .replace(/^MANIFESTS=.*$/m, `MANIFESTS='${manifests}'`)
    .replace(/-ge 720 \]/, `-ge ${attempts} ]`);
  const file = join(root, "day0-handover.sh");
  writeFileSync(file, script);
  const r = spawnSync("sh", [file], { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin` } });
  return { code: r.status, stderr: r.stderr, left: readdirSync(manifests).sort(), calls: existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [] };
}

const chart = (name: string) => `apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata:\n  name: "${name}"\n  namespace: kube-system\nspec:\n  chart: ${name}\n`;
const DAY0 = {
  "slipway-cilium.yaml": chart("cilium"),
  "slipway-argocd.yaml": chart("argocd"),
  "slipway-root-app.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: root\n  namespace: argocd\n",
  "slipway-sealed-secrets-keys.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: k\n  namespace: kube-system\n",
};

describe("day-0 handover on the first server", () => {
  it("is in the first server's user-data only, run last", () => {
    expect(handoverScript("contabo-ha", "node-1")).toBeDefined();
    expect(handoverScript("contabo-ha", "node-2")).toBeUndefined();
    const text = readFileSync(join(ROOT, "test/cases/contabo-ha/bootstrap/node-1.yaml"), "utf8");
    expect(text.trimEnd().endsWith(`- - sh\n    - ${SCRIPT}`)).toBe(true);
  });

  it("marks each HelmChart unmanaged once its install Job succeeded, then removes the files; the keys go once imported", () => {
    const r = run(DAY0, { cilium: 1, argocd: 3 });
    expect(r.stderr).not.toContain("not done");
    expect(r.code).toBe(0);
    expect(r.left).toEqual([]);
    expect(r.stderr).toContain("day 0 done for slipway-sealed-secrets-keys.yaml");
    const annotations = r.calls.filter((c) => c.includes("annotate"));
    expect(annotations).toEqual([
      "kubectl -n kube-system annotate --overwrite helmchart cilium helmcharts.helm.cattle.io/unmanaged=true",
      "kubectl -n kube-system annotate --overwrite helmchart argocd helmcharts.helm.cattle.io/unmanaged=true",
    ]);
    // argocd's Job was asked until it succeeded: never annotated before.
    const firstArgocdAnnotate = r.calls.findIndex((c) => c.includes("annotate") && c.includes("argocd"));
    const argocdAsks = r.calls.map((c, i) => [c, i] as const).filter(([c]) => c.includes("get job helm-install-argocd"));
    expect(argocdAsks).toHaveLength(3);
    expect(argocdAsks.at(-1)![1]).toBeLessThan(firstArgocdAnnotate);
  });

  it("a chart whose install never succeeds: its file stays, the others go, exit 1 after the bound", () => {
    const r = run(DAY0, { cilium: 1 }, 4);
    expect(r.code).toBe(1);
    expect(r.left).toEqual(["slipway-argocd.yaml"]);
    expect(r.stderr).toContain("day 0 not done for: slipway-argocd.yaml");
    expect(r.calls.filter((c) => c.includes("annotate") && c.includes("argocd"))).toEqual([]);
  });

  it("the committed, secret-free stand-in of the keys' file is removed at once, with a hint", () => {
    const r = run({ "slipway-sealed-secrets-keys.yaml": "# Secret-free stand-in\n" }, {});
    expect(r.code).toBe(0);
    expect(r.left).toEqual([]);
    expect(r.stderr).toContain("held nothing to apply");
    expect(r.calls).toEqual([]);
  });

  it("passes shellcheck", () => {
    if (!hasTool("shellcheck")) return warnSkip("day0-handover.sh: shellcheck", "shellcheck");
    const file = join(tmp.dir, "handover-check.sh");
    writeFileSync(file, handoverScript("contabo-ha", "node-1")!);
    const r = spawnSync("shellcheck", ["-s", "sh", file], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
