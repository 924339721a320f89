import { Construct } from 'constructs';
import { KubeDaemonSet, KubeDeployment, KubeRuntimeClass, PodSpec, Quantity } from '../imports/k8s';
import { AddOn } from '../lib/addon';
import { GpuOperator } from '../lib/addons/gpu-operator';
import { KataRuntime } from '../lib/addons/kata';
import { Velero } from '../lib/addons/velero';
import { Cluster, NodeSpec } from '../lib/cluster';
import { Component } from '../lib/component';
import { PinnedChart } from '../lib/flux/helm-release';
import { TalosNamespace } from '../lib/talos/namespace';
import { configErrorOf, synthCluster } from './helpers';

const KATA_LABEL = { 'runtime.example.dev/kata': 'true' };
const GPU_LABEL = { 'gpu.example.dev/nvidia': 'true' };
const CP: NodeSpec = { name: 'cp-0', role: 'controlplane', schedulable: true };
const KATA_NODE: NodeSpec = { name: 'w-0', role: 'worker', group: 'kata', labels: KATA_LABEL };
const GPU_NODE: NodeSpec = { name: 'gpu-0', role: 'worker', group: 'gpu', labels: GPU_LABEL };

const container = (resources?: Record<string, number>) => ({
  name: 'main',
  image: 'ghcr.io/example/app:1.0.0',
  resources: resources ? { limits: Object.fromEntries(Object.entries(resources).map(([k, v]) => [k, Quantity.fromNumber(v)])) } : undefined,
});

/** An app component `web` with its namespace (at `level`) and a Deployment `web` running `spec`. */
function web(cluster: Cluster, spec: Partial<PodSpec>, level: 'baseline' | 'privileged' = 'baseline'): Component {
  const app = new Component(cluster, 'web');
  new TalosNamespace(app.scope('controllers'), 'namespace', { name: 'web', podSecurity: level });
  new KubeDeployment(app.scope('apps'), 'web', {
    metadata: { name: 'web', namespace: 'web' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container()], ...spec } } },
  });
  return app;
}

const runtimeClass = (scope: Construct, name: string, handler: string, nodeSelector?: Record<string, string>) =>
  new KubeRuntimeClass(scope, name, { metadata: { name }, handler, scheduling: nodeSelector ? { nodeSelector } : undefined });

/** A test add-on declaring a RuntimeClass it creates at run time, or privileged pods in a namespace. */
class Agent extends AddOn {
  constructor(cluster: Cluster, id: string, declare: (talos: Cluster['talos'], self: Agent) => void) {
    super(cluster, id);
    declare(cluster.talos, this);
  }
}

const LABEL_HINT = "label it pod-security.kubernetes.io/enforce: privileged (TalosNamespace with podSecurity: 'privileged')";

describe('cross-layer check: a RuntimeClass handler no node group provides', () => {
  it('fires for a rendered RuntimeClass whose handler no node has', () => {
    expect(configErrorOf(() => synthCluster((c) => {
      const app = new Component(c, 'sandbox');
      runtimeClass(app.scope('configs'), 'gvisor', 'runsc');
      runtimeClass(app.scope('configs'), 'kata', 'kata');
    }, { nodes: [CP] }))).toBe([
      'test/configs/RuntimeClass/gvisor: handler: runsc is provided by no node of test; no add-on of the cluster declares that its nodes provide it (NodeRequirement.runtimeHandlers)',
      'test/configs/RuntimeClass/kata: handler: kata is provided by no node of test; KataRuntime puts siderolabs/kata-containers, which registers it, on the nodes it selects',
    ].join('\n'));
  });

  it('fires when the RuntimeClass selects none of the nodes that have the handler', () => {
    expect(configErrorOf(() => synthCluster((c) => {
      new KataRuntime(c, 'kata', { nodeSelector: KATA_LABEL });
      runtimeClass(new Component(c, 'sandbox').scope('configs'), 'kata-elsewhere', 'kata', { pool: 'b' });
    }, { nodes: [CP, KATA_NODE] }))).toBe(
      'test/configs/RuntimeClass/kata-elsewhere: scheduling.nodeSelector: pool=b selects none of the nodes that provide handler kata (w-0); select on labels they carry',
    );
  });

  it('fires for a RuntimeClass an add-on creates at run time', () => {
    expect(configErrorOf(() => synthCluster((c) => new Agent(c, 'agent', (talos, self) => talos.addRuntimeClass(self, { name: 'wasm', handler: 'spin' })), { nodes: [CP] }))).toBe(
      'test/Agent[agent]: RuntimeClass wasm: handler: spin is provided by no node of test; no add-on of the cluster declares that its nodes provide it (NodeRequirement.runtimeHandlers)',
    );
  });

  it('counts the handlers the extensions a node lists register, with or without an add-on', () => {
    const kataBySpec: NodeSpec = { ...KATA_NODE, extensions: ['siderolabs/kata-containers'] };
    expect(() => synthCluster((c) => runtimeClass(new Component(c, 'sandbox').scope('configs'), 'kata', 'kata', KATA_LABEL), { nodes: [CP, kataBySpec] })).not.toThrow();
    // kata-qemu only from Talos 1.14.
    expect(configErrorOf(() => synthCluster((c) => runtimeClass(new Component(c, 'sandbox').scope('configs'), 'kata-qemu', 'kata-qemu', KATA_LABEL), { nodes: [CP, kataBySpec] }))).toBe(
      'test/configs/RuntimeClass/kata-qemu: handler: kata-qemu is provided by no node of test; KataRuntime puts siderolabs/kata-containers, which registers it from Talos 1.14, on the nodes it selects',
    );
    expect(() => synthCluster((c) => runtimeClass(new Component(c, 'sandbox').scope('configs'), 'kata-qemu', 'kata-qemu', KATA_LABEL), { nodes: [CP, kataBySpec], talosVersion: '1.14' })).not.toThrow();
  });

  it('passes when the add-on that needs the handler puts it on the nodes', () => {
    expect(() => synthCluster((c) => new KataRuntime(c, 'kata', { nodeSelector: KATA_LABEL }), { nodes: [CP, KATA_NODE] })).not.toThrow();
  });
});

describe('cross-layer check: a pod asking for a runtime class or nvidia.com/gpu no node can serve', () => {
  it('fires when no node the pod may run on provides its RuntimeClass\'s handler', () => {
    expect(configErrorOf(() => synthCluster((c) => {
      new KataRuntime(c, 'kata', { nodeSelector: KATA_LABEL });
      runtimeClass(new Component(c, 'sandbox').scope('configs'), 'plain-kata', 'kata');
      web(c, { runtimeClassName: 'plain-kata', nodeSelector: { 'kubernetes.io/hostname': 'cp-0' } });
    }, { nodes: [CP, KATA_NODE] }))).toBe(
      'test/apps/Deployment/web/web: spec.template.spec.runtimeClassName: RuntimeClass plain-kata runs handler kata, which none of the nodes it may run on (cp-0) provides; ' +
        'KataRuntime puts siderolabs/kata-containers, which registers it, on the nodes it selects',
    );
  });

  it('fires when a pod requests nvidia.com/gpu and no GPU operator advertises it', () => {
    expect(configErrorOf(() => synthCluster((c) => web(c, { containers: [container({ 'nvidia.com/gpu': 1 })] }), { nodes: [CP, GPU_NODE] }))).toBe(
      'test/apps/Deployment/web/web: spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]: requests nvidia.com/gpu, ' +
        'which none of the nodes it may run on (cp-0, gpu-0) advertises; GpuOperator advertises it on the nodes it selects',
    );
  });

  it('fires when the GPU pod may only run on nodes without GPUs', () => {
    expect(configErrorOf(() => synthCluster((c) => {
      const gpu = new GpuOperator(c, 'gpu-operator', { nodeSelector: GPU_LABEL });
      web(c, { runtimeClassName: gpu.runtimeClassName, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'gpu.example.dev/nvidia', operator: 'DoesNotExist' }] }] } } } });
    }, { nodes: [CP, GPU_NODE] }))).toBe(
      'test/apps/Deployment/web/web: spec.template.spec.runtimeClassName: RuntimeClass nvidia runs handler nvidia, which none of the nodes it may run on (cp-0) provides; ' +
        'GpuOperator puts the NVIDIA container toolkit, which registers it, on the nodes it selects',
    );
  });

  it('passes a GPU pod on the GPU nodes, as hybrid-llm runs vllm', () => {
    expect(() => synthCluster((c) => {
      const gpu = new GpuOperator(c, 'gpu-operator', { nodeSelector: GPU_LABEL });
      web(c, { runtimeClassName: gpu.runtimeClassName, nodeSelector: GPU_LABEL, containers: [container({ [gpu.gpuResource]: 1 })] });
    }, { nodes: [CP, GPU_NODE] })).not.toThrow();
  });

  it('counts nvidia.com/gpu on nodes with the NVIDIA driver when a GPU operator or device plugin chart is rendered as it is', () => {
    const driver: NodeSpec = { ...GPU_NODE, extensions: ['siderolabs/nonfree-kmod-nvidia-production', 'siderolabs/nvidia-container-toolkit-production'] };
    const gpuPod = (c: Cluster) => web(c, { nodeSelector: GPU_LABEL, containers: [container({ 'nvidia.com/gpu': 1 })] });
    const plugin = (c: Cluster) => {
      const ns = new Component(c, 'device-plugin');
      new TalosNamespace(ns.scope('controllers'), 'namespace', { name: 'nvidia', podSecurity: 'privileged' });
      new PinnedChart(ns.scope('controllers'), 'chart', { pin: { repository: 'https://nvidia.github.io/k8s-device-plugin', chart: 'nvidia-device-plugin', version: '0.20.0' }, namespace: 'nvidia', values: {} });
    };
    expect(() => synthCluster((c) => { plugin(c); gpuPod(c); }, { nodes: [CP, driver] })).not.toThrow();
    expect(configErrorOf(() => synthCluster(gpuPod, { nodes: [CP, driver] }))).toBe(
      'test/apps/Deployment/web/web: spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]: requests nvidia.com/gpu, ' +
        'which none of the nodes it may run on (gpu-0) advertises; GpuOperator advertises it on the nodes it selects',
    );
  });

  it('fires when no node that runs workloads carries the labels a pod selects on', () => {
    expect(configErrorOf(() => synthCluster((c) => web(c, { nodeSelector: { disk: 'ssd' } }), { nodes: [CP, KATA_NODE] }))).toBe(
      'test/apps/Deployment/web/web: spec.template.spec: no node of test that runs workloads matches nodeSelector disk=ssd; set the labels it selects on in the cluster spec (nodes[].labels)',
    );
    // A control plane that is not schedulable takes no pods unless they tolerate its taint.
    const pinned = { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['cp-0'] }] }] } } } };
    const nodes = [{ ...CP, schedulable: false }, KATA_NODE];
    expect(configErrorOf(() => synthCluster((c) => web(c, pinned), { nodes }))).toBe(
      'test/apps/Deployment/web/web: spec.template.spec: no node of test that runs workloads matches its required node affinity; set the labels it selects on in the cluster spec (nodes[].labels)',
    );
    expect(() => synthCluster((c) => web(c, { ...pinned, tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] }), { nodes })).not.toThrow();
  });
});

describe('cross-layer check: the GPU operator on a cluster with no GPU node group', () => {
  it('fires when its nodeSelector picks no node', () => {
    expect(configErrorOf(() => synthCluster((c) => new GpuOperator(c, 'gpu-operator', { nodeSelector: GPU_LABEL }), { nodes: [CP, KATA_NODE] }))).toBe(
      'test/GpuOperator[gpu-operator]: nodeSelector: no node group of test carries gpu.example.dev/nvidia=true; the GPU operator needs a GPU node group: label the GPU nodes with it in nodes[].labels',
    );
  });
});

describe('cross-layer check: a namespace running privileged add-on pods without the privileged Pod Security label', () => {
  const privileged = (namespace: string) => (talos: Cluster['talos'], self: Agent) => talos.addPrivilegedPods(self, { namespace, reason: 'the agent mounts /proc from the host' });

  it('fires when the namespace enforces baseline', () => {
    expect(configErrorOf(() => synthCluster((c) => {
      const agent = new Agent(c, 'agent', privileged('agents'));
      new TalosNamespace(agent.scope('controllers'), 'namespace', { name: 'agents', podSecurity: 'baseline' });
    }, { nodes: [CP] }))).toBe(`test/Agent[agent]: namespace agents enforces Pod Security baseline, but the agent mounts /proc from the host; ${LABEL_HINT}`);
  });

  it('fires when no Namespace object sets a level, so Talos enforces baseline', () => {
    expect(configErrorOf(() => synthCluster((c) => new Agent(c, 'agent', privileged('agents')), { nodes: [CP] }))).toBe(
      `test/Agent[agent]: namespace agents enforces Pod Security baseline (Talos' default: no Namespace object of the cluster sets a level), but the agent mounts /proc from the host; ${LABEL_HINT}`,
    );
  });

  it('passes a privileged namespace and kube-system, which Talos exempts', () => {
    expect(() => synthCluster((c) => {
      const agent = new Agent(c, 'agent', (talos, self) => { privileged('agents')(talos, self); privileged('kube-system')(talos, self); });
      new TalosNamespace(agent.scope('controllers'), 'namespace', { name: 'agents', podSecurity: 'privileged' });
    }, { nodes: [CP] })).not.toThrow();
  });

  it('fires for a rendered pod that needs host access in a baseline namespace', () => {
    expect(configErrorOf(() => synthCluster((c) => {
      const app = web(c, {});
      new KubeDaemonSet(app.scope('apps'), 'agent', {
        metadata: { name: 'agent', namespace: 'web' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [container()], volumes: [{ name: 'proc', hostPath: { path: '/proc' } }] } },
        },
      });
    }, { nodes: [CP] }))).toBe(`test/apps/DaemonSet/web/agent: spec.template.spec.volumes[0].hostPath: mounts a hostPath volume, which Pod Security baseline in namespace web rejects; ${LABEL_HINT}`);
  });

  it('knows which add-ons run such pods: the GPU operator, and Velero with its node-agent', () => {
    let declared: string[] = [];
    synthCluster((c) => {
      new GpuOperator(c, 'gpu-operator', { nodeSelector: GPU_LABEL });
      new Velero(c, 'velero', { credentials: { existingSecret: 'velero-s3' }, backupStorageLocations: [{ type: 's3', name: 'aws', region: 'eu-central-1', bucket: 'backups' }], fileSystemBackup: true });
      declared = c.talos.privilegedPods.map((p) => `${p.by.node.id} ${p.value.namespace}`);
    }, { nodes: [CP, GPU_NODE] });
    expect(declared).toEqual(['gpu-operator gpu-operator', 'velero velero']);
  });
});
