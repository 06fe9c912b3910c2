/** Static volumes: PVs pinned to their node, claims by selector, directories made by a Plan. */
import { describe, expect, it } from "vitest";
import { cloudInit, expectExternalChecksPass, fileText, kubeSchemaProblems, nodeFile, objectsOf, problems, render, renderOk, spec } from "./_platform.js";

const DISK_NODE = [
  "  nodes:",
  "    - name: n1",
  "      role: server",
  "      address: 198.51.100.1",
  "      volume: {device: /dev/sdb, mountPath: /data}",
].join("\n");

const VOLUMES = [
  "  storage:",
  "    localPath: /data/k3s-storage",
  "    volumes:",
  "      - {name: prometheus-data, path: /data/prometheus, size: 20Gi, owner: \"1000:2000\", labels: {app: prometheus}}",
  "      - name: traefik-acme",
  "        path: /data/traefik",
  "        size: 128Mi",
  "        owner: \"65532:65532\"",
  "        claim: {name: traefik-acme, namespace: traefik}",
].join("\n");

describe("storage", () => {
  it("renders a pinned, retained hostPath PV per volume, labelled for selection", async () => {
    const r = await renderOk(spec(DISK_NODE, VOLUMES));
    expect(objectsOf(r, "rendered/manifests/storage/pv-prometheus-data.yaml")).toEqual([
      {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: "prometheus-data", labels: { app: "prometheus", "app.kubernetes.io/managed-by": "slipway", "slipway.dev/volume": "prometheus-data" } },
        spec: {
          capacity: { storage: "20Gi" },
          accessModes: ["ReadWriteOnce"],
          persistentVolumeReclaimPolicy: "Retain",
          storageClassName: "manual",
          hostPath: { path: "/data/prometheus", type: "DirectoryOrCreate" },
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["n1"] }] }] } },
        },
      },
    ]);
    await expectExternalChecksPass(r);
  });

  it("a claim binds by selector, the PV is reserved for it, and its namespace exists first", async () => {
    const r = await renderOk(spec(DISK_NODE, VOLUMES));
    const [pv] = objectsOf(r, "rendered/manifests/storage/pv-traefik-acme.yaml");
    expect((pv!.spec as Record<string, unknown>).claimRef).toEqual({ namespace: "traefik", name: "traefik-acme" });
    expect(objectsOf(r, "rendered/manifests/storage/pvc-traefik-traefik-acme.yaml")).toEqual([
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "traefik-acme", namespace: "traefik", labels: { "app.kubernetes.io/managed-by": "slipway" } },
        spec: {
          storageClassName: "manual",
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: "128Mi" } },
          selector: { matchLabels: { "slipway.dev/volume": "traefik-acme" } },
        },
      },
    ]);
    const [ns] = objectsOf(r, "rendered/manifests/storage/namespace-traefik.yaml");
    expect(ns).toMatchObject({ kind: "Namespace", metadata: { name: "traefik", annotations: { "argocd.argoproj.io/sync-options": "Prune=false,Delete=false" } } });
    const [app] = objectsOf(r, "rendered/apps/storage.yaml");
    expect((app!.metadata as Record<string, unknown>).finalizers).toBeUndefined();
  });

  /** The storage-dirs Plan's per-node environment. */
  const dirsPlan = (r: Awaited<ReturnType<typeof renderOk>>) => {
    const [plan] = objectsOf(r, "rendered/manifests/storage/plan-storage-dirs.yaml");
    const spec = plan!.spec as { concurrency: number; version: string; nodeSelector: { matchExpressions: { values: string[] }[] }; upgrade: { envs: { name: string; value: string }[] } };
    return { spec, env: Object.fromEntries(spec.upgrade.envs.map((e) => [e.name, e.value])) };
  };

  it("the directories, with their owners, come from a Plan in the storage Application, never from user-data", async () => {
    const r = await renderOk(spec(DISK_NODE, VOLUMES));
    const ci = cloudInit(r, "n1");
    expect(nodeFile(ci, "/usr/local/lib/slipway/storage-dirs.sh")).toBeUndefined();
    expect(fileText(r, "bootstrap/n1.yaml")).not.toContain("/data/prometheus");
    const { spec: planSpec, env } = dirsPlan(r);
    expect(planSpec.nodeSelector.matchExpressions[0]!.values).toEqual(["n1"]);
    expect(planSpec.version).toMatch(/^dirs-[0-9a-f]{16}$/);
    // On the data disk: the script refuses to create them when /data is not mounted (node-scripts.test.ts runs it).
    expect(env).toEqual({ SLIPWAY_DIRS_N1: "/data/prometheus:1000:2000 /data/traefik:65532:65532", SLIPWAY_MOUNT_N1: "/data" });
    // The storage Application waits for the Plan's CRD; the volumes' users wait for it.
    const [app] = objectsOf(r, "rendered/apps/storage.yaml");
    expect(Number(((app!.metadata as Record<string, unknown>).annotations as Record<string, string>)["argocd.argoproj.io/sync-wave"])).toBeGreaterThan(0);
    await expectExternalChecksPass(r);
  });

  it("puts each volume's directory on its own node only; a change of the list changes the Plan's version only", async () => {
    const two = (path: string) =>
      renderOk(
        spec(
          "  nodes:",
          "    - {name: s1, role: server, address: 198.51.100.1}",
          "    - {name: a1, role: agent, address: 198.51.100.2}",
          "  storage:",
          "    volumes:",
          `      - {name: registry, node: a1, path: ${path}, size: 50Gi}`,
        ),
      );
    const r = await two("/srv/registry");
    const { spec: planSpec, env } = dirsPlan(r);
    expect(planSpec.nodeSelector.matchExpressions[0]!.values).toEqual(["a1"]);
    expect(env).toEqual({ SLIPWAY_DIRS_A1: "/srv/registry", SLIPWAY_MOUNT_A1: "" });
    expect(fileText(r, "rendered/manifests/storage/pv-registry.yaml")).toContain('- "a1"');
    const moved = dirsPlan(await two("/srv/registry2"));
    expect(moved.spec.version).not.toBe(planSpec.version);
  });

  it("no volumes: no storage Application and no Plan (local-path makes its own directories)", async () => {
    const r = await renderOk(spec(DISK_NODE, "  storage:", "    localPath: /data/k3s-storage"));
    expect(r.files.some((f) => f.path.startsWith("rendered/apps/storage") || f.path.includes("plan-storage-dirs"))).toBe(false);
    expect(nodeFile(cloudInit(r, "n1"), "/usr/local/lib/slipway/storage-dirs.sh")).toBeUndefined();
  });
});

describe("storage rules", () => {
  const TWO = ["  nodes:", "    - {name: s1, role: server, address: 198.51.100.1, volume: {device: /dev/sdb}}", "    - {name: a1, role: agent, address: 198.51.100.2}"].join("\n");

  it("volume.node must name a node; it is required with several nodes", async () => {
    const r = await render(
      spec(TWO, "  storage:", "    volumes:", "      - {name: a, node: s9, path: /data/a, size: 1Gi}", "      - {name: b, path: /data/b, size: 1Gi}"),
    );
    expect(problems(r, "SW-VOLUME")).toEqual([
      ["error", "SW-VOLUME-NODE-UNKNOWN", "spec.storage.volumes[0].node", 17],
      ["error", "SW-VOLUME-NODE-REQUIRED", "spec.storage.volumes[1]", 18],
    ]);
  });

  it("two volumes never share (or nest) a directory on one node; other nodes may reuse it", async () => {
    const r = await render(
      spec(
        TWO,
        "  storage:",
        "    volumes:",
        "      - {name: a, node: s1, path: /data/a, size: 1Gi}",
        "      - {name: b, node: s1, path: /data/a, size: 1Gi}",
        "      - {name: c, node: s1, path: /data/a/c, size: 1Gi}",
        "      - {name: d, node: a1, path: /data/a, size: 1Gi}",
      ),
    );
    expect(problems(r, "SW-VOLUME")).toEqual([
      ["error", "SW-VOLUME-PATH-SHARED", "spec.storage.volumes[1].path", 18],
      ["error", "SW-VOLUME-PATH-SHARED", "spec.storage.volumes[2].path", 19],
      ["error", "SW-VOLUME-PATH-SHARED", "spec.storage.volumes[2].path", 19],
    ]);
  });

  it("duplicate volume names and claims are errors", async () => {
    const r = await render(
      spec(
        TWO,
        "  storage:",
        "    volumes:",
        "      - {name: a, node: s1, path: /data/a, size: 1Gi, claim: {name: x, namespace: ns}}",
        "      - {name: a, node: s1, path: /data/b, size: 1Gi, claim: {name: x, namespace: ns}}",
      ),
    );
    expect(problems(r, "SW-VOLUME")).toEqual([
      ["error", "SW-VOLUME-DUPLICATE-NAME", "spec.storage.volumes[1].name", 18],
      ["error", "SW-VOLUME-DUPLICATE-CLAIM", "spec.storage.volumes[1].claim.name", 18],
    ]);
  });

  it("a volume off the node's data disk is a warning (the render still succeeds)", async () => {
    const r = await render(spec(TWO, "  storage:", "    volumes:", "      - name: a", "        node: s1", "        path: /srv/a", "        size: 1Gi"));
    expect(problems(r, "SW-VOLUME")).toEqual([["warning", "SW-VOLUME-NOT-ON-DISK", "spec.storage.volumes[0].path", 19]]);
    expect(r.diagnostics.find((d) => d.code === "SW-VOLUME-NOT-ON-DISK")!.message).toBe('volume "a" (/srv/a) is not under /data, the data disk of node s1');
    expect(r.files).toBeDefined();
  });
});

describe("the strict kube-schema gate these tests rely on", () => {
  it("catches a misspelled field in a rendered PV", async () => {
    const r = await renderOk(spec(DISK_NODE, VOLUMES));
    const f = r.files.find((x) => x.path === "rendered/manifests/storage/pv-prometheus-data.yaml")!;
    const broken = { ...r, files: [{ ...f, text: f.text.replace("persistentVolumeReclaimPolicy", "persistentVolumeReclaimPolicyy") }] };
    expect(kubeSchemaProblems(broken)).toEqual([
      "rendered/manifests/storage/pv-prometheus-data.yaml: PersistentVolume: /spec additional properties 'persistentVolumeReclaimPolicyy' not allowed",
    ]);
  });
});

describe("monitoring volume references", () => {
  it("must name a storage.volumes entry, and one without a claim", async () => {
    const r = await render(
      spec(
        DISK_NODE,
        "  storage:",
        "    volumes:",
        "      - name: am",
        "        path: /data/am",
        "        size: 1Gi",
        "        claim: {name: am, namespace: monitoring}",
        "  monitoring:",
        "    prometheusVolume: prom",
        "    alertmanagerVolume: am",
      ),
    );
    expect(problems(r, "SW-MONITORING")).toEqual([
      ["error", "SW-MONITORING-VOLUME-HAS-CLAIM", "spec.storage.volumes[0].claim", 22],
      ["error", "SW-MONITORING-VOLUME-UNKNOWN", "spec.monitoring.prometheusVolume", 24],
    ]);
  });
});
