import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { ScaledObject } from '../../lib/addons/keda';
import { ServiceMonitor } from '../../lib/addons/monitoring';
import { Component } from '../../lib/component';
import { IMAGES } from '../../lib/versions';
import { appDeployment } from './app-deployment';

/** The model vLLM serves (ungated on Hugging Face, so no token Secret is needed). */
const MODEL = 'Qwen/Qwen2.5-7B-Instruct';
const PORT = 8000;

export interface VllmOptions {
  /** Namespace of the server (created by the component). */
  readonly namespace: string;
  /** Label of the GPU workers. */
  readonly gpuNodeLabel: string;
  /** RuntimeClass that exposes the GPUs (the GPU operator's). */
  readonly runtimeClassName: string;
  /** Extended resource of one GPU. */
  readonly gpuResource: string;
  /** In-cluster address of the Prometheus that scrapes vLLM (Monitoring's prometheusUrl). */
  readonly prometheusUrl: string;
}

/**
 * hybrid-llm's inference server: vLLM on one GPU per replica, scaled by KEDA on the requests waiting in
 * its queue (one replica per 4), with both GPU workers in use while Prometheus cannot be read.
 */
export function vllm(inference: Component, opts: VllmOptions): { deployment: kplus.Deployment; service: kplus.Service; monitor: ServiceMonitor; scaler: ScaledObject } {
  const scope = inference.scope('apps');
  const models = kplus.Volume.fromEmptyDir(scope, 'vllm-models', 'models', { sizeLimit: Size.gibibytes(60) });
  const shm = kplus.Volume.fromEmptyDir(scope, 'vllm-shm', 'shm', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.gibibytes(2) });
  const tmp = kplus.Volume.fromEmptyDir(scope, 'vllm-tmp', 'tmp', { sizeLimit: Size.gibibytes(2) });
  const deployment = appDeployment(scope, 'vllm', {
    name: 'vllm',
    namespace: opts.namespace,
    team: 'ml-inference',
    runtimeClassName: opts.runtimeClassName,
    nodeLabel: opts.gpuNodeLabel,
    extendedResources: { [opts.gpuResource]: 1 },
    // Lets in-flight generations finish when KEDA scales in.
    terminationGracePeriod: Duration.seconds(120),
    // Every GPU is taken at the maximum of two replicas, so a surge pod could never be scheduled and the
    // rollout would stall: replace one pod at a time instead.
    strategy: kplus.DeploymentStrategy.rollingUpdate({ maxSurge: kplus.PercentOrAbsolute.absolute(0), maxUnavailable: kplus.PercentOrAbsolute.absolute(1) }),
    volumes: [models, shm, tmp],
    container: {
      name: 'vllm',
      image: IMAGES.vllmOpenai,
      args: ['--model', MODEL, '--port', String(PORT)],
      ports: [{ number: PORT, name: 'http' }],
      envVariables: {
        HOME: kplus.EnvValue.fromValue('/tmp'),
        HF_HOME: kplus.EnvValue.fromValue('/models/huggingface'),
      },
      resources: {
        cpu: { request: kplus.Cpu.units(4), limit: kplus.Cpu.units(8) },
        memory: { request: Size.gibibytes(24), limit: Size.gibibytes(32) },
      },
      volumeMounts: [{ path: '/models', volume: models }, { path: '/dev/shm', volume: shm }, { path: '/tmp', volume: tmp }],
      // Downloading and loading the model takes minutes; readiness starts after it.
      startup: kplus.Probe.fromHttpGet('/health', { port: PORT, periodSeconds: Duration.seconds(10), failureThreshold: 90 }),
      readiness: kplus.Probe.fromHttpGet('/health', { port: PORT, periodSeconds: Duration.seconds(10) }),
    },
  });
  const service = new kplus.Service(scope, 'vllm-service', {
    metadata: { name: 'vllm', namespace: opts.namespace, labels: { 'app.kubernetes.io/name': 'vllm' } },
    ports: [{ name: 'http', port: PORT, targetPort: PORT }],
  });
  service.selectLabel('app.kubernetes.io/name', 'vllm');
  // vLLM serves its metrics (vllm:num_requests_waiting, …) on its API port, at /metrics.
  const monitor = new ServiceMonitor(inference, 'vllm-monitor', { name: 'vllm', service, port: 'http' });
  const scaler = new ScaledObject(inference, 'vllm-scaler', {
    scaleTarget: deployment,
    // A cold start downloads and loads the model: keep one replica warm.
    minReplicaCount: 1,
    maxReplicaCount: 2, // one per GPU worker
    fallback: { failureThreshold: 3, replicas: 2 },
    behavior: {
      scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
      scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] },
    },
    triggers: [{
      type: 'prometheus',
      name: 'queue-depth',
      serverAddress: opts.prometheusUrl,
      query: `sum(vllm:num_requests_waiting{namespace="${opts.namespace}"})`,
      threshold: 4,
    }],
  });
  return { deployment, service, monitor, scaler };
}
