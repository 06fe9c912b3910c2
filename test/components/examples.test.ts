/** The reference clusters in examples/ render cleanly and pass the external gates. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderCluster } from "../../generator/pipeline.js";
import { ROOT } from "../support/cli.js";
import { expectExternalChecksPass } from "./_platform.js";

describe.each(["contabo-ha", "dark-tower", "hetzner-single", "mcpdeploy"])("examples/%s", (name) => {
  it("renders without errors and passes cloud-init schema and the strict kube schemas", async () => {
    const r = await renderCluster(join(ROOT, "examples", name, "cluster.yaml"));
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    await expectExternalChecksPass(r);
  });
});
