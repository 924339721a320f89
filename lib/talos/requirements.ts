/**
 * What add-ons need from Talos, declared to the cluster's TalosLayer (`cluster.talos`) instead of being
 * kept in sync by hand: the Image Factory schematics, the machine-config patches and the cross-layer
 * checks are all derived from these declarations and the cluster spec.
 */

/**
 * The nodes a requirement concerns: those whose cluster-spec labels include all of `labels` (the labels its
 * pods select on; `{}` picks every node that runs workloads), or those whose cluster spec lists one of
 * `extensions` (`what` names them in messages: `an NVIDIA extension`).
 */
export type NodeSelection =
  | { readonly labels: Readonly<Record<string, string>> }
  | { readonly extensions: readonly string[]; readonly what?: string };

/** What an add-on needs from the nodes it selects, and what those nodes then provide. */
export interface NodeRequirement {
  /** The nodes it concerns. */
  readonly nodes: NodeSelection;
  /** Official system extensions the nodes' Image Factory schematic must list. @default [] */
  readonly extensions?: readonly string[];
  /** Kernel modules the nodes load at boot (`machine.kernel.modules`). @default [] */
  readonly kernelModules?: readonly string[];
  /** Labels the nodes must carry besides the cluster spec's (`machine.nodeLabels`). @default {} */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  /** Container runtime handlers the nodes then provide (what a RuntimeClass `handler` names). @default [] */
  readonly runtimeHandlers?: readonly string[];
  /** Extended resources the nodes then advertise, such as `nvidia.com/gpu`. @default [] */
  readonly resources?: readonly string[];
  /** What to do when the selection picks no node: ends the error message. */
  readonly whenNoNode: string;
}

/** A RuntimeClass an add-on creates in the cluster at run time (not rendered), such as the GPU operator's. */
export interface RuntimeClassSpec {
  readonly name: string;
  /** The container runtime handler it runs pods with. */
  readonly handler: string;
  /** `scheduling.nodeSelector`: the nodes its pods are restricted to. @default {} */
  readonly nodeSelector?: Readonly<Record<string, string>>;
}

/** A namespace in which an add-on runs pods that Pod Security `baseline` rejects. */
export interface PrivilegedPods {
  readonly namespace: string;
  /** Which pods, and what they do that needs `privileged`. */
  readonly reason: string;
}
