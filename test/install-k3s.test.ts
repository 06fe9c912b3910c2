/**
 * The rendered install script, run for real under sh with stand-ins for curl and the installer:
 * a node whose data disk is not mounted stops before anything is downloaded or installed.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, expect, it } from "vitest";
import { ROOT, tempDir } from "./support/cli.js";
import { writeFiles } from "./support/tree.js";

const tmp = tempDir("slipway-install-");
afterAll(() => tmp.cleanup());

function installScript(example: string, node: string): string {
  const text = readFileSync(join(ROOT, "test/cases", example, "bootstrap", `${node}.yaml`), "utf8");
  return writeFiles(text).find((f) => f.path === "/usr/local/lib/slipway/install-k3s.sh")!.content;
}

/** Runs the script with a PATH whose curl only records that it was called. */
function run(script: string, dataMount: string): { code: number; stderr: string; curled: boolean } {
  const bin = join(tmp.dir, "bin");
  mkdirSync(bin, { recursive: true });
  const marker = join(tmp.dir, "curl-called");
  writeFileSync(join(bin, "curl"), `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
  chmodSync(join(bin, "curl"), 0o755);
  const file = join(tmp.dir, "install-k3s.sh");
  writeFileSync(file, script.replace(/^DATA_MOUNT=.*$/m, `DATA_MOUNT='${dataMount}'`));
  const r = spawnSync("sh", [file], { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin` }, timeout: 10_000 });
  return { code: r.status ?? -1, stderr: r.stderr, curled: existsSync(marker) };
}

it("refuses to install K3s when the data disk is not mounted", () => {
  const script = installScript("hetzner-single", "cosmos-1");
  expect(script).toContain("DATA_MOUNT='/data'");
  const notMounted = join(tmp.dir, "data");
  mkdirSync(notMounted, { recursive: true });
  const r = run(script, notMounted);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`slipway: ${notMounted} is not mounted (is the data disk attached?): not installing K3s`);
  expect(r.curled).toBe(false);
});

it("goes on to download the installer when the mount is there (/ always is)", () => {
  const r = run(installScript("hetzner-single", "cosmos-1"), "/");
  expect(r.curled).toBe(true);
});

it("nodes without a data disk do not check for one", () => {
  expect(installScript("contabo-ha", "node-1")).toContain("DATA_MOUNT=''");
});
