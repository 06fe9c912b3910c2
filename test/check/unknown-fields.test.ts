/**
 * Unknown-field detection against @kubernetes/client-node's model metadata: typos found at any
 * depth with a suggestion, maps/IntOrString/Quantity accepted, custom resources skipped.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { findUnknownFields, formatPath, loadKubernetesModels, modelClassName, type ModelIndex } from "../../generator/check/unknown-fields.js";

let models: ModelIndex;
beforeAll(async () => {
  const loaded = await loadKubernetesModels();
  if (!loaded) throw new Error("@kubernetes/client-node is a development dependency: run npm ci");
  models = loaded;
});

const deployment = (spec: Record<string, unknown>) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "shop", labels: { "app.kubernetes.io/name": "web" }, annotations: { "x/y": "z" } },
  spec: {
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        containers: [
          {
            name: "web",
            image: "nginx:1.27",
            ports: [{ containerPort: 80, name: "http" }],
            resources: { limits: { cpu: "500m", memory: "128Mi", "nvidia.com/gpu": 1 } },
            readinessProbe: { httpGet: { path: "/", port: "http" } },
            livenessProbe: { tcpSocket: { port: 80 } },
          },
        ],
      },
    },
    strategy: { rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
    ...spec,
  },
});

describe("findUnknownFields", () => {
  it("a valid Deployment (maps, IntOrString as name and number, Quantity as string and number) has none", () => {
    expect(findUnknownFields(deployment({ replicas: 2 }), models)).toEqual([]);
  });

  it("spec.replica: unknown, did you mean replicas", () => {
    expect(findUnknownFields(deployment({ replica: 2 }), models)).toEqual([{ segments: ["spec", "replica"], path: "spec.replica", field: "replica", suggestion: "replicas" }]);
  });

  it("finds typos deep inside lists, in document order, and the top-level ones too", () => {
    const d = deployment({});
    const container = ((d.spec.template.spec.containers as Record<string, unknown>[])[0]!);
    container.imagePullPolicyy = "Always";
    (container.ports as Record<string, unknown>[])[0]!.hostPorts = 8080;
    const found = findUnknownFields({ ...d, sepc: {} }, models);
    expect(found.map((f) => [f.path, f.suggestion])).toEqual([
      ["spec.template.spec.containers[0].ports[0].hostPorts", "hostPort"],
      ["spec.template.spec.containers[0].imagePullPolicyy", "imagePullPolicy"],
      ["sepc", "spec"],
    ]);
  });

  it("no suggestion when nothing is close", () => {
    expect(findUnknownFields(deployment({ flavour: "vanilla" }), models)).toEqual([{ segments: ["spec", "flavour"], path: "spec.flavour", field: "flavour" }]);
  });

  it("core and grouped kinds: PersistentVolume, Namespace, RuntimeClass, NetworkPolicy", () => {
    expect(findUnknownFields({ apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pv" }, spec: { capacity: { storage: "1Gi" }, hostPath: { path: "/d" }, storageClassname: "x" } }, models).map((f) => f.path)).toEqual(["spec.storageClassname"]);
    expect(findUnknownFields({ apiVersion: "v1", kind: "Namespace", metadata: { name: "a", lables: {} } }, models).map((f) => f.suggestion)).toEqual(["labels"]);
    expect(findUnknownFields({ apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { name: "gvisor" }, handler: "runsc", overhead: { podFixed: { memory: "64Mi" } } }, models)).toEqual([]);
    const np = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "n" }, spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 53, protocol: "UDP" }] }] } };
    expect(findUnknownFields(np, models)).toEqual([]);
  });

  it("custom resources and unknown kinds are skipped, even when a class of the same name exists", () => {
    expect(findUnknownFields({ apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: { name: "a" }, spec: { bogus: 1 } }, models)).toEqual([]);
    expect(findUnknownFields({ apiVersion: "example.com/v1", kind: "Deployment", spec: { replica: 1 } }, models)).toEqual([]);
    expect(findUnknownFields({ apiVersion: "v1", kind: "Widget", spec: { a: 1 } }, models)).toEqual([]);
  });

  it("values of types the client does not describe are not walked (x-preserve-unknown-fields style)", () => {
    const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "x" }, spec: { group: "g", names: { kind: "X", plural: "xs" }, scope: "Namespaced", versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }] } };
    expect(findUnknownFields(crd, models)).toEqual([]);
  });
});

describe("modelClassName", () => {
  it("maps apiVersion/kind to the client's class names, group-prefixed where two groups share a kind", () => {
    expect(modelClassName("apps/v1", "Deployment", models)).toBe("V1Deployment");
    expect(modelClassName("v1", "Secret", models)).toBe("V1Secret");
    expect(modelClassName("v1", "Event", models)).toBe("CoreV1Event");
    expect(modelClassName("events.k8s.io/v1", "Event", models)).toBe("EventsV1Event");
    expect(modelClassName("rbac.authorization.k8s.io/v1", "ClusterRole", models)).toBe("V1ClusterRole");
    expect(modelClassName("apps/v1", "DeploymentSpec", models)).toBeUndefined(); // not a kind
  });
});

it("formatPath quotes keys that are not plain words", () => {
  expect(formatPath(["metadata", "labels", "app.kubernetes.io/name"])).toBe('metadata.labels["app.kubernetes.io/name"]');
  expect(formatPath(["spec", "containers", 0, "name"])).toBe("spec.containers[0].name");
});
