/**
 * What users get cites public sources: DOMAIN.md is the developers' notes, not shipped, so no
 * rendered file, template or message may point at it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listFiles } from "../generator/list-files.js";
import { ROOT } from "./support/cli.js";

const PRIVATE = /DOMAIN(-DAY2)?\.md/;
const under = (dir: string) => listFiles(join(ROOT, dir)).map((f) => `${dir}/${f}`);
const citing = (files: readonly string[]) => files.filter((f) => PRIVATE.test(readFileSync(join(ROOT, f), "utf8")));

describe("no output cites DOMAIN.md", () => {
  it("no template (they are shipped, and their comments are rendered)", () => {
    expect(citing(under("templates"))).toEqual([]);
  });

  it("no rendered file: the golden trees and this repository's own tree", () => {
    expect(citing([...under("test/cases"), ...under("rendered"), ...under("bootstrap")])).toEqual([]);
  });

  it("no message in the generator: DOMAIN.md appears in source comments only", () => {
    const lines = under("generator")
      .filter((f) => f.endsWith(".ts") && !f.includes("/generated/"))
      .flatMap((f) => readFileSync(join(ROOT, f), "utf8").split("\n").map((l, i) => ({ at: `${f}:${i + 1}`, l })))
      .filter(({ l }) => PRIVATE.test(l) && !/^\s*(\*|\/\/|\/\*)/.test(l) && !/\/\/.*DOMAIN/.test(l));
    expect(lines.map((x) => x.at)).toEqual([]);
  });
});
