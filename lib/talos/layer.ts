import type { IConstruct } from 'constructs';
import { ConfigError, Problem } from '../errors';
import { byString, sortedRecord } from '../order';
import { describeConstruct, propError } from '../props';
import { Cni, machineConfigDocuments, patchYaml } from './machine-config';
import { formatLabels, GroupConfig, matchesSelector, NodeGroup, nodeGroupsOf, NodeSpec } from './node-groups';
import { nvidiaExtensionProblem } from './nvidia';
import { extensionProblem } from './extensions';
import { NodeRequirement, NodeSelection, PrivilegedPods, RuntimeClassSpec } from './requirements';
import { handlersRegisteredBy } from './runtime-handlers';
import { schematicYaml } from './schematic';
import type { TalosVersion } from '../versions';

/** What the Talos layer reads from the cluster spec. */
export interface TalosClusterSpec {
  readonly name: string;
  readonly nodes: readonly NodeSpec[];
  /** Talos minor version of the nodes. */
  readonly talosVersion: TalosVersion;
  readonly cni: Cni;
}

/** One node as the cross-layer checks see it: the labels the scheduler matches and what the node serves. */
export interface NodeView {
  readonly name: string;
  readonly group: string;
  readonly runsWorkloads: boolean;
  /** Its schematic's extensions. */
  readonly extensions: readonly string[];
  /** Its labels as Kubernetes shows them: the machine config's and the ones every node gets. */
  readonly labels: Readonly<Record<string, string>>;
  readonly runtimeHandlers: readonly string[];
  readonly resources: readonly string[];
}

/** A declaration and the construct that made it. */
interface Declared<T> {
  readonly by: IConstruct;
  readonly value: T;
}

/** Control planes carry this label; Kubernetes taints them unless they are schedulable. */
export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';

const sortedUnique = (xs: Iterable<string>) => [...new Set(xs)].sort(byString);

/** `Kind[id]`: how provenance comments and messages name the construct that declared something. */
export const declarer = (c: IConstruct) => `${c.constructor.name}[${c.node.id}]`;

/**
 * The Talos side of one cluster: its node groups, what add-ons require of them, and what the cluster
 * therefore renders for Talos (an Image Factory schematic and a machine-config patch per group) and
 * checks against its manifests. Add-ons reach it as `cluster.talos`.
 */
export class TalosLayer {
  readonly groups: readonly NodeGroup[];
  private readonly requirements: Array<Declared<NodeRequirement> & { readonly groups: ReadonlySet<string> }> = [];
  private readonly runtimeClassList: Array<Declared<RuntimeClassSpec>> = [];
  private readonly privilegedList: Array<Declared<PrivilegedPods>> = [];

  constructor(private readonly owner: IConstruct, readonly spec: TalosClusterSpec) {
    const { groups, problems } = nodeGroupsOf(describeConstruct(owner), spec.nodes);
    if (problems.length) throw new ConfigError(problems);
    this.groups = groups;
  }

  /** The groups a selection picks, in spec order. */
  select(selection: NodeSelection): NodeGroup[] {
    if ('extensions' in selection) return this.groups.filter((g) => g.extensions.some((e) => selection.extensions.includes(e)));
    const labels = selection.labels;
    if (Object.keys(labels).length === 0) return this.groups.filter((g) => g.runsWorkloads);
    return this.groups.filter((g) => matchesSelector(g.labels, labels));
  }

  /**
   * Declares what an add-on (`by`) needs from the nodes it selects; returns the groups selected. Throws a
   * ConfigError naming `by` and `field` (its prop that chose the nodes) when the selection picks no node or
   * the labels it asks for contradict the nodes' own.
   */
  require(by: IConstruct, field: string, requirement: NodeRequirement): NodeGroup[] {
    const groups = this.select(requirement.nodes);
    if (groups.length === 0) throw propError(by, field, `${this.describeSelection(requirement.nodes)}; ${requirement.whenNoNode}`);
    for (const g of groups) {
      const labels = this.configOf(g).nodeLabels;
      for (const [k, v] of Object.entries(requirement.nodeLabels ?? {})) {
        if (Object.hasOwn(labels, k) && labels[k] !== v) {
          throw propError(by, field, `needs label ${k}=${v} on node group ${g.name}, which already carries ${k}=${labels[k]}; use another label or value`);
        }
      }
    }
    this.requirements.push({ by, value: requirement, groups: new Set(groups.map((g) => g.name)) });
    return groups;
  }

  /** Declares a RuntimeClass an add-on creates at run time, so pods naming it are checked against its handler. */
  addRuntimeClass(by: IConstruct, runtimeClass: RuntimeClassSpec): void {
    this.runtimeClassList.push({ by, value: runtimeClass });
  }

  /** Declares that an add-on runs pods in a namespace that Pod Security `baseline` would reject. */
  addPrivilegedPods(by: IConstruct, pods: PrivilegedPods): void {
    this.privilegedList.push({ by, value: pods });
  }

  get runtimeClasses(): ReadonlyArray<Declared<RuntimeClassSpec>> {
    return this.runtimeClassList;
  }

  get privilegedPods(): ReadonlyArray<Declared<PrivilegedPods>> {
    return this.privilegedList;
  }

  /** The labels every node of `groups` carries and no node of another group carries with the same value, sorted. */
  distinguishingLabels(groups: readonly NodeGroup[]): Record<string, string> {
    const others = this.groups.filter((g) => !groups.includes(g));
    const carries = (g: NodeGroup, [k, v]: [string, string]) => g.labels[k] === v;
    return Object.fromEntries(Object.entries(groups[0]?.labels ?? {})
      .filter((label) => groups.every((g) => carries(g, label)) && !others.some((g) => carries(g, label))));
  }

  /** What a group gets: the cluster spec's part and every requirement that selects it. */
  configOf(group: NodeGroup): GroupConfig {
    const sources = this.requirements.filter((r) => r.groups.has(group.name)).map((r) => ({ by: declarer(r.by), requirement: r.value }));
    const all = <K extends 'extensions' | 'kernelModules' | 'runtimeHandlers' | 'resources'>(key: K) => sources.flatMap((s) => s.requirement[key] ?? []);
    const extensions = sortedUnique([...group.extensions, ...all('extensions')]);
    return {
      group,
      extensions,
      // In the order declared: the NVIDIA modules as Talos' guide lists them (modprobe resolves their dependencies).
      kernelModules: [...new Set(all('kernelModules'))],
      nodeLabels: sortedRecord(Object.assign({}, group.labels, ...sources.map((s) => s.requirement.nodeLabels ?? {}))),
      runtimeHandlers: sortedUnique([...handlersRegisteredBy(extensions, this.spec.talosVersion), ...all('runtimeHandlers')]),
      resources: sortedUnique(all('resources')),
      sources,
    };
  }

  /** Every node, with the labels the scheduler sees and what it serves. */
  get nodeViews(): NodeView[] {
    return this.groups.flatMap((group) => {
      const config = this.configOf(group);
      return group.nodes.map((name): NodeView => ({
        name,
        group: group.name,
        runsWorkloads: group.runsWorkloads,
        extensions: config.extensions,
        labels: {
          ...config.nodeLabels,
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          ...(group.role === 'controlplane' ? { [CONTROL_PLANE_LABEL]: '' } : {}),
        },
        runtimeHandlers: config.runtimeHandlers,
        resources: config.resources,
      }));
    });
  }

  /** What is wrong with the Talos side as declared: extensions that cannot work together, an unsupported version. */
  problems(): Problem[] {
    const where = describeConstruct(this.owner);
    const problems: Problem[] = [];
    for (const group of this.groups) {
      const config = this.configOf(group);
      const problem = nvidiaExtensionProblem(config.extensions);
      if (problem) problems.push({ where, field: 'nodes', message: `node group ${this.describeGroup(group)} ${problem}${provenance(config, 'extensions')}` });
      for (const extension of config.extensions) {
        const shipped = extensionProblem(extension, this.spec.talosVersion);
        // Extensions from nodes[].extensions are checked with the cluster spec; these came from an add-on.
        if (shipped && !group.extensions.includes(extension)) problems.push({ where, field: 'nodes', message: `node group ${this.describeGroup(group)}: ${shipped}${provenance(config, 'extensions')}` });
      }
    }
    return problems;
  }

  /** The Talos files of the cluster, below `dist/<cluster>/`: a schematic and a machine-config patch per group. */
  artifacts(): Array<{ readonly path: string; readonly render: () => string }> {
    return this.groups.flatMap((group) => [
      { path: `talos/${group.name}/schematic.yaml`, render: () => schematicYaml(this.spec.name, this.configOf(group)) },
      { path: `talos/${group.name}/patch.yaml`, render: () => patchYaml(this.spec.name, this.configOf(group), this.patchOf(group), this.spec.talosVersion) },
    ]);
  }

  /** The machine-config patch of a group, as its documents (one v1alpha1 document on Talos 1.13). */
  patchOf(group: NodeGroup): Array<Record<string, unknown>> {
    return machineConfigDocuments(this.configOf(group), { talosVersion: this.spec.talosVersion, cni: this.spec.cni, schedulableControlPlane: group.role === 'controlplane' && group.runsWorkloads });
  }

  /** `gpu (hybrid-gpu-0, hybrid-gpu-1)`. */
  describeGroup(group: NodeGroup): string {
    return `${group.name} (${group.nodes.join(', ')})`;
  }

  private describeSelection(selection: NodeSelection): string {
    if ('extensions' in selection) return `no node of ${this.spec.name} lists ${selection.what ?? selection.extensions.join(' or ')}`;
    if (Object.keys(selection.labels).length === 0) return `no node of ${this.spec.name} runs workloads`;
    return `no node group of ${this.spec.name} carries ${formatLabels(selection.labels)}`;
  }
}

/** ` (siderolabs/x from GpuOperator[gpu-operator])`: where the items of a group's list came from. */
function provenance(config: GroupConfig, key: 'extensions'): string {
  const from = config.sources.filter((s) => (s.requirement[key] ?? []).length).map((s) => `${(s.requirement[key] ?? []).join(', ')} from ${s.by}`);
  if (config.group.extensions.length) from.unshift(`${config.group.extensions.join(', ')} from nodes[].extensions`);
  return from.length ? ` (${from.join('; ')})` : '';
}
