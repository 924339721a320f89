/** Labels every rendered object carries, applied once by the synth pipeline (never per construct). */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_CLUSTER = 'talos-flux-synth.dev/cluster';
export const MANAGED_BY = 'talos-flux-synth';

export function commonLabels(cluster: string, component: string): Record<string, string> {
  return { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_PART_OF]: component, [LABEL_CLUSTER]: cluster };
}

/**
 * Annotations of a cluster's FluxInstance (clusters/<cluster>/) that record the Kubernetes and Talos minors
 * its output was rendered for: `npm run diff` reads them to flag a minor changing, and `npm run validate`,
 * which reads only the committed trees, checks each cluster against its recorded Kubernetes minor.
 */
export const KUBERNETES_VERSION_ANNOTATION = 'talos-flux-synth.dev/kubernetes-version';
export const TALOS_VERSION_ANNOTATION = 'talos-flux-synth.dev/talos-version';
