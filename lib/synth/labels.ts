/** Labels every rendered object carries, applied once by the synth pipeline (never per construct). */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_CLUSTER = 'talos-flux-synth.dev/cluster';
export const MANAGED_BY = 'talos-flux-synth';

export function commonLabels(cluster: string, component: string): Record<string, string> {
  return { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_PART_OF]: component, [LABEL_CLUSTER]: cluster };
}

/**
 * On the layer Kustomizations of clusters/<cluster>/: the Kubernetes and Talos minors the cluster's tree was
 * rendered for, so `npm run validate` (which reads only the committed trees) checks it against the right minor.
 */
export const ANNOTATION_KUBERNETES_VERSION = 'talos-flux-synth.dev/kubernetes-version';
export const ANNOTATION_TALOS_VERSION = 'talos-flux-synth.dev/talos-version';
