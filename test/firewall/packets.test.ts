/**
 * The host firewall with real packets (issue: "Secure by default on public addresses"). For a
 * server and an agent of rendered specs, with and without a hosts.firewall key, the node's
 * rulesets are loaded the way the node loads them (the birth ruleset from its user-data at boot,
 * then its cluster ruleset from the tree's ConfigMap) into a network namespace holding the node's
 * address; listeners answer on the cluster's ports, and clients connect from an outside address,
 * another node's address, an admin address and a spoofed pod address. The test asserts exactly
 * which ports answer. It skips loudly when it cannot build namespaces (not root, no iproute2/nft).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderClusterText, type RenderResult } from "../../generator/pipeline.js";
import { tempDir } from "../support/cli.js";
import { netnsUnavailable, TwoHosts, type Port } from "../support/netns.js";
import { writeFiles, yamlObjects } from "../support/tree.js";
import { rulesetFor } from "../support/firewall.js";

const why = netnsUnavailable();
if (why) console.warn(`SKIP: host firewall with real packets: ${why}`);
const tmp = tempDir("slipway-packets-");
afterAll(() => tmp.cleanup());

const SERVER_1 = "198.51.100.1";
const SERVER_2 = "198.51.100.2";
const AGENT = "198.51.100.3";
const OUTSIDE = "192.0.2.50";
const ADMIN = "203.0.113.5";
/** A pod address arriving on the public interface: spoofed, must count as outside. */
const SPOOFED_POD = "10.42.1.7";

/** Every port a K3s node may listen on, and a NodePort. */
const PORTS: Port[] = [
  ...[22, 80, 443, 2379, 2380, 5001, 6443, 9100, 9101, 10250, 30080, 53].map((port) => ({ port, protocol: "tcp" as const })),
  ...[443, 8472, 51820, 53].map((port) => ({ port, protocol: "udp" as const })),
];
const ALL = PORTS.map((p) => `${p.port}/${p.protocol}`);
const WEB = ["80/tcp", "443/tcp", "443/udp"];

function specText(hosts: string[], extra: string[] = []): string {
  return [
    "apiVersion: slipway.dev/v1alpha1",
    "kind: Cluster",
    "metadata: {name: packets}",
    "spec:",
    "  gitops: {repoURL: https://github.com/example/infra.git}",
    "  nodes:",
    `    - {name: s1, role: server, address: ${SERVER_1}}`,
    `    - {name: s2, role: server, address: ${SERVER_2}}`,
    `    - {name: s3, role: server, address: 198.51.100.4}`,
    `    - {name: a1, role: agent, address: ${AGENT}}`,
    ...extra,
    ...hosts,
    "",
  ].join("\n");
}

interface Rendered {
  r: RenderResult;
  birth(node: string): string;
  cluster(node: string): string;
}

async function rendered(text: string): Promise<Rendered> {
  const r = await renderClusterText("cluster.yaml", text);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const file = (path: string) => r.files!.find((f) => f.path === path)!.text;
  const [cm] = yamlObjects(file("rendered/manifests/host-firewall/configmap.yaml"));
  return {
    r,
    birth: (node) => writeFiles(file(`bootstrap/${node}.yaml`)).find((f) => f.path === "/etc/slipway/firewall.nft")!.content,
    cluster: (node) => rulesetFor(cm!.data as Record<string, string>, node),
  };
}

/** Answers from each source to `address`, with `rulesets` loaded in order. */
function answers(address: string, rulesets: string[], sources: string[]): Record<string, string[]> {
  const hosts = new TwoHosts(tmp.dir, [address], sources);
  try {
    rulesets.forEach((text, i) => {
      const f = join(tmp.dir, `ruleset-${hosts.node}-${i}.nft`);
      writeFileSync(f, text);
      hosts.load(f);
    });
    return Object.fromEntries(sources.map((s) => [s, hosts.probe(address, s, PORTS).sort()]));
  } finally {
    hosts.close();
  }
}

const without = (...drop: string[]) => ALL.filter((p) => !drop.includes(p)).sort();
const only = (...keep: string[]) => [...keep].sort();

describe.skipIf(why !== undefined)("host firewall, real packets", () => {
  let withKey: Rendered;
  let noKey: Rendered;
  beforeAll(async () => {
    withKey = await rendered(specText(["  hosts:", "    firewall:", `      sshFrom: [${ADMIN.replace(/\d+$/, "0")}/24]`, `      apiFrom: [${ADMIN}/32]`]));
    noKey = await rendered(specText([]));
  });

  it("a server with sshFrom and apiFrom: the world reaches only the web; nodes reach everything, agents not etcd; admins SSH and the API", () => {
    const a = answers(SERVER_1, [withKey.birth("s1"), withKey.cluster("s1")], [OUTSIDE, SERVER_2, AGENT, ADMIN, SPOOFED_POD]);
    expect(a[OUTSIDE]).toEqual(only(...WEB));
    expect(a[SPOOFED_POD]).toEqual(only(...WEB));
    expect(a[SERVER_2]).toEqual(only(...ALL));
    expect(a[AGENT]).toEqual(without("2379/tcp", "2380/tcp"));
    expect(a[ADMIN]).toEqual(only(...WEB, "22/tcp", "6443/tcp"));
  });

  it("an agent with the same spec: the same doors", () => {
    const a = answers(AGENT, [withKey.birth("a1"), withKey.cluster("a1")], [OUTSIDE, SERVER_1, ADMIN]);
    expect(a[OUTSIDE]).toEqual(only(...WEB));
    expect(a[SERVER_1]).toEqual(only(...ALL));
    expect(a[ADMIN]).toEqual(only(...WEB, "22/tcp", "6443/tcp"));
  });

  it("no hosts.firewall key: on by default, SSH and the web open to all, every cluster port closed to the world", () => {
    const server = answers(SERVER_1, [noKey.birth("s1"), noKey.cluster("s1")], [OUTSIDE, SERVER_2, AGENT]);
    expect(server[OUTSIDE]).toEqual(only(...WEB, "22/tcp"));
    expect(server[SERVER_2]).toEqual(only(...ALL));
    expect(server[AGENT]).toEqual(without("2379/tcp", "2380/tcp"));
    const agent = answers(AGENT, [noKey.birth("a1"), noKey.cluster("a1")], [OUTSIDE, SERVER_1]);
    expect(agent[OUTSIDE]).toEqual(only(...WEB, "22/tcp"));
    expect(agent[SERVER_1]).toEqual(only(...ALL));
  });

  it("the birth ruleset alone (a node before the tree reaches it): SSH and the web, nothing else, not even for nodes", () => {
    const a = answers(SERVER_1, [withKey.birth("s1")], [OUTSIDE, SERVER_2]);
    expect(a[OUTSIDE]).toEqual(only(...WEB, "22/tcp"));
    expect(a[SERVER_2]).toEqual(only(...WEB, "22/tcp"));
  });

  it("a DNS failover server answers 53 to the world; its agents do not", async () => {
    const dns = await rendered(specText([], ["  dns:", "    failover: {zone: example.org, records: [{name: app}], probe: {tcp: {port: 443}}}"]));
    expect(answers(SERVER_1, [dns.birth("s1"), dns.cluster("s1")], [OUTSIDE])[OUTSIDE]).toEqual(only(...WEB, "22/tcp", "53/tcp", "53/udp"));
    expect(answers(AGENT, [dns.birth("a1"), dns.cluster("a1")], [OUTSIDE])[OUTSIDE]).toEqual(only(...WEB, "22/tcp"));
  });

  it("enabled: false: nothing filtered on input (and a warning said so)", async () => {
    const off = await rendered(specText(["  hosts:", "    firewall: {enabled: false}"]));
    expect(off.r.diagnostics.map((d) => d.code)).toContain("SW-FIREWALL-DISABLED");
    expect(answers(SERVER_1, [off.birth("s1"), off.cluster("s1")], [OUTSIDE])[OUTSIDE]).toEqual(only(...ALL));
  });

  it("httpFrom: the web only from those networks (and the nodes)", async () => {
    const web = await rendered(specText(["  hosts:", "    firewall:", `      httpFrom: [${ADMIN}/32]`]));
    const a = answers(SERVER_1, [web.birth("s1"), web.cluster("s1")], [OUTSIDE, ADMIN, SERVER_2]);
    expect(a[OUTSIDE]).toEqual(only("22/tcp"));
    expect(a[ADMIN]).toEqual(only(...WEB, "22/tcp"));
    expect(a[SERVER_2]).toEqual(only(...ALL));
  });

  it("the spec's nodes are in every node's ruleset; adding a node changes the tree's rulesets, not the others' user-data", async () => {
    const more = await rendered(specText([], ["    - {name: a2, role: agent, address: 198.51.100.9}"]));
    expect(answers(SERVER_1, [more.birth("s1"), more.cluster("s1")], ["198.51.100.9"])["198.51.100.9"]).toEqual(without("2379/tcp", "2380/tcp"));
    for (const node of ["s1", "s2", "s3", "a1"]) {
      const before = noKey.r.files!.find((f) => f.path === `bootstrap/${node}.yaml`)!.text;
      expect(more.r.files!.find((f) => f.path === `bootstrap/${node}.yaml`)!.text).toBe(before);
    }
  });
});

describe.skipIf(why !== undefined)("the rendered rulesets load", () => {
  it("every ruleset of every node passes nft -c (in a namespace: nothing is applied to this machine)", async () => {
    const r = await rendered(specText(["  hosts:", "    firewall: {sshFrom: [192.0.2.0/24], httpFrom: [192.0.2.0/24], apiFrom: [192.0.2.0/24]}"]));
    const hosts = new TwoHosts(tmp.dir, [SERVER_1], [OUTSIDE]);
    try {
      for (const node of ["s1", "s2", "s3", "a1"]) {
        for (const [what, text] of [["birth", r.birth(node)], ["cluster", r.cluster(node)]] as const) {
          const f = join(tmp.dir, `check-${node}-${what}.nft`);
          writeFileSync(f, text);
          expect(() => hosts.load(f), `${node} ${what}`).not.toThrow();
        }
      }
    } finally {
      hosts.close();
    }
  });
});


/**
 * Host-network pods share the host's network stack, so the forward-path drop does not cover them.
 * The boot script adds an output rule keyed on the socket's cgroup: only system.slice may reach the
 * metadata address. Run for real: a private mount namespace with its own cgroup2 mount, processes
 * placed in kubepods.slice (any kubelet cgroup driver puts pods outside system.slice), user.slice
 * and system.slice, connecting to a stand-in metadata server in the peer namespace.
 */
describe.skipIf(why !== undefined)("the metadata address from the host network", () => {
  it("kubepods and user sessions are dropped; system.slice (cloud-init, the provider's agents) gets through", async () => {
    const r = await rendered(specText([]));
    const boot = writeFiles(r.r.files!.find((f) => f.path === "bootstrap/s1.yaml")!.text).find((f) => f.path === "/usr/local/lib/slipway/firewall-boot.sh")!.content;
    const hosts = new TwoHosts(tmp.dir, [SERVER_1], ["169.254.169.254"]);
    try {
      const birth = join(tmp.dir, "meta-birth.nft");
      writeFileSync(birth, r.birth("s1"));
      const script = join(tmp.dir, "meta-boot.sh");
      writeFileSync(script, boot.replace("'/var/lib/slipway/firewall.nft'", "'/nonexistent'").replace("'/etc/slipway/firewall.nft'", `'${birth}'`));
      const server = join(tmp.dir, "meta-server.mjs");
      writeFileSync(server, 'import net from "node:net"; net.createServer((s) => s.end("user-data")).listen(80, "169.254.169.254"); setTimeout(() => process.exit(0), 15000);');
      const client = join(tmp.dir, "meta-client.mjs");
      writeFileSync(client, 'import net from "node:net"; const s = net.connect({ host: "169.254.169.254", port: 80, timeout: 500 }); s.on("data", () => { process.stdout.write("reached"); s.destroy(); }); s.on("timeout", () => { process.stdout.write("dropped"); s.destroy(); }); s.on("error", () => process.stdout.write("dropped"));');
      const node = `/var/run/netns/${hosts.node}`;
      const harness = [
        "set -e",
        "mount -t tmpfs none /sys/fs/cgroup",
        "mount -t cgroup2 none /sys/fs/cgroup",
        // The cgroup2 hierarchy is the machine's own: remove afterwards only what this test made.
        'made=""; for c in system.slice kubepods.slice user.slice; do [ -d /sys/fs/cgroup/$c ] || { mkdir /sys/fs/cgroup/$c; made="$made $c"; }; done',
        `nsenter --net=${node} sh ${script} 2>&1 | tail -1 >&2`,
        `ip netns exec ${hosts.peer} ${process.execPath} ${server} & srv=$!`,
        "sleep 0.5",
        "for c in kubepods.slice user.slice system.slice; do",
        `  r=$(sh -c "echo \\$\\$ > /sys/fs/cgroup/$c/cgroup.procs && exec nsenter --net=${node} ${process.execPath} ${client}")`,
        '  echo "$c $r"',
        "done",
        "kill $srv; wait $srv 2>/dev/null || true",
        "for c in $made; do rmdir /sys/fs/cgroup/$c; done",
      ].join("\n");
      const { spawnSync } = await import("node:child_process");
      const out = spawnSync("unshare", ["-m", "sh", "-c", harness], { encoding: "utf8", timeout: 30_000 });
      expect(out.stderr).toContain("only system.slice reaches 169.254.169.254 from this host");
      expect(out.stdout.trim().split("\n")).toEqual(["kubepods.slice dropped", "user.slice dropped", "system.slice reached"]);
    } finally {
      hosts.close();
    }
  });
});
