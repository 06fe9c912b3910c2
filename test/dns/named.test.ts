/**
 * Zones the real prober wrote for all-up, some-down and all-down, served by a real `named` on
 * 127.0.0.1 and queried with `dig`: what a resolver would actually get in each state.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { proberConfig, proberEnv } from "../../generator/dns/zone-config.js";
import {
  addressesOf,
  busyboxPath,
  envFor,
  freePort,
  haveTool,
  readZone,
  removeTempDirs,
  runProber,
  startTracked,
  stopAll,
  TcpNode,
  tempDir,
  testInput,
  waitFor,
} from "./helpers.js";

const hasBusybox = haveTool("busybox", "busybox");
const hasNamed = haveTool("named", "bind9");
const hasDig = haveTool("dig", "dnsutils");

const ALL = ["127.0.0.11", "127.0.0.12", "127.0.0.13"];

afterAll(async () => {
  await stopAll();
  removeTempDirs();
});

/** The states, each its own zone so one named serves all three at once. */
const STATES = [
  { zone: "up.failover.test", up: ALL },
  { zone: "some.failover.test", up: ["127.0.0.11", "127.0.0.13"] },
  { zone: "down.failover.test", up: [] as string[] },
];

/**
 * Run the prober until its zone reflects `up`: listeners only on the up nodes, FAILURES=1 so one
 * probe round settles it. All-down is reached when the prober says it serves every address.
 */
async function zoneInState(dir: string, zone: string, up: string[]): Promise<string> {
  const port = await freePort(ALL);
  await Promise.all(up.map((h) => new TcpNode(h, port).start()));
  const input = testInput(zone, { kind: "tcp", port, intervalSeconds: 1, timeoutSeconds: 1, failures: 1, successes: 1 });
  const config = join(dir, `${zone}.conf`);
  writeFileSync(config, proberConfig(input));
  const run = runProber(envFor(proberEnv(input), config, dir), busyboxPath());
  const file = join(dir, `db.${zone}`);
  await waitFor(`zone ${zone}`, 10_000, () => {
    const z = readZone(file);
    if (!z) return undefined;
    if (up.length === 0) return run.output().includes("all probes failing for @") ? true : undefined;
    return addressesOf(z, "@").join() === [...up].sort().join() ? true : undefined;
  });
  await run.kill();
  return file;
}

function dig(port: number, name: string, type: string): string[] {
  const r = spawnSync("dig", ["@127.0.0.1", "-p", String(port), "+short", "+time=2", "+tries=1", name, type], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`dig ${name} ${type} failed: ${r.stdout}${r.stderr}`);
  return r.stdout.split("\n").filter(Boolean).sort();
}

describe("prober zones served by named", () => {
  it.skipIf(!hasBusybox || !hasNamed || !hasDig)(
    "answers with the healthy addresses, and with all of them when none is healthy",
    async () => {
      const dir = tempDir("named");
      const files = await Promise.all(STATES.map((s) => zoneInState(dir, s.zone, s.up)));

      const port = await freePort(["127.0.0.1"]);
      // controls {} turns off rndc's fixed port 953, so parallel runs cannot collide.
      const conf = [
        "options {",
        `  directory "${dir}";`,
        `  listen-on port ${port} { 127.0.0.1; };`,
        "  listen-on-v6 { none; };",
        `  pid-file "${dir}/named.pid";`,
        `  session-keyfile "${dir}/session.key";`,
        `  managed-keys-directory "${dir}";`,
        "  recursion no;",
        "  dnssec-validation no;",
        "};",
        "controls { };",
        ...STATES.map((s, i) => `zone "${s.zone}" { type primary; file "${files[i]}"; };`),
        "",
      ].join("\n");
      writeFileSync(join(dir, "named.conf"), conf);
      // -g: foreground, log to stderr; as root it stays root, which is fine for a loopback test.
      const named = startTracked("named", ["-g", "-n", "1", "-c", join(dir, "named.conf")], process.env);
      let log = "";
      named.stderr?.on("data", (d: Buffer) => (log += d.toString()));
      await waitFor("named to load the zones", 15_000, () => (log.includes("running") ? true : undefined)).catch((e: Error) => {
        throw new Error(`${e.message}\n${log}`);
      });

      const [upZone, someZone, downZone] = STATES.map((s) => s.zone) as [string, string, string];
      expect(dig(port, upZone, "A")).toEqual(ALL);
      expect(dig(port, `www.${upZone}`, "A")).toEqual(ALL);
      expect(dig(port, `api.${upZone}`, "A")).toEqual(["127.0.0.12", "127.0.0.13"]);

      expect(dig(port, someZone, "A")).toEqual(["127.0.0.11", "127.0.0.13"]);
      expect(dig(port, `api.${someZone}`, "A")).toEqual(["127.0.0.13"]);
      // The static records and the delegation do not fail over.
      expect(dig(port, someZone, "NS")).toEqual([1, 2, 3].map((i) => `ns${i}.${someZone}.`));
      expect(dig(port, `ns2.${someZone}`, "A")).toEqual(["127.0.0.12"]);
      expect(dig(port, `docs.${someZone}`, "CNAME")).toEqual([`www.${someZone}.`]);
      expect(dig(port, someZone, "TXT")).toEqual(['"v=spf1 -all; \\"quoted\\""']);

      expect(dig(port, downZone, "A")).toEqual(ALL);
      expect(dig(port, `api.${downZone}`, "A")).toEqual(["127.0.0.12", "127.0.0.13"]);
    },
    40_000,
  );
});
