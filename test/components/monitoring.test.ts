/** Monitoring: kube-prometheus-stack whose Prometheus and Alertmanager claims bind the static volumes. */
import { describe, expect, it } from "vitest";
import { appValues, objectsOf, problems, render, renderOk, spec } from "./_platform.js";

const NODE = ["  nodes:", "    - {name: n1, role: server, address: 198.51.100.1, volume: {device: /dev/sdb, mountPath: /data}}"].join("\n");
const VOLUMES = [
  "  storage:",
  "    volumes:",
  "      - {name: prometheus-data, path: /data/prometheus, size: 20Gi}",
  "      - {name: alertmanager-data, path: /data/alertmanager, size: 2Gi}",
].join("\n");
const MONITORING = ["  monitoring:", "    prometheusVolume: prometheus-data", "    alertmanagerVolume: alertmanager-data"].join("\n");

describe("monitoring", () => {
  it("binds Prometheus and Alertmanager to their static volumes by the volume label", async () => {
    const r = await renderOk(spec(NODE, VOLUMES, MONITORING));
    const v = appValues(r, "monitoring") as { prometheus: { prometheusSpec: { storageSpec: { volumeClaimTemplate: unknown } } }; alertmanager: { alertmanagerSpec: { storage: { volumeClaimTemplate: unknown } } } };
    expect(v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate).toEqual({
      spec: { storageClassName: "manual", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "20Gi" } }, selector: { matchLabels: { "slipway.dev/volume": "prometheus-data" } } },
    });
    expect(v.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate).toMatchObject({ spec: { selector: { matchLabels: { "slipway.dev/volume": "alertmanager-data" } } } });
    // The selector must find the PV the storage component renders, with that label and the class.
    const pv = objectsOf(r, "rendered/manifests/storage/pv-prometheus-data.yaml")[0] as { metadata: { labels: Record<string, string> }; spec: { storageClassName: string } };
    expect(pv.metadata.labels["slipway.dev/volume"]).toBe("prometheus-data");
    expect(pv.spec.storageClassName).toBe("manual");
  });

  it("syncs after the volumes exist, and provides the operator's CRDs to later waves", async () => {
    const r = await renderOk(spec(NODE, VOLUMES, MONITORING));
    const wave = (app: string) => Number(((objectsOf(r, `rendered/apps/${app}.yaml`)[0] as { metadata: { annotations: Record<string, string> } }).metadata.annotations)["argocd.argoproj.io/sync-wave"]);
    expect(wave("monitoring")).toBeGreaterThan(wave("storage"));
  });

  it("a monitoring volume that is not in storage.volumes is an error at its field", async () => {
    const r = await render(spec(NODE, VOLUMES, ["  monitoring:", "    prometheusVolume: prometheus-dta"].join("\n")));
    expect(problems(r, "SW-MONITORING")).toEqual([["error", "SW-MONITORING-VOLUME-UNKNOWN", "spec.monitoring.prometheusVolume", 19]]);
  });
});
