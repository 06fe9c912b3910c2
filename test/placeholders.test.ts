/**
 * Placeholders do not pass silently (generator/spec/rules/placeholders.ts): `slipway init`'s example
 * repository and its empty authorizedKeys validate, with a warning each.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAndValidateText } from "../generator/pipeline.js";
import { isPlaceholderRepoUrl } from "../generator/spec/rules/placeholders.js";
import { ROOT } from "./support/cli.js";

const template = readFileSync(join(ROOT, "templates/init/cluster.yaml"), "utf8");
const codes = (text: string) => loadAndValidateText("cluster.yaml", text).diagnostics.map((d) => `${d.severity} ${d.code} ${d.path}`);

describe("placeholders", () => {
  it("init's cluster.yaml validates with a warning for the example repoURL and one for the empty authorizedKeys", () => {
    const r = loadAndValidateText("cluster.yaml", template);
    expect(r.spec).toBeDefined();
    expect(codes(template)).toEqual(["warning SW-PLACEHOLDER-REPO-URL spec.gitops.repoURL", "warning SW-PLACEHOLDER-SSH-KEYS spec.hosts.ssh.authorizedKeys"]);
    const [url, keys] = r.diagnostics;
    expect(url!.line).toBe(template.split("\n").findIndex((l) => l.includes("repoURL:")) + 1);
    expect(keys!.message).toContain("nobody can log in to the nodes over SSH as ops");
  });

  it("a real repository and a key: no warning", () => {
    const real = template
      .replace("https://github.com/example/my-cluster.git", "https://github.com/acme/infra.git")
      .replace("authorizedKeys: []", 'authorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlaceholderTest you@laptop"]');
    expect(codes(real)).toEqual([]);
  });

  it("a spec without hosts.ssh gets the SSH warning too, at spec", () => {
    expect(codes(template.replace(/  hosts:\n(    .*\n|      .*\n)*/, ""))).toContain("warning SW-PLACEHOLDER-SSH-KEYS spec");
  });

  it.each([
    ["https://github.com/example/my-cluster.git", true],
    ["https://gitlab.com/Example/x.git", true],
    ["https://git.example.com/acme/infra.git", true],
    ["https://example.org/infra.git", true],
    ["https://git.internal.test/infra.git", true],
    ["https://github.com/acme/example.git", false],
    ["https://github.com/examples-inc/infra.git", false],
    ["https://gitea.acme.io/example/infra.git", false],
  ])("isPlaceholderRepoUrl(%s) is %s", (url, expected) => {
    expect(isPlaceholderRepoUrl(url)).toBe(expected);
  });
});
