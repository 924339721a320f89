import { exampleFleet } from './fixtures/example-fleet';
import { KATA_NODE_LABEL } from '../apps/catalyst';
import { GPU_NODE_LABEL } from '../apps/hybrid-llm';
import { synthesize } from '../lib/synth/pipeline';
import { Manifest } from '../lib/synth/manifest';
import { find } from './helpers';

const fleet = synthesize(exampleFleet);
const objectsOf = (cluster: string, layer?: string): Manifest[] =>
  fleet.objects.filter((o) => o.cluster === cluster && (layer === undefined || o.destination === layer)).map((o) => o.manifest);

type Json = Record<string, any>;
const podSpecOf = (m: Manifest): Json => (m.spec as Json).template.spec;
const nodeAffinityOf = (label: string) => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: label, operator: 'In', values: ['true'] }] }] } },
});
const HARDENED_CONTAINER = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsGroup: 65532,
  runAsNonRoot: true,
  runAsUser: 65532,
  seccompProfile: { type: 'RuntimeDefault' },
};

describe('KEDA in the example clusters', () => {
  it.each(['lab', 'gpu-cloud'])('%s installs the KEDA engine in the controllers layer', (cluster) => {
    const controllers = objectsOf(cluster, 'controllers');
    expect(find(controllers, 'Namespace', 'keda').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    expect((find(controllers, 'HelmRelease', 'keda').spec as Json).chart.spec).toMatchObject({ chart: 'keda', version: '2.20.2' });
    expect((find(controllers, 'HelmRelease', 'keda').spec as Json).values.clusterName).toBe(cluster);
  });
});

describe('lab: llm-worker scaled by llm-scaler', () => {
  const apps = objectsOf('lab', 'apps');

  it('scales llm-worker on pending requests and keeps one replica in New York working hours', () => {
    const scaler = find(apps, 'ScaledObject', 'llm-scaler');
    expect(scaler.metadata.namespace).toBe('llm');
    expect(scaler.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'llm-worker' },
      pollingInterval: 30,
      cooldownPeriod: 300,
      minReplicaCount: 0,
      maxReplicaCount: 3,
      triggers: [
        {
          type: 'prometheus',
          name: 'pending-requests',
          metricType: 'AverageValue',
          metadata: { serverAddress: 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090', query: 'sum(pending_llm_requests)', threshold: '5' },
        },
        {
          type: 'cron',
          name: 'working-hours',
          metricType: 'AverageValue',
          metadata: { timezone: 'America/New_York', start: '0 8 * * 1-5', end: '0 20 * * 1-5', desiredReplicas: '1' },
        },
      ],
    });
  });

  it('runs llm-worker in Kata VMs on the Kata node, with its replicas left to KEDA', () => {
    const worker = find(apps, 'Deployment', 'llm-worker');
    expect(worker.metadata.namespace).toBe('llm');
    expect(worker.spec).not.toHaveProperty('replicas');
    const pod = podSpecOf(worker);
    expect(pod.runtimeClassName).toBe('kata');
    // The RuntimeClass's scheduling keeps Kata pods on the Kata node; the Deployment adds no affinity of its own.
    expect(pod.affinity).toBeUndefined();
    expect(find(objectsOf('lab', 'configs'), 'RuntimeClass', 'kata')).toMatchObject({ scheduling: { nodeSelector: { [KATA_NODE_LABEL]: 'true' } } });
    expect(pod.containers).toEqual([{
      name: 'worker',
      image: 'ghcr.io/catalyst-lab/llm-worker:1.4.2',
      imagePullPolicy: 'IfNotPresent',
      ports: [{ containerPort: 8080, name: 'metrics' }],
      resources: { requests: { cpu: '500m', memory: '1024Mi' }, limits: { cpu: '2', memory: '4096Mi' } },
      securityContext: HARDENED_CONTAINER,
      volumeMounts: [{ mountPath: '/tmp', name: 'tmp' }],
    }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '1024Mi' } }]);
  });
});

describe('gpu-cloud: the GPU operator and vllm', () => {
  const controllers = objectsOf('gpu-cloud', 'controllers');
  const apps = objectsOf('gpu-cloud', 'apps');

  it('installs the GPU operator configured for Talos into a privileged namespace', () => {
    expect(find(controllers, 'Namespace', 'gpu-operator').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'privileged' });
    expect((find(controllers, 'HelmRelease', 'gpu-operator').spec as Json).values).toMatchObject({
      operator: { version: 'v26.7.0', runtimeClass: 'nvidia' },
      driver: { enabled: false },
      toolkit: { enabled: false },
      hostPaths: { driverInstallDir: '/usr/local' },
    });
    expect(fleet.objects.filter((o) => o.manifest.kind === 'RuntimeClass' && o.manifest.metadata.name === 'nvidia')).toEqual([]);
  });

  it('scales vllm on its queue depth, with both GPUs in use while Prometheus cannot be read', () => {
    const scaler = find(apps, 'ScaledObject', 'vllm-scaler');
    expect(scaler.metadata.namespace).toBe('inference');
    expect(scaler.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'vllm' },
      pollingInterval: 30,
      cooldownPeriod: 300,
      minReplicaCount: 1,
      maxReplicaCount: 2,
      fallback: { failureThreshold: 3, replicas: 2 },
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
            scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] },
          },
        },
      },
      triggers: [{
        type: 'prometheus',
        name: 'queue-depth',
        metricType: 'AverageValue',
        metadata: { serverAddress: 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090', query: 'sum(vllm:num_requests_waiting{namespace="inference"})', threshold: '4' },
      }],
    });
  });

  it('rolls vllm out one pod at a time, since at two replicas no GPU is free for a surge pod', () => {
    expect((find(apps, 'Deployment', 'vllm').spec as Json).strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
  });

  it('runs vllm on one GPU per pod, on the GPU workers, under the nvidia runtime', () => {
    const server = find(apps, 'Deployment', 'vllm');
    expect(server.spec).not.toHaveProperty('replicas');
    const pod = podSpecOf(server);
    expect(pod.runtimeClassName).toBe('nvidia');
    expect(pod.affinity).toEqual(nodeAffinityOf(GPU_NODE_LABEL));
    expect(pod.terminationGracePeriodSeconds).toBe(120);
    const [container] = pod.containers;
    expect(container.image).toBe('ghcr.io/example-org/vllm-openai:v0.11.0');
    expect(container.args).toEqual(['--model', 'Qwen/Qwen2.5-7B-Instruct', '--port', '8000']);
    expect(container.resources).toEqual({
      requests: { cpu: '4', memory: '24576Mi', 'nvidia.com/gpu': '1' },
      limits: { cpu: '8', memory: '32768Mi', 'nvidia.com/gpu': '1' },
    });
    expect(container.securityContext).toEqual(HARDENED_CONTAINER);
    expect(container.env).toEqual([{ name: 'HOME', value: '/tmp' }, { name: 'HF_HOME', value: '/models/huggingface' }]);
    expect(container.volumeMounts).toEqual([{ mountPath: '/models', name: 'models' }, { mountPath: '/dev/shm', name: 'shm' }, { mountPath: '/tmp', name: 'tmp' }]);
    expect(container.startupProbe).toMatchObject({ httpGet: { path: '/health', port: 8000 }, periodSeconds: 10, failureThreshold: 90 });
    expect(find(apps, 'Service', 'vllm').spec).toMatchObject({ selector: { 'app.kubernetes.io/name': 'vllm' }, ports: [{ name: 'http', port: 8000, targetPort: 8000 }] });
  });
});

// What the cluster's Kyverno policies (issue 4) require of every workload the fleet renders.
describe('example workloads pass the cluster policies', () => {
  const deployments = fleet.objects.filter((o) => o.destination === 'apps' && o.manifest.kind === 'Deployment');
  const ALLOWED_REGISTRIES = ['cgr.dev/', 'ghcr.io/', 'registry.k8s.io/', 'quay.io/'];

  it('renders the two example workloads', () => {
    expect(deployments.map((d) => `${d.cluster}/${d.manifest.metadata.name}`)).toEqual(['lab/llm-worker', 'gpu-cloud/vllm']);
  });

  it.each(deployments.map((d) => [`${d.cluster}/${d.manifest.metadata.name}`, d.manifest] as const))('%s', (_, d) => {
    const spec = d.spec as Json;
    const pod = spec.template.spec;
    expect(d.metadata.labels?.team).toEqual(expect.any(String));
    expect(spec.template.metadata.labels.team).toBe(d.metadata.labels?.team);
    // Readable, immutable-safe selection: no cdk8s-generated address label anywhere.
    expect(spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': d.metadata.name } });
    expect(Object.keys(spec.template.metadata.labels)).not.toContain('cdk8s.io/metadata.addr');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.hostNetwork).toBe(false);
    expect(pod).not.toHaveProperty('hostPID');
    expect(pod).not.toHaveProperty('hostIPC');
    expect((pod.volumes as Json[]).every((v) => v.hostPath === undefined)).toBe(true);
    for (const c of pod.containers as Json[]) {
      expect(ALLOWED_REGISTRIES.some((r) => c.image.startsWith(r))).toBe(true);
      expect(c.image).toMatch(/:v?\d+\.\d+\.\d+$/);
      expect(c.resources.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      expect(c.resources.limits).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, privileged: false, allowPrivilegeEscalation: false });
    }
  });
});

describe('monitoring in the example clusters', () => {
  const matches = (selector: Json | undefined, labels: Json | undefined) =>
    !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

  it.each(['lab', 'gpu-cloud'])('%s: every workload of the apps layer has a monitor that selects it, on a port of the same name', (cluster) => {
    const apps = objectsOf(cluster, 'apps');
    const workloads = apps.filter((m) => m.kind === 'Deployment');
    expect(workloads.length).toBeGreaterThan(0);
    for (const workload of workloads) {
      const pod = (workload.spec as Json).template;
      const containerPorts: string[] = pod.spec.containers.flatMap((c: Json) => (c.ports ?? []).map((p: Json) => p.name));
      const byPod = apps.filter((m) => m.kind === 'PodMonitor' && m.metadata.namespace === workload.metadata.namespace
        && matches((m.spec as Json).selector.matchLabels, pod.metadata.labels)
        && (m.spec as Json).podMetricsEndpoints.every((e: Json) => containerPorts.includes(e.port)));
      const services = apps.filter((m) => m.kind === 'Service' && m.metadata.namespace === workload.metadata.namespace && matches((m.spec as Json).selector, pod.metadata.labels));
      const servicePorts = (m: Manifest): string[] => ((m.spec as Json).ports ?? []).map((p: Json) => p.name);
      const byService = apps.filter((m) => m.kind === 'ServiceMonitor' && services.some((s) => m.metadata.namespace === s.metadata.namespace
        && matches((m.spec as Json).selector.matchLabels, s.metadata.labels)
        && (m.spec as Json).endpoints.every((e: Json) => servicePorts(s).includes(e.port))));
      expect({ workload: workload.metadata.name, monitors: byPod.length + byService.length }).toEqual({ workload: workload.metadata.name, monitors: 1 });
    }
  });

  it.each([['lab', 'llm-scaler'], ['gpu-cloud', 'vllm-scaler']])('%s: %s reads the Prometheus of the monitoring add-on', (cluster, scaler) => {
    const release = find(objectsOf(cluster, 'controllers'), 'HelmRelease', 'kube-prometheus-stack');
    expect(release.metadata.namespace).toBe('monitoring');
    expect((release.metadata.annotations as Json)['talos-flux-synth.dev/chart-services']).toContain('kube-prometheus-stack-prometheus:9090');
    expect((release.spec as Json).values).toMatchObject({ fullnameOverride: 'kube-prometheus-stack', prometheus: { service: { port: 9090 } } });
    const triggers = (find(objectsOf(cluster, 'apps'), 'ScaledObject', scaler).spec as Json).triggers;
    expect(triggers[0].metadata.serverAddress).toBe('http://kube-prometheus-stack-prometheus.monitoring.svc:9090');
  });
});
