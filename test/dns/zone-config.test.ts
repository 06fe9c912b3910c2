/** The pure generators and validators of generator/dns/zone-config.ts. */
import { describe, expect, it } from "vitest";
import {
  BIND_ADDRESS_ENV,
  corefile,
  dnsFailoverProblems,
  extraRecordLine,
  formatRegistrarRecords,
  proberConfig,
  proberEnv,
  recordNameProblems,
  registrarRecords,
  zoneNameProblems,
  type DnsFailoverInput,
} from "../../generator/dns/zone-config.js";
import { parseCorefile, type CoreNode } from "./helpers.js";

const n1 = { name: "node-1", address: "203.0.113.11" };
const n2 = { name: "node-2", address: "203.0.113.12" };
const n3 = { name: "node-3", address: "2001:db8::13" };
const agent = { name: "agent-1", address: "198.51.100.7" };

function input(over: Partial<DnsFailoverInput> = {}): DnsFailoverInput {
  return {
    zone: "example.com",
    ttl: 30,
    nodes: [n1, n2, n3],
    records: [
      { name: "@", nodes: [n1, n2, n3] },
      { name: "api.eu", nodes: [agent, n2] },
    ],
    probe: { kind: "http", port: 8080, path: "/healthz", intervalSeconds: 5, timeoutSeconds: 2, failures: 3, successes: 2 },
    extraRecords: [
      { name: "@", type: "MX", value: "10   mail.example.com." },
      { name: "_dmarc", type: "TXT", value: "v=DMARC1; p=none" },
      { name: "mail", type: "A", value: "198.51.100.25", ttl: 600 },
    ],
    ...over,
  };
}

describe("zoneNameProblems", () => {
  it.each(["example.com", "example.com.", "a-b.example.co.uk", "xn--bcher-kva.example", `${"a".repeat(63)}.com`])(
    "accepts %s",
    (name) => expect(zoneNameProblems(name)).toEqual([]),
  );

  it.each([
    ["", "zone name is empty"],
    ["com", "at least two labels"],
    ["-bad.com", `label "-bad" starts with '-'`],
    ["bad-.com", `label "bad-" ends with '-'`],
    ["a..com", "empty label"],
    ["under_score.com", "only letters, digits and '-'"],
    ["ex ample.com", "only letters, digits and '-'"],
    [`${"a".repeat(64)}.com`, "is 64 characters; at most 63"],
    [`${"a.".repeat(127)}com`, "at most 253"],
    ["example.123", "is all digits"],
  ])("rejects %j (%s)", (name, message) => {
    expect(zoneNameProblems(name).join("\n")).toContain(message);
  });
});

describe("recordNameProblems", () => {
  it.each(["@", "www", "api.eu", "a1-b2"])("accepts %s", (name) => expect(recordNameProblems(name)).toEqual([]));

  it("rejects absolute, empty, malformed and over-long names", () => {
    expect(recordNameProblems("www.")).toEqual([`"www.": give the name relative to the zone, without a trailing dot`]);
    expect(recordNameProblems("")[0]).toContain("use '@'");
    expect(recordNameProblems("-www")[0]).toContain("starts with '-'");
    expect(recordNameProblems("_dmarc")[0]).toContain("only letters, digits and '-'");
    expect(recordNameProblems("*")[0]).toContain("only letters, digits and '-'");
    // 4 x 60 + 3 dots = 243 characters, 255 with ".example.com": too long only together with the zone.
    const long = ["a", "b", "c", "d"].map((c) => c.repeat(60)).join(".");
    expect(recordNameProblems(long)).toEqual([]);
    expect(recordNameProblems(long, { zone: "example.com" })[0]).toContain("is 255 characters; at most 253");
  });

  it("allows a leading underscore only when asked (TXT/SRV-style names)", () => {
    expect(recordNameProblems("_dmarc", { allowUnderscore: true })).toEqual([]);
    expect(recordNameProblems("a_b", { allowUnderscore: true })[0]).toContain("and a leading '_'");
  });
});

describe("dnsFailoverProblems", () => {
  it("accepts the sample input", () => expect(dnsFailoverProblems(input())).toEqual([]));

  it("collects every problem instead of stopping at the first", () => {
    const bad = input({
      zone: "bad_zone",
      ttl: 0,
      nodes: [],
      records: [
        { name: "www", nodes: [{ name: "node-1", address: "300.1.1.1" }] },
        { name: "WWW", nodes: [] },
      ],
      probe: { kind: "http", port: 0, path: "no-slash", intervalSeconds: 0.5, timeoutSeconds: 1, failures: 1, successes: 1 },
    });
    const problems = dnsFailoverProblems(bad).join("\n");
    for (const expected of [
      "only letters, digits and '-'",
      "ttl 0",
      "at least one server must run DNS",
      `"300.1.1.1" is not an IP address`,
      `records[1]: "WWW" is already a failover record`,
      `records[1]: "WWW" has no nodes`,
      "probe.port 0",
      `probe.path "no-slash"`,
      "probe.intervalSeconds 0.5",
    ]) {
      expect(problems).toContain(expected);
    }
  });

  it("rejects a node with two addresses and a record colliding with a name server", () => {
    const problems = dnsFailoverProblems(
      input({ records: [{ name: "ns1", nodes: [{ name: "node-1", address: "203.0.113.99" }] }] }),
    ).join("\n");
    expect(problems).toContain("node node-1 has address 203.0.113.99 here and 203.0.113.11 elsewhere");
    expect(problems).toContain(`"ns1" is already a name server`);
  });

  it("rejects extra records that would defeat failover or break the zone", () => {
    const problems = dnsFailoverProblems(
      input({
        extraRecords: [
          { name: "@", type: "A", value: "192.0.2.1" },
          { name: "@", type: "CNAME", value: "elsewhere.example." },
          { name: "docs", type: "CNAME", value: "www" },
          { name: "docs", type: "TXT", value: "hello" },
          { name: "v4", type: "AAAA", value: "192.0.2.1" },
          { name: "mx", type: "MX", value: "mail.example.com." },
          { name: "t", type: "TXT", value: "line\nbreak" },
        ],
      }),
    ).join("\n");
    expect(problems).toContain(`extraRecords[0]: A at "@", which is already a failover record`);
    expect(problems).toContain("extraRecords[1]: a CNAME cannot be at the apex");
    expect(problems).toContain(`a CNAME at "docs" cannot have other records beside it`);
    expect(problems).toContain(`extraRecords[4]: "192.0.2.1" is not an IPv6 address`);
    expect(problems).toContain(`extraRecords[5]: an MX value is "PREFERENCE HOST"`);
    expect(problems).toContain("extraRecords[6]: the value must be one line");
  });

  it("makes every generator throw on invalid input (reaching them unvalidated is a bug)", () => {
    const bad = input({ zone: "-x.com" });
    for (const generate of [proberConfig, proberEnv, corefile, registrarRecords]) {
      expect(() => generate(bad)).toThrow(/invalid dns-failover input: .*starts with '-'/);
    }
  });
});

describe("proberConfig", () => {
  it("lists probed nodes in order of first mention, name servers, records and verbatim extra lines", () => {
    expect(proberConfig(input())).toBe(
      [
        "# dns-failover prober config for example.com; generated by slipway, do not edit.",
        "# node NAME ADDRESS | ns LABEL ADDRESS | record NAME NODE[,NODE...] | extra ZONE-LINE",
        "node node-1 203.0.113.11",
        "node node-2 203.0.113.12",
        "node node-3 2001:db8::13",
        "node agent-1 198.51.100.7",
        "ns ns1 203.0.113.11",
        "ns ns2 203.0.113.12",
        "ns ns3 2001:db8::13",
        "record @ node-1,node-2,node-3",
        "record api.eu agent-1,node-2",
        "extra @ 3600 IN MX 10 mail.example.com.",
        `extra _dmarc 3600 IN TXT "v=DMARC1; p=none"`,
        "extra mail 600 IN A 198.51.100.25",
        "",
      ].join("\n"),
    );
  });

  it("is deterministic and accepts the zone with a trailing dot", () => {
    expect(proberConfig(input({ zone: "example.com." }))).toBe(proberConfig(input()));
  });
});

describe("extraRecordLine", () => {
  it("quotes and escapes TXT and splits it into 255-character strings", () => {
    const long = "x".repeat(300);
    expect(extraRecordLine({ name: "t", type: "TXT", value: 'say "hi" \\ bye' })).toBe(`t 3600 IN TXT "say \\"hi\\" \\\\ bye"`);
    expect(extraRecordLine({ name: "t", type: "TXT", value: long, ttl: 60 })).toBe(
      `t 60 IN TXT "${"x".repeat(255)}" "${"x".repeat(45)}"`,
    );
    expect(extraRecordLine({ name: "t", type: "TXT", value: "" })).toBe(`t 3600 IN TXT ""`);
  });
});

describe("proberEnv", () => {
  it("carries the zone, TTL and probe settings; PROBE_PATH only for http", () => {
    expect(proberEnv(input())).toEqual([
      { name: "ZONE", value: "example.com" },
      { name: "CONFIG", value: "/etc/dns-failover/prober.conf" },
      { name: "ZONE_DIR", value: "/zone" },
      { name: "TTL", value: "30" },
      { name: "NS_TTL", value: "3600" },
      { name: "PROBE_KIND", value: "http" },
      { name: "PROBE_PORT", value: "8080" },
      { name: "PROBE_PATH", value: "/healthz" },
      { name: "INTERVAL", value: "5" },
      { name: "TIMEOUT", value: "2" },
      { name: "FAILURES", value: "3" },
      { name: "SUCCESSES", value: "2" },
    ]);
    const tcp = proberEnv(input({ probe: { ...input().probe, kind: "tcp", path: undefined } }));
    expect(tcp.map((e) => e.name)).not.toContain("PROBE_PATH");
  });
});

describe("corefile", () => {
  it("serves only the zone, from the prober's file with reload, bound to the env-substituted address", () => {
    const text = corefile(input({ zone: "example.com." }));
    const blocks = parseCorefile(text);
    expect(blocks).toHaveLength(1);
    const [block] = blocks as [CoreNode];
    expect(block.words).toEqual(["example.com.:53"]);
    const directive = (name: string) => block.children?.filter((c) => c.words[0] === name) ?? [];
    expect(directive("bind").map((d) => d.words)).toEqual([["bind", `{$${BIND_ADDRESS_ENV}}`]]);
    const [file] = directive("file");
    expect(file?.words).toEqual(["file", "/zone/db.example.com"]);
    expect(file?.children?.map((c) => c.words)).toEqual([["reload", "5s"]]);
    expect(directive("loadbalance")).toHaveLength(1);
    expect(directive("errors")).toHaveLength(1);
    // Not a resolver: nothing forwards, no catch-all block.
    expect(text).not.toMatch(/^\s*forward\b/m);
    expect(text.endsWith("}\n")).toBe(true);
  });
});

describe("registrarRecords", () => {
  it("gives one NS per server and the glue for each, AAAA for IPv6", () => {
    const records = registrarRecords(input());
    expect(records).toEqual([
      { name: "example.com.", type: "NS", value: "ns1.example.com." },
      { name: "example.com.", type: "NS", value: "ns2.example.com." },
      { name: "example.com.", type: "NS", value: "ns3.example.com." },
      { name: "ns1.example.com.", type: "A", value: "203.0.113.11" },
      { name: "ns2.example.com.", type: "A", value: "203.0.113.12" },
      { name: "ns3.example.com.", type: "AAAA", value: "2001:db8::13" },
    ]);
    expect(formatRegistrarRecords(records).split("\n")[0]).toBe("example.com.      NS    ns1.example.com.");
    expect(formatRegistrarRecords(records).split("\n")[5]).toBe("ns3.example.com.  AAAA  2001:db8::13");
  });
});
