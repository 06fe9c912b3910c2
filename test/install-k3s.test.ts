/**
 * The rendered install script, run for real under sh with stand-ins for curl, git, nft and the K3s
 * installer: a node whose data disk is not mounted stops before anything is downloaded; a joining
 * node installs the version its server serves and loads its cluster firewall before K3s; the first
 * server reads its version and day-0 manifests from the tree, with a private repository's token in
 * git's environment only. Host paths (/run/slipway, /var/lib/slipway, K3s's manifests directory)
 * are moved under a temporary root.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, tempDir } from "./support/cli.js";
import { writeFiles } from "./support/tree.js";

const tmp = tempDir("slipway-install-");
afterAll(() => { if (!process.env.KEEP) tmp.cleanup(); });
let n = 0;

function installScript(example: string, node: string): string {
  const text = readFileSync(join(ROOT, "test/cases", example, "bootstrap", `${node}.yaml`), "utf8");
  return writeFiles(text).find((f) => f.path === "/usr/local/lib/slipway/install-k3s.sh")!.content;
}

interface Run {
  code: number;
  stderr: string;
  root: string;
  log: string[];
}

/**
 * Runs the script in its own temporary root with stand-ins on PATH. Each stand-in appends its
 * argv to calls.log; curl serves `served` by URL suffix, git serves `tree` (a rendered tree).
 */
function run(script: string, opts: { dataMount?: string; served?: Record<string, string>; tree?: string; nftFails?: boolean } = {}): Run {
  const root = join(tmp.dir, `run-${n++}`);
  const bin = join(root, "bin");
  mkdirSync(bin, { recursive: true });
  const log = join(root, "calls.log");
  const stub = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> '${log}'\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  // curl: -o FILE URL, or -o /dev/null URL; answers what `served` has for the URL's end. The
  // installer "download" is a script that records what it was asked to install.
  const served = { "install.sh": `printf 'installer %s %s\\n' "$INSTALL_K3S_VERSION" "$INSTALL_K3S_EXEC" >> '${log}'`, ...opts.served };
  stub(
    "curl",
    [
      'out=""; url=""',
      'while [ $# -gt 0 ]; do case "$1" in -o) out=$2; shift 2 ;; -u|--max-time|--retry|--retry-delay) shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac; done',
      ...Object.entries(served).map(([suffix, body]) => `case "$url" in *${suffix}) printf '%s' '${body.replace(/'/g, "'\\''")}' > "$out"; exit 0 ;; esac`),
      "exit 22",
    ].join("\n"),
  );
  stub("sleep", "exit 0");
  stub("nft", opts.nftFails ? "exit 1" : "exit 0");
  stub("mountpoint", 'test "$2" = / ');
  if (opts.tree) {
    // git -C DIR init|fetch|cat-file -e REF:PATH|show REF:PATH|ls-tree --name-only REF:PATH, from the tree.
    stub(
      "git",
      [
        `printf 'env %s\\n' "$GIT_CONFIG_VALUE_0" >> '${log}'`,
        'shift 2; cmd=$1; shift',
        'case "$cmd" in',
        "  init|fetch) exit 0 ;;",
        `  cat-file) test -f '${opts.tree}/'"\${2#FETCH_HEAD:}" ;;`,
        `  show) cat '${opts.tree}/'"\${1#FETCH_HEAD:}" ;;`,
        `  ls-tree) ls '${opts.tree}/'"\${2#FETCH_HEAD:}" ;;`,
        "esac",
      ].join("\n"),
    );
  }
  const file = join(root, "install-k3s.sh");
  writeFileSync(
    file,
    script
      .replace(/^DATA_MOUNT=.*$/m, `DATA_MOUNT='${opts.dataMount ?? ""}'`)
      .replaceAll("/run/slipway", join(root, "run"))
      .replaceAll("/var/lib/slipway", join(root, "var"))
      .replaceAll("/var/lib/rancher/k3s/server/manifests", join(root, "manifests")),
  );
  const r = spawnSync("sh", [file], { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin` }, timeout: 20_000 });
  return { code: r.status ?? -1, stderr: r.stderr, root, log: existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [] };
}

describe("install-k3s.sh", () => {
  it("refuses to install K3s when the data disk is not mounted", () => {
    const script = installScript("hetzner-single", "cosmos-1");
    expect(script).toContain("DATA_MOUNT='/data'");
    const r = run(script, { dataMount: join(tmp.dir, "data") });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is not mounted (is the data disk attached?): not installing K3s");
    expect(r.log.filter((l) => /^(curl|git) /.test(l))).toEqual([]);
  });

  it("nodes without a data disk do not check for one", () => {
    expect(installScript("contabo-ha", "node-1")).toContain("DATA_MOUNT=''");
  });

  it("a joining node installs the version its server serves, loading its cluster firewall first", () => {
    const script = installScript("contabo-ha", "node-2");
    expect(script).not.toMatch(/v1\.\d+\.\d+\+k3s/);
    const r = run(script, {
      served: { "/cacerts": "CA", "/static/slipway/k3s-version": "v1.36.4+k3s1\n", "/static/slipway/firewall/node-2.nft": "#!/usr/sbin/nft -f\n" },
    });
    expect(r.stderr).toBe(`slipway: K3s v1.36.4+k3s1 installed (server)\n`);
    expect(r.code).toBe(0);
    const curls = r.log.filter((l) => l.startsWith("curl "));
    expect(curls[0]).toContain("https://203.0.113.11:6443/cacerts");
    expect(curls[1]).toContain("-u node:__SLIPWAY_SECRET_SLIPWAY_K3S_TOKEN__ -o");
    expect(curls[1]).toContain("https://203.0.113.11:6443/static/slipway/k3s-version");
    expect(curls[3]).toContain("https://raw.githubusercontent.com/k3s-io/k3s/v1.36.4%2Bk3s1/install.sh");
    // nft -c, then nft -f of the served ruleset, before the installer runs.
    const nft = r.log.filter((l) => l.startsWith("nft "));
    expect(nft).toEqual([`nft -c -f ${join(r.root, "var/firewall.nft.new")}`, `nft -f ${join(r.root, "var/firewall.nft")}`]);
    expect(r.log.indexOf(`nft -f ${join(r.root, "var/firewall.nft")}`)).toBeLessThan(r.log.findIndex((l) => l.startsWith("installer ")));
    expect(r.log.find((l) => l.startsWith("installer "))).toBe("installer v1.36.4+k3s1 server");
  });

  it("a served ruleset that does not load keeps the birth firewall and still joins", () => {
    const r = run(installScript("contabo-ha", "node-3"), {
      served: { "/cacerts": "CA", "/static/slipway/k3s-version": "v1.36.3+k3s1\n", "/static/slipway/firewall/node-3.nft": "garbage" },
      nftFails: true,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("the ruleset served for this node does not load; keeping the birth firewall");
    expect(existsSync(join(r.root, "var/firewall.nft"))).toBe(false);
  });

  it("a served version that is no K3s release is refused", () => {
    const r = run(installScript("contabo-ha", "node-2"), { served: { "/cacerts": "CA", "/static/slipway/k3s-version": "latest; rm -rf /", "/static/slipway/firewall/node-2.nft": "", "install.sh": "" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unexpected K3s version "latest; rm -rf /"; not installing');
  });

  it("the first server reads its version and day-0 manifests from the tree; a private repository's token stays out of git's argv", () => {
    const tree = join(tmp.dir, `tree-${n++}`);
    const gitopsPath = "examples/hetzner-single/rendered";
    cpSync(join(ROOT, "test/cases/hetzner-single/rendered"), join(tree, gitopsPath), { recursive: true });
    const script = installScript("hetzner-single", "cosmos-1");
    const r = run(script, { dataMount: "/", tree });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("slipway: K3s v1.36.3+k3s1 installed (server)\n");
    expect(r.log.find((l) => l.startsWith("installer "))).toBe("installer v1.36.3+k3s1 server");
    // Every day-0 HelmChart and the root Application, byte for byte, root-only.
    const manifests = readdirSync(join(r.root, "manifests")).sort();
    expect(manifests).toEqual(["slipway-argocd.yaml", "slipway-root-app.yaml"]);
    expect(readFileSync(join(r.root, "manifests/slipway-argocd.yaml"), "utf8")).toBe(readFileSync(join(tree, gitopsPath, "day0/slipway-argocd.yaml"), "utf8"));
    expect(readFileSync(join(r.root, "manifests/slipway-root-app.yaml"), "utf8")).toBe(readFileSync(join(tree, gitopsPath, "apps/root.yaml"), "utf8"));
    // The example's repository is private: Basic auth through GIT_CONFIG_VALUE_0, not the command line.
    const header = `Authorization: Basic ${Buffer.from("__SLIPWAY_SECRET_SLIPWAY_GIT_USERNAME__:__SLIPWAY_SECRET_SLIPWAY_GIT_TOKEN__").toString("base64")}`;
    expect(r.log).toContain(`env ${header}`);
    expect(r.log.filter((l) => l.startsWith("git ") && l.includes("SECRET"))).toEqual([]);
  });
});
