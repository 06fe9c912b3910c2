/**
 * The interface every report format implements, like kubeconform's `output` package: the checks
 * produce findings (data), and a format only turns them into text. Adding a format is one file and
 * one line in `index.ts`; no check knows which format is in use.
 */
import type { Finding, GateSummary } from "../../check/finding.js";

/** What a format may use besides the findings. */
export interface ReportContext {
  /** Heading of the report (text) or name of the test-suite collection (JUnit), e.g. `slipway check`. */
  title: string;
  /** Colour with ANSI escapes (text only; the caller decides from the terminal and NO_COLOR). */
  color: boolean;
  /**
   * What each gate checked (file names or object names), keyed by gate. JUnit lists each as a
   * test case, so a clean item shows up as a passed test and a gate with no finding still has a
   * test suite. Without it, JUnit has one test case per finding only.
   * @default {}
   */
  checked?: Readonly<Record<string, readonly string[]>>;
  /**
   * Every gate's result (check/finding.ts `summarizeGates`), so a clean report still says what
   * was checked and what was skipped, and why. Without it, a report has the findings only.
   * @default []
   */
  gates?: readonly GateSummary[];
}

/** A report format. Deterministic: the same findings give the same bytes, in any input order. */
export interface Reporter {
  format(findings: readonly Finding[], ctx: ReportContext): string;
}
