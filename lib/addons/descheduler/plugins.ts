/**
 * The descheduler's v1alpha2 plugins, typed with their args. Field names are the JSON names of the
 * plugins' args types (kubernetes-sigs/descheduler v0.36.0 pkg/framework/plugins/<plugin>/types.go and
 * pkg/api/types.go), so the args render into the policy as they are.
 */
import { z } from 'zod';
import { showValue } from '../../errors';
import { SchemaMatches } from '../../props';
import { dnsLabel, duration, isLabelKey, LabelSelector, labelSelector, percentage } from '../../validators';

/** Namespaces a plugin considers: only `include`d ones, or all but the `exclude`d ones (api.Namespaces). */
export interface NamespaceFilter {
  /** Only these namespaces. @default all */
  readonly include?: readonly string[];
  /** All namespaces but these. @default none */
  readonly exclude?: readonly string[];
}

/** Percentages (0–100) per resource: `cpu`, `memory`, `pods`, `ephemeral-storage` or an extended resource such as `nvidia.com/gpu`. */
export type ResourceThresholds = Readonly<Record<string, number>>;

/** The filters most plugins share. */
export interface PodFilterArgs {
  /** Namespaces the plugin evicts from. @default all */
  readonly namespaces?: NamespaceFilter;
  /** Only pods with matching labels. @default all pods */
  readonly labelSelector?: LabelSelector;
}

export interface RemoveDuplicatesArgs {
  /** Namespaces the plugin evicts from. @default all */
  readonly namespaces?: NamespaceFilter;
  /** Owner kinds whose duplicates are left alone, such as `ReplicaSet`. @default [] */
  readonly excludeOwnerKinds?: readonly string[];
}

export interface LowNodeUtilizationArgs {
  /** A node below every threshold is underutilized: evicted pods should land there. */
  readonly thresholds: ResourceThresholds;
  /** A node above any target is overutilized: pods are evicted from it. Same resources as `thresholds`, each at least its threshold. */
  readonly targetThresholds: ResourceThresholds;
  /** Read the thresholds as deviations from the mean utilization of the nodes. @default false */
  readonly useDeviationThresholds?: boolean;
  /** Act only when more than this many nodes are underutilized. @default 0 */
  readonly numberOfNodes?: number;
  /** Namespaces pods may be evicted from (all namespaces still count towards utilization). @default all */
  readonly evictableNamespaces?: NamespaceFilter;
  /** Per-node eviction limit of this plugin. @default none */
  readonly evictionLimits?: { readonly node?: number };
}

/** Node affinity types RemovePodsViolatingNodeAffinity checks. */
export type NodeAffinityType = 'requiredDuringSchedulingIgnoredDuringExecution' | 'preferredDuringSchedulingIgnoredDuringExecution';

export interface RemovePodsViolatingNodeAffinityArgs extends PodFilterArgs {
  /** Which node affinity a pod must violate to be evicted. */
  readonly nodeAffinityType: readonly NodeAffinityType[];
}

export interface RemovePodsViolatingNodeTaintsArgs extends PodFilterArgs {
  /** Also evict for `PreferNoSchedule` taints. @default false */
  readonly includePreferNoSchedule?: boolean;
  /** Taints (`key` or `key=value`) that never cause an eviction. @default [] */
  readonly excludedTaints?: readonly string[];
  /** Only these taints (`key` or `key=value`) cause evictions. @default all */
  readonly includedTaints?: readonly string[];
}

/** Topology spread constraints RemovePodsViolatingTopologySpreadConstraint enforces, by `whenUnsatisfiable`. */
export type TopologySpreadConstraintAction = 'DoNotSchedule' | 'ScheduleAnyway';

export interface RemovePodsViolatingTopologySpreadConstraintArgs extends PodFilterArgs {
  /** Constraints to balance. @default ['DoNotSchedule'] */
  readonly constraints?: readonly TopologySpreadConstraintAction[];
  /** Evict only pods that fit on another node. @default true */
  readonly topologyBalanceNodeFit?: boolean;
}

export type RemovePodsViolatingInterPodAntiAffinityArgs = PodFilterArgs;

export interface RemovePodsHavingTooManyRestartsArgs extends PodFilterArgs {
  /** Evict a pod once its containers restarted this many times. */
  readonly podRestartThreshold: number;
  /** Count restarts of init containers too. @default false */
  readonly includingInitContainers?: boolean;
  /** Only pods in these states, such as `CrashLoopBackOff`. @default all */
  readonly states?: readonly string[];
}

export interface PodLifeTimeArgs extends PodFilterArgs {
  /** Evict pods older than this many seconds. @default no age limit */
  readonly maxPodLifeTimeSeconds?: number;
  /** Only pods in these phases or reasons, such as `Pending` or `CrashLoopBackOff`. @default all */
  readonly states?: readonly string[];
  /** Only pods owned by (`include`) or not owned by (`exclude`) these kinds. @default all */
  readonly ownerKinds?: { readonly include?: readonly string[]; readonly exclude?: readonly string[] };
  /** Match `states` against init containers too. @default false */
  readonly includingInitContainers?: boolean;
  /** Match `states` against ephemeral containers too. @default false */
  readonly includingEphemeralContainers?: boolean;
}

export interface RemoveFailedPodsArgs extends PodFilterArgs {
  /** Leave failed pods younger than this many seconds. @default 3600 */
  readonly minPodLifetimeSeconds?: number;
  /** Only pods failed for these reasons, such as `OutOfcpu`. @default all */
  readonly reasons?: readonly string[];
  /** Only pods whose containers exited with these codes. @default all */
  readonly exitCodes?: readonly number[];
  /** Owner kinds whose failed pods are left alone, such as `Job`. @default [] */
  readonly excludeOwnerKinds?: readonly string[];
  /** Match `reasons` against init containers too. @default false */
  readonly includingInitContainers?: boolean;
}

/** One plugin of the profile, with its args. */
export type DeschedulerPlugin =
  | { readonly name: 'RemoveDuplicates'; readonly args?: RemoveDuplicatesArgs }
  | { readonly name: 'LowNodeUtilization'; readonly args: LowNodeUtilizationArgs }
  | { readonly name: 'RemovePodsViolatingNodeAffinity'; readonly args: RemovePodsViolatingNodeAffinityArgs }
  | { readonly name: 'RemovePodsViolatingNodeTaints'; readonly args?: RemovePodsViolatingNodeTaintsArgs }
  | { readonly name: 'RemovePodsViolatingTopologySpreadConstraint'; readonly args?: RemovePodsViolatingTopologySpreadConstraintArgs }
  | { readonly name: 'RemovePodsViolatingInterPodAntiAffinity'; readonly args?: RemovePodsViolatingInterPodAntiAffinityArgs }
  | { readonly name: 'RemovePodsHavingTooManyRestarts'; readonly args: RemovePodsHavingTooManyRestartsArgs }
  | { readonly name: 'PodLifeTime'; readonly args: PodLifeTimeArgs }
  | { readonly name: 'RemoveFailedPods'; readonly args?: RemoveFailedPodsArgs };

export type DeschedulerPluginName = DeschedulerPlugin['name'];

/**
 * The extension point each plugin runs at: `balance` plugins move pods to even out the nodes,
 * `deschedule` plugins evict pods that break a rule of their own.
 */
export const EXTENSION_POINTS = {
  RemoveDuplicates: 'balance',
  LowNodeUtilization: 'balance',
  RemovePodsViolatingTopologySpreadConstraint: 'balance',
  RemovePodsViolatingNodeAffinity: 'deschedule',
  RemovePodsViolatingNodeTaints: 'deschedule',
  RemovePodsViolatingInterPodAntiAffinity: 'deschedule',
  RemovePodsHavingTooManyRestarts: 'deschedule',
  PodLifeTime: 'deschedule',
  RemoveFailedPods: 'deschedule',
} as const satisfies Record<DeschedulerPluginName, 'balance' | 'deschedule'>;

/** Pod protections DefaultEvictor applies unless disabled. */
export type DefaultPodProtection = 'PodsWithLocalStorage' | 'DaemonSetPods' | 'SystemCriticalPods' | 'FailedBarePods';
/** Pod protections DefaultEvictor applies only when enabled. */
export type ExtraPodProtection = 'PodsWithPVC' | 'PodsWithoutPDB' | 'PodsWithResourceClaims';

/** Pods below this priority may be evicted: a number, or the name of a PriorityClass. */
export type PriorityThreshold = { readonly value: number } | { readonly name: string };

/** DefaultEvictor args: which pods any plugin may evict. */
export interface DefaultEvictorArgs {
  /** Protections to turn on (`extraEnabled`) or off (`defaultDisabled`). @default the descheduler's defaults */
  readonly podProtections?: { readonly extraEnabled?: readonly ExtraPodProtection[]; readonly defaultDisabled?: readonly DefaultPodProtection[] };
  /** Evict only pods that fit on another node (resources, selectors, taints, affinity). @default false */
  readonly nodeFit?: boolean;
  /** Evict only pods with a lower priority. @default system-critical pods are protected */
  readonly priorityThreshold?: PriorityThreshold;
  /** Evict only pods with matching labels. @default all pods */
  readonly labelSelector?: LabelSelector;
  /** Evict only from namespaces with matching labels. @default all namespaces */
  readonly namespaceLabelSelector?: LabelSelector;
  /** Evict only pods whose owner has at least this many replicas. @default 0 */
  readonly minReplicas?: number;
  /** Evict only pods older than this duration, such as `10m`. @default any age */
  readonly minPodAge?: string;
  /** How the `descheduler.alpha.kubernetes.io/prefer-no-eviction` annotation is read. @default Preferred */
  readonly noEvictionPolicy?: 'Preferred' | 'Mandatory';
}

// ---- validation -----------------------------------------------------------------------------------

const BUILT_IN_RESOURCES = ['cpu', 'memory', 'pods', 'ephemeral-storage'];

/** cpu, memory, pods, ephemeral-storage, or an extended resource (`<domain>/<name>`). */
function isResourceName(name: string): boolean {
  return BUILT_IN_RESOURCES.includes(name) || (name.includes('/') && isLabelKey(name));
}

const count = () => z.number().int().min(0);
const strings = () => z.array(z.string().min(1));

/** `{ include }` or `{ exclude }`, as namespace and owner-kind filters take them. */
const includeOrExclude = <T extends z.ZodType>(item: T) =>
  z.strictObject({ include: z.array(item).optional(), exclude: z.array(item).optional() })
    .refine((f) => !(f.include && f.exclude), { error: 'set include or exclude, not both' });

const namespaceFilter = () => includeOrExclude(dnsLabel());

const podFilter = {
  namespaces: namespaceFilter().optional(),
  labelSelector: labelSelector().optional(),
};

const resourceThresholds = () =>
  z.record(z.string(), percentage()).superRefine((map, ctx) => {
    if (Object.keys(map).length === 0) ctx.addIssue({ code: 'custom', message: 'list at least one resource' });
    for (const name of Object.keys(map)) {
      if (!isResourceName(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `${JSON.stringify(name)} is not a resource (cpu, memory, pods, ephemeral-storage or an extended resource such as nvidia.com/gpu)` });
      }
    }
  });

const isPercentage = (n: number | undefined): n is number => typeof n === 'number' && n >= 0 && n <= 100;

const lowNodeUtilizationArgs = z.strictObject({
  thresholds: resourceThresholds(),
  targetThresholds: resourceThresholds(),
  useDeviationThresholds: z.boolean().optional(),
  numberOfNodes: count().optional(),
  evictableNamespaces: namespaceFilter().optional(),
  evictionLimits: z.strictObject({ node: count().optional() }).optional(),
}).superRefine((args, ctx) => {
  const low = Object.keys(args.thresholds).sort();
  const high = Object.keys(args.targetThresholds).sort();
  if (low.join() !== high.join()) {
    ctx.addIssue({
      code: 'custom',
      path: ['targetThresholds'],
      message: `lists ${high.join(', ') || 'no resource'} but thresholds lists ${low.join(', ') || 'no resource'}; both must list the same resources`,
    });
    return;
  }
  for (const resource of low) {
    const threshold = args.thresholds[resource];
    const target = args.targetThresholds[resource];
    // Values outside 0–100 already have their own message.
    if (isPercentage(threshold) && isPercentage(target) && threshold > target) {
      ctx.addIssue({ code: 'custom', path: ['thresholds', resource], message: `${threshold} is above its target ${target}; a threshold must not exceed its target` });
    }
  }
});

const pluginSchemas = [
  z.strictObject({ name: z.literal('RemoveDuplicates'), args: z.strictObject({ namespaces: namespaceFilter().optional(), excludeOwnerKinds: strings().optional() }).optional() }),
  z.strictObject({ name: z.literal('LowNodeUtilization'), args: lowNodeUtilizationArgs }),
  z.strictObject({
    name: z.literal('RemovePodsViolatingNodeAffinity'),
    args: z.strictObject({
      ...podFilter,
      nodeAffinityType: z.array(z.enum(['requiredDuringSchedulingIgnoredDuringExecution', 'preferredDuringSchedulingIgnoredDuringExecution']))
        .min(1, { error: 'name at least one node affinity type, such as requiredDuringSchedulingIgnoredDuringExecution' }),
    }),
  }),
  z.strictObject({
    name: z.literal('RemovePodsViolatingNodeTaints'),
    args: z.strictObject({ ...podFilter, includePreferNoSchedule: z.boolean().optional(), excludedTaints: strings().optional(), includedTaints: strings().optional() }).optional(),
  }),
  z.strictObject({
    name: z.literal('RemovePodsViolatingTopologySpreadConstraint'),
    args: z.strictObject({ ...podFilter, constraints: z.array(z.enum(['DoNotSchedule', 'ScheduleAnyway'])).optional(), topologyBalanceNodeFit: z.boolean().optional() }).optional(),
  }),
  z.strictObject({ name: z.literal('RemovePodsViolatingInterPodAntiAffinity'), args: z.strictObject(podFilter).optional() }),
  z.strictObject({
    name: z.literal('RemovePodsHavingTooManyRestarts'),
    args: z.strictObject({
      ...podFilter,
      podRestartThreshold: z.number().int().min(1, { error: (iss) => `${iss.input} is not a restart count of at least 1` }),
      includingInitContainers: z.boolean().optional(),
      states: strings().optional(),
    }),
  }),
  z.strictObject({
    name: z.literal('PodLifeTime'),
    args: z.strictObject({
      ...podFilter,
      maxPodLifeTimeSeconds: count().optional(),
      states: strings().optional(),
      ownerKinds: includeOrExclude(z.string().min(1)).optional(),
      includingInitContainers: z.boolean().optional(),
      includingEphemeralContainers: z.boolean().optional(),
    }),
  }),
  z.strictObject({
    name: z.literal('RemoveFailedPods'),
    args: z.strictObject({
      ...podFilter,
      minPodLifetimeSeconds: count().optional(),
      reasons: strings().optional(),
      exitCodes: z.array(z.number().int()).optional(),
      excludeOwnerKinds: strings().optional(),
      includingInitContainers: z.boolean().optional(),
    }).optional(),
  }),
] as const;

const PLUGIN_NAMES = Object.keys(EXTENSION_POINTS).join(', ');

const pluginSchema = z.discriminatedUnion('name', pluginSchemas, {
  error: (iss) => (iss.code === 'invalid_union' ? `${showValue((iss.input as { name?: unknown } | undefined)?.name)} is not a supported plugin (${PLUGIN_NAMES})` : undefined),
});

/** The plugins of a profile: each one supported, with valid args, and listed once. */
export const pluginsSchema = () =>
  z.array(pluginSchema).min(1, { error: 'enable at least one plugin' }).superRefine((plugins, ctx) => {
    const first = new Map<string, number>();
    plugins.forEach((p, i) => {
      const prior = first.get(p.name);
      if (prior === undefined) first.set(p.name, i);
      else ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `${p.name} is enabled twice (also plugins[${prior}]); list each plugin once` });
    });
  });

const int32 = () => z.number().int().min(-2147483648).max(2147483647);

/** DefaultEvictor args. */
export const evictorSchema = () =>
  z.strictObject({
    podProtections: z.strictObject({
      extraEnabled: z.array(z.enum(['PodsWithPVC', 'PodsWithoutPDB', 'PodsWithResourceClaims'])).optional(),
      defaultDisabled: z.array(z.enum(['PodsWithLocalStorage', 'DaemonSetPods', 'SystemCriticalPods', 'FailedBarePods'])).optional(),
    }).optional(),
    nodeFit: z.boolean().optional(),
    priorityThreshold: z.union([z.strictObject({ value: int32() }), z.strictObject({ name: dnsLabel() })], {
      error: 'set either value (a priority) or name (a PriorityClass), not both',
    }).optional(),
    labelSelector: labelSelector().optional(),
    namespaceLabelSelector: labelSelector().optional(),
    minReplicas: count().optional(),
    minPodAge: duration().optional(),
    noEvictionPolicy: z.enum(['Preferred', 'Mandatory']).optional(),
  });

// The hand-written types document the props; these fail to compile when they and the schemas drift apart.
const pluginsInStep: SchemaMatches<DeschedulerPlugin, z.output<typeof pluginSchema>> = true;
const evictorInStep: SchemaMatches<DefaultEvictorArgs, z.output<ReturnType<typeof evictorSchema>>> = true;
void pluginsInStep;
void evictorInStep;

// ---- rendering -------------------------------------------------------------------------------------

/** One entry of a profile's `pluginConfig`. */
export interface PluginConfigValues {
  readonly name: string;
  readonly args?: object;
}

/** Plugins enabled per extension point (descheduler v1alpha2 `Plugins`; JSON names are lowercase). */
export interface PluginSetsValues {
  readonly balance?: { readonly enabled: readonly string[] };
  readonly deschedule?: { readonly enabled: readonly string[] };
}

/** A v1alpha2 DeschedulerProfile. */
export interface DeschedulerProfileValues {
  readonly name: string;
  readonly pluginConfig: readonly PluginConfigValues[];
  readonly plugins: PluginSetsValues;
}

/**
 * The profile: DefaultEvictor's args first (the descheduler enables DefaultEvictor at the filter and
 * preEvictionFilter points by itself), then each plugin's args, and each plugin enabled at its extension point.
 */
export function renderProfile(name: string, plugins: readonly DeschedulerPlugin[], evictor: DefaultEvictorArgs | undefined): DeschedulerProfileValues {
  const pluginConfig: PluginConfigValues[] = [
    ...(evictor && Object.keys(evictor).length ? [{ name: 'DefaultEvictor', args: evictor }] : []),
    ...plugins.map((p) => (p.args && Object.keys(p.args).length ? { name: p.name, args: p.args } : { name: p.name })),
  ];
  const enabledAt = (point: 'balance' | 'deschedule') => plugins.filter((p) => EXTENSION_POINTS[p.name] === point).map((p) => p.name);
  const balance = enabledAt('balance');
  const deschedule = enabledAt('deschedule');
  return {
    name,
    pluginConfig,
    plugins: {
      ...(balance.length ? { balance: { enabled: balance } } : {}),
      ...(deschedule.length ? { deschedule: { enabled: deschedule } } : {}),
    },
  };
}
