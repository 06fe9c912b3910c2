/** gVisor: runsc on the selected nodes only, containerd template per K3s version, RuntimeClass gvisor. */
import { describe, expect, it } from "vitest";
import { containerdTemplate, containerdV3 } from "../../generator/plan/components/gvisor.js";
import { cloudInit, expectExternalChecksPass, nodeFile, objectsOf, problems, render, renderOk, scripts, shellcheck, spec, ONE_NODE } from "./_platform.js";

const POOLS = [
  "  nodes:",
  "    - {name: ctrl, role: server, address: 198.51.100.1}",
  "    - {name: run-1, role: agent, address: 198.51.100.2, labels: {pool: run, sandbox.gvisor: \"true\"}}",
  "    - {name: build-1, role: agent, address: 198.51.100.3, labels: {pool: build}}",
].join("\n");

const TEMPLATE_V3 = "/var/lib/rancher/k3s/agent/etc/containerd/config-v3.toml.tmpl";

function withVersion(text: string, version: string): string {
  return text.replace("version: v1.36.3+k3s1", `version: ${version}`);
}

describe("gvisor", () => {
  it("renders the RuntimeClass with overhead and the nodeSelector", async () => {
    const r = await renderOk(spec(POOLS, "  sandbox:", "    gvisor: {overhead: {memory: 96Mi}}"));
    expect(objectsOf(r, "rendered/manifests/gvisor/runtimeclass.yaml")).toEqual([
      {
        apiVersion: "node.k8s.io/v1",
        kind: "RuntimeClass",
        metadata: { name: "gvisor", labels: { "app.kubernetes.io/managed-by": "slipway" } },
        handler: "runsc",
        overhead: { podFixed: { cpu: "50m", memory: "96Mi" } },
        scheduling: { nodeSelector: { "sandbox.gvisor": "true" } },
      },
    ]);
    const [app] = objectsOf(r, "rendered/apps/gvisor.yaml");
    expect((app!.spec as { source: { path: string } }).source.path).toBe("rendered/manifests/gvisor");
    await expectExternalChecksPass(r);
  });

  it("installs runsc only on matching nodes: before K3s, then reloads the right service after", async () => {
    const r = await renderOk(spec(POOLS, "  sandbox:", "    gvisor: {platform: kvm}"));
    const run = cloudInit(r, "run-1");
    expect(scripts(run, "install-gvisor.sh", "install-k3s.sh", "reload-gvisor.sh")).toEqual(["install-gvisor.sh", "install-k3s.sh", "reload-gvisor.sh"]);
    expect(run.packages).toContain("gnupg");
    expect(nodeFile(run, "/usr/local/lib/slipway/reload-gvisor.sh")!.content).toContain("SERVICE='k3s-agent'");
    const toml = nodeFile(run, "/etc/containerd/runsc.toml")!;
    expect(toml.permissions).toBe("0644");
    expect(toml.content).toMatch(/^\[runsc_config\]\n {2}platform = "kvm"\n/m);
    expect(toml.content).toContain('systemd-cgroup = "true"');
    expect(toml.content).toContain('overlay2 = "root:self"');
    for (const other of ["ctrl", "build-1"]) {
      const ci = cloudInit(r, other);
      expect(ci.files.filter((f) => /gvisor|runsc|containerd/.test(f.path))).toEqual([]);
      expect(scripts(ci, "install-gvisor.sh", "install-k3s.sh", "reload-gvisor.sh")).toEqual(["install-k3s.sh"]);
    }
    await expectExternalChecksPass(r);
  });

  it("a server in the pool restarts k3s, not k3s-agent", async () => {
    const r = await renderOk(spec("  nodes:", "    - {name: n1, role: server, address: 198.51.100.1, labels: {sandbox.gvisor: \"true\"}}", "  sandbox:", "    gvisor: {}"));
    expect(nodeFile(cloudInit(r, "n1"), "/usr/local/lib/slipway/reload-gvisor.sh")!.content).toContain("SERVICE='k3s'\n");
  });

  it("an empty nodeSelector means every node and no scheduling constraint", async () => {
    const r = await renderOk(spec(ONE_NODE, "  sandbox:", "    gvisor: {nodeSelector: {}}"));
    const [rc] = objectsOf(r, "rendered/manifests/gvisor/runtimeclass.yaml");
    expect(rc!.scheduling).toBeUndefined();
    expect(nodeFile(cloudInit(r, "n1"), TEMPLATE_V3)).toBeDefined();
  });

  it.each([
    ["v1.33.0+k3s1", TEMPLATE_V3],
    ["v1.35.2+k3s1", TEMPLATE_V3],
    ["v1.37.1+k3s1", TEMPLATE_V3],
  ])("K3s %s reads %s", async (version, path) => {
    const r = await renderOk(withVersion(spec(ONE_NODE, "  sandbox:", "    gvisor: {nodeSelector: {}}"), version));
    const ci = cloudInit(r, "n1");
    const tmpl = ci.files.filter((f) => f.path.endsWith(".tmpl"));
    expect(tmpl.map((f) => f.path)).toEqual([path]);
  });

  // Releases before Slipway's oldest supported line (v1.33): the choice of template still follows
  // containerd's version (DOMAIN.md §1.8), should the floor ever move down.
  it.each([
    ["v1.32.2+k3s1", true],
    ["v1.32.1+k3s1", false],
    ["v1.31.6+k3s1", true],
    ["v1.31.5+k3s1", false],
    ["v1.30.10+k3s1", false],
  ])("containerd of K3s %s reads the v3 template: %s", (version, v3) => {
    expect(containerdV3(version)).toBe(v3);
  });

  it("the containerd template reaches the node as Go template text, verbatim", async () => {
    const v3 = nodeFile(cloudInit(await renderOk(spec(ONE_NODE, "  sandbox:", "    gvisor: {nodeSelector: {}}")), "n1"), TEMPLATE_V3)!.content;
    expect(v3).toBe(
      [
        '{{ template "base" . }}',
        "",
        "# Added by slipway: gVisor's runsc runtime (handler of the RuntimeClass gvisor).",
        "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.'runsc']",
        '  runtime_type = "io.containerd.runsc.v1"',
        "",
        "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.'runsc'.options]",
        '  TypeUrl = "io.containerd.runsc.v1.options"',
        '  ConfigPath = "/etc/containerd/runsc.toml"',
        "",
      ].join("\n"),
    );
    const v2 = containerdTemplate(false);
    expect(v2.startsWith('{{ template "base" . }}\n')).toBe(true);
    expect(v2).toContain('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]\n');
    expect(v2).toContain('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc.options]\n');
  });

  it("its scripts pass shellcheck -s sh and install from gVisor's apt repository", async () => {
    const r = await renderOk(spec(POOLS, "  sandbox:", "    gvisor: {}"));
    const run = cloudInit(r, "run-1");
    const install = nodeFile(run, "/usr/local/lib/slipway/install-gvisor.sh")!;
    expect(install.permissions).toBe("0755");
    expect(install.content).toContain("KEY_URL='https://gvisor.dev/archive.key'");
    expect(install.content).toContain("REPO_URL='https://storage.googleapis.com/gvisor/releases'");
    expect(install.content).toContain("signed-by=$KEYRING] $REPO_URL release main");
    expect(install.content).toContain("install -y runsc");
    for (const path of ["/usr/local/lib/slipway/install-gvisor.sh", "/usr/local/lib/slipway/reload-gvisor.sh"]) {
      const out = shellcheck(nodeFile(run, path)!.content);
      if (out !== null) expect({ path, out }).toEqual({ path, out: "" });
    }
  });
});

describe("gvisor rules", () => {
  it("a nodeSelector matching no node is an error at the nodeSelector", async () => {
    const r = await render(spec(POOLS, "  sandbox:", "    gvisor:", "      nodeSelector: {pool: sandbox}"));
    expect(problems(r, "SW-GVISOR")).toEqual([["error", "SW-GVISOR-NO-NODE", "spec.sandbox.gvisor.nodeSelector", 18]]);
    expect(r.diagnostics.find((d) => d.code === "SW-GVISOR-NO-NODE")!.message).toContain("(pool=sandbox) matches no node");
  });

  it("the default nodeSelector with no labelled node points at sandbox.gvisor", async () => {
    const r = await render(spec(ONE_NODE, "  sandbox:", "    gvisor: {platform: systrap}"));
    expect(problems(r, "SW-GVISOR")).toEqual([["error", "SW-GVISOR-NO-NODE", "spec.sandbox.gvisor.nodeSelector", 15]]);
  });

  it("isolation.forceGvisor without sandbox.gvisor is an error at forceGvisor", async () => {
    const r = await render(spec(ONE_NODE, "  network:", "    isolation:", "      namespaces: [tenant-a]", "      forceGvisor: true"));
    expect(problems(r, "SW-ISOLATION")).toEqual([["error", "SW-ISOLATION-GVISOR-MISSING", "spec.network.isolation.forceGvisor", 17]]);
  });
});
