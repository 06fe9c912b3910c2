/**
 * Report formats on one fixed set of findings, given out of order: golden strings inline, and the
 * JUnit report read back by a small XML parser (below) to check it is well-formed and shaped right.
 */
import { describe, expect, it } from "vitest";
import { UsageError, error } from "../../generator/diagnostics.js";
import { findingFromDiagnostic, summarizeGates, type Finding } from "../../generator/check/finding.js";
import { getReporter, isReportFormat, REPORT_FORMATS, type ReportContext } from "../../generator/output/report/index.js";

const FINDINGS: Finding[] = [
  {
    gate: "cloud-init",
    severity: "warning",
    code: "SW-CLOUD-INIT-DEPRECATED",
    message: "apt_update: DEPRECATED: Use `package_update`.",
    file: "bootstrap/server-1.yaml",
    line: 12,
    col: 13,
    hint: "use the replacement the message names",
  },
  {
    // Keys deliberately in another order than the JSON report's.
    hint: "'replica' is not a field at /spec",
    resource: { name: "web", namespace: "demo", kind: "Deployment", apiVersion: "apps/v1" },
    file: "rendered/manifests/web/deployment.yaml",
    message: "Deployment web: at '/spec': additional properties 'replica' not allowed",
    code: "SW-KUBECONFORM-INVALID",
    severity: "error",
    gate: "kubeconform",
  },
  {
    gate: "cloud-init",
    severity: "error",
    code: "SW-CLOUD-INIT-SCHEMA",
    message: `write_files.0.content: "a<b" & 'c>d'\nsecond line`,
    file: "bootstrap/server-1.yaml",
    line: 5,
    col: 18,
  },
  findingFromDiagnostic("spec", error("SW-NODE-ODD-SERVERS", "etcd wants an odd number of servers", { path: "spec.nodes", hint: "add or remove a server" })),
  {
    gate: "kubeconform",
    severity: "error",
    code: "SW-KUBECONFORM-DUPLICATE-KEY",
    message: 'ConfigMap dup: line 6: key "a" already set in map',
    file: "rendered/manifests/app/cm.yaml",
    line: 6,
    resource: { apiVersion: "v1", kind: "ConfigMap", name: "dup" },
  },
];

const CTX: ReportContext = {
  title: "slipway check",
  color: false,
  checked: {
    kubeconform: ["rendered/manifests/web/deployment.yaml", "rendered/apps/root.yaml", "rendered/manifests/app/cm.yaml"],
    "secret-leak": ["rendered"],
  },
};

const TEXT = `slipway check

[spec] 1 error, 0 warnings
error SW-NODE-ODD-SERVERS spec.nodes: etcd wants an odd number of servers
  hint: add or remove a server

[kubeconform] 2 errors, 0 warnings
rendered/manifests/app/cm.yaml:6: error SW-KUBECONFORM-DUPLICATE-KEY ConfigMap dup: line 6: key "a" already set in map
rendered/manifests/web/deployment.yaml: error SW-KUBECONFORM-INVALID Deployment web: at '/spec': additional properties 'replica' not allowed
  hint: 'replica' is not a field at /spec

[cloud-init] 1 error, 1 warning
bootstrap/server-1.yaml:5:18: error SW-CLOUD-INIT-SCHEMA write_files.0.content: "a<b" & 'c>d' second line
bootstrap/server-1.yaml:12:13: warning SW-CLOUD-INIT-DEPRECATED apt_update: DEPRECATED: Use \`package_update\`.
  hint: use the replacement the message names

4 errors, 1 warning
`;

const JSON_REPORT = `{
  "version": 1,
  "findings": [
    {
      "gate": "spec",
      "severity": "error",
      "code": "SW-NODE-ODD-SERVERS",
      "message": "spec.nodes: etcd wants an odd number of servers",
      "hint": "add or remove a server"
    },
    {
      "gate": "kubeconform",
      "severity": "error",
      "code": "SW-KUBECONFORM-DUPLICATE-KEY",
      "message": "ConfigMap dup: line 6: key \\"a\\" already set in map",
      "file": "rendered/manifests/app/cm.yaml",
      "line": 6,
      "resource": {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": "dup"
      }
    },
    {
      "gate": "kubeconform",
      "severity": "error",
      "code": "SW-KUBECONFORM-INVALID",
      "message": "Deployment web: at '/spec': additional properties 'replica' not allowed",
      "file": "rendered/manifests/web/deployment.yaml",
      "resource": {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
        "namespace": "demo"
      },
      "hint": "'replica' is not a field at /spec"
    },
    {
      "gate": "cloud-init",
      "severity": "error",
      "code": "SW-CLOUD-INIT-SCHEMA",
      "message": "write_files.0.content: \\"a<b\\" & 'c>d'\\nsecond line",
      "file": "bootstrap/server-1.yaml",
      "line": 5,
      "col": 18
    },
    {
      "gate": "cloud-init",
      "severity": "warning",
      "code": "SW-CLOUD-INIT-DEPRECATED",
      "message": "apt_update: DEPRECATED: Use \`package_update\`.",
      "file": "bootstrap/server-1.yaml",
      "line": 12,
      "col": 13,
      "hint": "use the replacement the message names"
    }
  ],
  "summary": {
    "errors": 4,
    "warnings": 1
  }
}
`;

const JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="slipway check" tests="7" failures="4" errors="0" skipped="0">
  <testsuite name="spec" tests="1" failures="1" errors="0" skipped="0">
    <testcase classname="slipway.spec" name="spec SW-NODE-ODD-SERVERS">
      <failure type="SW-NODE-ODD-SERVERS" message="spec.nodes: etcd wants an odd number of servers">error SW-NODE-ODD-SERVERS spec.nodes: etcd wants an odd number of servers
hint: add or remove a server</failure>
    </testcase>
  </testsuite>
  <testsuite name="kubeconform" tests="3" failures="2" errors="0" skipped="0">
    <testcase classname="slipway.kubeconform" name="rendered/apps/root.yaml"/>
    <testcase classname="slipway.kubeconform" name="rendered/manifests/app/cm.yaml:6 SW-KUBECONFORM-DUPLICATE-KEY (ConfigMap dup)">
      <failure type="SW-KUBECONFORM-DUPLICATE-KEY" message="ConfigMap dup: line 6: key &quot;a&quot; already set in map">rendered/manifests/app/cm.yaml:6: error SW-KUBECONFORM-DUPLICATE-KEY ConfigMap dup: line 6: key "a" already set in map</failure>
    </testcase>
    <testcase classname="slipway.kubeconform" name="rendered/manifests/web/deployment.yaml SW-KUBECONFORM-INVALID (Deployment demo/web)">
      <failure type="SW-KUBECONFORM-INVALID" message="Deployment web: at '/spec': additional properties 'replica' not allowed">rendered/manifests/web/deployment.yaml: error SW-KUBECONFORM-INVALID Deployment web: at '/spec': additional properties 'replica' not allowed
hint: 'replica' is not a field at /spec</failure>
    </testcase>
  </testsuite>
  <testsuite name="cloud-init" tests="2" failures="1" errors="0" skipped="0">
    <testcase classname="slipway.cloud-init" name="bootstrap/server-1.yaml:5:18 SW-CLOUD-INIT-SCHEMA">
      <failure type="SW-CLOUD-INIT-SCHEMA" message="write_files.0.content: &quot;a&lt;b&quot; &amp; 'c&gt;d'&#10;second line">bootstrap/server-1.yaml:5:18: error SW-CLOUD-INIT-SCHEMA write_files.0.content: "a&lt;b" &amp; 'c&gt;d'
second line</failure>
    </testcase>
    <testcase classname="slipway.cloud-init" name="bootstrap/server-1.yaml:12:13 SW-CLOUD-INIT-DEPRECATED">
      <system-out>bootstrap/server-1.yaml:12:13: warning SW-CLOUD-INIT-DEPRECATED apt_update: DEPRECATED: Use \`package_update\`.
hint: use the replacement the message names</system-out>
    </testcase>
  </testsuite>
  <testsuite name="secret-leak" tests="1" failures="0" errors="0" skipped="0">
    <testcase classname="slipway.secret-leak" name="rendered"/>
  </testsuite>
</testsuites>
`;

const reversed = [...FINDINGS].reverse();

describe("text report", () => {
  it("groups by gate in pipeline order, then file; one line per finding; closing count", () => {
    expect(getReporter("text").format(FINDINGS, CTX)).toBe(TEXT);
    expect(getReporter("text").format(reversed, CTX)).toBe(TEXT);
  });

  it("colours only when asked, and colouring changes nothing but the escapes", () => {
    const colored = getReporter("text").format(FINDINGS, { ...CTX, color: true });
    expect(colored).toContain("\u001b[31merror\u001b[0m SW-KUBECONFORM-INVALID");
    expect(colored).toContain("\u001b[33mwarning\u001b[0m SW-CLOUD-INIT-DEPRECATED");
    expect(colored.replace(/\u001b\[\d+m/g, "")).toBe(TEXT);
    expect(TEXT).not.toContain("\u001b");
  });

  it("no findings: the count only", () => {
    expect(getReporter("text").format([], { title: "", color: false })).toBe("0 errors, 0 warnings\n");
  });
});

describe("json report", () => {
  it("fixed key order, sorted findings, summary", () => {
    expect(getReporter("json").format(reversed, CTX)).toBe(JSON_REPORT);
    expect(getReporter("json").format([], CTX)).toBe('{\n  "version": 1,\n  "findings": [],\n  "summary": {\n    "errors": 0,\n    "warnings": 0\n  }\n}\n');
  });
});

describe("junit report", () => {
  it("one suite per gate, a passed case per clean item, a case per finding; deterministic", () => {
    expect(getReporter("junit").format(FINDINGS, CTX)).toBe(JUNIT);
    expect(getReporter("junit").format(reversed, CTX)).toBe(JUNIT);
  });

  it("is well-formed XML with consistent counts", () => {
    const root = parseXml(JUNIT);
    expect(root.name).toBe("testsuites");
    const suites = root.children.filter((c) => c.name === "testsuite");
    expect(suites.map((s) => s.attrs.name)).toEqual(["spec", "kubeconform", "cloud-init", "secret-leak"]);
    let tests = 0;
    let failures = 0;
    for (const s of suites) {
      const cases = s.children.filter((c) => c.name === "testcase");
      const failed = cases.filter((c) => c.children.some((x) => x.name === "failure")).length;
      expect(Number(s.attrs.tests)).toBe(cases.length);
      expect(Number(s.attrs.failures)).toBe(failed);
      tests += cases.length;
      failures += failed;
    }
    expect([Number(root.attrs.tests), Number(root.attrs.failures)]).toEqual([tests, failures]);
    // Escaping round-trips: attribute newlines survive as &#10;, element text keeps its own.
    const failure = suites[2]!.children[0]!.children[0]!;
    expect(failure.attrs.message).toBe(`write_files.0.content: "a<b" & 'c>d'\nsecond line`);
    expect(failure.text).toBe(`bootstrap/server-1.yaml:5:18: error SW-CLOUD-INIT-SCHEMA write_files.0.content: "a<b" & 'c>d'\nsecond line`);
  });

  it("characters XML cannot carry (an ANSI escape, NUL, a lone surrogate) are replaced, never emitted", () => {
    const nasty: Finding = { gate: "tree", severity: "error", code: "SW-X", message: "\u001b[31mred\u001b[0m \u0000 \uD800 ]]> <!-- -->" };
    const xml = getReporter("junit").format([nasty], { title: "t & <t>", color: false });
    const root = parseXml(xml);
    expect(root.attrs.name).toBe("t & <t>");
    const failure = root.children[0]!.children[0]!.children[0]!;
    expect(failure.attrs.message).toBe("\uFFFD[31mred\uFFFD[0m \uFFFD \uFFFD ]]> <!-- -->");
  });

  it("no findings and nothing checked: an empty, valid report", () => {
    const xml = getReporter("junit").format([], { title: "slipway check", color: false });
    expect(xml).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="slipway check" tests="0" failures="0" errors="0" skipped="0">\n</testsuites>\n');
    expect(parseXml(xml).children).toEqual([]);
  });
});

describe("every report says how each gate ended", () => {
  // A passing check: one gate skipped (its tool is missing), one with a warning, the rest clean.
  const skippedWarning: Finding = { gate: "kubeconform", severity: "warning", code: "SW-CHECK-SKIPPED", message: "kubeconform not found on PATH: rendered manifests were checked by the embedded strict gate only" };
  const findings: Finding[] = [skippedWarning];
  const runs = {
    spec: { checked: ["cluster.yaml"] },
    objects: { checked: ["rendered/apps/root.yaml", "rendered/manifests/web/deployment.yaml"], detail: "3 objects against the embedded Kubernetes 1.33.1 schemas" },
    kubeconform: { checked: [], skipped: "kubeconform not found on PATH" },
    "secret-leak": { checked: ["rendered/apps/root.yaml"] },
  };
  const ctx: ReportContext = { title: "slipway check", color: false, checked: Object.fromEntries(Object.entries(runs).map(([g, r]) => [g, r.checked])), gates: summarizeGates(findings, runs) };

  it("summarizeGates: pipeline order; failed beats skipped; counts per gate", () => {
    expect(summarizeGates([...findings, { gate: "objects", severity: "error", code: "SW-X", message: "x" }], runs).map((g) => [g.gate, g.status, g.checked, g.errors, g.warnings])).toEqual([
      ["spec", "passed", 1, 0, 0],
      ["objects", "failed", 2, 1, 0],
      ["kubeconform", "skipped", 0, 0, 1],
      ["secret-leak", "passed", 1, 0, 0],
    ]);
  });

  it("text: one line per gate, then the count", () => {
    expect(getReporter("text").format(findings, ctx)).toBe(`slipway check

[kubeconform] 0 errors, 1 warning
warning SW-CHECK-SKIPPED kubeconform not found on PATH: rendered manifests were checked by the embedded strict gate only

gates:
  spec         passed   1 file
  objects      passed   2 files; 3 objects against the embedded Kubernetes 1.33.1 schemas
  kubeconform  skipped  kubeconform not found on PATH
  secret-leak  passed   1 file

0 errors, 1 warning
`);
  });

  it("json: a gates array between findings and summary", () => {
    const report = JSON.parse(getReporter("json").format(findings, ctx)) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(["version", "findings", "gates", "summary"]);
    expect(report.gates).toEqual([
      { gate: "spec", status: "passed", checked: 1, errors: 0, warnings: 0 },
      { gate: "objects", status: "passed", checked: 2, errors: 0, warnings: 0, detail: "3 objects against the embedded Kubernetes 1.33.1 schemas" },
      { gate: "kubeconform", status: "skipped", checked: 0, errors: 0, warnings: 1, detail: "kubeconform not found on PATH" },
      { gate: "secret-leak", status: "passed", checked: 1, errors: 0, warnings: 0 },
    ]);
  });

  it("junit: a skipped case for a skipped gate, and each suite's status as properties", () => {
    const xml = getReporter("junit").format(findings, ctx);
    expect(xml).toBe(`<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="slipway check" tests="6" failures="0" errors="0" skipped="1">
  <testsuite name="spec" tests="1" failures="0" errors="0" skipped="0">
    <properties>
      <property name="status" value="passed"/>
    </properties>
    <testcase classname="slipway.spec" name="cluster.yaml"/>
  </testsuite>
  <testsuite name="objects" tests="2" failures="0" errors="0" skipped="0">
    <properties>
      <property name="status" value="passed"/>
      <property name="detail" value="3 objects against the embedded Kubernetes 1.33.1 schemas"/>
    </properties>
    <testcase classname="slipway.objects" name="rendered/apps/root.yaml"/>
    <testcase classname="slipway.objects" name="rendered/manifests/web/deployment.yaml"/>
  </testsuite>
  <testsuite name="kubeconform" tests="2" failures="0" errors="0" skipped="1">
    <properties>
      <property name="status" value="skipped"/>
      <property name="detail" value="kubeconform not found on PATH"/>
    </properties>
    <testcase classname="slipway.kubeconform" name="kubeconform">
      <skipped message="kubeconform not found on PATH"/>
    </testcase>
    <testcase classname="slipway.kubeconform" name="kubeconform SW-CHECK-SKIPPED">
      <system-out>warning SW-CHECK-SKIPPED kubeconform not found on PATH: rendered manifests were checked by the embedded strict gate only</system-out>
    </testcase>
  </testsuite>
  <testsuite name="secret-leak" tests="1" failures="0" errors="0" skipped="0">
    <properties>
      <property name="status" value="passed"/>
    </properties>
    <testcase classname="slipway.secret-leak" name="rendered/apps/root.yaml"/>
  </testsuite>
</testsuites>
`);
    const suites = parseXml(xml).children;
    expect(suites.map((x) => [x.attrs.name, x.attrs.skipped])).toEqual([["spec", "0"], ["objects", "0"], ["kubeconform", "1"], ["secret-leak", "0"]]);
  });
});

describe("getReporter", () => {
  it("knows text, json and junit, and rejects anything else as a usage error", () => {
    expect([...REPORT_FORMATS]).toEqual(["text", "json", "junit"]);
    expect(isReportFormat("junit")).toBe(true);
    expect(() => getReporter("sarif")).toThrow(UsageError);
  });
});

// --- a small XML 1.0 reader for the tests: elements, attributes, text, the five entities and
// character references; rejects anything malformed (unclosed or mismatched tags, stray `<` or `&`,
// raw `<` in attributes, characters XML forbids). Enough to prove the report parses.

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`malformed XML at ${i}: ${why}`);
  };
  const isNameChar = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c === "-" || c === "_" || c === "." || c === ":";
  const isSpace = (c: string | undefined) => c === " " || c === "\n" || c === "\t" || c === "\r";
  const skipSpace = () => {
    while (isSpace(src[i])) i++;
  };
  const name = () => {
    const start = i;
    while (i < src.length && isNameChar(src[i]!)) i++;
    if (i === start) fail("expected a name");
    return src.slice(start, i);
  };
  const checkChar = (c: string) => {
    const code = c.codePointAt(0)!;
    const ok = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || code >= 0x10000;
    if (!ok) fail(`character U+${code.toString(16)} is not allowed`);
  };
  const entity = (): string => {
    const end = src.indexOf(";", i);
    if (end === -1) fail("unterminated reference");
    const ref = src.slice(i + 1, end);
    i = end + 1;
    const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
    if (ref in named) return named[ref]!;
    if (ref.startsWith("#x")) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return fail(`unknown entity &${ref};`);
  };
  const element = (): XmlElement => {
    if (src[i] !== "<") fail("expected <");
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: "" };
    for (;;) {
      const before = i;
      skipSpace();
      if (src.startsWith("/>", i)) {
        i += 2;
        return el;
      }
      if (src[i] === ">") {
        i++;
        break;
      }
      if (i === before) fail("expected space before attribute");
      const attr = name();
      if (attr in el.attrs) fail(`duplicate attribute ${attr}`);
      if (src[i] !== "=" || (src[i + 1] !== '"' && src[i + 1] !== "'")) fail("expected =\"");
      const quote = src[i + 1]!;
      i += 2;
      let value = "";
      while (src[i] !== quote) {
        if (i >= src.length) fail("unterminated attribute");
        const c = src[i]!;
        if (c === "<") fail("< in attribute");
        if (c === "&") value += entity();
        else {
          checkChar(c);
          // XML attribute-value normalisation: literal whitespace becomes a space.
          value += isSpace(c) ? " " : c;
          i++;
        }
      }
      i++;
      el.attrs[attr] = value;
    }
    for (;;) {
      if (i >= src.length) fail(`unclosed <${el.name}>`);
      if (src.startsWith("</", i)) {
        i += 2;
        if (name() !== el.name) fail(`mismatched </...> for <${el.name}>`);
        skipSpace();
        if (src[i] !== ">") fail("expected >");
        i++;
        return el;
      }
      if (src[i] === "<") el.children.push(element());
      else if (src[i] === "&") el.text += entity();
      else {
        if (src.startsWith("]]>", i)) fail("]]> in text");
        checkChar(src[i]!);
        el.text += src[i];
        i++;
      }
    }
  };

  if (src.startsWith("<?xml")) {
    const end = src.indexOf("?>");
    if (end === -1) fail("unterminated declaration");
    i = end + 2;
  }
  skipSpace();
  const root = element();
  skipSpace();
  if (i !== src.length) fail("content after the root element");
  // Whitespace-only text between elements is layout, not content.
  const trim = (e: XmlElement) => {
    if (e.children.length > 0 && e.text.trim() === "") e.text = "";
    e.children.forEach(trim);
  };
  trim(root);
  return root;
}
