/**
 * Random props for every add-on construct of lib/addons/: synth either renders output that passes
 * every check, or fails with a clean ConfigError placed in the test cluster, never anything else.
 * Props mix realistic values with the mistakes users make (names that are not DNS labels, numbers out
 * of range, malformed crons, durations, quantities and URLs, optional fields present or absent), and
 * propsOf replaces a field by anything. To cover a new add-on, append one entry to ADDONS.
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import * as fc from 'fast-check';
import { Descheduler } from '../lib/addons/descheduler';
import { GpuOperator } from '../lib/addons/gpu-operator';
import { HelmChart } from '../lib/addons/helm-chart';
import { KataRuntime } from '../lib/addons/kata';
import { ClusterTriggerAuthentication, Keda, ScaledObject, TriggerAuthentication } from '../lib/addons/keda';
import {
  AddDefaultLabels,
  CustomValidatingPolicy,
  DisallowHostNamespaces,
  DisallowHostPath,
  DisallowPrivilegedContainers,
  Kyverno,
  KyvernoPolicyException,
  RequireLabels,
  RequireRequestsLimits,
  RequireRunAsNonRoot,
  RestrictImageRegistries,
  VerifyImageSignatures,
} from '../lib/addons/kyverno';
import { Monitoring, PodMonitor, ServiceMonitor } from '../lib/addons/monitoring';
import { Velero } from '../lib/addons/velero';
import { Cluster, ClusterProps, NodeSpec } from '../lib/cluster';
import { Component } from '../lib/component';
import { EXTENSIONS } from '../lib/talos/extensions';
import { clusterProps } from './helpers';
import { addOnConstructs } from './support/addons';
import {
  anyCron, anyDuration, anyQuantity, anyUrl, assertValidOutputOrCleanError, ConstructArbitrary, inCluster, label, labels, maybe, mostly, name, nonEmpty, propsOf,
} from './support/property';

/** A record whose `optional` fields are each present or absent. */
function fields(required: Record<string, fc.Arbitrary<unknown>>, optional: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc.record({ ...required, ...optional }, { requiredKeys: Object.keys(required) as never[] });
}

const int = (min: number, max: number) => fc.integer({ min, max });
/** A count: usually in range, sometimes negative, fractional or a string. */
const count = (min: number, max: number) => mostly(int(min, max), -1, 1.5, '3');
const list = <T>(a: fc.Arbitrary<T>, maxLength = 2) => fc.array(a, { maxLength });

// ---- cluster shapes -------------------------------------------------------------------------------

const CONTROL_PLANE: NodeSpec = { name: 'cp-0', role: 'controlplane', schedulable: true, labels: { zone: 'a' } };
const KATA_LABEL = 'runtime.example.dev/kata';
const worker = (nodeName: string, extensions: string[], nodeLabels: Record<string, string> = { zone: 'a' }): NodeSpec => ({ name: nodeName, role: 'worker', extensions, labels: nodeLabels });

/** Kata nodes: none, one or two with a label of their own, or one with no label that tells it apart. */
const kataNodes = fc.constantFrom<NodeSpec[]>(
  [CONTROL_PLANE],
  [CONTROL_PLANE, worker('kata-0', [EXTENSIONS.kataContainers], { [KATA_LABEL]: 'true', zone: 'a' })],
  [CONTROL_PLANE, worker('kata-0', [EXTENSIONS.kataContainers], { [KATA_LABEL]: 'true' }), worker('kata-1', [EXTENSIONS.kataContainers], { [KATA_LABEL]: 'true' })],
  [CONTROL_PLANE, worker('kata-0', [EXTENSIONS.kataContainers])],
);

const { nvidiaKmodProduction, nvidiaKmodLts, nvidiaOpenKmodProduction, nvidiaToolkitProduction, nvidiaToolkitLts } = EXTENSIONS;
/** GPU nodes: none, a matching pair of either flavour, or the mistakes (flavours mixed, half a pair, two kernel modules). */
const gpuNodes = fc.constantFrom<NodeSpec[]>(
  [CONTROL_PLANE],
  [CONTROL_PLANE, worker('gpu-0', [nvidiaKmodProduction, nvidiaToolkitProduction])],
  [CONTROL_PLANE, { ...worker('gpu-0', [nvidiaKmodLts, nvidiaToolkitLts]), group: 'gpu' }, { ...worker('cpu-0', []), group: 'cpu' }],
  [CONTROL_PLANE, worker('gpu-0', [nvidiaKmodProduction, nvidiaToolkitProduction]), worker('gpu-1', [nvidiaKmodProduction, nvidiaToolkitProduction])],
  [CONTROL_PLANE, worker('gpu-0', [nvidiaOpenKmodProduction, nvidiaToolkitProduction])],
  [CONTROL_PLANE, worker('gpu-0', [nvidiaKmodLts, nvidiaToolkitProduction])],
  [CONTROL_PLANE, worker('gpu-0', [nvidiaKmodProduction])],
  [CONTROL_PLANE, worker('gpu-0', [nvidiaKmodProduction, nvidiaOpenKmodProduction, nvidiaToolkitProduction])],
);

/** The cluster props of a node shape, on the default Talos version or 1.14. */
const clusterOf = (nodes: fc.Arbitrary<NodeSpec[]>): fc.Arbitrary<Partial<ClusterProps>> =>
  fc.record({ nodes, talosVersion: maybe(fc.constant('1.14')) });

// ---- Descheduler ----------------------------------------------------------------------------------

const percentage = mostly(int(0, 100), 120, -5, '50');

/**
 * LowNodeUtilization thresholds and targets: usually the same resources (sometimes one that is not a
 * resource, or none), each target at or above its threshold (sometimes below it, or missing).
 */
const utilizationArgs = mostly(fc.subarray(['cpu', 'memory', 'pods', 'nvidia.com/gpu'], { minLength: 1, maxLength: 3 }), ['gpu'], [])
  .chain((keys) => {
    const perKey = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: (keys as string[]).length, maxLength: (keys as string[]).length });
    return fc.tuple(perKey(percentage), perKey(mostly(int(0, 50), -10)), mostly(fc.constant(true), false)).map(([low, raise, sameResources]) => {
      const resources = keys as string[];
      const target = (i: number) => (typeof low[i] === 'number' ? Math.max(0, Math.min(100, (low[i] as number) + (raise[i] as number))) : 50);
      return {
        thresholds: Object.fromEntries(resources.map((k, i) => [k, low[i]])),
        targetThresholds: Object.fromEntries((sameResources ? resources : resources.slice(1)).map((k, i) => [k, target(i)])),
      };
    });
  });

const namespaceFilter = mostly(fc.oneof(fields({}, { include: list(name) }), fields({}, { exclude: list(name) })), { include: ['app'], exclude: ['kube-system'] });

const deschedulerPlugin = fc.oneof(
  fields({ name: fc.constant('RemoveDuplicates') }, { args: fields({}, { namespaces: namespaceFilter, excludeOwnerKinds: list(mostly(fc.constant('ReplicaSet'), '')) }) }),
  fields({ name: fc.constant('LowNodeUtilization'), args: utilizationArgs }, {}),
  fields({ name: fc.constant('RemovePodsViolatingNodeAffinity'), args: fc.record({ nodeAffinityType: fc.subarray(['requiredDuringSchedulingIgnoredDuringExecution', 'preferredDuringSchedulingIgnoredDuringExecution']) }) }, {}),
  fields({ name: fc.constant('RemovePodsViolatingNodeTaints') }, { args: fields({}, { excludedTaints: list(mostly(fc.constant('dedicated=gpu'), '')), includePreferNoSchedule: fc.boolean() }) }),
  fields({ name: fc.constant('RemovePodsViolatingTopologySpreadConstraint') }, { args: fields({}, { constraints: mostly(fc.subarray(['DoNotSchedule', 'ScheduleAnyway']), ['Always']) }) }),
  fields({ name: fc.constant('RemovePodsViolatingInterPodAntiAffinity') }, {}),
  fields({ name: fc.constant('RemovePodsHavingTooManyRestarts'), args: fields({ podRestartThreshold: count(1, 100) }, { states: list(fc.constantFrom('CrashLoopBackOff')) }) }, {}),
  fields({ name: fc.constant('PodLifeTime'), args: fields({}, { maxPodLifeTimeSeconds: count(0, 604800), states: list(fc.constantFrom('Pending', 'CrashLoopBackOff')), namespaces: namespaceFilter }) }, {}),
  fields({ name: fc.constant('RemoveFailedPods') }, { args: fields({}, { minPodLifetimeSeconds: count(0, 3600), exitCodes: list(int(0, 255)), reasons: list(fc.constantFrom('OutOfcpu')) }) }),
);

const deschedulerProps = propsOf(fields({}, {
  run: fc.oneof(fc.record({ kind: fc.constant('CronJob'), schedule: anyCron }), fc.record({ kind: fc.constant('Deployment'), deschedulingInterval: mostly(anyDuration, '0') })),
  namespace: name,
  plugins: mostly(fc.array(deschedulerPlugin, { minLength: 1, maxLength: 3 }), [], [{ name: 'RemoveDuplicate' }]),
  evictor: fields({}, {
    nodeFit: fc.boolean(),
    minPodAge: anyDuration,
    minReplicas: count(0, 3),
    priorityThreshold: mostly(fc.oneof(fc.record({ value: mostly(int(-10, 2000000000), 2 ** 31) }), fc.record({ name })), { value: 100, name: 'critical' }),
    noEvictionPolicy: mostly(fc.constantFrom('Preferred', 'Mandatory'), 'Strict'),
    podProtections: fields({}, { extraEnabled: mostly(fc.subarray(['PodsWithPVC', 'PodsWithoutPDB']), ['PodsWithLocalStorage']), defaultDisabled: mostly(fc.subarray(['DaemonSetPods', 'SystemCriticalPods']), ['PodsWithPVC']) }),
  }),
  nodeSelector: labels,
  evictionLimits: fields({}, { perNode: count(1, 10), perNamespace: count(1, 10), total: count(1, 50) }),
}));

// ---- Velero ---------------------------------------------------------------------------------------

const bucket = mostly(fc.constantFrom('backups', 'velero-backups', 'org.example.backups'), 'My_Bucket', 'ab', 'xn--backups', '192.168.1.10', 'backups..old');
const awsRegion = mostly(fc.constantFrom('eu-central-1', 'us-east-1'), 'europe', 'EU-CENTRAL-1', '');
/** A location without its name and default flag, which depend on the other locations. */
const backupStore = mostly(fc.oneof(
  fields({ type: fc.constant('s3'), bucket, region: awsRegion }, { prefix: mostly(fc.constant('cluster-a'), '/cluster-a') }),
  fields({ type: fc.constant('s3-compatible'), bucket, s3Url: mostly(fc.constant('https://minio.example.lan:9000'), 'minio.minio.svc:9000') }, {
    region: mostly(fc.constant('minio'), ''), s3ForcePathStyle: fc.boolean(),
  }),
), { type: 'gcs', bucket: 'backups' });
/** One location, or two with one of them default; sometimes none, two of one name, or two defaults or none. */
const backupStorageLocations = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(backupStore, mostly(fc.constant('default'), 'Default')).map(([store, n]) => [{ ...(store as object), name: n }]) },
  { weight: 2, arbitrary: fc.tuple(backupStore, backupStore).map(([a, b]) => [{ ...(a as object), name: 'default', default: true }, { ...(b as object), name: 'offsite' }]) },
  {
    weight: 1,
    arbitrary: fc.tuple(backupStore, backupStore, fc.constantFrom([['default', true], ['default', false]], [['default', true], ['offsite', true]], [['default', false], ['offsite', false]]))
      .map(([a, b, [[n1, d1], [n2, d2]]]) => [{ ...(a as object), name: n1, default: d1 }, { ...(b as object), name: n2, default: d2 }]),
  },
  { weight: 1, arbitrary: fc.constant([]) },
);
const veleroSchedule = fields({ name: mostly(fc.constantFrom('daily', 'weekly'), 'Daily'), schedule: anyCron }, {
  includedNamespaces: mostly(fc.constantFrom(['*'], ['app']), [], ['App']),
  excludedNamespaces: list(name),
  labelSelector: fields({}, { matchLabels: labels, matchExpressions: list(fields({ key: mostly(fc.constant('tier'), 'Tier Name'), operator: mostly(fc.constant('Exists'), 'In', 'Has') }, {})) }),
  ttl: anyDuration,
  storageLocation: mostly(fc.constantFrom('default', 'offsite'), 'missing'),
  defaultVolumesToFsBackup: fc.boolean(),
});
const veleroProps = propsOf(fields({
  credentials: fc.record({ existingSecret: mostly(fc.constant('velero-credentials'), 'Velero Credentials') }),
  backupStorageLocations,
}, {
  namespace: name,
  volumeSnapshotLocations: list(fc.record({ name: mostly(fc.constantFrom('ebs', 'ebs-dr'), 'EBS'), region: awsRegion })),
  fileSystemBackup: fc.boolean(),
  schedules: list(veleroSchedule),
}));

// ---- Kyverno and its policy library ---------------------------------------------------------------

const policyMode = mostly(fc.constantFrom('Audit', 'Deny', 'Warn'), 'Block', 'audit');
/** A policy name: its usual one, another free one, one a neighbour policy already has, or not a name. */
const policyName = mostly(label, 'disallow-host-path', 'add-default-labels', 'Require_Labels');
const commonPolicyProps = propsOf(fields({}, { name: policyName, mode: policyMode }));

/**
 * A cluster with Kyverno and two neighbour policies (disallow-host-path and the mutating
 * add-default-labels), so a policy can clash with their names or an exception name them.
 */
function withKyverno(add: (kyverno: Kyverno) => void): (a: App) => void {
  return inCluster((app) => {
    const kyverno = new Kyverno(app.cluster, 'kyverno');
    new DisallowHostPath(kyverno, 'host-path');
    new AddDefaultLabels(kyverno, 'default-labels', { labels: { team: 'platform' } });
    add(kyverno);
  });
}

type PolicyClass = new (kyverno: Kyverno, id: string, props: never) => unknown;
const policy = (cls: PolicyClass, props: fc.Arbitrary<unknown>): ConstructArbitrary => ({
  name: cls.name,
  props,
  build: (p: never) => withKyverno((kyverno) => new cls(kyverno, 'policy', p)),
});

const PEM_KEY = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n';
/** An issuer with a subject or a subject pattern; sometimes a bad issuer or pattern, neither, or both. */
const keylessIdentity = fc.tuple(
  mostly(fc.constant('https://token.actions.githubusercontent.com'), 'token.actions.githubusercontent.com', ''),
  mostly(fc.oneof(
    fc.record({ subject: mostly(fc.constant('https://github.com/example/app/.github/workflows/release.yml@refs/heads/main'), '') }),
    fc.record({ subjectRegExp: mostly(fc.constant('^https://github\\.com/example/.*$'), '(unclosed') }),
  ), {}, { subject: 'ci', subjectRegExp: '^ci$' }),
).map(([issuer, subject]) => ({ issuer, ...(subject as object) }));

const KYVERNO_POLICIES: readonly ConstructArbitrary[] = [
  ...[DisallowHostNamespaces, DisallowHostPath, DisallowPrivilegedContainers, RequireRunAsNonRoot].map((cls) => policy(cls, commonPolicyProps)),
  policy(RequireLabels, propsOf(fields({ labels: nonEmpty(mostly(fc.constantFrom('team', 'app.kubernetes.io/name', 'owner'), 'Team Name', '', 'a/b/c')) }, { name: policyName, mode: policyMode }))),
  policy(RequireRequestsLimits, propsOf(fields({}, {
    name: policyName, mode: policyMode, requests: mostly(fc.subarray(['cpu', 'memory', 'ephemeral-storage']), ['gpu']), limits: fc.subarray(['cpu', 'memory', 'ephemeral-storage']),
  }))),
  policy(RestrictImageRegistries, propsOf(fields({
    registries: nonEmpty(mostly(fc.constantFrom('ghcr.io', 'cgr.dev', 'registry.local:5000', 'ghcr.io/my-org'), 'https://ghcr.io', 'ghcr.io/', 'GHCR.io', '')),
  }, { name: policyName, mode: policyMode }))),
  policy(VerifyImageSignatures, propsOf(fields({
    images: nonEmpty(mostly(fc.constantFrom('cgr.dev/chainguard/*', 'ghcr.io/example/*:v{1,2}*'), '[abc', '{a,b', '', 'ghcr.io/x y')),
    identities: nonEmpty(keylessIdentity),
  }, {
    name: policyName,
    mode: policyMode,
    transparencyLog: fields({}, { url: anyUrl, rekorPublicKey: mostly(fc.constant(PEM_KEY), 'not a key'), ctLogPublicKey: fc.constant(PEM_KEY) }),
    pinDigests: fc.boolean(),
    timeoutSeconds: count(1, 30),
  }))),
  policy(AddDefaultLabels, propsOf(fields({ labels: mostly(labels.filter((l) => Object.keys(l).length > 0), {}, { 'Team Name': 'ml' }, { team: 'machine learning' }) }, { name: policyName }))),
  policy(CustomValidatingPolicy, propsOf(fields({
    name: policyName,
    validations: nonEmpty(fc.record({
      expression: mostly(fc.constantFrom('true', "object.metadata.name != ''"), ''),
      message: mostly(fc.constant('every object needs a name'), ''),
    })),
  }, {
    mode: policyMode,
    resourceRules: nonEmpty(fc.record({
      apiGroups: mostly(fc.constantFrom([''], ['apps']), []),
      apiVersions: fc.constant(['v1']),
      operations: mostly(fc.subarray(['CREATE', 'UPDATE'], { minLength: 1 }), ['PATCH'], []),
      resources: fc.constantFrom(['pods'], ['deployments']),
    })),
    variables: list(fc.record({ name: mostly(fc.constantFrom('isPod', 'owner'), 'podSpec', '1st', 'my-var'), expression: mostly(fc.constant("object.kind == 'Pod'"), '') })),
  }))),
  {
    name: 'KyvernoPolicyException',
    props: propsOf(fields({
      name: policyName,
      reason: mostly(fc.constant('the GPU validator needs host access'), ''),
      namespaces: mostly(fc.array(name, { minLength: 1, maxLength: 2 }), []),
    }, {
      policies: nonEmpty(mostly(fc.constant('disallow-host-path'), 'require-labels', 'add-default-labels', 'Bad Name')),
      workloads: list(fc.record({ namespace: name, name })),
    })),
    build: (p: never) => withKyverno((kyverno) => new KyvernoPolicyException(kyverno, 'exception', p)),
  },
];

// ---- KEDA ---------------------------------------------------------------------------------------

/** Stands for an object the build creates: a TriggerAuthentication (in the app's namespace or another), a ClusterTriggerAuthentication. */
class AuthObject {
  constructor(readonly which: 'trigger-auth' | 'trigger-auth-elsewhere' | 'cluster-trigger-auth') {}
}
const authenticationRef = mostly(
  fc.constantFrom<unknown>(new AuthObject('trigger-auth'), new AuthObject('cluster-trigger-auth'), { name: 'queue-auth' }, { kind: 'ClusterTriggerAuthentication', name: 'shared' }),
  new AuthObject('trigger-auth-elsewhere'), { name: 'missing' }, 'queue-auth',
);

const threshold = mostly(fc.constantFrom<number | string>(5, '2.5', 100), 'five', 0, -1, '');
const triggerOptions = { name: mostly(fc.constantFrom('requests', 'queue'), 'bad name!'), useCachedMetrics: fc.boolean() };
const timezone = mostly(fc.constantFrom('Europe/Berlin', 'UTC', 'America/New_York'), 'CET+1', 'Berlin', 'europe/berlin', 'Mars/Olympus');
const kedaCron = (valid: string) => mostly(fc.constant(valid), '@daily', '0 8 * *', '0 25 * * *', '0 8 * * 1-5');

const trigger = mostly(fc.oneof(
  fields({ type: fc.constant('prometheus'), serverAddress: anyUrl, query: mostly(fc.constant('sum(rate(http_requests_total[2m]))'), ''), threshold }, {
    ...triggerOptions, activationThreshold: threshold, metricType: mostly(fc.constantFrom('AverageValue', 'Value'), 'Utilization'), authenticationRef, authModes: fc.subarray(['basic', 'bearer'], { minLength: 1 }),
  }),
  fields({ type: fc.constant('cron'), timezone, start: kedaCron('0 8 * * 1-5'), end: kedaCron('0 20 * * 1-5'), desiredReplicas: count(1, 5) }, triggerOptions),
  fields({ type: fc.constant('rabbitmq'), queueName: mostly(fc.constant('jobs'), ''), mode: fc.constantFrom('QueueLength', 'MessageRate'), value: threshold, authenticationRef }, {
    ...triggerOptions, protocol: mostly(fc.constantFrom('auto', 'http'), 'amqp'), vhostName: mostly(fc.constant('/'), ''),
  }),
  fields({ type: fc.constant('rabbitmq'), queueName: fc.constant('jobs'), mode: fc.constant('QueueLength'), value: threshold, hostFromEnv: mostly(fc.constant('RABBITMQ_URL'), 'rabbitmq-url') }, triggerOptions),
  fields({ type: fc.constant('kafka'), bootstrapServers: nonEmpty(mostly(fc.constant('kafka.kafka.svc:9092'), 'kafka')), consumerGroup: mostly(fc.constant('workers'), '') }, {
    ...triggerOptions, topic: fc.constant('jobs'), lagThreshold: mostly(fc.constantFrom<number | string>(10, '50'), 2.5, 0), offsetResetPolicy: fc.constantFrom('latest', 'earliest'), authenticationRef,
  }),
  fields({ type: fc.constantFrom('cpu', 'memory'), metricType: fc.constant('Utilization'), value: mostly(fc.constantFrom<number | string>(70, '80'), 0, 'seventy') }, { ...triggerOptions, containerName: mostly(fc.constant('web'), 'sidecar') }),
  fields({ type: fc.constant('memory'), metricType: fc.constant('AverageValue'), value: mostly(fc.constantFrom('512Mi', '1Gi'), '2 GB', '-1Gi') }, triggerOptions),
  fields({ type: fc.constant('generic'), scaler: mostly(fc.constantFrom('aws-sqs-queue', 'redis'), 'prometheus', 'AWS SQS'), metadata: fc.dictionary(label, fc.string({ maxLength: 5 }), { maxKeys: 2 }) }, {
    ...triggerOptions, metricType: fc.constantFrom('AverageValue', 'Utilization'), authenticationRef,
  }),
), { type: 'cloudwatch' });

/** What a ScaledObject scales, created by the build: mostly a workload of the app, or one of the mistakes. */
const SCALE_TARGETS = ['deployment', 'statefulset', 'reference'] as const;
const SCALE_TARGET_MISTAKES = [
  'reference-to-nothing', 'reference-elsewhere', 'deployment-with-replicas', 'deployment-without-namespace',
  'deployment-already-scaled', 'deployment-in-other-cluster', 'deployment-outside-any-cluster',
] as const;
type ScaleTargetCase = (typeof SCALE_TARGETS)[number] | (typeof SCALE_TARGET_MISTAKES)[number];

const scalingRules = fields({}, {
  stabilizationWindowSeconds: int(0, 3600),
  selectPolicy: fc.constantFrom('Max', 'Min', 'Disabled'),
  policies: fc.array(fc.record({ type: fc.constantFrom('Pods', 'Percent'), value: int(1, 100), periodSeconds: int(1, 1800) }), { minLength: 1, maxLength: 2 }),
});

/** Replica bounds KEDA accepts: 1 ≤ min ≤ max, with an idle count of 0 or none; or min 0 (scale to zero) without one. */
const replicaBounds = fc.tuple(int(1, 10), int(0, 10), fc.boolean()).map(([max, min, idle]) => ({
  maxReplicaCount: max,
  minReplicaCount: Math.min(min, max),
  ...(idle && min > 0 ? { idleReplicaCount: 0 } : {}),
}));

/**
 * ScaledObject props whose own fields are valid (triggers may still hold a mistake); there are so many
 * fields that a mistake in each of them now and then would make valid props rare.
 */
const validScaledObject = fc.tuple(replicaBounds, fields({ triggers: fc.array(trigger, { minLength: 1, maxLength: 2 }) }, {
  name: label,
  namespace: fc.constant('app'),
  pollingInterval: int(1, 60),
  cooldownPeriod: int(0, 600),
  fallback: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fields({ failureThreshold: int(1, 5), replicas: int(0, 6) }, { behavior: fc.constantFrom('static', 'currentReplicasIfHigher') }) }),
  behavior: fields({}, { scaleUp: scalingRules, scaleDown: scalingRules }),
  restoreToOriginalReplicaCount: fc.boolean(),
})).map(([bounds, rest]) => ({ ...bounds, ...rest }));

/** One of the mistakes users make with a ScaledObject's own fields. */
const scaledObjectMistake = fc.constantFrom<Record<string, unknown>>(
  { minReplicaCount: 5, maxReplicaCount: 3 }, { minReplicaCount: -1 }, { maxReplicaCount: 0 }, { maxReplicaCount: 2.5 },
  { minReplicaCount: 0, idleReplicaCount: 0 }, { minReplicaCount: 2, idleReplicaCount: 1 },
  { name: 'Web_Scaler' }, { namespace: 'other' }, { namespace: 'App' }, { pollingInterval: 0 }, { cooldownPeriod: '5m' },
  { fallback: { failureThreshold: 0, replicas: 1 } }, { fallback: { failureThreshold: 3, replicas: 20 } },
  { behavior: { scaleUp: { policies: [] } } }, { behavior: { scaleDown: { selectPolicy: 'Average' } } }, { behavior: { scaleUp: { policies: [{ type: 'Pods', value: 4, periodSeconds: 3600 }] } } },
  { triggers: [] }, { triggers: [{ type: 'cloudwatch' }] },
);

const scaledObjectProps = propsOf(fc.oneof(
  { weight: 3, arbitrary: validScaledObject },
  { weight: 1, arbitrary: fc.tuple(validScaledObject, scaledObjectMistake).map(([valid, mistake]) => ({ ...valid, ...mistake })) },
));

function deployment(scope: Chart | ReturnType<Component['scope']>, id: string, opts: { namespace?: string; replicas?: number } = {}): kplus.Deployment {
  return new kplus.Deployment(scope, id, {
    metadata: { name: 'web', namespace: 'namespace' in opts ? opts.namespace : 'app' },
    replicas: opts.replicas,
    containers: [{ name: 'web', image: 'ghcr.io/example/web:1.0.0' }],
  });
}

/** Creates what a scale-target case names, in the app's cluster (or, for the mistakes, elsewhere). */
function scaleTargetOf(c: ScaleTargetCase, app: Component): unknown {
  const apps = app.scope('apps');
  switch (c) {
    case 'deployment': return deployment(apps, 'web');
    case 'statefulset': {
      const service = new kplus.Service(apps, 'db-service', { metadata: { name: 'db', namespace: 'app' }, clusterIP: 'None', ports: [{ port: 5432 }] });
      return new kplus.StatefulSet(apps, 'db', { metadata: { name: 'db', namespace: 'app' }, service, containers: [{ name: 'db', image: 'ghcr.io/example/db:1.0.0', portNumber: 5432 }] });
    }
    case 'reference': deployment(apps, 'web'); return { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'app' };
    case 'reference-to-nothing': return { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', namespace: 'app' };
    case 'reference-elsewhere': return { apiVersion: 'apps/v1', kind: 'Deployment', name: 'coredns', namespace: 'kube-system' };
    case 'deployment-with-replicas': return deployment(apps, 'web', { replicas: 2 });
    case 'deployment-without-namespace': return deployment(apps, 'web', { namespace: undefined });
    case 'deployment-already-scaled': {
      const target = deployment(apps, 'web');
      new ScaledObject(app, 'first', { scaleTarget: target, minReplicaCount: 1, maxReplicaCount: 2, triggers: [{ type: 'cpu', metricType: 'Utilization', value: 70 }] });
      return target;
    }
    case 'deployment-in-other-cluster': {
      const other = new Component(new Cluster(app.cluster.node.scope as App, clusterProps({ name: 'other' })), 'app');
      return deployment(other.scope('apps'), 'web');
    }
    case 'deployment-outside-any-cluster': return deployment(new Chart(app.cluster.node.scope as App, 'loose'), 'web');
  }
}

/**
 * Creates the TriggerAuthentication queue-auth (namespace app) and the ClusterTriggerAuthentication
 * shared, which triggers may name, and returns the triggers with each AuthObject replaced by the object
 * it stands for.
 */
function withAuthObjects(triggers: unknown, app: Component): unknown {
  const secretTargetRef = [{ parameter: 'host', name: 'rabbitmq', key: 'url' }];
  const objects = {
    'trigger-auth': new TriggerAuthentication(app, 'queue-auth', { namespace: 'app', secretTargetRef }),
    'cluster-trigger-auth': new ClusterTriggerAuthentication(app, 'shared', { secretTargetRef }),
    'trigger-auth-elsewhere': new TriggerAuthentication(app, 'elsewhere', { namespace: 'kube-system', secretTargetRef }),
  };
  if (!Array.isArray(triggers)) return triggers;
  return triggers.map((t) => {
    const ref = (t as { authenticationRef?: unknown } | null)?.authenticationRef;
    return ref instanceof AuthObject ? { ...t, authenticationRef: objects[ref.which] } : t;
  });
}

const secretTargetRef = nonEmpty(fc.record({ parameter: mostly(fc.constantFrom('host', 'password'), ''), name: mostly(fc.constant('rabbitmq'), 'RabbitMQ Secret'), key: mostly(fc.constant('url'), 'connection string') }));

const KEDA: readonly ConstructArbitrary[] = [
  {
    name: 'Keda',
    props: propsOf(fields({}, { operatorReplicas: count(1, 3), logLevel: mostly(fc.constantFrom('debug', 'info', 'error'), 'warn', 'INFO') })),
    build: (p: never) => inCluster((app) => new Keda(app.cluster, 'keda', p)),
  },
  {
    name: 'ScaledObject',
    props: fc.tuple(fc.record({ keda: mostly(fc.constant(true), false), target: mostly(fc.constantFrom(...SCALE_TARGETS), ...SCALE_TARGET_MISTAKES) }), scaledObjectProps),
    build: ([setup, p]: [{ keda: boolean; target: ScaleTargetCase }, unknown]) => inCluster((app) => {
      if (setup.keda) new Keda(app.cluster, 'keda');
      const target = scaleTargetOf(setup.target, app);
      const props = p !== null && typeof p === 'object' && !Array.isArray(p) ? { scaleTarget: target, ...p, triggers: withAuthObjects((p as { triggers?: unknown }).triggers, app) } : p;
      new ScaledObject(app, 'scaler', props as never);
    }),
  },
  {
    name: 'TriggerAuthentication',
    props: propsOf(fields({ namespace: mostly(fc.constant('app'), 'missing', 'App'), secretTargetRef }, { name })),
    build: (p: never) => inCluster((app) => {
      new Keda(app.cluster, 'keda');
      new TriggerAuthentication(app, 'auth', p);
    }),
  },
  {
    name: 'ClusterTriggerAuthentication',
    props: propsOf(fields({ secretTargetRef }, { name })),
    build: (p: never) => inCluster((app) => {
      new Keda(app.cluster, 'keda');
      new ClusterTriggerAuthentication(app, 'auth', p);
    }),
  },
];

// ---- Monitoring and its monitors -------------------------------------------------------------------

const promDuration = mostly(fc.constantFrom('30s', '1m', '12h', '3d', '2w', '1h30m'), '30 s', '1.5h', 'm', '', '30d1h');
const monitorEndpoint = { name: mostly(fc.constant('web'), 'Web Monitor'), port: mostly(fc.constant('metrics'), 'http', 'Metrics', '', 'a-port-name-too-long'), path: mostly(fc.constant('/metrics'), 'metrics', ''), interval: promDuration };

/** A workload (Deployment with a metrics port) and a Service in front of it, in namespace app, and a Monitoring add-on unless `monitoring` is false. */
function scraped(app: Component, monitoring: boolean): { workload: kplus.Deployment; service: kplus.Service } {
  if (monitoring) new Monitoring(app.cluster, 'monitoring');
  const apps = app.scope('apps');
  const workload = new kplus.Deployment(apps, 'web', {
    metadata: { name: 'web', namespace: 'app' },
    containers: [{ name: 'web', image: 'ghcr.io/example/web:1.0.0', ports: [{ number: 8080, name: 'metrics' }], securityContext: { ensureNonRoot: false } }],
  });
  const service = new kplus.Service(apps, 'web-service', { metadata: { name: 'web', namespace: 'app', labels: { app: 'web' } }, ports: [{ name: 'metrics', port: 8080 }] });
  return { workload, service };
}

const MONITORING: readonly ConstructArbitrary[] = [
  {
    name: 'Monitoring',
    props: propsOf(fields({}, {
      namespace: name,
      retention: promDuration,
      retentionSize: mostly(fc.constantFrom('1GB', '3GB', '500MB'), '3 GB', '3Gi', '40GB'),
      storage: mostly(
        fields({ kind: fc.constant('emptyDir'), size: anyQuantity }, {}),
        { kind: 'persistentVolumeClaim', size: '20Gi', storageClassName: 'local-path' },
        { kind: 'persistentVolumeClaim', size: '20Gi' },
        { kind: 'hostPath', size: '4Gi' },
      ),
      scrapeInterval: promDuration,
      prometheusMemory: fields({ request: anyQuantity, limit: anyQuantity }, {}),
    })),
    build: (p: never) => inCluster((app) => new Monitoring(app.cluster, 'monitoring', p)),
  },
  {
    name: 'PodMonitor',
    props: fc.tuple(fc.boolean(), propsOf(fields({ port: monitorEndpoint.port }, { name: monitorEndpoint.name, path: monitorEndpoint.path, interval: monitorEndpoint.interval }))),
    build: ([monitoring, p]: [boolean, unknown]) => inCluster((app) => {
      const { workload } = scraped(app, monitoring);
      new PodMonitor(app, 'web-monitor', (p !== null && typeof p === 'object' && !Array.isArray(p) ? { target: workload, ...p } : p) as never);
    }),
  },
  {
    name: 'ServiceMonitor',
    props: fc.tuple(fc.boolean(), propsOf(fields({ port: monitorEndpoint.port }, { name: monitorEndpoint.name, path: monitorEndpoint.path, interval: monitorEndpoint.interval }))),
    build: ([monitoring, p]: [boolean, unknown]) => inCluster((app) => {
      const { service } = scraped(app, monitoring);
      new ServiceMonitor(app, 'web-monitor', (p !== null && typeof p === 'object' && !Array.isArray(p) ? { service, ...p } : p) as never);
    }),
  },
];
// ---- HelmChart ------------------------------------------------------------------------------------

/**
 * A chart add-on: a real chart over https:// or oci:// (sometimes http:// or no scheme), exact versions or
 * ranges, values for a chart with a values schema (velero 12.1.0: right or wrong types) or without one, and a
 * dependency on the cluster's Kyverno.
 */
const helmChartProps = fc.tuple(fc.boolean(), propsOf(fields({
  repository: mostly(fc.constantFrom('https://charts.jetstack.io', 'oci://quay.io/jetstack/charts', 'https://vmware-tanzu.github.io/helm-charts/'), 'http://charts.jetstack.io', 'charts.jetstack.io'),
  chart: mostly(fc.constantFrom('cert-manager', 'velero'), 'Cert-Manager'),
  version: mostly(fc.constantFrom('v1.21.1', '12.1.0'), '^1.21', 'latest'),
  namespace: name,
}, {
  podSecurity: mostly(fc.constantFrom('privileged', 'baseline', 'restricted'), 'strict'),
  values: mostly(fc.constantFrom({ crds: { enabled: true } }, { upgradeCRDs: false }, { upgradeCRDs: 'yes' }, {}), [1]),
  crds: mostly(fc.constantFrom('CreateReplace', 'Skip'), 'Create'),
  releaseName: mostly(name, 'a'.repeat(54)),
  timeout: anyDuration,
})));

// ---- every add-on construct ------------------------------------------------------------------------

const ADDONS: readonly ConstructArbitrary[] = [
  { name: 'Descheduler', props: deschedulerProps, build: (p: never) => inCluster((app) => new Descheduler(app.cluster, 'descheduler', p)) },
  { name: 'Velero', props: veleroProps, build: (p: never) => inCluster((app) => new Velero(app.cluster, 'velero', p)) },
  {
    name: 'Kyverno',
    props: propsOf(fields({}, {
      mode: policyMode,
      namespace: name,
      replicas: fields({}, { admission: count(1, 3), background: count(1, 2), cleanup: count(1, 2), reports: count(1, 2) }),
      webhookTimeoutSeconds: count(1, 30),
      exemptNamespaces: list(name),
    })),
    build: (p: never) => inCluster((app) => new Kyverno(app.cluster, 'kyverno', p)),
  },
  ...KYVERNO_POLICIES,
  {
    name: 'KataRuntime',
    props: fc.tuple(clusterOf(kataNodes), propsOf(fields({}, {
      name: mostly(fc.constantFrom('kata', 'vm-isolated'), 'Kata_VM'),
      handler: mostly(fc.constantFrom('kata', 'kata-qemu'), 'runc', ''),
      overhead: fields({}, { cpu: anyQuantity, memory: anyQuantity }),
    }))),
    build: ([cluster, p]: [Partial<ClusterProps>, never]) => inCluster((app) => new KataRuntime(app.cluster, 'kata', p), cluster),
  },
  ...KEDA,
  ...MONITORING,
  {
    name: 'GpuOperator',
    props: fc.tuple(clusterOf(gpuNodes), propsOf(fields({}, {
      migStrategy: mostly(fc.constantFrom('none', 'single', 'mixed'), 'all'),
      dcgmExporter: fc.boolean(),
      dcgmServiceMonitor: fc.boolean(),
      nodeFeatureDiscovery: fc.boolean(),
    }))),
    build: ([cluster, p]: [Partial<ClusterProps>, never]) => inCluster((app) => new GpuOperator(app.cluster, 'gpu-operator', p), cluster),
  },
  {
    name: 'HelmChart',
    props: helmChartProps,
    build: ([withKyverno, p]: [boolean, Record<string, unknown>]) => inCluster((app) => {
      const dependsOn = withKyverno ? [new Kyverno(app.cluster, 'kyverno')] : undefined;
      new HelmChart(app.cluster, 'tool', (p && typeof p === 'object' && dependsOn ? { ...p, dependsOn } : p) as never);
    }),
  },
];

describe('any add-on props', () => {
  it('covers every construct lib/addons exports', () => {
    expect(ADDONS.map((c) => c.name).sort()).toEqual(addOnConstructs().map((c) => c.name));
  });

  it.each(ADDONS.map((c) => [c.name, c] as const))('%s: valid output that passes every check, or a clean ConfigError in its cluster', (_name, c) => {
    assertValidOutputOrCleanError(c, { numRuns: 150, cluster: 'prop' });
  }, 60_000);
});
