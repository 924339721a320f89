import * as kplus from 'cdk8s-plus-34';
import { GpuOperator } from '../lib/addons/gpu-operator';
import { Keda } from '../lib/addons/keda';
import { Kyverno } from '../lib/addons/kyverno';
import { Monitoring, PodMonitor, ServiceMonitor } from '../lib/addons/monitoring';
import { Velero } from '../lib/addons/velero';
import { Cluster } from '../lib/cluster';
import { Component } from '../lib/component';
import { Manifest } from '../lib/synth/manifest';
import { serviceAddress } from '../lib/synth/validation/addresses';
import { TalosNamespace } from '../lib/talos/namespace';
import { configErrorOf, find, renderCluster } from './helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const specOf = (m: Manifest): Json => m.spec as Json;

const GPU_LABEL = 'accelerator.example.dev/nvidia';
const GPU_CLUSTER = {
  nodes: [
    { name: 'cp-0', role: 'controlplane' as const, schedulable: true },
    { name: 'gpu-0', role: 'worker' as const, labels: { [GPU_LABEL]: 'true' } },
  ],
};

/** A cluster with a `web` app (a Deployment with a metrics port and its Service) in namespace `web`. */
function withWeb(fn: (cluster: Cluster, app: Component, web: { workload: kplus.Deployment; service: kplus.Service }) => void): Manifest[] {
  return renderCluster((cluster) => {
    const app = new Component(cluster, 'web');
    new TalosNamespace(app.scope('controllers'), 'namespace', { name: 'web' });
    const workload = new kplus.Deployment(app.scope('apps'), 'web', {
      metadata: { name: 'web', namespace: 'web' },
      select: false,
      podMetadata: { labels: { 'app.kubernetes.io/name': 'web' } },
      containers: [{ name: 'server', image: 'ghcr.io/example/web:1.0.0', ports: [{ number: 8000, name: 'http' }, { number: 9100, name: 'metrics' }] }],
    });
    workload.select(kplus.LabelSelector.of({ labels: { 'app.kubernetes.io/name': 'web' } }));
    const service = new kplus.Service(app.scope('apps'), 'web-service', {
      metadata: { name: 'web', namespace: 'web', labels: { 'app.kubernetes.io/name': 'web' } },
      ports: [{ name: 'http', port: 80, targetPort: 8000 }],
    });
    service.selectLabel('app.kubernetes.io/name', 'web');
    fn(cluster, app, { workload, service });
  });
}

describe('Monitoring', () => {
  it('installs kube-prometheus-stack with Prometheus and kube-state-metrics only, reading every monitor, with small requests', () => {
    const objects = renderCluster((cluster) => void new Monitoring(cluster, 'monitoring'));
    expect(find(objects, 'Namespace', 'monitoring').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'baseline' });
    const release = find(objects, 'HelmRelease', 'kube-prometheus-stack');
    expect(release.metadata.namespace).toBe('monitoring');
    expect(release.metadata.annotations).toEqual({
      'talos-flux-synth.dev/chart-services': 'kube-prometheus-stack-prometheus:9090,8080 kube-prometheus-stack-operator:443 kube-prometheus-stack-kube-state-metrics:8080',
    });
    expect(specOf(release).chart.spec).toMatchObject({ chart: 'kube-prometheus-stack', version: '88.5.3', sourceRef: { kind: 'HelmRepository', name: 'kube-prometheus-stack' } });
    expect(specOf(release).install.crds).toBe('CreateReplace');
    const resources = (cpu: string[], memory: string[]) => ({ requests: { cpu: cpu[0], memory: memory[0] }, limits: { cpu: cpu[1], memory: memory[1] } });
    expect(specOf(release).values).toEqual({
      fullnameOverride: 'kube-prometheus-stack',
      crds: { enabled: true },
      defaultRules: { create: false },
      alertmanager: { enabled: false },
      grafana: { enabled: false },
      nodeExporter: { enabled: false },
      kubeControllerManager: { enabled: false },
      kubeScheduler: { enabled: false },
      kubeEtcd: { enabled: false },
      kubeProxy: { enabled: false },
      kubeStateMetrics: { enabled: true },
      'kube-state-metrics': { resources: resources(['20m', '200m'], ['64Mi', '128Mi']) },
      prometheusOperator: { resources: resources(['50m', '200m'], ['64Mi', '128Mi']) },
      prometheus: {
        service: { port: 9090 },
        prometheusSpec: {
          replicas: 1,
          scrapeInterval: '30s',
          retention: '3d',
          retentionSize: '3GB',
          resources: resources(['100m', '1'], ['512Mi', '1Gi']),
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          probeSelectorNilUsesHelmValues: false,
          scrapeConfigSelectorNilUsesHelmValues: false,
          storageSpec: { emptyDir: { sizeLimit: '4Gi' } },
        },
      },
    });
  });

  it('exposes the address of its Prometheus Service, in its namespace', () => {
    renderCluster((cluster) => {
      const monitoring = new Monitoring(cluster, 'metrics', { namespace: 'observability' });
      expect(monitoring.prometheusUrl).toBe('http://kube-prometheus-stack-prometheus.observability.svc:9090');
    });
  });

  it('keeps Prometheus data on a PersistentVolumeClaim of a StorageClass when asked', () => {
    const objects = renderCluster((cluster) => void new Monitoring(cluster, 'monitoring', {
      storage: { kind: 'persistentVolumeClaim', size: '20Gi', storageClassName: 'local-path' }, retention: '2w', retentionSize: '16GB', scrapeInterval: '15s',
    }));
    expect(specOf(find(objects, 'HelmRelease', 'kube-prometheus-stack')).values.prometheus.prometheusSpec).toMatchObject({
      retention: '2w',
      retentionSize: '16GB',
      scrapeInterval: '15s',
      storageSpec: { volumeClaimTemplate: { spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } } } },
    });
  });
});

describe('charts with ServiceMonitors', () => {
  const releases = (monitoring: 'before' | 'after' | 'none') => renderCluster((cluster) => {
    if (monitoring === 'before') new Monitoring(cluster, 'monitoring');
    new Keda(cluster, 'keda');
    new Kyverno(cluster, 'kyverno');
    new Velero(cluster, 'velero', { credentials: { existingSecret: 'velero-s3' }, backupStorageLocations: [{ type: 's3', name: 'aws', region: 'eu-central-1', bucket: 'backups' }], fileSystemBackup: true });
    new GpuOperator(cluster, 'gpu-operator', { nodeSelector: { [GPU_LABEL]: 'true' } });
    if (monitoring === 'after') new Monitoring(cluster, 'monitoring');
  }, GPU_CLUSTER);
  const MONITORED = { name: 'kube-prometheus-stack', namespace: 'monitoring' };

  it.each(['before', 'after'] as const)('are turned on, after the monitoring release, when the cluster has Monitoring (defined %s them)', (when) => {
    const objects = releases(when);
    const on = { enabled: true, serviceMonitor: { enabled: true } };
    const keda = specOf(find(objects, 'HelmRelease', 'keda'));
    expect(keda.values.prometheus).toEqual({ metricServer: on, operator: on, webhooks: on });
    const kyverno = specOf(find(objects, 'HelmRelease', 'kyverno'));
    for (const controller of ['admissionController', 'backgroundController', 'cleanupController', 'reportsController']) {
      expect(kyverno.values[controller].serviceMonitor).toEqual({ enabled: true });
    }
    const velero = specOf(find(objects, 'HelmRelease', 'velero'));
    expect(velero.values.metrics).toEqual({ serviceMonitor: { enabled: true }, nodeAgentPodMonitor: { enabled: true } });
    const gpu = specOf(find(objects, 'HelmRelease', 'gpu-operator'));
    expect(gpu.values.dcgmExporter).toEqual({ enabled: true, serviceMonitor: { enabled: true } });
    for (const release of [keda, kyverno, velero, gpu]) expect(release.dependsOn).toEqual([MONITORED]);
  });

  it('stay off, with no dependency, in a cluster without Monitoring', () => {
    const objects = releases('none');
    expect(specOf(find(objects, 'HelmRelease', 'keda')).values.prometheus).toBeUndefined();
    expect(specOf(find(objects, 'HelmRelease', 'kyverno')).values.admissionController.serviceMonitor).toBeUndefined();
    expect(specOf(find(objects, 'HelmRelease', 'velero')).values.metrics).toBeUndefined();
    expect(specOf(find(objects, 'HelmRelease', 'gpu-operator')).values.dcgmExporter).toEqual({ enabled: true, serviceMonitor: { enabled: false } });
    for (const name of ['keda', 'kyverno', 'velero', 'gpu-operator']) expect(specOf(find(objects, 'HelmRelease', name)).dependsOn).toBeUndefined();
  });
});

describe('PodMonitor and ServiceMonitor', () => {
  it('select the workload by its own selector and the named port, in its namespace', () => {
    const objects = withWeb((cluster, app, web) => {
      new Monitoring(cluster, 'monitoring');
      new PodMonitor(app, 'web-pods', { target: web.workload, port: 'metrics', interval: '15s' });
      new ServiceMonitor(app, 'web-service-monitor', { name: 'web', service: web.service, port: 'http', path: '/stats/prometheus' });
    });
    const podMonitor = find(objects, 'PodMonitor', 'web-pods');
    expect(podMonitor).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', metadata: { namespace: 'web' } });
    expect(podMonitor.spec).toEqual({ selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } }, podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '15s' }] });
    const serviceMonitor = find(objects, 'ServiceMonitor', 'web');
    expect(serviceMonitor).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', metadata: { namespace: 'web' } });
    expect(serviceMonitor.spec).toEqual({ selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } }, endpoints: [{ port: 'http', path: '/stats/prometheus' }] });
  });
});

describe('in-cluster addresses', () => {
  const namespaces = new Set(['monitoring', 'dev']);

  it.each([
    ['http://prometheus.monitoring:9090', { service: 'prometheus', namespace: 'monitoring', port: 9090 }],
    ['http://prometheus.observability', { service: 'prometheus', namespace: 'observability', port: 80 }],
    ['https://api.dev/v1', { service: 'api', namespace: 'dev', port: 443 }],
    ['http://minio.minio.svc:9000', { service: 'minio', namespace: 'minio', port: 9000 }],
    ['http://minio.minio.svc.cluster.local:9000/bucket?x=1', { service: 'minio', namespace: 'minio', port: 9000 }],
    ['HTTP://Prometheus.Monitoring.SVC:9090', { service: 'prometheus', namespace: 'monitoring', port: 9090 }],
  ])('%s names a Service', (url, expected) => {
    expect(serviceAddress(url, namespaces)).toEqual(expected);
  });

  it.each([
    'https://minio.catalyst.lan:9000', 'https://example.com', 'http://api.example.dev', 'http://10.0.0.5:9000', 'http://[fd00::1]:9000',
    'http://localhost:8080', 'http://prometheus.monitoring.svc.example.com', 'prometheus.monitoring:9090', 's3://bucket.monitoring', 'http://',
  ])('%s is outside the cluster (or no URL)', (url) => {
    expect(serviceAddress(url, namespaces)).toBeUndefined();
  });

  it('accepts Services the cluster renders and those a chart declares, on their ports; reports the rest on one line each', () => {
    const message = configErrorOf(() => withWeb((cluster, app) => {
      const monitoring = new Monitoring(cluster, 'monitoring');
      new kplus.Deployment(app.scope('apps'), 'client', {
        metadata: { name: 'client', namespace: 'web' },
        containers: [{
          name: 'client',
          image: 'ghcr.io/example/client:1.0.0',
          envVariables: {
            PROMETHEUS: kplus.EnvValue.fromValue(monitoring.prometheusUrl),
            WEB: kplus.EnvValue.fromValue('http://web.web'),
            STATE: kplus.EnvValue.fromValue('http://kube-prometheus-stack-kube-state-metrics.monitoring.svc.cluster.local:8080/metrics'),
            API: kplus.EnvValue.fromValue('https://kubernetes.default.svc'),
            OUTSIDE: kplus.EnvValue.fromValue('https://minio.example.lan:9000'),
            WRONG_PORT: kplus.EnvValue.fromValue('http://web.web:8000'),
          },
        }],
      });
    }));
    expect(message).toBe('test/apps/Deployment/web/client: spec.template.spec.containers[0].env[5].value: http://web.web:8000 names Service web/web, which serves no port 8000 (ports: 80)');
  });
});
