/**
 * What the committed tree says the running cluster was born with (spec/birth-facts.ts): the K3s
 * version the first server would install (rendered/day0/k3s-version) and the servers' birth
 * configuration in bootstrap/. Read beside cluster.yaml, or where `render --out` writes.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { K3S_CONFIG_PATH, TREE_VERSION_FILE } from "../plan/components/k3s-node.js";
import { factsOfTree, type BirthFacts } from "../spec/birth-facts.js";

export function readCommittedFacts(dir: string): BirthFacts | undefined {
  const read = (path: string): string | undefined => (existsSync(path) && statSync(path).isFile() ? readFileSync(path, "utf8") : undefined);
  const bootstrap = join(dir, "bootstrap");
  const userData = existsSync(bootstrap) && statSync(bootstrap).isDirectory()
    ? readdirSync(bootstrap).filter((f) => f.endsWith(".yaml")).sort().flatMap((f) => read(join(bootstrap, f)) ?? [])
    : [];
  return factsOfTree("the committed tree", read(join(dir, "rendered", TREE_VERSION_FILE)), userData, K3S_CONFIG_PATH);
}
