/**
 * The machine-config patch of a node group: a strategic merge patch for `talosctl gen config --config-patch`
 * or `talosctl machineconfig patch`. Talos 1.13: one `v1alpha1` document. Talos 1.14: the multi-document
 * configs that replace the v1alpha1 fields it moved (KubeNodeConfig, KernelModuleConfig, KubePrismConfig,
 * KubeFlannelCNIConfig, KubeProxyConfig), and never the old field for the same setting (Talos rejects a
 * config that sets one in both forms). Each document is validated against the Talos config schema of the
 * nodes' minor before it is written.
 */
import { ConfigError } from '../errors';
import { toYaml } from '../synth/yaml';
import { talosConfigErrors } from './config-schema';
import type { GroupConfig } from './node-groups';
import type { TalosVersion } from '../versions';

/** The container network the cluster runs: Talos' built-in Flannel, or Cilium installed by the bootstrap. */
export type Cni = 'flannel' | 'cilium';

/** The port KubePrism serves the Kubernetes API on at localhost: Cilium's kube-proxy replacement reaches the API through it. */
export const KUBEPRISM_PORT = 7445;

/** The taint Talos 1.14's KubeNodeConfig of a control plane lists (`NoSchedule`); a schedulable control plane drops it. */
export const CONTROL_PLANE_TAINT = 'node-role.kubernetes.io/control-plane';

export interface PatchOptions {
  /** The Talos minor of the nodes: it decides the form. */
  readonly talosVersion: TalosVersion;
  /** The cluster's CNI: Cilium needs Talos' Flannel and kube-proxy off, and KubePrism on. */
  readonly cni: Cni;
  /** A control-plane group whose nodes run workloads (`cluster.allowSchedulingOnControlPlanes`). */
  readonly schedulableControlPlane: boolean;
}

/** The documents of one group's patch: keys and documents the group does not need are left out. */
export function machineConfigDocuments(config: GroupConfig, options: PatchOptions): Array<Record<string, unknown>> {
  if (options.talosVersion === '1.13') return [machineConfigPatch(config, options)];
  const doc = (kind: string, fields: Record<string, unknown> = {}) => ({ apiVersion: 'v1alpha1', kind, ...fields });
  const docs: Array<Record<string, unknown>> = [];
  const labels = Object.keys(config.nodeLabels).length ? { labels: { ...config.nodeLabels } } : {};
  // From 1.14 a control plane's NoSchedule taint is listed in its KubeNodeConfig; deleting that one key
  // (`key: {$patch: delete}`, as Talos patches delete a map entry) is what `.cluster.allowSchedulingOnControlPlanes` did.
  const taints = options.schedulableControlPlane ? { taints: { [CONTROL_PLANE_TAINT]: { $patch: 'delete' } } } : {};
  if (Object.keys(labels).length || Object.keys(taints).length) docs.push(doc('KubeNodeConfig', { ...labels, ...taints }));
  if (options.cni === 'cilium') {
    docs.push(doc('KubePrismConfig', { port: KUBEPRISM_PORT }));
    // The CNI set to none (Talos' "Deploy Cilium CNI" guide for 1.14) and kube-proxy off.
    docs.push(doc('KubeFlannelCNIConfig', { $patch: 'delete' }));
    docs.push(doc('KubeProxyConfig', { enabled: false }));
  }
  // One document per module, in the order declared (Talos' NVIDIA guide lists them so).
  for (const name of config.kernelModules) docs.push(doc('KernelModuleConfig', { name }));
  return docs.length ? docs : [{}];
}

/** The v1alpha1 patch document of one group (Talos 1.13); keys the group does not need are left out. */
export function machineConfigPatch(config: GroupConfig, options: Omit<PatchOptions, 'talosVersion'>): Record<string, unknown> {
  const machine: Record<string, unknown> = {};
  const cluster: Record<string, unknown> = {};
  if (Object.keys(config.nodeLabels).length) machine.nodeLabels = { ...config.nodeLabels };
  if (config.kernelModules.length) machine.kernel = { modules: config.kernelModules.map((name) => ({ name })) };
  if (options.cni === 'cilium') {
    machine.features = { kubePrism: { enabled: true, port: KUBEPRISM_PORT } };
    cluster.network = { cni: { name: 'none' } };
    cluster.proxy = { disabled: true };
  }
  if (options.schedulableControlPlane) cluster.allowSchedulingOnControlPlanes = true;
  return {
    ...(Object.keys(machine).length ? { machine } : {}),
    ...(Object.keys(cluster).length ? { cluster } : {}),
  };
}

/** The patch file: a comment saying what it is for and why each part is there, then the documents. */
export function patchYaml(cluster: string, config: GroupConfig, documents: ReadonlyArray<Record<string, unknown>>, talosVersion: TalosVersion): string {
  const errors = documents.flatMap((doc, i) => talosConfigErrors(doc, talosVersion).map((e) => ({
    where: `${cluster}/talos/${config.group.name}/patch.yaml${documents.length > 1 ? `[${i}]${typeof doc.kind === 'string' ? ` ${doc.kind}` : ''}` : ''}`,
    field: e.path,
    message: `${e.message} (Talos config schema)`,
  })));
  if (errors.length) throw new ConfigError(errors);
  const { group } = config;
  const header = [
    `Talos machine-config patch of node group ${group.name} of cluster ${cluster}: ${group.nodes.join(', ')} (${group.role}).`,
    'Generated by talos-flux-synth from the cluster spec; apply it with talosctl (README: "From bare Talos nodes to Flux").',
    ...config.sources.map((s) => `${s.by}: ${describeNeeds(s.requirement)}`).filter((line) => !line.endsWith(': ')),
  ];
  return `${header.map((l) => `# ${l}`).join('\n')}\n${documents.map((d) => toYaml(d)).join('---\n')}`;
}

function describeNeeds(r: GroupConfig['sources'][number]['requirement']): string {
  const parts: string[] = [];
  if (r.nodeLabels && Object.keys(r.nodeLabels).length) parts.push(`labels ${Object.entries(r.nodeLabels).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (r.kernelModules?.length) parts.push(`kernel modules ${r.kernelModules.join(', ')}`);
  return parts.join('; ');
}
