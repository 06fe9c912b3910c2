/** The Finding helpers: conversion from a Diagnostic and the stable order reports rely on. */
import { describe, expect, it } from "vitest";
import { error, warning } from "../../generator/diagnostics.js";
import { findingFromDiagnostic, formatLocation, sortFindings, type Finding } from "../../generator/check/finding.js";

describe("findingFromDiagnostic", () => {
  it("keeps position and hint, and leads the message with the spec path", () => {
    const d = error("SW-NODE-DUPLICATE-NAME", "duplicate node name", { file: "cluster.yaml", line: 9, col: 11, path: "spec.nodes[1].name", hint: "rename one" });
    expect(findingFromDiagnostic("spec", d)).toEqual({
      gate: "spec",
      severity: "error",
      code: "SW-NODE-DUPLICATE-NAME",
      message: "spec.nodes[1].name: duplicate node name",
      file: "cluster.yaml",
      line: 9,
      col: 11,
      hint: "rename one",
    });
  });

  it("does not repeat a path the message already starts with, and adds no empty fields", () => {
    const d = warning("SW-X", "spec.k3s: old version", { path: "spec.k3s" });
    expect(findingFromDiagnostic("spec", d)).toEqual({ gate: "spec", severity: "warning", code: "SW-X", message: "spec.k3s: old version" });
  });
});

describe("sortFindings", () => {
  it("orders by gate (pipeline order, unknown gates last by name), file, line, col, code", () => {
    const f = (gate: string, file?: string, line?: number, code = "C"): Finding => ({
      gate,
      severity: "error",
      code,
      message: "m",
      ...(file ? { file } : {}),
      ...(line ? { line } : {}),
    });
    const input = [f("zz-custom"), f("size", "b"), f("kubeconform", "b", 2), f("kubeconform", "b", 10), f("kubeconform", "a"), f("spec"), f("aa-custom"), f("kubeconform", "b", 2, "A")];
    expect(sortFindings(input).map((x) => [x.gate, x.file ?? "", x.line ?? 0, x.code])).toEqual([
      ["spec", "", 0, "C"],
      ["kubeconform", "a", 0, "C"],
      ["kubeconform", "b", 2, "A"],
      ["kubeconform", "b", 2, "C"],
      ["kubeconform", "b", 10, "C"],
      ["size", "b", 0, "C"],
      ["aa-custom", "", 0, "C"],
      ["zz-custom", "", 0, "C"],
    ]);
  });

  it("formatLocation leaves out what is unknown", () => {
    expect([formatLocation({ file: "a", line: 1, col: 2 }), formatLocation({ file: "a", line: 1 }), formatLocation({ file: "a", col: 2 }), formatLocation({})]).toEqual(["a:1:2", "a:1", "a", ""]);
  });
});
