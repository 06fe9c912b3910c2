/**
 * Real packets for the host firewall tests: two network namespaces joined by a veth pair, the
 * "node" holding the node's addresses with the rendered rulesets loaded, the "peer" holding the
 * source addresses traffic comes from (outside, another node, an admin network). Listeners and
 * clients are small Node programs run inside the namespaces. Needs root, iproute2 and nft; callers
 * skip loudly (`netnsUnavailable`) otherwise.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { hasTool } from "./cli.js";

/** Why real-packet tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "not root (network namespaces need CAP_SYS_ADMIN)";
  for (const tool of ["ip", "nft"]) if (!hasTool(tool)) return `${tool} is not installed`;
  const probe = `slipway-probe-${process.pid}`;
  const add = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (add.status !== 0) return `ip netns add fails: ${add.stderr.trim()}`;
  spawnSync("ip", ["netns", "del", probe]);
  return undefined;
}

function sh(args: string[], input?: string): SpawnSyncReturns<string> {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: "utf8", input, timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${args.join(" ")}: ${r.stderr || r.stdout}`);
  return r;
}

export interface Port {
  port: number;
  protocol: "tcp" | "udp";
}

/** A node namespace and a peer namespace, wired; `close()` removes both. */
export class TwoHosts {
  readonly node: string;
  readonly peer: string;
  private closed = false;

  constructor(
    readonly dir: string,
    nodeAddresses: readonly string[],
    peerAddresses: readonly string[],
  ) {
    const id = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.node = `sw-node-${id}`;
    this.peer = `sw-peer-${id}`;
    sh(["ip", "netns", "add", this.node]);
    sh(["ip", "netns", "add", this.peer]);
    const n = `swn${id.slice(-6)}`;
    const p = `swp${id.slice(-6)}`;
    sh(["ip", "link", "add", n, "type", "veth", "peer", "name", p]);
    sh(["ip", "link", "set", n, "netns", this.node]);
    sh(["ip", "link", "set", p, "netns", this.peer]);
    for (const [ns, dev, own, other] of [
      [this.node, n, nodeAddresses, peerAddresses],
      [this.peer, p, peerAddresses, nodeAddresses],
    ] as const) {
      sh(["ip", "-n", ns, "link", "set", "lo", "up"]);
      sh(["ip", "-n", ns, "link", "set", dev, "up"]);
      for (const a of own) sh(["ip", "-n", ns, "addr", "add", `${a}/32`, "dev", dev]);
      // Every address of the other side is on-link through the veth.
      for (const a of other) sh(["ip", "-n", ns, "route", "add", `${a}/32`, "dev", dev]);
    }
  }

  /** `nft -f` of a ruleset file inside the node namespace. */
  load(file: string): void {
    sh(["ip", "netns", "exec", this.node, "nft", "-f", file]);
  }

  /**
   * Which of `ports` answer on `to` (a node address) from source address `from` (a peer
   * address): TCP connects, UDP gets an echo. Listeners run in the node namespace meanwhile.
   */
  probe(to: string, from: string, ports: readonly Port[]): string[] {
    const spec = JSON.stringify(ports);
    const serverFile = join(this.dir, `listen-${this.node}.mjs`);
    const clientFile = join(this.dir, `probe-${this.node}.mjs`);
    writeFileSync(
      serverFile,
      [
        'import net from "node:net"; import dgram from "node:dgram";',
        `const ports = ${spec}; let up = 0;`,
        "const ready = () => { if (++up === ports.length) process.stdout.write('ready\\n'); };",
        "for (const p of ports) {",
        "  if (p.protocol === 'tcp') net.createServer((s) => s.end()).listen(p.port, '0.0.0.0', ready);",
        "  else { const u = dgram.createSocket('udp4'); u.on('message', (m, r) => u.send(m, r.port, r.address)); u.bind(p.port, '0.0.0.0', ready); }",
        "}",
        "setTimeout(() => process.exit(0), 20000);",
      ].join("\n"),
    );
    writeFileSync(
      clientFile,
      [
        'import net from "node:net"; import dgram from "node:dgram";',
        `const ports = ${spec}; const [to, from] = process.argv.slice(2);`,
        "const tcp = (port) => new Promise((ok) => { const s = net.connect({ host: to, port, localAddress: from, timeout: 400 }); s.on('connect', () => { s.destroy(); ok(true); }); s.on('timeout', () => { s.destroy(); ok(false); }); s.on('error', () => ok(false)); });",
        "const udp = (port) => new Promise((ok) => { const u = dgram.createSocket('udp4'); const t = setTimeout(() => { u.close(); ok(false); }, 400); u.on('message', () => { clearTimeout(t); u.close(); ok(true); }); u.on('error', () => { clearTimeout(t); ok(false); }); u.bind(0, from, () => u.send('x', port, to)); });",
        "const open = await Promise.all(ports.map((p) => (p.protocol === 'tcp' ? tcp(p.port) : udp(p.port))));",
        "process.stdout.write(JSON.stringify(ports.filter((_, i) => open[i]).map((p) => `${p.port}/${p.protocol}`)));",
      ].join("\n"),
    );
    const server = spawnSync("sh", ["-c", `ip netns exec ${this.node} ${process.execPath} ${serverFile} >/dev/null & pid=$!; sleep 0.5; ip netns exec ${this.peer} ${process.execPath} ${clientFile} ${to} ${from}; kill $pid 2>/dev/null; wait $pid 2>/dev/null; true`], { encoding: "utf8", timeout: 30_000 });
    return JSON.parse(server.stdout.trim() || "[]") as string[];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    spawnSync("ip", ["netns", "del", this.node]);
    spawnSync("ip", ["netns", "del", this.peer]);
  }
}
