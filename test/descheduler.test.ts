import { exampleFleet } from './fixtures/example-fleet';
import { DEFAULT_DESCHEDULER_PLUGINS, Descheduler, DeschedulerPlugin, DeschedulerProps, EXTENSION_POINTS } from '../lib/addons/descheduler';
import { synthesize } from '../lib/synth/pipeline';
import { Manifest } from '../lib/synth/manifest';
import { CHARTS } from '../lib/versions';
import { chartDefaults, goJsonFields, unknownKeys } from './chart-values';
import { configErrorOf, find, renderCluster } from './helpers';

type Values = Record<string, any>;

function render(props?: DeschedulerProps): Manifest[] {
  return renderCluster((cluster) => new Descheduler(cluster, 'descheduler', props));
}

function valuesOf(objects: Manifest[]): Values {
  return (find(objects, 'HelmRelease', 'descheduler').spec as Values).values;
}

function errorOf(props: DeschedulerProps): string {
  return configErrorOf(() => render(props));
}

/** Every supported plugin once, each with args. */
const ALL_PLUGINS: DeschedulerPlugin[] = [
  { name: 'RemoveDuplicates', args: { excludeOwnerKinds: ['ReplicaSet'], namespaces: { exclude: ['kube-system'] } } },
  { name: 'RemovePodsViolatingNodeAffinity', args: { nodeAffinityType: ['requiredDuringSchedulingIgnoredDuringExecution'], labelSelector: { matchLabels: { tier: 'web' } } } },
  { name: 'LowNodeUtilization', args: { thresholds: { cpu: 20, 'nvidia.com/gpu': 0 }, targetThresholds: { cpu: 50, 'nvidia.com/gpu': 100 }, numberOfNodes: 1, evictionLimits: { node: 2 } } },
  { name: 'RemovePodsViolatingNodeTaints', args: { includePreferNoSchedule: true, excludedTaints: ['dedicated=gpu'] } },
  { name: 'RemovePodsViolatingTopologySpreadConstraint', args: { constraints: ['DoNotSchedule', 'ScheduleAnyway'], topologyBalanceNodeFit: false } },
  { name: 'RemovePodsViolatingInterPodAntiAffinity', args: { namespaces: { include: ['llm'] } } },
  { name: 'RemovePodsHavingTooManyRestarts', args: { podRestartThreshold: 100, includingInitContainers: true, states: ['CrashLoopBackOff'] } },
  { name: 'PodLifeTime', args: { maxPodLifeTimeSeconds: 604800, states: ['Pending', 'PodInitializing'], ownerKinds: { exclude: ['Job'] } } },
  { name: 'RemoveFailedPods', args: { reasons: ['OutOfcpu'], excludeOwnerKinds: ['Job'], minPodLifetimeSeconds: 3600, exitCodes: [137] } },
];

describe('Descheduler', () => {
  it('installs the pinned chart as a CronJob every 10 minutes in a restricted namespace by default', () => {
    const objects = render();
    expect(find(objects, 'Namespace', 'descheduler').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    expect(find(objects, 'HelmRepository', 'descheduler').spec).toEqual({ url: CHARTS.descheduler.repository, interval: '1h' });
    const release = find(objects, 'HelmRelease', 'descheduler');
    expect(release.metadata.namespace).toBe('descheduler');
    expect((release.spec as Values).chart.spec).toMatchObject({ chart: 'descheduler', version: '0.36.0' });
    expect(valuesOf(objects)).toEqual({
      kind: 'CronJob',
      schedule: '*/10 * * * *',
      deschedulerPolicyAPIVersion: 'descheduler/v1alpha2',
      deschedulerPolicy: {
        profiles: [{
          name: 'default',
          pluginConfig: [
            // The chart's own protections, which a profile of ours would otherwise drop: emptyDir pods may move.
            { name: 'DefaultEvictor', args: { podProtections: { defaultDisabled: ['PodsWithLocalStorage'], extraEnabled: ['PodsWithPVC'] } } },
            { name: 'RemoveDuplicates' },
            { name: 'LowNodeUtilization', args: { thresholds: { cpu: 20, memory: 20, pods: 20 }, targetThresholds: { cpu: 50, memory: 50, pods: 50 } } },
            { name: 'RemovePodsViolatingNodeAffinity', args: { nodeAffinityType: ['requiredDuringSchedulingIgnoredDuringExecution'] } },
            { name: 'RemovePodsViolatingTopologySpreadConstraint' },
          ],
          plugins: {
            balance: { enabled: ['RemoveDuplicates', 'LowNodeUtilization', 'RemovePodsViolatingTopologySpreadConstraint'] },
            deschedule: { enabled: ['RemovePodsViolatingNodeAffinity'] },
          },
        }],
      },
      podSecurityContext: { seccompProfile: { type: 'RuntimeDefault' } },
    });
  });

  it('runs as a Deployment with a descheduling interval', () => {
    const values = valuesOf(render({ run: { kind: 'Deployment', deschedulingInterval: '15m' }, namespace: 'kube-balance' }));
    expect(values.kind).toBe('Deployment');
    expect(values.deschedulingInterval).toBe('15m');
    expect(values).not.toHaveProperty('schedule');
  });

  it('puts every plugin at its extension point, with its args, in the order given', () => {
    const profile = valuesOf(render({ plugins: ALL_PLUGINS })).deschedulerPolicy.profiles[0];
    expect(profile.pluginConfig).toEqual([
      { name: 'DefaultEvictor', args: { podProtections: { defaultDisabled: ['PodsWithLocalStorage'], extraEnabled: ['PodsWithPVC'] } } },
      ...ALL_PLUGINS.map((p) => ({ name: p.name, args: p.args })),
    ]);
    expect(profile.plugins).toEqual({
      balance: { enabled: ['RemoveDuplicates', 'LowNodeUtilization', 'RemovePodsViolatingTopologySpreadConstraint'] },
      deschedule: {
        enabled: [
          'RemovePodsViolatingNodeAffinity',
          'RemovePodsViolatingNodeTaints',
          'RemovePodsViolatingInterPodAntiAffinity',
          'RemovePodsHavingTooManyRestarts',
          'PodLifeTime',
          'RemoveFailedPods',
        ],
      },
    });
  });

  it('renders only the extension points in use', () => {
    const profile = valuesOf(render({ plugins: [{ name: 'PodLifeTime', args: { maxPodLifeTimeSeconds: 86400 } }] })).deschedulerPolicy.profiles[0];
    expect(profile.plugins).toEqual({ deschedule: { enabled: ['PodLifeTime'] } });
  });

  it('renders DefaultEvictor args first, global limits and the node selector', () => {
    const policy = valuesOf(render({
      plugins: [{ name: 'RemoveDuplicates' }],
      evictor: {
        podProtections: { extraEnabled: ['PodsWithPVC', 'PodsWithoutPDB'], defaultDisabled: ['PodsWithLocalStorage'] },
        nodeFit: true,
        priorityThreshold: { name: 'system-cluster-critical' },
        namespaceLabelSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] },
        minPodAge: '10m',
      },
      nodeSelector: { zone: 'b', 'node-role.kubernetes.io/worker': '' },
      evictionLimits: { perNode: 2, perNamespace: 3, total: 10 },
    })).deschedulerPolicy;
    expect(policy.nodeSelector).toBe('node-role.kubernetes.io/worker=,zone=b');
    expect(policy.maxNoOfPodsToEvictPerNode).toBe(2);
    expect(policy.maxNoOfPodsToEvictPerNamespace).toBe(3);
    expect(policy.maxNoOfPodsToEvictTotal).toBe(10);
    expect(policy.profiles[0].pluginConfig).toEqual([
      {
        name: 'DefaultEvictor',
        args: {
          podProtections: { extraEnabled: ['PodsWithPVC', 'PodsWithoutPDB'], defaultDisabled: ['PodsWithLocalStorage'] },
          nodeFit: true,
          priorityThreshold: { name: 'system-cluster-critical' },
          namespaceLabelSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] },
          minPodAge: '10m',
        },
      },
      { name: 'RemoveDuplicates' },
    ]);
    expect(policy.profiles[0].plugins.filter).toBeUndefined();
  });

  it('places each plugin where the upstream examples and chart place it', () => {
    // examples/policy.yaml and the chart's values.yaml of descheduler v0.36.0
    const upstreamBalance = ['RemoveDuplicates', 'LowNodeUtilization', 'RemovePodsViolatingTopologySpreadConstraint'];
    const upstreamDeschedule = ['RemovePodsViolatingInterPodAntiAffinity', 'RemovePodsHavingTooManyRestarts', 'RemovePodsViolatingNodeTaints', 'RemovePodsViolatingNodeAffinity', 'PodLifeTime', 'RemoveFailedPods'];
    for (const name of upstreamBalance) expect(EXTENSION_POINTS[name as keyof typeof EXTENSION_POINTS]).toBe('balance');
    for (const name of upstreamDeschedule) expect(EXTENSION_POINTS[name as keyof typeof EXTENSION_POINTS]).toBe('deschedule');
  });

  it('renders only field names the upstream API types declare', () => {
    const policy = valuesOf(render({ plugins: ALL_PLUGINS, evictor: { nodeFit: true, minReplicas: 2, noEvictionPolicy: 'Mandatory', podProtections: { extraEnabled: ['PodsWithPVC'] } }, evictionLimits: { perNode: 1, perNamespace: 1, total: 1 }, nodeSelector: { a: 'b' } })).deschedulerPolicy;
    const apiFields = goJsonFields('descheduler/api/v1alpha2/types.go.txt');
    for (const key of Object.keys(policy)) expect(apiFields).toContain(key);
    const profile = policy.profiles[0];
    for (const key of [...Object.keys(profile), ...Object.keys(profile.plugins), 'enabled']) expect(apiFields).toContain(key);
    const folder: Record<string, string> = { LowNodeUtilization: 'nodeutilization' };
    for (const { name, args } of profile.pluginConfig as Array<{ name: string; args: object }>) {
      const fields = goJsonFields(`descheduler/plugins/${folder[name] ?? name.toLowerCase()}/types.go.txt`);
      for (const key of Object.keys(args)) expect([name, fields.has(key) ? key : `${key} (not in types.go)`]).toEqual([name, key]);
    }
  });

  it('sets only chart values that the chart has (the policy is checked against the API types above)', () => {
    for (const run of [undefined, { kind: 'Deployment', deschedulingInterval: '5m' } as const]) {
      expect(unknownKeys(valuesOf(render({ run })), chartDefaults('descheduler'), ['deschedulerPolicy'])).toEqual([]);
    }
  });

  it('the key check finds keys the chart does not have', () => {
    expect(unknownKeys({ kind: 'CronJob', schedul: 'x', securityContext: { privileged: false, runAs: 1 } }, chartDefaults('descheduler'))).toEqual(['schedul', 'securityContext.runAs']);
  });

  it('exports the default plugins it renders', () => {
    expect(valuesOf(render()).deschedulerPolicy.profiles[0].pluginConfig.map((c: { name: string }) => c.name)).toEqual(['DefaultEvictor', ...DEFAULT_DESCHEDULER_PLUGINS.map((p) => p.name)]);
  });

  it("keeps given podProtections as they are (the chart's are only the default)", () => {
    const evictor = valuesOf(render({ evictor: { podProtections: { extraEnabled: ['PodsWithoutPDB'] } } })).deschedulerPolicy.profiles[0].pluginConfig[0];
    expect(evictor).toEqual({ name: 'DefaultEvictor', args: { podProtections: { extraEnabled: ['PodsWithoutPDB'] } } });
  });
});

describe('Descheduler validation', () => {
  const lnu = (thresholds: Record<string, number>, targetThresholds: Record<string, number>): DeschedulerProps => ({
    plugins: [{ name: 'RemoveDuplicates' }, { name: 'LowNodeUtilization', args: { thresholds, targetThresholds } }],
  });

  it('rejects an invalid cron schedule', () => {
    expect(errorOf({ run: { kind: 'CronJob', schedule: '*/61 * * * *' } })).toBe(
      'test/Descheduler[descheduler]: run.schedule: "*/61 * * * *" is not a valid cron expression: minute: step 61 is larger than the field\'s maximum 59',
    );
  });

  it('rejects thresholds and targets over different resources', () => {
    expect(errorOf(lnu({ cpu: 20, memory: 20, pods: 20 }, { cpu: 50, memory: 50 }))).toBe(
      'test/Descheduler[descheduler]: plugins[1].args.targetThresholds: lists cpu, memory but thresholds lists cpu, memory, pods; both must list the same resources',
    );
  });

  it('rejects a threshold above its target', () => {
    expect(errorOf(lnu({ cpu: 20, 'nvidia.com/gpu': 60 }, { cpu: 50, 'nvidia.com/gpu': 50 }))).toBe(
      'test/Descheduler[descheduler]: plugins[1].args.thresholds["nvidia.com/gpu"]: 60 is above its target 50; a threshold must not exceed its target',
    );
  });

  it('rejects percentages outside 0–100', () => {
    expect(errorOf(lnu({ cpu: 120 }, { cpu: -5 }))).toBe([
      'test/Descheduler[descheduler]: plugins[1].args.thresholds.cpu: 120 is not a percentage from 0 to 100',
      'test/Descheduler[descheduler]: plugins[1].args.targetThresholds.cpu: -5 is not a percentage from 0 to 100',
    ].join('\n'));
  });

  it('rejects a plugin enabled twice', () => {
    expect(errorOf({ plugins: [{ name: 'RemoveDuplicates' }, { name: 'PodLifeTime', args: { maxPodLifeTimeSeconds: 60 } }, { name: 'RemoveDuplicates', args: { excludeOwnerKinds: ['Job'] } }] })).toBe(
      'test/Descheduler[descheduler]: plugins[2].name: RemoveDuplicates is enabled twice (also plugins[0]); list each plugin once',
    );
  });

  it.each<[string, DeschedulerProps, string | string[]]>([
    ['an unknown plugin', { plugins: [{ name: 'HighNodeUtilization' } as never] },
      'plugins[0].name: "HighNodeUtilization" is not a supported plugin (RemoveDuplicates, LowNodeUtilization, RemovePodsViolatingTopologySpreadConstraint, RemovePodsViolatingNodeAffinity, RemovePodsViolatingNodeTaints, RemovePodsViolatingInterPodAntiAffinity, RemovePodsHavingTooManyRestarts, PodLifeTime, RemoveFailedPods)'],
    ['a resource that is none', lnu({ gpu: 10 }, { gpu: 20 }), [
      'plugins[1].args.thresholds.gpu: "gpu" is not a resource (cpu, memory, pods, ephemeral-storage or an extended resource such as nvidia.com/gpu)',
      'plugins[1].args.targetThresholds.gpu: "gpu" is not a resource (cpu, memory, pods, ephemeral-storage or an extended resource such as nvidia.com/gpu)',
    ]],
    ['node affinity without a type', { plugins: [{ name: 'RemovePodsViolatingNodeAffinity', args: { nodeAffinityType: [] } }] },
      'plugins[0].args.nodeAffinityType: name at least one node affinity type, such as requiredDuringSchedulingIgnoredDuringExecution'],
    ['a restart threshold of 0', { plugins: [{ name: 'RemovePodsHavingTooManyRestarts', args: { podRestartThreshold: 0 } }] },
      'plugins[0].args.podRestartThreshold: 0 is not a restart count of at least 1'],
    ['namespaces included and excluded', { plugins: [{ name: 'RemoveDuplicates', args: { namespaces: { include: ['a'], exclude: ['b'] } } }] },
      'plugins[0].args.namespaces: set include or exclude, not both'],
    ['a priority threshold with value and name', { evictor: { priorityThreshold: { value: 1000, name: 'high' } as never } },
      'evictor.priorityThreshold: set either value (a priority) or name (a PriorityClass), not both'],
    ['an eviction limit of 0', { evictionLimits: { perNode: 0 } },
      'evictionLimits.perNode: 0 is not a limit of at least 1 (leave it out for no limit)'],
    ['a zero descheduling interval', { run: { kind: 'Deployment', deschedulingInterval: '0s' } },
      'run.deschedulingInterval: the interval must be longer than 0 (a Deployment with 0 runs once and exits)'],
    ['an interval that is not a duration', { run: { kind: 'Deployment', deschedulingInterval: '5 minutes' } },
      'run.deschedulingInterval: "5 minutes" is not a duration (use h, m, s as in 720h or 5m30s)'],
    ['no plugin at all', { plugins: [] }, 'plugins: enable at least one plugin'],
  ])('rejects %s', (_, props, messages) => {
    expect(errorOf(props)).toBe([messages].flat().map((m) => `test/Descheduler[descheduler]: ${m}`).join('\n'));
  });
});

describe('Descheduler in the example clusters', () => {
  const objects = synthesize(exampleFleet).objects;
  const values = (cluster: string) => (objects.find((o) => o.cluster === cluster && o.manifest.kind === 'HelmRelease' && o.manifest.metadata.name === 'descheduler')?.manifest.spec as Values).values;

  it('lab: CronJob every 10 minutes with RemoveDuplicates, LowNodeUtilization 20/50, node affinity and topology spread', () => {
    const v = values('lab');
    expect([v.kind, v.schedule]).toEqual(['CronJob', '*/10 * * * *']);
    const profile = v.deschedulerPolicy.profiles[0];
    expect(profile.pluginConfig.find((c: { name: string }) => c.name === 'LowNodeUtilization').args).toEqual({
      thresholds: { cpu: 20, memory: 20, pods: 20 },
      targetThresholds: { cpu: 50, memory: 50, pods: 50 },
    });
    expect(profile.pluginConfig.find((c: { name: string }) => c.name === 'RemovePodsViolatingNodeAffinity').args).toEqual({ nodeAffinityType: ['requiredDuringSchedulingIgnoredDuringExecution'] });
    expect(profile.plugins).toEqual({
      balance: { enabled: ['RemoveDuplicates', 'LowNodeUtilization', 'RemovePodsViolatingTopologySpreadConstraint'] },
      deschedule: { enabled: ['RemovePodsViolatingNodeAffinity'] },
    });
  });

  it('gpu-cloud: balances GPU nodes with nvidia.com/gpu in LowNodeUtilization and evictions that must fit elsewhere', () => {
    const v = values('gpu-cloud');
    expect(v.deschedulerPolicy.nodeSelector).toBe('accelerator.talos-flux-synth.dev/nvidia=true');
    const profile = v.deschedulerPolicy.profiles[0];
    const args = profile.pluginConfig.find((c: { name: string }) => c.name === 'LowNodeUtilization').args;
    expect(args.thresholds['nvidia.com/gpu']).toBe(0);
    expect(args.targetThresholds['nvidia.com/gpu']).toBe(100);
    expect(profile.pluginConfig[0]).toEqual({ name: 'DefaultEvictor', args: { nodeFit: true, podProtections: { defaultDisabled: ['PodsWithLocalStorage'], extraEnabled: ['PodsWithPVC'] } } });
  });
});
