import { App } from 'cdk8s';
import { Descheduler } from '../lib/addons/descheduler';
import { GpuOperator } from '../lib/addons/gpu-operator';
import { Keda } from '../lib/addons/keda';
import { Monitoring } from '../lib/addons/monitoring';
import { Velero } from '../lib/addons/velero';
import { Cluster } from '../lib/cluster';
import { Component } from '../lib/component';
import { TalosNamespace } from '../lib/talos/namespace';
import { securityBaseline } from './security-baseline';
import { vllm } from './workloads/vllm';

/** Node label of the GPU workers, set through their machine config. */
export const GPU_NODE_LABEL = 'accelerator.talos-flux-synth.dev/nvidia';

/** `hybrid-llm`: the GPU inference cluster with cloud GPU workers. */
export function hybridLlm(app: App, name = 'hybrid-llm'): Cluster {
  return new Cluster(app, {
    name,
    // Upgraded first: Kubernetes 1.36 on Talos 1.14 (its GPU group loads the NVIDIA modules through KernelModuleConfig).
    kubernetesVersion: '1.36',
    talosVersion: '1.14',
    nodes: [
      { name: 'hybrid-cp-0', role: 'controlplane' },
      { name: 'hybrid-gpu-0', role: 'worker', group: 'gpu', labels: { [GPU_NODE_LABEL]: 'true' } },
      { name: 'hybrid-gpu-1', role: 'worker', group: 'gpu', labels: { [GPU_NODE_LABEL]: 'true' } },
    ],
    git: { url: 'ssh://git@github.com/example-org/fleet.git', branch: 'main' },
  }, (cluster) => {
    new Keda(cluster, 'keda');
    const monitoring = new Monitoring(cluster, 'monitoring'); // Prometheus for the scaler; scrapes DCGM, KEDA, Kyverno and Velero too
    // The GPU workers get the NVIDIA production driver extensions and kernel modules through their Talos config.
    const gpu = new GpuOperator(cluster, 'gpu-operator', { nodeSelector: { [GPU_NODE_LABEL]: 'true' }, driver: 'production' });
    securityBaseline(cluster, { registriesMode: 'Deny' });

    const inference = new Component(cluster, 'inference');
    new TalosNamespace(inference.scope('controllers'), 'namespace', { name: 'inference' });
    vllm(inference, { namespace: 'inference', gpuNodeLabel: GPU_NODE_LABEL, runtimeClassName: gpu.runtimeClassName, gpuResource: gpu.gpuResource, prometheusUrl: monitoring.prometheusUrl });

    // GPU nodes only. A node takes evicted pods only while its GPUs are idle (threshold 0); GPU use alone never
    // evicts (target 100), since reloading a model costs minutes. Evicted pods must fit elsewhere, one per node a run.
    new Descheduler(cluster, 'descheduler', {
      run: { kind: 'Deployment', deschedulingInterval: '15m' },
      nodeSelector: { [GPU_NODE_LABEL]: 'true' },
      evictor: { nodeFit: true },
      evictionLimits: { perNode: 1 },
      plugins: [
        { name: 'RemoveDuplicates' },
        { name: 'LowNodeUtilization', args: { thresholds: { cpu: 20, memory: 20, pods: 20, 'nvidia.com/gpu': 0 }, targetThresholds: { cpu: 70, memory: 70, pods: 70, 'nvidia.com/gpu': 100 } } },
        { name: 'RemovePodsViolatingNodeAffinity', args: { nodeAffinityType: ['requiredDuringSchedulingIgnoredDuringExecution'] } },
        { name: 'RemovePodsHavingTooManyRestarts', args: { podRestartThreshold: 10, states: ['CrashLoopBackOff'] } },
      ],
    });
    // Backups to S3; the Secret velero-aws (key `cloud`, an AWS credentials file) is created by hand, never rendered.
    new Velero(cluster, 'velero', {
      credentials: { existingSecret: 'velero-aws' },
      backupStorageLocations: [{ type: 's3', name: 'aws', region: 'eu-central-1', bucket: 'example-org-hybrid-llm-backups', prefix: 'velero' }],
      schedules: [{ name: 'daily', schedule: '0 2 * * *', ttl: '336h' }],
    });

  });
}
