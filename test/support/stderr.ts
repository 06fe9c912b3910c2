/**
 * What a command printed, minus the warning an example's spec.apps[].path gets when the example is
 * rendered away from its user's repository (the app folders live there, not here).
 */
export function withoutAppPathWarnings(stderr: string): string {
  return stderr
    .split("\n\n")
    .filter((block) => block.trim() !== "" && !/warning SW-APP-PATH-MISSING /.test(block) && !/^\d+ errors?, \d+ warnings?\s*$/.test(block.trim()))
    .join("\n\n");
}
