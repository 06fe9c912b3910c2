/** The host-firewall ConfigMap of a rendered tree, read as its DaemonSet reads it. */

/**
 * The cluster ruleset node `node` loads: the ConfigMap holds each distinct ruleset once and a
 * `nodes` key mapping each node to its file. Throws when the node has none.
 */
export function rulesetFor(data: Record<string, unknown>, node: string): string {
  const line = String(data.nodes ?? "").split("\n").find((l) => l.split(" ")[0] === node);
  const text = line === undefined ? undefined : data[line.split(" ")[1]!];
  if (typeof text !== "string") throw new Error(`no ruleset for ${node}; the ConfigMap maps: ${String(data.nodes ?? "(no nodes key)").trim()}`);
  return text;
}

/** Whether the ConfigMap names `node` at all. */
export const hasRuleset = (data: Record<string, unknown>, node: string): boolean => String(data.nodes ?? "").split("\n").some((l) => l.split(" ")[0] === node);
