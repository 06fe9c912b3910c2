/**
 * Embedded validation of rendered objects with kubernetes-models. Each kind's validator is a
 * separate dynamic import, so the bundle loads only the kinds a tree holds.
 */
type Model = { new (data: unknown): { validate(): void } };
type Loader = () => Promise<Model>;

const pick = (name: string) => (m: Record<string, unknown>) => m[name] as Model;

/** apiVersion/kind -> validator loader, for every kind Slipway renders. */
export const MODEL_LOADERS: Readonly<Record<string, Loader>> = {
  "v1/ConfigMap": () => import("kubernetes-models/v1/ConfigMap").then(pick("ConfigMap")),
  "v1/Namespace": () => import("kubernetes-models/v1/Namespace").then(pick("Namespace")),
  "v1/Secret": () => import("kubernetes-models/v1/Secret").then(pick("Secret")),
  "v1/Service": () => import("kubernetes-models/v1/Service").then(pick("Service")),
  "v1/ServiceAccount": () => import("kubernetes-models/v1/ServiceAccount").then(pick("ServiceAccount")),
  "v1/PersistentVolume": () => import("kubernetes-models/v1/PersistentVolume").then(pick("PersistentVolume")),
  "v1/PersistentVolumeClaim": () => import("kubernetes-models/v1/PersistentVolumeClaim").then(pick("PersistentVolumeClaim")),
  "apps/v1/DaemonSet": () => import("kubernetes-models/apps/v1/DaemonSet").then(pick("DaemonSet")),
  "apps/v1/Deployment": () => import("kubernetes-models/apps/v1/Deployment").then(pick("Deployment")),
  "batch/v1/Job": () => import("kubernetes-models/batch/v1/Job").then(pick("Job")),
  "batch/v1/CronJob": () => import("kubernetes-models/batch/v1/CronJob").then(pick("CronJob")),
  "node.k8s.io/v1/RuntimeClass": () => import("kubernetes-models/node.k8s.io/v1/RuntimeClass").then(pick("RuntimeClass")),
  "networking.k8s.io/v1/NetworkPolicy": () => import("kubernetes-models/networking.k8s.io/v1/NetworkPolicy").then(pick("NetworkPolicy")),
  "rbac.authorization.k8s.io/v1/Role": () => import("kubernetes-models/rbac.authorization.k8s.io/v1/Role").then(pick("Role")),
  "rbac.authorization.k8s.io/v1/RoleBinding": () => import("kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding").then(pick("RoleBinding")),
  "rbac.authorization.k8s.io/v1/ClusterRole": () => import("kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole").then(pick("ClusterRole")),
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": () => import("kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding").then(pick("ClusterRoleBinding")),
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy": () => import("kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy").then(pick("ValidatingAdmissionPolicy")),
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding": () =>
    import("kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding").then(pick("ValidatingAdmissionPolicyBinding")),
  "argoproj.io/v1alpha1/Application": () => import("@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application").then(pick("Application")),
  "argoproj.io/v1alpha1/AppProject": () => import("@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject").then(pick("AppProject")),
  "bitnami.com/v1alpha1/SealedSecret": () => import("@kubernetes-models/sealed-secrets/bitnami.com/v1alpha1/SealedSecret").then(pick("SealedSecret")),
};

/** Validates one object; returns the model's message, or undefined when valid or no model exists. */
export async function validateWithModel(obj: { apiVersion?: unknown; kind?: unknown }): Promise<string | undefined> {
  const loader = MODEL_LOADERS[`${String(obj.apiVersion)}/${String(obj.kind)}`];
  if (!loader) return undefined;
  const Model = await loader();
  try {
    new Model(obj).validate();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message.split("\n").slice(0, 6).join("; ") : String(e);
  }
}
