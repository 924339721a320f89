import { z } from 'zod';
import { AddOn } from '../../addon';
import { Cluster } from '../../cluster';
import { FluxHelmRelease, PinnedChart } from '../../flux/helm-release';
import { SchemaMatches, validateProps } from '../../props';
import { TalosNamespace } from '../../talos/namespace';
import { cron, dnsLabel, duration, isDuration, labels } from '../../validators';
import { CHARTS } from '../../versions';
import { DefaultEvictorArgs, DeschedulerPlugin, DeschedulerProfileValues, evictorSchema, pluginsSchema, renderProfile } from './plugins';

/** How the descheduler runs: a CronJob on a cron schedule, or a Deployment that loops every interval. */
export type DeschedulerRun =
  | { readonly kind: 'CronJob'; readonly schedule: string }
  | { readonly kind: 'Deployment'; readonly deschedulingInterval: string };

/** Limits on evictions per descheduling run, over all plugins (the policy's `maxNoOfPodsToEvict*`). */
export interface DeschedulerEvictionLimits {
  /** At most this many evictions per node. @default no limit */
  readonly perNode?: number;
  /** At most this many evictions per namespace. @default no limit */
  readonly perNamespace?: number;
  /** At most this many evictions in all. @default no limit */
  readonly total?: number;
}

export interface DeschedulerProps {
  /** Run mode. @default a CronJob every 10 minutes */
  readonly run?: DeschedulerRun;
  /** Namespace of the release and its pods (created, Pod Security `restricted`). @default descheduler */
  readonly namespace?: string;
  /** Plugins of the profile, each once; each runs at its own extension point (balance or deschedule). @default DEFAULT_DESCHEDULER_PLUGINS */
  readonly plugins?: readonly DeschedulerPlugin[];
  /**
   * DefaultEvictor args: which pods any plugin may evict. `podProtections` defaults to the chart's own
   * (`defaultDisabled: [PodsWithLocalStorage]`, `extraEnabled: [PodsWithPVC]`): emptyDir is a cache, a PVC is data.
   * @default the descheduler's defaults, with the chart's podProtections
   */
  readonly evictor?: DefaultEvictorArgs;
  /** Deschedule only nodes with all these labels (the policy's `nodeSelector`). @default all nodes */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Global eviction limits. @default no limits */
  readonly evictionLimits?: DeschedulerEvictionLimits;
}

/**
 * The chart's default podProtections, which a profile of our own would otherwise drop: without them the
 * descheduler protects every pod with an emptyDir, which most workloads have (scratch space, caches).
 */
const CHART_POD_PROTECTIONS: NonNullable<DefaultEvictorArgs['podProtections']> = { defaultDisabled: ['PodsWithLocalStorage'], extraEnabled: ['PodsWithPVC'] };

/** What the chart ships and what most clusters want: spread duplicates and load, enforce affinity and spread. */
export const DEFAULT_DESCHEDULER_PLUGINS: readonly DeschedulerPlugin[] = [
  { name: 'RemoveDuplicates' },
  {
    name: 'LowNodeUtilization',
    args: { thresholds: { cpu: 20, memory: 20, pods: 20 }, targetThresholds: { cpu: 50, memory: 50, pods: 50 } },
  },
  { name: 'RemovePodsViolatingNodeAffinity', args: { nodeAffinityType: ['requiredDuringSchedulingIgnoredDuringExecution'] } },
  { name: 'RemovePodsViolatingTopologySpreadConstraint' },
];

const DEFAULT_RUN: DeschedulerRun = { kind: 'CronJob', schedule: '*/10 * * * *' };
const PROFILE_NAME = 'default';

/** The descheduler chart values this add-on sets: a subset of its values.yaml (chart 0.36.0), same key names. */
export interface DeschedulerChartValues {
  /** `CronJob` or `Deployment`. */
  readonly kind: DeschedulerRun['kind'];
  /** Cron schedule of the CronJob. */
  readonly schedule?: string;
  /** Loop interval of the Deployment. */
  readonly deschedulingInterval?: string;
  /** Policy API version the chart writes into the policy ConfigMap. */
  readonly deschedulerPolicyAPIVersion: 'descheduler/v1alpha2';
  /** The policy; the chart adds `apiVersion` and `kind` when it writes it into its ConfigMap. */
  readonly deschedulerPolicy: DeschedulerPolicyValues;
  /** Pod security context; RuntimeDefault seccomp is what Pod Security `restricted` still needs beyond the chart's container settings. */
  readonly podSecurityContext: { readonly seccompProfile: { readonly type: 'RuntimeDefault' } };
}

/** A v1alpha2 DeschedulerPolicy without `apiVersion`/`kind`. */
export interface DeschedulerPolicyValues {
  readonly nodeSelector?: string;
  readonly maxNoOfPodsToEvictPerNode?: number;
  readonly maxNoOfPodsToEvictPerNamespace?: number;
  readonly maxNoOfPodsToEvictTotal?: number;
  readonly profiles: readonly DeschedulerProfileValues[];
}

// A limit of 0 would stop every eviction; leaving the limit out is how to say "no limit".
const evictionLimit = () => z.number().int().min(1, { error: (iss) => `${iss.input} is not a limit of at least 1 (leave it out for no limit)` });

const schema = z.strictObject({
  run: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('CronJob'), schedule: cron() }),
    z.strictObject({
      kind: z.literal('Deployment'),
      deschedulingInterval: duration().refine((d) => !isDuration(d) || /[1-9]/.test(d), { error: 'the interval must be longer than 0 (a Deployment with 0 runs once and exits)' }),
    }),
  ]).optional(),
  namespace: dnsLabel().optional(),
  plugins: pluginsSchema().optional(),
  evictor: evictorSchema().optional(),
  nodeSelector: labels().optional(),
  evictionLimits: z.strictObject({ perNode: evictionLimit().optional(), perNamespace: evictionLimit().optional(), total: evictionLimit().optional() }).optional(),
});

const propsInStep: SchemaMatches<DeschedulerProps, z.output<typeof schema>> = true;
void propsInStep;

/**
 * The Kubernetes descheduler (kubernetes-sigs/descheduler), installed from its pinned chart with a
 * v1alpha2 policy rendered from typed plugins: one profile, each plugin at its extension point.
 */
export class Descheduler extends AddOn {
  /** Namespace of the release. */
  readonly namespace: string;
  /** The HelmRelease, with the values it sets. */
  readonly release: FluxHelmRelease<DeschedulerChartValues>;

  constructor(cluster: Cluster, id: string, props: DeschedulerProps = {}) {
    super(cluster, id);
    const p = validateProps(this, schema, props);
    this.namespace = p.namespace ?? 'descheduler';
    const controllers = this.scope('controllers');
    new TalosNamespace(controllers, 'namespace', { name: this.namespace, podSecurity: 'restricted' });
    this.release = new PinnedChart(controllers, 'chart', { pin: CHARTS.descheduler, namespace: this.namespace, values: chartValues(p) }).release;
  }
}

function chartValues(p: DeschedulerProps): DeschedulerChartValues {
  const run = p.run ?? DEFAULT_RUN;
  return {
    kind: run.kind,
    ...(run.kind === 'CronJob' ? { schedule: run.schedule } : { deschedulingInterval: run.deschedulingInterval }),
    deschedulerPolicyAPIVersion: 'descheduler/v1alpha2',
    deschedulerPolicy: {
      nodeSelector: p.nodeSelector ? selectorString(p.nodeSelector) : undefined,
      maxNoOfPodsToEvictPerNode: p.evictionLimits?.perNode,
      maxNoOfPodsToEvictPerNamespace: p.evictionLimits?.perNamespace,
      maxNoOfPodsToEvictTotal: p.evictionLimits?.total,
      profiles: [renderProfile(PROFILE_NAME, p.plugins ?? DEFAULT_DESCHEDULER_PLUGINS, { podProtections: CHART_POD_PROTECTIONS, ...p.evictor })],
    },
    podSecurityContext: { seccompProfile: { type: 'RuntimeDefault' } },
  };
}

/** `a=1,b=2`, keys sorted: the policy takes its node selector as a string. */
function selectorString(selector: Readonly<Record<string, string>>): string {
  return Object.keys(selector).sort().map((k) => `${k}=${selector[k]}`).join(',');
}
