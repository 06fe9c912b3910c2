/**
 * The real prober script under `busybox sh`, probing real listeners on 127.0.0.11-13 (and ::1),
 * with its config and environment produced by generator/dns/zone-config.ts. Every zone it writes
 * is checked with named-checkzone.
 */
import { spawnSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { proberConfig, proberEnv, type DnsFailoverInput } from "../../generator/dns/zone-config.js";
import {
  PROBER_SCRIPT,
  addressesOf,
  busyboxPath,
  checkZone,
  envFor,
  freePort,
  haveTool,
  HttpNode,
  readZone,
  removeTempDirs,
  runProber,
  sleep,
  stopAll,
  TcpNode,
  tempDir,
  testInput,
  waitFor,
} from "./helpers.js";

const hasBusybox = haveTool("busybox", "busybox");
const hasShellcheck = haveTool("shellcheck", "shellcheck");
const hasCheckzone = haveTool("named-checkzone", "bind9-utils");

const ZONE = "failover.test";
const INTERVAL = 1;
const TIMEOUT = 1;
const FAILURES = 2;
const SUCCESSES = 2;
/** Worst case from a node dying to the zone dropping it, plus slack for a loaded machine. */
const DETECT_MS = FAILURES * (INTERVAL + TIMEOUT) * 1000 + 3000;

afterEach(async () => {
  await stopAll();
});
afterAll(async () => {
  await stopAll();
  removeTempDirs();
});

interface Setup {
  dir: string;
  zoneFile: string;
  env: Record<string, string>;
  path: string;
}

function setup(input: DnsFailoverInput): Setup {
  const dir = tempDir("prober");
  const config = join(dir, "prober.conf");
  writeFileSync(config, proberConfig(input));
  return {
    dir,
    zoneFile: join(dir, `db.${ZONE}`),
    env: envFor(proberEnv(input), config, dir),
    path: busyboxPath(),
  };
}

function probe(kind: "tcp" | "http", port: number, path?: string): DnsFailoverInput["probe"] {
  return { kind, port, path, intervalSeconds: INTERVAL, timeoutSeconds: TIMEOUT, failures: FAILURES, successes: SUCCESSES };
}

function expectValidZone(file: string): void {
  if (!hasCheckzone) return;
  const r = checkZone(ZONE, file);
  expect(r.output).toContain("OK");
  expect(r.status, r.output).toBe(0);
}

const ALL = ["127.0.0.11", "127.0.0.12", "127.0.0.13"];

describe("prober.sh", () => {
  it.skipIf(!hasShellcheck)("passes shellcheck -s sh", () => {
    const r = spawnSync("shellcheck", ["-s", "sh", PROBER_SCRIPT], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it.skipIf(!hasBusybox)("refuses a config that names an unknown node, saying where", async () => {
    const s = setup(testInput(ZONE, probe("tcp", 1)));
    writeFileSync(s.env.CONFIG ?? "", "node node-1 127.0.0.11\nns ns1 127.0.0.11\nrecord @ node-1,node-9\n");
    const run = runProber(s.env, s.path);
    expect(await run.exited()).toBe(1);
    expect(run.output()).toContain("prober.conf:3: record @ names unknown node 'node-9'");
  });

  it.skipIf(!hasBusybox)(
    "tcp: drops a dead node within failures x interval, restores it after successes, never serves an empty set",
    async () => {
      const port = await freePort(ALL);
      const nodes = ALL.map((h) => new TcpNode(h, port));
      await Promise.all(nodes.map((n) => n.start()));
      const [n1, n2, n3] = nodes as [TcpNode, TcpNode, TcpNode];
      const s = setup(testInput(ZONE, probe("tcp", port)));
      const run = runProber(s.env, s.path);
      const zoneWhere = (what: string, ok: (z: NonNullable<ReturnType<typeof readZone>>) => boolean) =>
        waitFor(what, DETECT_MS, () => {
          const z = readZone(s.zoneFile);
          return z && ok(z) ? z : undefined;
        });

      // All up: the zone is written before the first probe.
      const z0 = await zoneWhere("the first zone", () => true);
      expect(addressesOf(z0, "@")).toEqual(ALL);
      expect(addressesOf(z0, "www")).toEqual(ALL);
      expect(addressesOf(z0, "api")).toEqual(["127.0.0.12", "127.0.0.13"]);
      expect(z0.records.filter((r) => r.type === "NS").map((r) => r.data)).toEqual([
        `ns1.${ZONE}.`,
        `ns2.${ZONE}.`,
        `ns3.${ZONE}.`,
      ]);
      expect(z0.records.find((r) => r.name === "api")?.ttl).toBe(30);
      expectValidZone(s.zoneFile);

      // Nothing changes: no rewrite, no serial bump, same mtime, over several probe rounds.
      const mtime0 = statSync(s.zoneFile).mtimeMs;
      await sleep(3 * (INTERVAL + TIMEOUT) * 500 + 500);
      const zSame = readZone(s.zoneFile);
      expect(zSame?.text).toBe(z0.text);
      expect(statSync(s.zoneFile).mtimeMs).toBe(mtime0);
      expect(run.output().match(/ written /g)).toHaveLength(1);

      // Some down: node-2 stops answering.
      let t = Date.now();
      await n2.stop();
      const z1 = await zoneWhere("node-2 to leave", (z) => !addressesOf(z, "@").includes("127.0.0.12"));
      expect(Date.now() - t).toBeLessThan(DETECT_MS);
      expect(run.output()).toContain(`state node-2 127.0.0.12 down (${FAILURES} failures)`);
      expect(z1.serial).toBeGreaterThan(z0.serial);
      expect(addressesOf(z1, "@")).toEqual(["127.0.0.11", "127.0.0.13"]);
      expect(addressesOf(z1, "api")).toEqual(["127.0.0.13"]);
      // Glue stays: name-server reachability is the resolver's business, not failover's.
      expect(addressesOf(z1, "ns2")).toEqual(["127.0.0.12"]);
      expectValidZone(s.zoneFile);

      // Back after SUCCESSES consecutive good probes, which takes at least one interval.
      t = Date.now();
      await n2.start();
      const z2 = await zoneWhere("node-2 to return", (z) => addressesOf(z, "@").includes("127.0.0.12"));
      expect(Date.now() - t).toBeGreaterThanOrEqual((SUCCESSES - 1) * INTERVAL * 1000 - 100);
      expect(run.output()).toContain(`state node-2 127.0.0.12 up (${SUCCESSES} successes)`);
      expect(z2.serial).toBeGreaterThan(z1.serial);
      expect(addressesOf(z2, "@")).toEqual(ALL);

      // Every node of `api` down: it serves both rather than nothing.
      await Promise.all([n2.stop(), n3.stop()]);
      const z3 = await zoneWhere("node-2 and node-3 to leave", (z) => addressesOf(z, "@").length === 1);
      expect(addressesOf(z3, "@")).toEqual(["127.0.0.11"]);
      expect(addressesOf(z3, "api")).toEqual(["127.0.0.12", "127.0.0.13"]);
      expect(run.output()).toContain("all probes failing for api: serving every address");
      expect(z3.serial).toBeGreaterThan(z2.serial);
      expectValidZone(s.zoneFile);

      // All down: every record serves every address.
      await n1.stop();
      const z4 = await zoneWhere("all nodes down", (z) => addressesOf(z, "@").length === 3);
      expect(addressesOf(z4, "www")).toEqual(ALL);
      expect(run.output()).toContain("all probes failing for @: serving every address");
      expect(run.output()).toContain("all probes failing for www: serving every address");
      expect(z4.serial).toBeGreaterThan(z3.serial);
      expectValidZone(s.zoneFile);
    },
    40_000,
  );

  it.skipIf(!hasBusybox)(
    "restart: leaves an unchanged zone alone, remembers down nodes and never lowers the serial",
    async () => {
      const port = await freePort(ALL);
      const nodes = ALL.map((h) => new TcpNode(h, port));
      await Promise.all(nodes.map((n) => n.start()));
      const s = setup(testInput(ZONE, probe("tcp", port)));

      let run = runProber(s.env, s.path);
      const z0 = await waitFor("the first zone", DETECT_MS, () => readZone(s.zoneFile));
      await run.kill();
      const mtime0 = statSync(s.zoneFile).mtimeMs;

      // Same health after a restart: the file is not touched.
      run = runProber(s.env, s.path);
      await waitFor("a probe round", DETECT_MS, () => (run.output().includes("start zone") ? true : undefined));
      await sleep((INTERVAL + TIMEOUT) * 1000 + 500);
      await run.kill();
      expect(run.output()).not.toContain(" written ");
      expect(statSync(s.zoneFile).mtimeMs).toBe(mtime0);

      // The clock is behind the last serial (or two changes share a second): serial + 1.
      const ahead = z0.serial + 1000;
      writeFileSync(join(s.dir, `.db.${ZONE}.serial`), `${ahead}\n`);
      await nodes[2]?.stop();
      run = runProber(s.env, s.path);
      const z1 = await waitFor("node-3 to leave", DETECT_MS, () => {
        const z = readZone(s.zoneFile);
        return z && !addressesOf(z, "@").includes("127.0.0.13") ? z : undefined;
      });
      expect(z1.serial).toBe(ahead + 1);
      await run.kill();
      const mtime1 = statSync(s.zoneFile).mtimeMs;

      // node-3 is still down: a restart starts it down instead of re-adding it for a while.
      run = runProber(s.env, s.path);
      await waitFor("start", DETECT_MS, () => (run.output().includes("start zone") ? true : undefined));
      await sleep((INTERVAL + TIMEOUT) * 1000 + 500);
      expect(run.output()).not.toContain(" written ");
      expect(statSync(s.zoneFile).mtimeMs).toBe(mtime1);
      expect(addressesOf(readZone(s.zoneFile) ?? { records: [] }, "@")).toEqual(["127.0.0.11", "127.0.0.12"]);
    },
    40_000,
  );

  it.skipIf(!hasBusybox)(
    "http: GETs the path, takes a node out on 503 and back on 200, serves AAAA for IPv6 nodes",
    async () => {
      const path = "/healthz?ready=1";
      const v6 = { name: "node-6", address: "::1" };
      const hosts = [...ALL, v6.address];
      const port = await freePort(hosts);
      const servers = hosts.map((h) => new HttpNode(h, port, path));
      await Promise.all(servers.map((n) => n.start()));
      const s = setup(testInput(ZONE, probe("http", port, path), [v6]));
      const run = runProber(s.env, s.path);

      const z0 = await waitFor("the first zone", DETECT_MS, () => readZone(s.zoneFile));
      expect(addressesOf(z0, "v6")).toEqual(["127.0.0.11", "::1"]);
      expect(z0.records.find((r) => r.name === "v6" && r.data === "::1")?.type).toBe("AAAA");
      expectValidZone(s.zoneFile);

      const node3 = servers[2] as HttpNode;
      node3.healthy = false;
      const z1 = await waitFor("node-3 to leave on 503", DETECT_MS, () => {
        const z = readZone(s.zoneFile);
        return z && !addressesOf(z, "@").includes("127.0.0.13") ? z : undefined;
      });
      expect(run.output()).toContain(`state node-3 127.0.0.13 down (${FAILURES} failures)`);
      expect(addressesOf(z1, "api")).toEqual(["127.0.0.12"]);

      node3.healthy = true;
      await waitFor("node-3 to return on 200", DETECT_MS, () => {
        const z = readZone(s.zoneFile);
        return z && addressesOf(z, "@").includes("127.0.0.13") ? z : undefined;
      });
      expect(run.output()).toContain(`state node-3 127.0.0.13 up (${SUCCESSES} successes)`);
      // Every node, the IPv6 one included, was asked for exactly the configured path.
      for (const server of servers) {
        expect(server.requests.length).toBeGreaterThan(0);
        expect(new Set(server.requests)).toEqual(new Set([path]));
      }
    },
    40_000,
  );
});
