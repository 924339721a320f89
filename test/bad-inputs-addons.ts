/**
 * The bad-input corpus of the add-ons: realistic mistakes with each add-on of lib/addons/, grouped by
 * add-on, each with the exact message synth must give. test/bad-inputs.test.ts runs them like the core
 * cases (through synthToDisk, previous output byte-identical) and requires at least three per add-on.
 * To cover a new add-on, add a group.
 */
import * as kplus from 'cdk8s-plus-34';
import { App, Chart } from 'cdk8s';
import { Descheduler, DeschedulerProps } from '../lib/addons/descheduler';
import { GpuOperator, GpuOperatorProps } from '../lib/addons/gpu-operator';
import { HelmChart, HelmChartProps } from '../lib/addons/helm-chart';
import { KataRuntime, KataRuntimeProps } from '../lib/addons/kata';
import { ClusterTriggerAuthentication, Keda, ScaledObject, ScaledObjectProps, ScaledObjectTrigger, TriggerAuthentication } from '../lib/addons/keda';
import {
  DisallowHostPath,
  Kyverno,
  KyvernoPolicyException,
  RequireLabels,
  RestrictImageRegistries,
  VerifyImageSignatures,
  CustomValidatingPolicy,
} from '../lib/addons/kyverno';
import { Monitoring, MonitoringProps, PodMonitor, ServiceMonitor } from '../lib/addons/monitoring';
import { Velero, VeleroProps } from '../lib/addons/velero';
import { Cluster, NodeSpec } from '../lib/cluster';
import { Component } from '../lib/component';
import { FleetBuilder } from '../lib/synth/pipeline';
import { EXTENSIONS } from '../lib/talos/extensions';
import { BadInput, demo } from './bad-inputs';

// ---- Descheduler ----------------------------------------------------------------------------------

const descheduler = (props: DeschedulerProps): FleetBuilder => demo(({ cluster }) => new Descheduler(cluster, 'descheduler', props));

const lowNodeUtilization = (thresholds: Record<string, number>, targetThresholds: Record<string, number>): DeschedulerProps =>
  ({ plugins: [{ name: 'LowNodeUtilization', args: { thresholds, targetThresholds } }] });

const DESCHEDULER: readonly BadInput[] = [
  {
    name: 'descheduler cron with four fields',
    build: descheduler({ run: { kind: 'CronJob', schedule: '*/10 * * *' } }),
    message: 'demo/Descheduler[descheduler]: run.schedule: "*/10 * * *" is not a valid cron expression: expected 5 fields (minute hour day-of-month month day-of-week), got 4',
  },
  {
    name: 'descheduler threshold above its target',
    build: descheduler(lowNodeUtilization({ cpu: 60, memory: 20 }, { cpu: 50, memory: 50 })),
    message: 'demo/Descheduler[descheduler]: plugins[0].args.thresholds.cpu: 60 is above its target 50; a threshold must not exceed its target',
  },
  {
    name: 'descheduler percentage of 120',
    build: descheduler(lowNodeUtilization({ cpu: 20, memory: 20 }, { cpu: 50, memory: 120 })),
    message: 'demo/Descheduler[descheduler]: plugins[0].args.targetThresholds.memory: 120 is not a percentage from 0 to 100',
  },
  {
    name: 'descheduler plugin enabled twice',
    build: descheduler({ plugins: [{ name: 'RemoveDuplicates' }, { name: 'PodLifeTime', args: { maxPodLifeTimeSeconds: 86400 } }, { name: 'RemoveDuplicates' }] }),
    message: 'demo/Descheduler[descheduler]: plugins[2].name: RemoveDuplicates is enabled twice (also plugins[0]); list each plugin once',
  },
  {
    name: 'descheduler plugin name misspelt',
    build: descheduler({ plugins: [{ name: 'RemoveDuplicate' } as never] }),
    message: 'demo/Descheduler[descheduler]: plugins[0].name: "RemoveDuplicate" is not a supported plugin (RemoveDuplicates, LowNodeUtilization, RemovePodsViolatingTopologySpreadConstraint, RemovePodsViolatingNodeAffinity, RemovePodsViolatingNodeTaints, RemovePodsViolatingInterPodAntiAffinity, RemovePodsHavingTooManyRestarts, PodLifeTime, RemoveFailedPods)',
  },
  {
    name: 'descheduler interval in days',
    build: descheduler({ run: { kind: 'Deployment', deschedulingInterval: '1d' } }),
    message: 'demo/Descheduler[descheduler]: run.deschedulingInterval: "1d" is not a duration (use h, m, s as in 720h or 5m30s)',
  },
  {
    name: 'descheduler namespace that is not a DNS label',
    build: descheduler({ namespace: 'Descheduler' }),
    message: 'demo/Descheduler[descheduler]: namespace: "Descheduler" is not a DNS label (lowercase letters, digits and \'-\', at most 63 characters)',
  },
];

// ---- Velero ---------------------------------------------------------------------------------------

const MINIO: VeleroProps = {
  credentials: { existingSecret: 'velero-credentials' },
  backupStorageLocations: [{ type: 's3-compatible', name: 'default', bucket: 'velero', s3Url: 'https://minio.example.lan:9000' }],
};
const velero = (props: Partial<VeleroProps>): FleetBuilder => demo(({ cluster }) => new Velero(cluster, 'velero', { ...MINIO, ...props }));
const s3 = (name: string, more: { default?: boolean; bucket?: string; region?: string } = {}) =>
  ({ type: 's3' as const, name, bucket: more.bucket ?? `backups-${name}`, region: more.region ?? 'eu-central-1', default: more.default });

const VELERO: readonly BadInput[] = [
  {
    name: 'velero ttl in days',
    build: velero({ schedules: [{ name: 'daily', schedule: '0 3 * * *', ttl: '30d' }] }),
    message: 'demo/Velero[velero]: schedules[0].ttl: "30d" is not a duration (use h, m, s as in 720h or 5m30s)',
  },
  {
    name: 'velero schedule with two mistakes',
    build: velero({ schedules: [{ name: 'weekly', schedule: '0 3 * * Mon-Sun', ttl: '4w' }] }),
    message: [
      'demo/Velero[velero]: schedules[0].schedule: "0 3 * * Mon-Sun" is not a valid cron expression: day of week: range "Mon-Sun" runs backwards',
      'demo/Velero[velero]: schedules[0].ttl: "4w" is not a duration (use h, m, s as in 720h or 5m30s)',
    ].join('\n'),
  },
  {
    name: 'velero with two default locations',
    build: velero({ backupStorageLocations: [s3('primary', { default: true }), s3('replica', { default: true })] }),
    message: 'demo/Velero[velero]: backupStorageLocations[1].default: "replica" and "primary" are both marked default; mark exactly one location default',
  },
  {
    name: 'velero schedule naming a location that is not configured',
    build: velero({ schedules: [{ name: 'daily', schedule: '0 3 * * *', storageLocation: 'offsite' }] }),
    message: 'demo/Velero[velero]: schedules[0].storageLocation: "offsite" is not one of the backup storage locations (default)',
  },
  {
    name: 'velero bucket with capitals and an underscore',
    build: velero({ backupStorageLocations: [s3('primary', { bucket: 'My_Bucket' })] }),
    message: 'demo/Velero[velero]: backupStorageLocations[0].bucket: "My_Bucket" is not a valid S3 bucket name: only lowercase letters, digits, \'.\' and \'-\' are allowed',
  },
  {
    name: 'velero S3 URL without a scheme',
    build: velero({ backupStorageLocations: [{ ...MINIO.backupStorageLocations[0], s3Url: 'minio.minio.svc:9000' } as never] }),
    message: 'demo/Velero[velero]: backupStorageLocations[0].s3Url: "minio.minio.svc:9000" is not an http(s) URL',
  },
  {
    name: 'velero AWS region misspelt',
    build: velero({ backupStorageLocations: [s3('primary', { region: 'eu-central' })] }),
    message: 'demo/Velero[velero]: backupStorageLocations[0].region: "eu-central" is not an AWS region such as eu-central-1',
  },
  {
    name: 'velero file-system backups without the node-agent',
    build: velero({ schedules: [{ name: 'daily', schedule: '0 3 * * *', defaultVolumesToFsBackup: true }] }),
    message: 'demo/Velero[velero]: schedules[0].defaultVolumesToFsBackup: file-system backups need the node-agent; set fileSystemBackup: true',
  },
];

// ---- Kyverno and its policy library ---------------------------------------------------------------

/** A demo cluster with the Kyverno add-on; `fn` adds the policies. */
const kyverno = (fn: (k: Kyverno) => void, props = {}): FleetBuilder => demo(({ cluster }) => fn(new Kyverno(cluster, 'kyverno', props)));

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const RELEASE_WORKFLOW = 'https://github.com/example/app/.github/workflows/release.yml@refs/heads/main';

const KYVERNO: readonly BadInput[] = [
  {
    name: 'kyverno mode that does not exist',
    build: kyverno(() => undefined, { mode: 'Block' }),
    message: 'demo/Kyverno[kyverno]: mode: "Block" is not a policy mode (use Audit, Deny or Warn)',
  },
  {
    name: 'kyverno webhook timeout above 30 seconds',
    build: kyverno(() => undefined, { webhookTimeoutSeconds: 60 }),
    message: 'demo/Kyverno[kyverno]: webhookTimeoutSeconds: 60 is not a webhook timeout (whole seconds from 1 to 30)',
  },
  {
    // Found by the property test: the message formatted the value with JSON.stringify, which throws on a BigInt.
    name: 'kyverno replica count given as a BigInt',
    build: kyverno(() => undefined, { replicas: { admission: BigInt(3) } }),
    message: 'demo/Kyverno[kyverno]: replicas.admission: 3n is not a replica count (a whole number of at least 1)',
  },
  {
    name: 'empty registry allow-list',
    build: kyverno((k) => new RestrictImageRegistries(k, 'registries', { registries: [] })),
    message: 'demo/RestrictImageRegistries[registries]: registries: the allow-list is empty, so every image would be rejected; list at least one registry, such as cgr.dev',
  },
  {
    name: 'registry given as a URL',
    build: kyverno((k) => new RestrictImageRegistries(k, 'registries', { registries: ['https://ghcr.io/example'] })),
    message: 'demo/RestrictImageRegistries[registries]: registries[0]: "https://ghcr.io/example" is not a registry (a host such as ghcr.io, optionally with a port or a path prefix such as ghcr.io/my-org; no scheme, no trailing \'/\')',
  },
  {
    name: 'image glob with an unclosed class',
    build: kyverno((k) => new VerifyImageSignatures(k, 'signatures', { images: ['ghcr.io/example/[abc'], identities: [{ issuer: GITHUB_ISSUER, subject: RELEASE_WORKFLOW }] })),
    message: 'demo/VerifyImageSignatures[signatures]: images[0]: "ghcr.io/example/[abc" is not a valid glob: \'[\' at 17 is never closed',
  },
  {
    name: 'keyless identity without an issuer',
    build: kyverno((k) => new VerifyImageSignatures(k, 'signatures', { images: ['ghcr.io/example/*'], identities: [{ subject: RELEASE_WORKFLOW } as never] })),
    message: 'demo/VerifyImageSignatures[signatures]: identities[0].issuer: a keyless identity needs the OIDC issuer of the signing certificate, such as https://token.actions.githubusercontent.com',
  },
  {
    name: 'keyless identity trusting any subject of its issuer',
    build: kyverno((k) => new VerifyImageSignatures(k, 'signatures', { images: ['ghcr.io/example/*'], identities: [{ issuer: GITHUB_ISSUER }] })),
    message: 'demo/VerifyImageSignatures[signatures]: identities[0]: give the certificate subject (or subjectRegExp) a signature must carry; an issuer alone trusts anyone it ever issued to',
  },
  {
    name: 'two policies with one name',
    build: kyverno((k) => {
      new DisallowHostPath(k, 'host-path');
      new RequireLabels(k, 'labels', { name: 'disallow-host-path', labels: ['team'] });
    }),
    message: 'demo/RequireLabels[labels]: name: "disallow-host-path" is already the name of DisallowHostPath[host-path]; give each policy its own name',
  },
  {
    name: 'policy exception naming a policy the cluster lacks',
    build: kyverno((k) => {
      new DisallowHostPath(k, 'host-path');
      new KyvernoPolicyException(k, 'gpu', { name: 'gpu-validator', reason: 'the GPU validator reads the driver from the host', policies: ['disallow-hostpath'], namespaces: ['app'] });
    }),
    message: 'demo/KyvernoPolicyException[gpu]: policies[0]: "disallow-hostpath" is not a policy of this cluster (known: disallow-host-path)',
  },
  {
    name: 'policy exception that exempts nothing',
    build: kyverno((k) => new KyvernoPolicyException(k, 'gpu', { name: 'gpu-validator', reason: 'the GPU validator reads the driver from the host' })),
    message: 'demo/KyvernoPolicyException[gpu]: namespaces: an exception must name at least one namespace or workload to exempt',
  },
  {
    name: 'custom policy variable shadowing a workload variable',
    build: kyverno((k) => new CustomValidatingPolicy(k, 'custom', {
      name: 'no-latest',
      variables: [{ name: 'images', expression: 'object.spec.containers.map(c, c.image)' }],
      validations: [{ expression: "variables.images.all(i, !i.endsWith(':latest'))", message: 'pin images to a version, not latest' }],
    })),
    message: 'demo/CustomValidatingPolicy[custom]: variables[0].name: "images" is a workload variable this policy already defines; choose another name',
  },
  {
    // Admission at synth: the cluster's own Deny policies refuse its own workloads (and what they create).
    name: 'workload its own cluster denies at admission',
    build: demo(({ cluster, app }) => {
      const k = new Kyverno(cluster, 'kyverno', { mode: 'Deny' });
      new RestrictImageRegistries(k, 'registries', { registries: ['ghcr.io'] });
      new kplus.Deployment(app.scope('apps'), 'web', {
        metadata: { name: 'web', namespace: 'app' },
        containers: [{ name: 'web', image: 'docker.io/library/nginx:1.27', securityContext: { ensureNonRoot: false } }],
      });
    }),
    message: 'demo/app/Deployment/web: restrict-image-registries: images must come from an allowed registry (ghcr.io) and name it, as in ghcr.io/<repository>:<tag>',
  },
];

// ---- Kata -----------------------------------------------------------------------------------------

const KATA_LABEL = 'runtime.example.dev/kata';
const CONTROL_PLANE: NodeSpec = { name: 'cp-0', role: 'controlplane', schedulable: true };
const KATA_NODE: NodeSpec = { name: 'w-0', role: 'worker', extensions: [EXTENSIONS.kataContainers], labels: { [KATA_LABEL]: 'true' } };
const kata = (props: KataRuntimeProps, nodes: NodeSpec[] = [CONTROL_PLANE, KATA_NODE], talosVersion?: string): FleetBuilder =>
  demo(({ cluster }) => new KataRuntime(cluster, 'kata', props), { nodes, talosVersion });

const KATA: readonly BadInput[] = [
  {
    name: 'kata without a node that has the extension',
    build: kata({}, [CONTROL_PLANE, { name: 'w-0', role: 'worker' }]),
    message: 'demo/KataRuntime[kata]: no node of demo lists siderolabs/kata-containers; add it to nodes[].extensions of the nodes that should run Kata pods, or select them with nodeSelector',
  },
  {
    name: 'kata nodes with no label of their own',
    build: kata({}, [CONTROL_PLANE, { ...KATA_NODE, labels: {} }]),
    message: 'demo/KataRuntime[kata]: the nodes with the siderolabs/kata-containers extension (w-0) share no label that sets them apart from the other nodes; give them one in nodes[].labels (such as runtime.talos-flux-synth.dev/kata: "true") for Kata pods to select',
  },
  {
    name: 'kata overhead quantity with a space',
    build: kata({ overhead: { memory: '2 GB' } }),
    message: 'demo/KataRuntime[kata]: overhead.memory: "2 GB" is not a Kubernetes quantity (for example 250m, 512Mi, 2Gi)',
  },
  {
    name: 'kata handler the Talos version does not register',
    build: kata({ handler: 'kata-qemu' }),
    message: 'demo/KataRuntime[kata]: handler: "kata-qemu" is not a Kata runtime handler Talos 1.13 registers (use kata)',
  },
  {
    // Found by the property test: a negative quantity string passed (a negative number did not).
    name: 'kata negative overhead',
    build: kata({ overhead: { cpu: '-250m' } }),
    message: 'demo/KataRuntime[kata]: overhead.cpu: "-250m" is negative; use a quantity of 0 or more',
  },
];

// ---- KEDA -----------------------------------------------------------------------------------------

/** A demo cluster with KEDA (unless `keda` is false) and a Deployment `web` in namespace app; `fn` adds the scaling. */
function withWeb(fn: (c: { cluster: Cluster; app: Component; web: kplus.Deployment }) => void, { keda = true, replicas }: { keda?: boolean; replicas?: number } = {}): FleetBuilder {
  return demo(({ cluster, app }) => {
    if (keda) new Keda(cluster, 'keda');
    const web = new kplus.Deployment(app.scope('apps'), 'web', {
      metadata: { name: 'web', namespace: 'app' },
      replicas,
      containers: [{ name: 'web', image: 'ghcr.io/example/web:1.0.0' }],
    });
    fn({ cluster, app, web });
  });
}

const PROMETHEUS: ScaledObjectTrigger = { type: 'prometheus', serverAddress: 'http://prometheus.example.lan:9090', query: 'sum(rate(http_requests_total{app="web"}[2m]))', threshold: 50 };
const WORKDAY = { type: 'cron', timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 20 * * 1-5', desiredReplicas: 2 } as const;

/** A ScaledObject of the web Deployment with `props` over a valid baseline. */
const scaled = (props: Partial<ScaledObjectProps>, opts: { keda?: boolean; replicas?: number } = {}): FleetBuilder =>
  withWeb(({ app, web }) => new ScaledObject(app, 'web-scaler', { scaleTarget: web, maxReplicaCount: 4, triggers: [PROMETHEUS], ...props }), opts);

const RABBITMQ_HOST = [{ parameter: 'host', name: 'rabbitmq', key: 'url' }];

const KEDA: readonly BadInput[] = [
  {
    name: 'keda operator with no replicas',
    build: demo(({ cluster }) => new Keda(cluster, 'keda', { operatorReplicas: 0 })),
    message: 'demo/Keda[keda]: operatorReplicas: 0 is not a replica count of 1 or more',
  },
  {
    name: 'scaled object whose minimum exceeds its maximum',
    build: scaled({ minReplicaCount: 5, maxReplicaCount: 3 }),
    message: 'demo/ScaledObject[web-scaler]: minReplicaCount: 5 is greater than maxReplicaCount (3)',
  },
  {
    name: 'scaled object idle count not below its minimum',
    build: scaled({ minReplicaCount: 0, idleReplicaCount: 0 }),
    message: 'demo/ScaledObject[web-scaler]: idleReplicaCount: 0 must be below minReplicaCount (0); raise minReplicaCount to 1 or more, or leave idleReplicaCount out',
  },
  {
    name: 'prometheus threshold in words',
    build: scaled({ triggers: [{ ...PROMETHEUS, threshold: 'five' }] }),
    message: 'demo/ScaledObject[web-scaler]: triggers[0].threshold: "five" is not a number (for example 5 or "2.5")',
  },
  {
    name: 'prometheus address without a scheme',
    build: scaled({ triggers: [{ ...PROMETHEUS, serverAddress: 'prometheus.monitoring:9090' }] }),
    message: 'demo/ScaledObject[web-scaler]: triggers[0].serverAddress: "prometheus.monitoring:9090" is not an http(s) URL',
  },
  {
    name: 'cron window that starts when it ends',
    build: scaled({ minReplicaCount: 1, triggers: [{ ...WORKDAY, end: '0 8 * * 1-5' }] }),
    message: 'demo/ScaledObject[web-scaler]: triggers[0].end: "0 8 * * 1-5" is the same as start; a cron window needs different start and end',
  },
  {
    name: 'cron trigger in an unknown time zone',
    build: scaled({ minReplicaCount: 1, triggers: [{ ...WORKDAY, timezone: 'Europe/Berlim' }] }),
    message: 'demo/ScaledObject[web-scaler]: triggers[0].timezone: "Europe/Berlim" is not an IANA time zone (for example America/New_York, Europe/Berlin or UTC)',
  },
  {
    name: 'scaled object in another namespace than its target',
    build: scaled({ namespace: 'jobs' }),
    message: 'demo/ScaledObject[web-scaler]: namespace: "jobs" is not the namespace of Deployment "web" ("app"); KEDA scales only workloads in the ScaledObject\'s own namespace',
  },
  {
    name: 'authenticationRef to a TriggerAuthentication that does not exist',
    build: scaled({ triggers: [{ ...PROMETHEUS, authenticationRef: { name: 'prometheus-auth' } }] }),
    message: 'demo/ScaledObject[web-scaler]: triggers[0].authenticationRef: no TriggerAuthentication "prometheus-auth" in namespace "app" of cluster demo',
  },
  {
    name: 'TriggerAuthentication in another namespace than the scaled object',
    build: withWeb(({ app, web }) => {
      const auth = new TriggerAuthentication(app, 'rabbitmq-auth', { namespace: 'kube-system', secretTargetRef: RABBITMQ_HOST });
      new ScaledObject(app, 'web-scaler', { scaleTarget: web, maxReplicaCount: 4, triggers: [{ type: 'rabbitmq', queueName: 'jobs', mode: 'QueueLength', value: 20, authenticationRef: auth }] });
    }),
    message: 'demo/ScaledObject[web-scaler]: triggers[0].authenticationRef: TriggerAuthentication "rabbitmq-auth" is in namespace "kube-system"; KEDA looks for it in the ScaledObject\'s namespace "app"',
  },
  {
    name: 'password in generic trigger metadata',
    build: scaled({ triggers: [{ type: 'generic', scaler: 'postgresql', metadata: { host: 'db.app.svc', password: 'hunter2', query: 'SELECT 1', targetQueryValue: '5' } }] }),
    message: "demo/apps/ScaledObject/app/web-scaler: spec.triggers[0].metadata.password: literal credential in KEDA trigger metadata, rendered by demo/#apps/app/web-scaler/resource; put it in a Secret and point the trigger's authenticationRef at a TriggerAuthentication that reads it (secretTargetRef)",
  },
  {
    name: 'scaled object without the keda add-on',
    build: scaled({}, { keda: false }),
    message: 'demo/ScaledObject[web-scaler]: no Keda add-on in cluster demo: add one (new Keda(cluster, \'keda\')) so the keda.sh CRDs and the operator exist',
  },
  {
    name: 'scaled deployment with a fixed replica count',
    build: scaled({}, { replicas: 3 }),
    message: 'demo/ScaledObject[web-scaler]: scaleTarget: Deployment "web" sets replicas (3); leave it unset, the ScaledObject owns the replica count',
  },
  {
    name: 'memory trigger with a quantity with a space',
    build: scaled({ minReplicaCount: 1, triggers: [{ type: 'memory', metricType: 'AverageValue', value: '2 GB' }] }),
    message: 'demo/ScaledObject[web-scaler]: triggers[0].value: "2 GB" is not a quantity such as 500m or 512Mi',
  },
  {
    name: 'TriggerAuthentication Secret key with a space',
    build: withWeb(({ app }) => new TriggerAuthentication(app, 'rabbitmq-auth', { namespace: 'app', secretTargetRef: [{ parameter: 'host', name: 'rabbitmq', key: 'connection string' }] })),
    message: 'demo/TriggerAuthentication[rabbitmq-auth]: secretTargetRef[0].key: "connection string" is not a Secret key (letters, digits, \'-\', \'_\' and \'.\')',
  },
  {
    name: 'ClusterTriggerAuthentication id that is not a name',
    build: withWeb(({ app }) => new ClusterTriggerAuthentication(app, 'Shared_Auth', { secretTargetRef: RABBITMQ_HOST })),
    message: 'demo/ClusterTriggerAuthentication[Shared_Auth]: name: "Shared_Auth" is not a DNS subdomain (lowercase letters, digits, \'-\' and \'.\', at most 253 characters)',
  },
  {
    // Found by the property test: the default name was read from the props before they were validated.
    name: 'TriggerAuthentication without props',
    build: withWeb(({ app }) => new TriggerAuthentication(app, 'rabbitmq-auth', undefined as never)),
    message: 'demo/TriggerAuthentication[rabbitmq-auth]: Invalid input: expected object, received undefined',
  },
  {
    // Found by the property test: the owning cluster was looked up with Cluster.of, which throws a plain Error.
    name: 'scaled Deployment created outside every cluster',
    build: withWeb(({ cluster, app }) => {
      const loose = new kplus.Deployment(new Chart(cluster.node.scope as App, 'loose'), 'api', {
        metadata: { name: 'api', namespace: 'app' },
        containers: [{ name: 'api', image: 'ghcr.io/example/api:1.0.0' }],
      });
      new ScaledObject(app, 'api', { scaleTarget: loose, maxReplicaCount: 4, triggers: [PROMETHEUS] });
    }),
    message: 'demo/ScaledObject[api]: scaleTarget: Deployment "api" is in no cluster; create it in a component of cluster demo (component.scope(\'apps\'))',
  },
];

// ---- GPU operator ---------------------------------------------------------------------------------

const gpuWorker = (name: string, extensions: string[]): NodeSpec => ({ name, role: 'worker', extensions });
const PRODUCTION_PAIR = [EXTENSIONS.nvidiaKmodProduction, EXTENSIONS.nvidiaToolkitProduction];
const gpuOperator = (props: GpuOperatorProps, nodes: NodeSpec[] = [CONTROL_PLANE, gpuWorker('gpu-0', PRODUCTION_PAIR)]): FleetBuilder =>
  demo(({ cluster }) => new GpuOperator(cluster, 'gpu-operator', props), { nodes });

const GPU_OPERATOR: readonly BadInput[] = [
  {
    name: 'gpu operator without GPU nodes',
    build: gpuOperator({}, [CONTROL_PLANE, { name: 'w-0', role: 'worker' }]),
    message: "demo/GpuOperator[gpu-operator]: no node of demo lists an NVIDIA extension; the GPU operator needs a GPU node group: set nodeSelector to the GPU nodes' labels (they then get the NVIDIA extensions), or list the extensions in their nodes[].extensions",
  },
  {
    name: 'NVIDIA driver flavours lts and production mixed',
    build: gpuOperator({}, [CONTROL_PLANE, gpuWorker('gpu-0', [EXTENSIONS.nvidiaKmodLts, EXTENSIONS.nvidiaToolkitProduction])]),
    message: 'demo/Cluster[demo]: nodes: node group worker (gpu-0) lists siderolabs/nonfree-kmod-nvidia-lts and siderolabs/nvidia-container-toolkit-production, which disagree on the driver flavour (lts vs production); use one flavour for both (siderolabs/nonfree-kmod-nvidia-lts, siderolabs/nvidia-container-toolkit-production from nodes[].extensions)',
  },
  {
    name: 'NVIDIA kernel modules without the container toolkit',
    build: gpuOperator({}, [CONTROL_PLANE, gpuWorker('gpu-0', PRODUCTION_PAIR), { ...gpuWorker('gpu-1', [EXTENSIONS.nvidiaOpenKmodProduction]), group: 'gpu-open' }]),
    message: 'demo/Cluster[demo]: nodes: node group gpu-open (gpu-1) lists siderolabs/nvidia-open-gpu-kernel-modules-production but no NVIDIA container toolkit; add siderolabs/nvidia-container-toolkit-production (siderolabs/nvidia-open-gpu-kernel-modules-production from nodes[].extensions)',
  },
  {
    name: 'DCGM ServiceMonitor without the exporter',
    build: gpuOperator({ dcgmExporter: false, dcgmServiceMonitor: true }),
    message: 'demo/GpuOperator[gpu-operator]: dcgmServiceMonitor: a ServiceMonitor needs the DCGM exporter; set dcgmExporter to true or drop dcgmServiceMonitor',
  },
  {
    name: 'MIG strategy that does not exist',
    build: gpuOperator({ migStrategy: 'all' as never }),
    message: 'demo/GpuOperator[gpu-operator]: migStrategy: Invalid option: expected one of "none"|"single"|"mixed"',
  },
];

// ---- Monitoring -----------------------------------------------------------------------------------

const monitoring = (props: MonitoringProps): FleetBuilder => demo(({ cluster }) => new Monitoring(cluster, 'monitoring', props));

/** A Deployment web (metrics port `metrics`) and its Service in namespace app; a Monitoring add-on unless `withMonitoring` is false. */
function scrapedApp(app: Component, withMonitoring = true): { workload: kplus.Deployment; service: kplus.Service } {
  if (withMonitoring) new Monitoring(app.cluster, 'monitoring');
  const apps = app.scope('apps');
  const workload = new kplus.Deployment(apps, 'web', {
    metadata: { name: 'web', namespace: 'app' },
    containers: [{ name: 'web', image: 'ghcr.io/example/web:1.0.0', ports: [{ number: 8080, name: 'metrics' }] }],
  });
  const service = new kplus.Service(apps, 'web-service', { metadata: { name: 'web', namespace: 'app' }, ports: [{ name: 'http', port: 8080 }] });
  return { workload, service };
}

const MONITORING: readonly BadInput[] = [
  {
    name: 'prometheus retention in Kubernetes duration words',
    build: monitoring({ retention: '3 days' }),
    message: 'demo/Monitoring[monitoring]: retention: "3 days" is not a Prometheus duration (units y, w, d, h, m, s, ms, largest first, as in 3d or 1h30m)',
  },
  {
    name: 'prometheus retention size larger than its storage',
    build: monitoring({ retentionSize: '10GB', storage: { kind: 'emptyDir', size: '4Gi' } }),
    message: 'demo/Monitoring[monitoring]: retentionSize: "10GB" does not fit in the 4Gi of storage; keep it below (Prometheus also needs room for its WAL)',
  },
  {
    name: 'prometheus retention size in Kubernetes units',
    build: monitoring({ retentionSize: '3Gi' }),
    message: 'demo/Monitoring[monitoring]: retentionSize: "3Gi" is not a Prometheus size (a whole number and B, KB, MB, GB, TB or PB, as in 3GB)',
  },
  {
    name: 'prometheus memory request above its limit',
    build: monitoring({ prometheusMemory: { request: '2Gi', limit: '1Gi' } }),
    message: 'demo/Monitoring[monitoring]: prometheusMemory.request: 2Gi is above the limit 1Gi',
  },
  {
    name: 'pod monitor on a port the workload does not name',
    build: demo(({ app }) => new PodMonitor(app, 'web-monitor', { target: scrapedApp(app).workload, port: 'http-metrics' })),
    message: 'demo/PodMonitor[web-monitor]: port: Deployment "web" has no container port named "http-metrics" (it has metrics); name the metrics port',
  },
  {
    name: 'service monitor for a Service without labels',
    build: demo(({ app }) => new ServiceMonitor(app, 'web-monitor', { service: scrapedApp(app).service, port: 'http' })),
    message: 'demo/ServiceMonitor[web-monitor]: service: Service "web" has no labels to select it by; set metadata.labels (such as app.kubernetes.io/name)',
  },
  {
    name: 'pod monitor in a cluster without monitoring',
    build: demo(({ app }) => new PodMonitor(app, 'web-monitor', { target: scrapedApp(app, false).workload, port: 'metrics' })),
    message: "demo/PodMonitor[web-monitor]: no Monitoring add-on in cluster demo: add one (new Monitoring(cluster, 'monitoring')) so the monitoring.coreos.com CRDs and a Prometheus that reads this monitor exist",
  },
];

// ---- HelmChart ------------------------------------------------------------------------------------

const CERT_MANAGER: HelmChartProps = { repository: 'https://charts.jetstack.io', chart: 'cert-manager', version: 'v1.21.1', namespace: 'cert-manager' };
const helmChart = (props: Partial<HelmChartProps>): FleetBuilder => demo(({ cluster }) => new HelmChart(cluster, 'cert-manager', { ...CERT_MANAGER, ...props }));

const HELM_CHART: readonly BadInput[] = [
  {
    name: 'HelmChart repository over plain http',
    build: helmChart({ repository: 'http://charts.jetstack.io' }),
    message: 'demo/HelmChart[cert-manager]: repository: "http://charts.jetstack.io" is not a Helm repository URL (https://host/path for a chart repository, oci://registry/path for OCI)',
  },
  {
    name: 'HelmChart version range',
    build: helmChart({ version: '~1.21' }),
    message: 'demo/HelmChart[cert-manager]: version: "~1.21" is not a pinned version (an exact SemVer such as 1.2.3, not a range)',
  },
  {
    name: 'HelmChart namespace that is not a DNS label',
    build: helmChart({ namespace: 'Cert_Manager' }),
    message: 'demo/HelmChart[cert-manager]: namespace: "Cert_Manager" is not a DNS label (lowercase letters, digits and \'-\', at most 63 characters)',
  },
  {
    name: 'HelmChart dependency that is not an add-on',
    build: demo(({ cluster, app }) => new HelmChart(cluster, 'cert-manager', { ...CERT_MANAGER, dependsOn: [app as never] })),
    message: 'demo/HelmChart[cert-manager]: dependsOn[0]: Component[app] is not an add-on (pass the add-on construct, such as a Kyverno or another HelmChart)',
  },
  {
    name: 'HelmChart CRD policy misspelt',
    build: helmChart({ crds: 'Replace' as never }),
    message: 'demo/HelmChart[cert-manager]: crds: Invalid option: expected one of "CreateReplace"|"Skip"',
  },
  {
    name: 'HelmChart values of the wrong type for the imported schema',
    build: helmChart({ chart: 'velero', version: '12.1.0', namespace: 'backup', repository: 'oci://ghcr.io/vmware-tanzu/charts', values: { upgradeCRDs: 'yes' } }),
    message: 'demo/controllers/HelmRelease/backup/velero: spec.values.upgradeCRDs: expected boolean, got string "yes"',
  },
];

/** The corpus of every add-on, by add-on. */
export const ADDON_BAD_INPUTS: Readonly<Record<string, readonly BadInput[]>> = {
  Descheduler: DESCHEDULER,
  Velero: VELERO,
  Kyverno: KYVERNO,
  KataRuntime: KATA,
  Keda: KEDA,
  GpuOperator: GPU_OPERATOR,
  Monitoring: MONITORING,
  HelmChart: HELM_CHART,
};
