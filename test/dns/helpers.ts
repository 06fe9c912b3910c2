/**
 * Shared helpers for the DNS-failover tests: tool detection, the real prober run under BusyBox
 * against listeners on 127.0.0.x, polling and a small zone-file reader. Everything binds loopback
 * addresses only and every process it starts is tracked so `stopAll()` can kill it.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { DnsFailoverInput, DnsNode } from "../../generator/dns/zone-config.js";

const here = dirname(fileURLToPath(import.meta.url));
export const PROBER_SCRIPT = resolve(here, "../../templates/manifests/dns-failover/prober.sh");

/** Whether a command is on PATH; if not, say so loudly, because a skipped test hides coverage. */
export function haveTool(tool: string, pkg: string): boolean {
  const found = spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;
  if (!found) console.warn(`SKIP: ${tool} not installed (Debian package ${pkg}); tests that need it are skipped`);
  return found;
}

const tempDirs = new Set<string>();

/** A fresh temp directory, removed by `removeTempDirs()`. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `slipway-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/**
 * A directory of symlinks to busybox, one per applet, put first on PATH: the prober then runs with
 * busybox's nc, wget, timeout, ... exactly as in the busybox image, not the host's tools.
 */
let busyboxPathCache: string | undefined;
export function busyboxPath(): string {
  if (busyboxPathCache !== undefined) return busyboxPathCache;
  const dir = join(tempDir("busybox"), "bin");
  mkdirSync(dir);
  const busybox = spawnSync("sh", ["-c", "command -v busybox"], { encoding: "utf8" }).stdout.trim();
  const applets = spawnSync(busybox, ["--list"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  for (const applet of applets) symlinkSync(busybox, join(dir, applet));
  busyboxPathCache = `${dir}:${process.env.PATH ?? ""}`;
  return busyboxPathCache;
}

const processes = new Set<ChildProcess>();
const closers = new Set<() => Promise<void>>();

/** Kill every process group we started and close every listener. */
export async function stopAll(): Promise<void> {
  for (const p of processes) killGroup(p);
  processes.clear();
  await Promise.all([...closers].map((c) => c()));
  closers.clear();
}

function killGroup(p: ChildProcess): void {
  if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
  try {
    process.kill(-p.pid, "SIGKILL"); // detached: the prober leads its own group (probes, sleep)
  } catch {
    // already gone
  }
}

/** Start a process in its own process group, tracked for `stopAll()`. */
export function startTracked(cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(cmd, args, { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  processes.add(child);
  return child;
}

export interface ProberRun {
  child: ChildProcess;
  /** Everything the prober printed so far, stdout and stderr. */
  output(): string;
  exited(): Promise<number | null>;
  kill(): Promise<void>;
}

/** Run the real prober script under `busybox sh`. */
export function runProber(env: Record<string, string>, path: string): ProberRun {
  const child = startTracked("busybox", ["sh", PROBER_SCRIPT], { PATH: path, ...env });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  return {
    child,
    output: () => out,
    exited: () => exit,
    async kill() {
      killGroup(child);
      processes.delete(child);
      await exit;
    },
  };
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Poll `check` every 100 ms until it returns a value other than undefined; fail after `ms`. */
export async function waitFor<T>(what: string, ms: number, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A TCP listener that can be stopped and started again on the same address and port. */
export class TcpNode {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(readonly host: string, readonly port: number) {
    closers.add(() => this.stop());
  }

  async start(): Promise<void> {
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on("error", () => undefined); // probes hang up abruptly
      socket.on("close", () => this.sockets.delete(socket));
      socket.end();
    });
    await new Promise<void>((res, rej) => {
      server.once("error", rej);
      server.listen(this.port, this.host, () => res());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((res) => server.close(() => res()));
  }
}

/** An HTTP node answering 200 on `path` while healthy, 503 while not, 404 elsewhere. */
export class HttpNode {
  healthy = true;
  readonly requests: string[] = [];
  private server: HttpServer | undefined;

  constructor(readonly host: string, readonly port: number, readonly path: string) {
    closers.add(() => this.stop());
  }

  async start(): Promise<void> {
    const server = createHttpServer((req, res) => {
      this.requests.push(req.url ?? "");
      res.statusCode = req.url !== this.path ? 404 : this.healthy ? 200 : 503;
      res.end();
    });
    server.keepAliveTimeout = 1;
    await new Promise<void>((res, rej) => {
      server.once("error", rej);
      server.listen(this.port, this.host, () => res());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((res) => server.close(() => res()));
  }
}

/** A port free on every given loopback address (asked from the kernel on the first, tried on the rest). */
export async function freePort(hosts: string[]): Promise<number> {
  // Free for TCP and UDP both: a DNS server listens on both, and a UDP port taken by another
  // test's client (ephemeral ports share the range) once made dig read that client's packets.
  for (let attempt = 0; attempt < 20; attempt++) {
    const servers: Server[] = [];
    const sockets: UdpSocket[] = [];
    let port = 0;
    try {
      for (const host of hosts) {
        const s = createServer();
        await new Promise<void>((res, rej) => {
          s.once("error", rej);
          s.listen(port, host, () => res());
        });
        servers.push(s);
        const address = s.address();
        if (port === 0 && address && typeof address === "object") port = address.port;
        const u = createSocket(host.includes(":") ? "udp6" : "udp4");
        sockets.push(u);
        await new Promise<void>((res, rej) => {
          u.once("error", rej);
          u.bind(port, host, () => res());
        });
      }
      return port;
    } catch {
      // taken on one of the hosts: try another
    } finally {
      await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
      await Promise.all(sockets.map((u) => new Promise<void>((res) => { try { u.close(() => res()); } catch { res(); } })));
    }
  }
  throw new Error(`no free port on ${hosts.join(", ")}`);
}

export interface ZoneRecord {
  name: string;
  ttl: number | undefined;
  type: string;
  data: string;
}

/** Just enough of a zone-file reader for the files the prober writes (one record a line). */
export function parseZone(text: string): { serial: number; records: ZoneRecord[] } {
  const records: ZoneRecord[] = [];
  let serial = Number.NaN;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("$")) continue;
    const m = /^(\S+)\s+(?:(\d+)\s+)?IN\s+(\S+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`unexpected zone line: ${line}`);
    const record: ZoneRecord = { name: m[1] ?? "", ttl: m[2] ? Number(m[2]) : undefined, type: m[3] ?? "", data: m[4] ?? "" };
    if (record.type === "SOA") serial = Number(record.data.split(/\s+/)[2]);
    records.push(record);
  }
  return { serial, records };
}

/** Addresses (sorted) of the A/AAAA records at `name`. */
export function addressesOf(zone: { records: ZoneRecord[] }, name: string): string[] {
  return zone.records
    .filter((r) => r.name === name && (r.type === "A" || r.type === "AAAA"))
    .map((r) => r.data)
    .sort();
}

export function readZone(file: string): { text: string; serial: number; records: ZoneRecord[] } | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  return { text, ...parseZone(text) };
}

/** `named-checkzone ZONE FILE`: exit status and output. */
export function checkZone(zone: string, file: string): { status: number | null; output: string } {
  const r = spawnSync("named-checkzone", [zone, file], { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Three servers on 127.0.0.11-13 that also serve the failover records. */
export function loopbackNodes(): DnsNode[] {
  return [1, 2, 3].map((i) => ({ name: `node-${i}`, address: `127.0.0.1${i}` }));
}

/**
 * The test topology: `@` and `www` on every node, `api` on node-2 and node-3 only, and static
 * records of every type beside them.
 */
export function testInput(zone: string, probe: DnsFailoverInput["probe"], extraNodes: DnsNode[] = []): DnsFailoverInput {
  const nodes = loopbackNodes();
  const [n1, n2, n3] = nodes as [DnsNode, DnsNode, DnsNode];
  return {
    zone,
    ttl: 30,
    nodes,
    records: [
      { name: "@", nodes },
      { name: "www", nodes },
      { name: "api", nodes: [n2, n3] },
      ...(extraNodes.length > 0 ? [{ name: "v6", nodes: [n1, ...extraNodes] }] : []),
    ],
    probe,
    extraRecords: [
      { name: "@", type: "TXT", value: 'v=spf1 -all; "quoted"' },
      { name: "@", type: "MX", value: `10 mail.${zone}.` },
      { name: "mail", type: "A", value: "127.0.0.50" },
      { name: "docs", type: "CNAME", value: "www" },
    ],
  };
}

/** Environment for the prober from `proberEnv`, pointed at a temp config and zone directory. */
export function envFor(pairs: { name: string; value: string }[], config: string, zoneDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { name, value } of pairs) env[name] = value;
  return { ...env, CONFIG: config, ZONE_DIR: zoneDir };
}

/** A Corefile server block or directive: its words and, if it has `{ ... }`, its children. */
export interface CoreNode {
  words: string[];
  children?: CoreNode[];
}

/** Enough of Caddyfile syntax for our output: comments, lines of words, nested braces. */
export function parseCorefile(text: string): CoreNode[] {
  const root: CoreNode[] = [];
  const stack: CoreNode[][] = [root];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    const current = stack[stack.length - 1] as CoreNode[];
    if (line === "}") {
      expect(stack.length, "unbalanced }").toBeGreaterThan(1);
      stack.pop();
      continue;
    }
    const opens = line.endsWith("{");
    const node: CoreNode = { words: line.replace(/\{$/, "").trim().split(/\s+/) };
    current.push(node);
    if (opens) {
      node.children = [];
      stack.push(node.children);
    }
  }
  expect(stack.length, "unclosed {").toBe(1);
  return root;
}
