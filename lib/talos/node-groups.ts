/**
 * Node groups: the nodes that share one Image Factory schematic and one machine-config patch. Nodes with the
 * same role, scheduling, labels and extensions form a group; it is named by the nodes' `group`, else by their
 * role, so a cluster with one control-plane group and one worker group needs no names at all.
 */
import type { Problem } from '../errors';
import { byString, sortedRecord } from '../order';
import type { NodeRequirement } from './requirements';

/** One Talos node (or a group of identical nodes) of the cluster. */
export interface NodeSpec {
  /** Node name, as Talos registers it (hostname). */
  readonly name: string;
  /** Control plane or worker. */
  readonly role: 'controlplane' | 'worker';
  /** Whether a control-plane node also runs workloads (Talos `cluster.allowSchedulingOnControlPlanes`). @default false */
  readonly schedulable?: boolean;
  /** Node labels set through the Talos machine config (`machine.nodeLabels`). @default {} */
  readonly labels?: Record<string, string>;
  /**
   * Official Talos system extensions the node's Image Factory schematic lists besides those its add-ons
   * require (add-ons such as GpuOperator add theirs to the nodes they select). @default []
   */
  readonly extensions?: readonly string[];
  /**
   * The node group: nodes that share one schematic and one machine-config patch, in `dist/<cluster>/talos/<group>/`.
   * Nodes of one group must agree on role, labels and extensions. @default the role (controlplane or worker)
   */
  readonly group?: string;
}

export type NodeRole = NodeSpec['role'];

/** Nodes that share one schematic and one machine-config patch. */
export interface NodeGroup {
  /** Names the group's folder under `dist/<cluster>/talos/`. */
  readonly name: string;
  readonly role: NodeRole;
  /** Whether its nodes run workloads: workers, and control planes that are schedulable. */
  readonly runsWorkloads: boolean;
  /** Node names, in the order of the cluster spec. */
  readonly nodes: readonly string[];
  /** Labels the cluster spec sets on the nodes. */
  readonly labels: Readonly<Record<string, string>>;
  /** System extensions the cluster spec lists for the nodes, sorted. */
  readonly extensions: readonly string[];
}

/** What a node group gets: the cluster spec's part and every requirement that selects it, merged. */
export interface GroupConfig {
  readonly group: NodeGroup;
  /** Schematic extensions, sorted. */
  readonly extensions: readonly string[];
  /** Kernel modules to load, in the order declared. */
  readonly kernelModules: readonly string[];
  /** `machine.nodeLabels`, sorted by key. */
  readonly nodeLabels: Readonly<Record<string, string>>;
  /** Runtime handlers the nodes provide (their extensions register, or add-ons declare), sorted. */
  readonly runtimeHandlers: readonly string[];
  /** Extended resources the nodes advertise, sorted. */
  readonly resources: readonly string[];
  /** Who asked for what: `GpuOperator[gpu-operator]` and its requirement, in the order declared. */
  readonly sources: ReadonlyArray<{ readonly by: string; readonly requirement: NodeRequirement }>;
}

const sortedLabels = (labels: Readonly<Record<string, string>> = {}) => sortedRecord(labels);

/** Whether a node runs workloads: every worker, and a control plane made schedulable. */
export function runsWorkloads(n: NodeSpec): boolean {
  return n.role === 'worker' || n.schedulable === true;
}

/** What makes two nodes need different schematics or patches. */
function shapeOf(n: NodeSpec): string {
  return JSON.stringify([n.role, runsWorkloads(n), sortedLabels(n.labels), [...new Set(n.extensions ?? [])].sort(byString)]);
}

/** What differs between two nodes, for messages. */
function differences(a: NodeSpec, b: NodeSpec): string {
  const out: string[] = [];
  if (a.role !== b.role) out.push('role');
  if ((a.schedulable === true) !== (b.schedulable === true)) out.push('schedulable');
  if (JSON.stringify(sortedLabels(a.labels)) !== JSON.stringify(sortedLabels(b.labels))) out.push('labels');
  if (JSON.stringify([...new Set(a.extensions ?? [])].sort(byString)) !== JSON.stringify([...new Set(b.extensions ?? [])].sort(byString))) out.push('extensions');
  return out.join(', ');
}

/**
 * The node groups of a cluster spec, in the order their first node is listed, and the problems that keep
 * nodes from being grouped: two nodes of one group name that differ, or two unnamed groups of one role.
 * `where` names the cluster.
 */
export function nodeGroupsOf(where: string, nodes: readonly NodeSpec[]): { groups: NodeGroup[]; problems: Problem[] } {
  const byName = new Map<string, { first: NodeSpec; shape: string; nodes: string[] }>();
  const problems: Problem[] = [];
  nodes.forEach((n, i) => {
    const name = n.group ?? n.role;
    const shape = shapeOf(n);
    const group = byName.get(name);
    if (!group) {
      byName.set(name, { first: n, shape, nodes: [n.name] });
      return;
    }
    if (group.shape === shape) {
      group.nodes.push(n.name);
      return;
    }
    const diff = differences(group.first, n);
    problems.push(n.group
      ? { where, field: `nodes[${i}].group`, message: `node ${n.name} is in group ${name} with ${group.first.name} but differs from it in ${diff}; the nodes of a group share one schematic and one machine-config patch` }
      : { where, field: `nodes[${i}].group`, message: `nodes ${group.first.name} and ${n.name} differ in ${diff}, so they need separate schematics or patches; name their groups (group: 'gpu', for example)` });
  });
  const groups = [...byName].map(([name, g]): NodeGroup => ({
    name,
    role: g.first.role,
    runsWorkloads: runsWorkloads(g.first),
    nodes: g.nodes,
    labels: sortedLabels(g.first.labels),
    extensions: [...new Set(g.first.extensions ?? [])].sort(byString),
  }));
  return { groups, problems };
}

/** Whether a node carrying `labels` matches every label of a selector. */
export function matchesSelector(labels: Readonly<Record<string, string>>, selector: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => Object.hasOwn(labels, k) && labels[k] === v);
}

/** `a=b, c=d`: a label set as a message shows it. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : '(no labels)';
}
