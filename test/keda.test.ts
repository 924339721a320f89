import * as kplus from 'cdk8s-plus-34';
import { AddOn } from '../lib/addon';
import {
  ClusterTriggerAuthentication,
  Keda,
  ScaledObject,
  ScaledObjectProps,
  ScaledObjectTrigger,
  TriggerAuthentication,
} from '../lib/addons/keda';
import { Cluster } from '../lib/cluster';
import { Component } from '../lib/component';
import { Manifest } from '../lib/synth/manifest';
import { BASE_CHECKS, Check } from '../lib/synth/checks';
import { TalosNamespace } from '../lib/talos/namespace';
import { configErrorOf, find, renderCluster } from './helpers';

const PROMETHEUS: ScaledObjectTrigger = { type: 'prometheus', serverAddress: 'http://prometheus.example.lan:9090', query: 'sum(queue)', threshold: 5 };

interface Fixture {
  readonly cluster: Cluster;
  readonly app: Component;
  readonly deployment: kplus.Deployment;
}

/** A cluster with KEDA and a `web` Deployment in namespace `web`; `fn` adds the objects under test. */
function renderWithTarget(fn: (f: Fixture) => void, opts: { keda?: boolean; checks?: readonly Check[] } = {}): Manifest[] {
  return renderCluster((cluster) => {
    if (opts.keda ?? true) new Keda(cluster, 'keda');
    const app = new Component(cluster, 'web');
    new TalosNamespace(app.scope('controllers'), 'namespace', { name: 'web' });
    const deployment = new kplus.Deployment(app.scope('apps'), 'web', {
      metadata: { name: 'web', namespace: 'web' },
      containers: [{ name: 'server', image: 'ghcr.io/example/web:1.0.0' }, { name: 'sidecar', image: 'ghcr.io/example/proxy:2.0.0' }],
    });
    fn({ cluster, app, deployment });
  }, {}, opts.checks);
}

/** The message of the ConfigError a ScaledObject with these props (on the `web` Deployment) raises. */
function scaledObjectError(props: Partial<ScaledObjectProps>, extra: (f: Fixture) => void = () => undefined): string {
  return configErrorOf(() => renderWithTarget((f) => {
    extra(f);
    new ScaledObject(f.app, 'web-scaler', { scaleTarget: f.deployment, maxReplicaCount: 4, triggers: [PROMETHEUS], ...props });
  }));
}

const specOf = (m: Manifest) => m.spec as Record<string, unknown>;

describe('Keda', () => {
  const objects = renderCluster((cluster) => {
    new Keda(cluster, 'keda');
  });

  it('installs the pinned chart into a restricted keda namespace', () => {
    expect(find(objects, 'Namespace', 'keda').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    expect(find(objects, 'HelmRepository', 'keda')).toMatchObject({ metadata: { namespace: 'keda' }, spec: { url: 'https://kedacore.github.io/charts' } });
    const release = specOf(find(objects, 'HelmRelease', 'keda'));
    expect(release.chart).toEqual({ spec: { chart: 'keda', version: '2.20.2', interval: '1h', sourceRef: { kind: 'HelmRepository', name: 'keda', namespace: 'keda' } } });
  });

  it('sets the chart values field by field', () => {
    expect(specOf(find(objects, 'HelmRelease', 'keda')).values).toEqual({
      clusterName: 'test',
      crds: { install: true },
      image: { pullPolicy: 'IfNotPresent' },
      operator: { replicaCount: 1 },
      logging: { operator: { level: 'info' }, metricServer: { zapLevel: 'info' }, webhooks: { level: 'info' } },
      enableServiceLinks: false,
    });
  });

  it('takes the operator replicas and log level', () => {
    const values = specOf(find(renderCluster((cluster) => {
      new Keda(cluster, 'keda', { operatorReplicas: 2, logLevel: 'debug' });
    }), 'HelmRelease', 'keda')).values;
    expect(values).toMatchObject({ operator: { replicaCount: 2 }, logging: { operator: { level: 'debug' }, metricServer: { zapLevel: 'debug' }, webhooks: { level: 'debug' } } });
  });

  it('counts keda as an add-on namespace', () => {
    let namespaces: string[] = [];
    renderCluster((cluster) => {
      new Keda(cluster, 'keda');
      namespaces = AddOn.namespacesOf(cluster);
    });
    expect(namespaces).toEqual(['keda']);
  });

  it('rejects an operator without replicas', () => {
    expect(configErrorOf(() => renderCluster((cluster) => {
      new Keda(cluster, 'keda', { operatorReplicas: 0 });
    }))).toBe('test/Keda[keda]: operatorReplicas: 0 is not a replica count of 1 or more');
  });
});

describe('ScaledObject', () => {
  it('renders the catalyst-style scaler: target from the Deployment, explicit defaults, prometheus and cron triggers', () => {
    const objects = renderWithTarget(({ app, deployment }) => {
      new ScaledObject(app, 'web-scaler', {
        scaleTarget: deployment,
        maxReplicaCount: 3,
        triggers: [
          { ...PROMETHEUS, name: 'queue', activationThreshold: '0.5', ignoreNullValues: false },
          { type: 'cron', timezone: 'America/New_York', start: '0 8 * * 1-5', end: '0 20 * * 1-5', desiredReplicas: 1 },
        ],
      });
    });
    const so = find(objects, 'ScaledObject', 'web-scaler');
    expect(so.apiVersion).toBe('keda.sh/v1alpha1');
    expect(so.metadata.namespace).toBe('web');
    expect(so.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      pollingInterval: 30,
      cooldownPeriod: 300,
      minReplicaCount: 0,
      maxReplicaCount: 3,
      triggers: [
        {
          type: 'prometheus',
          name: 'queue',
          metricType: 'AverageValue',
          metadata: { serverAddress: 'http://prometheus.example.lan:9090', query: 'sum(queue)', threshold: '5', activationThreshold: '0.5', ignoreNullValues: 'false' },
        },
        {
          type: 'cron',
          metricType: 'AverageValue',
          metadata: { timezone: 'America/New_York', start: '0 8 * * 1-5', end: '0 20 * * 1-5', desiredReplicas: '1' },
        },
      ],
    });
  });

  it('leaves the replica count of the scaled Deployment to KEDA', () => {
    const objects = renderWithTarget(({ app, deployment }) => {
      new ScaledObject(app, 'web-scaler', { scaleTarget: deployment, maxReplicaCount: 3, triggers: [PROMETHEUS] });
    });
    expect(specOf(find(objects, 'Deployment', 'web'))).not.toHaveProperty('replicas');
  });

  it('renders idle replicas, fallback, HPA behavior and restore', () => {
    const objects = renderWithTarget(({ app, deployment }) => {
      new ScaledObject(app, 'web-scaler', {
        scaleTarget: deployment,
        pollingInterval: 15,
        cooldownPeriod: 600,
        minReplicaCount: 1,
        maxReplicaCount: 4,
        idleReplicaCount: 0,
        fallback: { failureThreshold: 3, replicas: 2, behavior: 'currentReplicasIfHigher' },
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 60 }] },
          scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] },
        },
        restoreToOriginalReplicaCount: true,
        triggers: [PROMETHEUS],
      });
    });
    const spec = specOf(find(objects, 'ScaledObject', 'web-scaler'));
    expect(spec).toMatchObject({ pollingInterval: 15, cooldownPeriod: 600, minReplicaCount: 1, maxReplicaCount: 4, idleReplicaCount: 0 });
    expect(spec.fallback).toEqual({ failureThreshold: 3, replicas: 2, behavior: 'currentReplicasIfHigher' });
    expect(spec.advanced).toEqual({
      restoreToOriginalReplicaCount: true,
      horizontalPodAutoscalerConfig: {
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 60 }] },
          scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] },
        },
      },
    });
  });

  it('scales a StatefulSet, and a workload given by reference', () => {
    const objects = renderWithTarget(({ app }) => {
      const service = new kplus.Service(app.scope('apps'), 'db-service', { metadata: { name: 'db', namespace: 'web' }, clusterIP: 'None', ports: [{ port: 5432 }] });
      const db = new kplus.StatefulSet(app.scope('apps'), 'db', {
        metadata: { name: 'db', namespace: 'web' },
        service,
        containers: [{ name: 'db', image: 'ghcr.io/example/db:1.0.0', portNumber: 5432 }],
      });
      new ScaledObject(app, 'db-scaler', { scaleTarget: db, minReplicaCount: 1, maxReplicaCount: 3, triggers: [PROMETHEUS] });
      new ScaledObject(app, 'rollout-scaler', {
        scaleTarget: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web-rollout', namespace: 'web' },
        maxReplicaCount: 3,
        triggers: [PROMETHEUS],
      });
      // The Rollout itself is not rendered here; the validation gate would (rightly) report it missing.
    }, { checks: BASE_CHECKS });
    expect(specOf(find(objects, 'ScaledObject', 'db-scaler')).scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' });
    expect(specOf(find(objects, 'StatefulSet', 'db'))).not.toHaveProperty('replicas');
    expect(find(objects, 'ScaledObject', 'rollout-scaler').metadata.namespace).toBe('web');
    expect(specOf(find(objects, 'ScaledObject', 'rollout-scaler')).scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web-rollout' });
  });

  it('renders the rabbitmq, kafka, cpu, memory and generic triggers', () => {
    const objects = renderWithTarget(({ app, deployment }) => {
      const auth = new TriggerAuthentication(app, 'rabbitmq-auth', { namespace: 'web', secretTargetRef: [{ parameter: 'host', name: 'rabbitmq', key: 'url' }] });
      new ScaledObject(app, 'web-scaler', {
        scaleTarget: deployment,
        minReplicaCount: 1,
        maxReplicaCount: 10,
        triggers: [
          { type: 'rabbitmq', queueName: 'jobs', mode: 'QueueLength', value: 20, activationValue: 1, protocol: 'amqp', vhostName: 'prod', authenticationRef: auth },
          { type: 'rabbitmq', queueName: 'events', mode: 'MessageRate', value: '12.5', protocol: 'http', hostFromEnv: 'RABBITMQ_URL' },
          {
            type: 'kafka', bootstrapServers: ['kafka-0.kafka:9092', 'kafka-1.kafka:9092'], consumerGroup: 'workers', topic: 'jobs',
            lagThreshold: 50, activationLagThreshold: 5, offsetResetPolicy: 'earliest', allowIdleConsumers: false,
          },
          { type: 'cpu', metricType: 'Utilization', value: 70, containerName: 'server' },
          { type: 'memory', metricType: 'AverageValue', value: '512Mi' },
          { type: 'generic', scaler: 'aws-sqs-queue', metadata: { queueURL: 'https://sqs.eu-west-1.amazonaws.com/1/jobs', queueLength: '5' }, metricType: 'Value' },
        ],
      });
    });
    expect(specOf(find(objects, 'ScaledObject', 'web-scaler')).triggers).toEqual([
      {
        type: 'rabbitmq', metricType: 'AverageValue', authenticationRef: { kind: 'TriggerAuthentication', name: 'rabbitmq-auth' },
        metadata: { queueName: 'jobs', mode: 'QueueLength', value: '20', activationValue: '1', protocol: 'amqp', vhostName: 'prod' },
      },
      { type: 'rabbitmq', metricType: 'AverageValue', metadata: { queueName: 'events', mode: 'MessageRate', value: '12.5', protocol: 'http', hostFromEnv: 'RABBITMQ_URL' } },
      {
        type: 'kafka', metricType: 'AverageValue',
        metadata: {
          bootstrapServers: 'kafka-0.kafka:9092,kafka-1.kafka:9092', consumerGroup: 'workers', topic: 'jobs', lagThreshold: '50',
          activationLagThreshold: '5', offsetResetPolicy: 'earliest', allowIdleConsumers: 'false',
        },
      },
      { type: 'cpu', metricType: 'Utilization', metadata: { value: '70', containerName: 'server' } },
      { type: 'memory', metricType: 'AverageValue', metadata: { value: '512Mi' } },
      { type: 'aws-sqs-queue', metricType: 'Value', metadata: { queueURL: 'https://sqs.eu-west-1.amazonaws.com/1/jobs', queueLength: '5' } },
    ]);
  });

  describe('rejects', () => {
    it('minReplicaCount above maxReplicaCount', () => {
      expect(scaledObjectError({ minReplicaCount: 5, maxReplicaCount: 2 })).toBe('test/ScaledObject[web-scaler]: minReplicaCount: 5 is greater than maxReplicaCount (2)');
    });

    it('an idleReplicaCount other than 0', () => {
      expect(scaledObjectError({ minReplicaCount: 2, idleReplicaCount: 1 })).toBe(
        'test/ScaledObject[web-scaler]: idleReplicaCount: 1 is not supported: KEDA can only scale an idle workload to 0',
      );
    });

    it('an idleReplicaCount not below minReplicaCount', () => {
      expect(scaledObjectError({ idleReplicaCount: 0 })).toBe(
        'test/ScaledObject[web-scaler]: idleReplicaCount: 0 must be below minReplicaCount (0); raise minReplicaCount to 1 or more, or leave idleReplicaCount out',
      );
    });

    it.each([
      ['"five"', { ...PROMETHEUS, threshold: 'five' }, 'threshold: "five" is not a number (for example 5 or "2.5")'],
      ['NaN', { ...PROMETHEUS, threshold: NaN }, 'threshold: NaN is not a number (for example 5 or "2.5")'],
      ['a boolean', { ...PROMETHEUS, threshold: true as never }, 'threshold: true is not a number (for example 5 or "2.5")'],
      ['zero', { ...PROMETHEUS, threshold: 0 }, 'threshold: 0 must be greater than 0'],
      ['"5 requests"', { ...PROMETHEUS, activationThreshold: '5 requests' }, 'activationThreshold: "5 requests" is not a number (for example 5 or "2.5")'],
      ['a fractional Kafka lag', { type: 'kafka', bootstrapServers: ['kafka:9092'], consumerGroup: 'g', lagThreshold: 2.5 }, 'lagThreshold: 2.5 is not a whole number'],
    ] as Array<[string, ScaledObjectTrigger, string]>)('a threshold that is not a number: %s', (_, trigger, message) => {
      expect(scaledObjectError({ triggers: [trigger] })).toBe(`test/ScaledObject[web-scaler]: triggers[0].${message}`);
    });

    it('a cron trigger whose start equals its end', () => {
      expect(scaledObjectError({ triggers: [{ type: 'cron', timezone: 'UTC', start: '0 8 * * *', end: '0  8 * * *', desiredReplicas: 1 }] })).toBe(
        'test/ScaledObject[web-scaler]: triggers[0].end: "0  8 * * *" is the same as start; a cron window needs different start and end',
      );
    });

    it('a cron trigger with an unknown time zone', () => {
      expect(scaledObjectError({ triggers: [{ type: 'cron', timezone: 'America/NewYork', start: '0 8 * * *', end: '0 20 * * *', desiredReplicas: 1 }] })).toBe(
        'test/ScaledObject[web-scaler]: triggers[0].timezone: "America/NewYork" is not an IANA time zone (for example America/New_York, Europe/Berlin or UTC)',
      );
    });

    it('a cron descriptor, which KEDA does not parse', () => {
      expect(scaledObjectError({ triggers: [{ type: 'cron', timezone: 'UTC', start: '@daily', end: '0 20 * * *', desiredReplicas: 1 }] })).toBe(
        'test/ScaledObject[web-scaler]: triggers[0].start: "@daily" is not a valid cron expression: KEDA takes five fields (minute hour day-of-month month day-of-week), not a descriptor',
      );
    });

    it('a Prometheus serverAddress that is not a URL', () => {
      expect(scaledObjectError({ triggers: [{ ...PROMETHEUS, serverAddress: 'prometheus.monitoring:9090' }] })).toBe(
        'test/ScaledObject[web-scaler]: triggers[0].serverAddress: "prometheus.monitoring:9090" is not an http(s) URL',
      );
    });

    it('a target in another namespace', () => {
      expect(scaledObjectError({ namespace: 'jobs' })).toBe(
        'test/ScaledObject[web-scaler]: namespace: "jobs" is not the namespace of Deployment "web" ("web"); KEDA scales only workloads in the ScaledObject\'s own namespace',
      );
    });

    it('a target by reference in another namespace', () => {
      expect(scaledObjectError({ namespace: 'web', scaleTarget: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'r', namespace: 'jobs' } })).toBe(
        'test/ScaledObject[web-scaler]: namespace: "web" is not the namespace of Rollout "r" ("jobs"); KEDA scales only workloads in the ScaledObject\'s own namespace',
      );
    });

    it('an authenticationRef to a TriggerAuthentication that does not exist', () => {
      expect(scaledObjectError({ triggers: [{ ...PROMETHEUS, authModes: ['bearer'], authenticationRef: { name: 'prometheus-token' } }] })).toBe(
        'test/ScaledObject[web-scaler]: triggers[0].authenticationRef: no TriggerAuthentication "prometheus-token" in namespace "web" of cluster test',
      );
    });

    it('an authenticationRef to a TriggerAuthentication of another namespace, by name or as an object', () => {
      const other = (f: Fixture) => new TriggerAuthentication(f.app, 'prometheus-token', { namespace: 'jobs', secretTargetRef: [{ parameter: 'bearerToken', name: 'prom', key: 'token' }] });
      expect(scaledObjectError({ triggers: [{ ...PROMETHEUS, authModes: ['bearer'], authenticationRef: { name: 'prometheus-token' } }] }, other)).toBe(
        'test/ScaledObject[web-scaler]: triggers[0].authenticationRef: no TriggerAuthentication "prometheus-token" in namespace "web" of cluster test',
      );
      expect(configErrorOf(() => renderWithTarget((f) => {
        new ScaledObject(f.app, 'web-scaler', { scaleTarget: f.deployment, maxReplicaCount: 2, triggers: [{ ...PROMETHEUS, authenticationRef: other(f) }] });
      }))).toBe(
        'test/ScaledObject[web-scaler]: triggers[0].authenticationRef: TriggerAuthentication "prometheus-token" is in namespace "jobs"; KEDA looks for it in the ScaledObject\'s namespace "web"',
      );
    });

    it('an authenticationRef to a ClusterTriggerAuthentication that does not exist', () => {
      expect(scaledObjectError({ triggers: [{ ...PROMETHEUS, authenticationRef: { kind: 'ClusterTriggerAuthentication', name: 'shared' } }] })).toBe(
        'test/ScaledObject[web-scaler]: triggers[0].authenticationRef: no ClusterTriggerAuthentication "shared" in cluster test',
      );
    });

    it('a cluster without the KEDA engine', () => {
      expect(configErrorOf(() => renderWithTarget((f) => {
        new ScaledObject(f.app, 'web-scaler', { scaleTarget: f.deployment, maxReplicaCount: 2, triggers: [PROMETHEUS] });
      }, { keda: false }))).toBe(
        "test/ScaledObject[web-scaler]: no Keda add-on in cluster test: add one (new Keda(cluster, 'keda')) so the keda.sh CRDs and the operator exist",
      );
    });

    it('a Deployment with a fixed replica count, a second autoscaler, a Deployment without namespace', () => {
      expect(configErrorOf(() => renderWithTarget(({ app }) => {
        const fixed = new kplus.Deployment(app.scope('apps'), 'fixed', { metadata: { name: 'fixed', namespace: 'web' }, replicas: 3, containers: [{ image: 'ghcr.io/a/b:1.0.0' }] });
        new ScaledObject(app, 'fixed-scaler', { scaleTarget: fixed, maxReplicaCount: 2, triggers: [PROMETHEUS] });
      }))).toBe('test/ScaledObject[fixed-scaler]: scaleTarget: Deployment "fixed" sets replicas (3); leave it unset, the ScaledObject owns the replica count');
      expect(scaledObjectError({}, (f) => new ScaledObject(f.app, 'first', { scaleTarget: f.deployment, maxReplicaCount: 2, triggers: [PROMETHEUS] }))).toBe(
        'test/ScaledObject[web-scaler]: scaleTarget: Deployment "web" already has an autoscaler; KEDA allows one ScaledObject (or HPA) per workload',
      );
      expect(configErrorOf(() => renderWithTarget(({ app }) => {
        const loose = new kplus.Deployment(app.scope('apps'), 'loose', { metadata: { name: 'loose' }, containers: [{ image: 'ghcr.io/a/b:1.0.0' }] });
        new ScaledObject(app, 'loose-scaler', { scaleTarget: loose, maxReplicaCount: 2, triggers: [PROMETHEUS] });
      }))).toBe('test/ScaledObject[loose-scaler]: scaleTarget: Deployment "loose" has no namespace; set its metadata.namespace (the ScaledObject goes in the same one)');
    });

    it('a target that is neither a workload nor a reference', () => {
      expect(scaledObjectError({ scaleTarget: 'web' as never })).toBe(
        'test/ScaledObject[web-scaler]: scaleTarget: expected a cdk8s-plus Deployment or StatefulSet, or { apiVersion, kind, name, namespace }',
      );
    });

    it('trigger combinations KEDA refuses', () => {
      const cpu: ScaledObjectTrigger = { type: 'cpu', metricType: 'Utilization', value: 70 };
      expect(scaledObjectError({ triggers: [cpu] })).toBe(
        'test/ScaledObject[web-scaler]: minReplicaCount: 0 needs a trigger other than cpu or memory (they have no metrics at zero replicas); set minReplicaCount to 1 or more',
      );
      expect(scaledObjectError({ minReplicaCount: 1, fallback: { failureThreshold: 3, replicas: 2 }, triggers: [PROMETHEUS, cpu] })).toBe(
        'test/ScaledObject[web-scaler]: fallback: KEDA has no fallback for cpu and memory triggers (triggers[1] is cpu); drop the fallback or that trigger',
      );
      expect(scaledObjectError({ fallback: { failureThreshold: 3, replicas: 2 }, triggers: [{ ...PROMETHEUS, metricType: 'Value' }] })).toBe(
        'test/ScaledObject[web-scaler]: fallback: KEDA applies a fallback only to AverageValue triggers (triggers[0] uses Value)',
      );
      expect(scaledObjectError({ fallback: { failureThreshold: 3, replicas: 6 } })).toBe('test/ScaledObject[web-scaler]: fallback.replicas: 6 is more than maxReplicaCount (4)');
      expect(scaledObjectError({ triggers: [{ ...PROMETHEUS, name: 'queue' }, { ...PROMETHEUS, name: 'queue' }] })).toBe(
        'test/ScaledObject[web-scaler]: triggers[1].name: "queue" is already the name of triggers[0]',
      );
    });

    it('triggers that are malformed', () => {
      expect(scaledObjectError({ triggers: [{ type: 'redis' } as never] })).toBe(
        'test/ScaledObject[web-scaler]: triggers[0].type: unknown trigger type "redis"; use prometheus, cron, rabbitmq, kafka, cpu, memory or generic',
      );
      expect(scaledObjectError({ triggers: [{ type: 'generic', scaler: 'prometheus', metadata: {} }] })).toBe(
        "test/ScaledObject[web-scaler]: triggers[0].scaler: use the typed prometheus trigger (type: 'prometheus') instead of a generic one",
      );
      expect(scaledObjectError({ triggers: [{ type: 'rabbitmq', queueName: 'jobs', mode: 'QueueLength', value: 20 }] })).toBe(
        'test/ScaledObject[web-scaler]: triggers[0].authenticationRef: give exactly one of authenticationRef (with the host parameter from a Secret) and hostFromEnv: the connection string holds credentials',
      );
      expect(scaledObjectError({ triggers: [{ type: 'kafka', bootstrapServers: ['kafka'], consumerGroup: 'g' }] })).toBe(
        'test/ScaledObject[web-scaler]: triggers[0].bootstrapServers[0]: "kafka" is not a broker address host:port',
      );
      expect(scaledObjectError({ minReplicaCount: 1, triggers: [{ type: 'cpu', metricType: 'Utilization', value: '70%' }] })).toBe(
        'test/ScaledObject[web-scaler]: triggers[0].value: "70%" is not a whole percentage above 0, such as 70',
      );
      expect(scaledObjectError({ minReplicaCount: 1, triggers: [{ type: 'memory', metricType: 'AverageValue', value: '512MB', containerName: 'server' }] })).toBe(
        'test/ScaledObject[web-scaler]: triggers[0].value: "512MB" is not a quantity such as 500m or 512Mi',
      );
      expect(scaledObjectError({ minReplicaCount: 1, triggers: [{ type: 'cpu', metricType: 'Utilization', value: 70, containerName: 'app' }] })).toBe(
        'test/ScaledObject[web-scaler]: triggers[0].containerName: Deployment "web" has no container "app" (it has server, sidecar)',
      );
    });
  });
});

describe('TriggerAuthentication and ClusterTriggerAuthentication', () => {
  it('reference Secrets by name and key, in the apps and configs layers', () => {
    const objects = renderWithTarget(({ app, deployment }) => {
      const auth = new TriggerAuthentication(app, 'kafka-auth', {
        namespace: 'web',
        secretTargetRef: [{ parameter: 'sasl', name: 'kafka-client', key: 'mechanism' }, { parameter: 'password', name: 'kafka-client', key: 'password' }],
      });
      const shared = new ClusterTriggerAuthentication(app, 'prometheus-shared', { secretTargetRef: [{ parameter: 'bearerToken', name: 'prometheus-reader', key: 'token' }] });
      new ScaledObject(app, 'web-scaler', {
        scaleTarget: deployment,
        maxReplicaCount: 2,
        triggers: [
          { type: 'kafka', bootstrapServers: ['kafka:9092'], consumerGroup: 'g', authenticationRef: auth },
          { ...PROMETHEUS, authModes: ['bearer'], authenticationRef: shared },
          { ...PROMETHEUS, name: 'by-name', authModes: ['bearer'], authenticationRef: { kind: 'ClusterTriggerAuthentication', name: 'prometheus-shared' } },
        ],
      });
    });
    expect(find(objects, 'TriggerAuthentication', 'kafka-auth')).toMatchObject({
      apiVersion: 'keda.sh/v1alpha1',
      metadata: { namespace: 'web' },
      spec: { secretTargetRef: [{ parameter: 'sasl', name: 'kafka-client', key: 'mechanism' }, { parameter: 'password', name: 'kafka-client', key: 'password' }] },
    });
    const cta = find(objects, 'ClusterTriggerAuthentication', 'prometheus-shared');
    expect(cta.metadata.namespace).toBeUndefined();
    expect(cta.spec).toEqual({ secretTargetRef: [{ parameter: 'bearerToken', name: 'prometheus-reader', key: 'token' }] });
    const triggers = specOf(find(objects, 'ScaledObject', 'web-scaler')).triggers as Array<Record<string, unknown>>;
    expect(triggers.map((t) => t.authenticationRef)).toEqual([
      { kind: 'TriggerAuthentication', name: 'kafka-auth' },
      { kind: 'ClusterTriggerAuthentication', name: 'prometheus-shared' },
      { kind: 'ClusterTriggerAuthentication', name: 'prometheus-shared' },
    ]);
    expect(triggers[1].metadata).toMatchObject({ authModes: 'bearer' });
  });

  it('puts each in its layer', () => {
    let layers: string[] = [];
    renderWithTarget(({ app }) => {
      const a = new TriggerAuthentication(app, 'a', { namespace: 'web', secretTargetRef: [{ parameter: 'host', name: 's', key: 'k' }] });
      const c = new ClusterTriggerAuthentication(app, 'c', { secretTargetRef: [{ parameter: 'host', name: 's', key: 'k' }] });
      layers = [a, c].map((x) => x.node.scopes[2].node.id);
    });
    expect(layers).toEqual(['#apps', '#configs']);
  });

  it('rejects a parameter set twice and a key that no Secret can have', () => {
    expect(configErrorOf(() => renderWithTarget(({ app }) => {
      new TriggerAuthentication(app, 'a', {
        namespace: 'web',
        secretTargetRef: [{ parameter: 'host', name: 's', key: 'url' }, { parameter: 'host', name: 's', key: 'my key' }],
      });
    }))).toBe([
      'test/TriggerAuthentication[a]: secretTargetRef[1].key: "my key" is not a Secret key (letters, digits, \'-\', \'_\' and \'.\')',
      'test/TriggerAuthentication[a]: secretTargetRef[1].parameter: parameter "host" is set twice',
    ].join('\n'));
    expect(configErrorOf(() => renderWithTarget(({ app }) => {
      new ClusterTriggerAuthentication(app, 'c', { secretTargetRef: [{ parameter: 'host', name: 's', key: 'url' }, { parameter: 'host', name: 's', key: 'url2' }] });
    }))).toBe('test/ClusterTriggerAuthentication[c]: secretTargetRef[1].parameter: parameter "host" is set twice');
    expect(configErrorOf(() => renderWithTarget(({ app }) => {
      new TriggerAuthentication(app, 'a', { namespace: 'web', secretTargetRef: [] });
    }))).toBe('test/TriggerAuthentication[a]: secretTargetRef: reference at least one Secret key');
  });
});
