/**
 * Template discipline: values reach templates only through the structured helpers, so no value
 * can add a key, a document or a resource. A bare {{value}} would paste raw text.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { listFiles } from "../generator/list-files.js";
import { quote, shq, toYaml } from "../generator/render/helpers.js";
import { ROOT } from "./support/cli.js";
import { parse } from "yaml";

const HELPER_CALL = /^\{\{~?\s*(?:[#/](?:if|unless|each|with)\b|else\b|>\s|!|quote |toYaml |shq |int )/;

it("every mustache in templates/ is a helper call, block or partial", () => {
  const bad: string[] = [];
  for (const file of listFiles(join(ROOT, "templates")).filter((f) => f.endsWith(".hbs"))) {
    const text = readFileSync(join(ROOT, "templates", file), "utf8");
    for (const m of text.matchAll(/\{\{\{?[^}]*\}?\}\}/g)) {
      if (m[0].startsWith("{{{")) bad.push(`${file}: triple-stash ${m[0]}`);
      else if (!HELPER_CALL.test(m[0])) bad.push(`${file}: ${m[0]}`);
    }
  }
  expect(bad).toEqual([]);
});

it("quote and toYaml turn hostile strings into plain values", () => {
  const hostile = ['a"b', "x: y", "---\nkind: Secret", "{{x}}", "#c", "&a *a", "0644", "no", "a\\nb"];
  for (const h of hostile) {
    expect(parse(`k: ${quote(h)}`)).toEqual({ k: h });
    expect(parse(`k:\n${toYaml({ [h]: h }, 2)}`)).toEqual({ k: { [h]: h } });
  }
});

it("helpers throw instead of emitting nothing", () => {
  expect(() => quote(undefined)).toThrow(/undefined/);
  expect(() => quote({})).toThrow(/scalar/);
  expect(() => toYaml(undefined, 2)).toThrow(/undefined/);
  expect(() => shq(undefined)).toThrow(/undefined/);
});

it("shq quotes for POSIX sh", () => {
  expect(shq("it's $(x) `y`")).toBe(`'it'\\''s $(x) \`y\`'`);
});
