/**
 * Report formats of `slipway check`, by name. The CLI's `--format` takes one of
 * {@link REPORT_FORMATS}; everything else about a format lives in its own file.
 */
import { UsageError } from "../../diagnostics.js";
import { jsonReporter } from "./json.js";
import { junitReporter } from "./junit.js";
import { textReporter } from "./text.js";
import type { Reporter } from "./types.js";

export type { ReportContext, Reporter } from "./types.js";
export { jsonReporter, JSON_REPORT_VERSION } from "./json.js";
export { junitReporter } from "./junit.js";
export { summaryText, textReporter } from "./text.js";

/** The format names `--format` accepts, in the order help lists them. */
export const REPORT_FORMATS = ["text", "json", "junit"] as const;

/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const REPORTERS: Readonly<Record<ReportFormat, Reporter>> = {
  text: textReporter,
  json: jsonReporter,
  junit: junitReporter,
};

/** True when `name` is a known format. */
export function isReportFormat(name: string): name is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(name);
}

/**
 * The reporter for a format name.
 * @throws UsageError for an unknown name (exit code 2)
 */
export function getReporter(name: string): Reporter {
  if (!isReportFormat(name)) {
    throw new UsageError(`unknown report format "${name}"`, `use one of: ${REPORT_FORMATS.join(", ")}`);
  }
  return REPORTERS[name];
}
