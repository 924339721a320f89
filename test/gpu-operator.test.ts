import { parse } from 'yaml';
import { GpuOperator, GpuOperatorProps } from '../lib/addons/gpu-operator';
import { NodeSpec } from '../lib/cluster';
import { EXTENSIONS } from '../lib/talos/extensions';
import { configErrorOf, find, synthCluster } from './helpers';

const CONTROL_PLANE: NodeSpec = { name: 'cp-0', role: 'controlplane' };
const GPU_LABEL = { 'gpu.example.dev/nvidia': 'true' };
const gpuNode = (name: string, extensions?: string[]): NodeSpec => ({ name, role: 'worker', group: 'gpu', labels: GPU_LABEL, extensions });
const PRODUCTION = [EXTENSIONS.nvidiaKmodProduction, EXTENSIONS.nvidiaToolkitProduction];
const ON_GPU_NODES: GpuOperatorProps = { nodeSelector: GPU_LABEL };

function synthGpu(nodes: NodeSpec[], props: GpuOperatorProps = ON_GPU_NODES) {
  return synthCluster((cluster) => {
    new GpuOperator(cluster, 'gpu-operator', props);
  }, { nodes: [CONTROL_PLANE, ...nodes] });
}

const renderGpu = (nodes: NodeSpec[], props?: GpuOperatorProps) => synthGpu(nodes, props).objects.map((o) => o.manifest);

/** The parsed schematic and machine-config patch of a node group. */
function talosFiles(files: ReadonlyMap<string, string>, group: string) {
  const read = (name: string) => parse(files.get(`dist/test/talos/${group}/${name}`) ?? 'null');
  return { schematic: read('schematic.yaml'), patch: read('patch.yaml') };
}

describe('GpuOperator', () => {
  const result = synthGpu([gpuNode('gpu-0'), gpuNode('gpu-1')]);
  const objects = result.objects.map((o) => o.manifest);

  it('installs the pinned chart into a privileged gpu-operator namespace', () => {
    expect(find(objects, 'Namespace', 'gpu-operator').metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/warn': 'privileged',
    });
    expect(find(objects, 'HelmRepository', 'gpu-operator')).toMatchObject({ metadata: { namespace: 'gpu-operator' }, spec: { url: 'https://helm.ngc.nvidia.com/nvidia' } });
    expect(find(objects, 'HelmRelease', 'gpu-operator').spec).toMatchObject({
      chart: { spec: { chart: 'gpu-operator', version: 'v26.7.0', sourceRef: { kind: 'HelmRepository', name: 'gpu-operator', namespace: 'gpu-operator' } } },
    });
  });

  it('configures the chart for Talos, field by field', () => {
    expect(find(objects, 'HelmRelease', 'gpu-operator').spec).toHaveProperty('values', {
      operator: { version: 'v26.7.0', runtimeClass: 'nvidia', upgradeCRD: false },
      validator: { version: 'v26.7.0' },
      psa: { enabled: false },
      driver: { enabled: false },
      toolkit: { enabled: false },
      hostPaths: { driverInstallDir: '/usr/local' },
      mig: { strategy: 'none' },
      migManager: { enabled: false },
      dcgmExporter: { enabled: true, serviceMonitor: { enabled: false } },
      nfd: { enabled: true },
    });
  });

  it('leaves the nvidia RuntimeClass to the operator', () => {
    expect(objects.filter((o) => o.kind === 'RuntimeClass')).toEqual([]);
  });

  it('puts the production driver extensions into the GPU nodes\' schematic and loads their kernel modules', () => {
    const gpu = talosFiles(result.files, 'gpu');
    expect(gpu.schematic).toEqual({ customization: { systemExtensions: { officialExtensions: PRODUCTION } } });
    expect(gpu.patch).toEqual({
      machine: {
        nodeLabels: GPU_LABEL,
        kernel: { modules: [{ name: 'nvidia' }, { name: 'nvidia_uvm' }, { name: 'nvidia_drm' }, { name: 'nvidia_modeset' }] },
      },
    });
    // The control plane has no GPU: neither extensions nor modules.
    expect(talosFiles(result.files, 'controlplane')).toEqual({ schematic: { customization: { systemExtensions: { officialExtensions: [] } } }, patch: {} });
  });

  it('takes the lts flavour and the open kernel modules', () => {
    const files = synthGpu([gpuNode('gpu-0')], { ...ON_GPU_NODES, driver: 'lts', openKernelModules: true }).files;
    // Sorted by name, as every schematic lists its extensions.
    expect(talosFiles(files, 'gpu').schematic.customization.systemExtensions.officialExtensions).toEqual([EXTENSIONS.nvidiaToolkitLts, EXTENSIONS.nvidiaOpenKmodLts]);
  });

  it('without a nodeSelector, runs on the nodes that list the NVIDIA extensions themselves', () => {
    const files = synthGpu([gpuNode('gpu-0', [EXTENSIONS.nvidiaOpenKmodLts, EXTENSIONS.nvidiaToolkitLts])], {}).files;
    const gpu = talosFiles(files, 'gpu');
    expect(gpu.schematic.customization.systemExtensions.officialExtensions).toEqual([EXTENSIONS.nvidiaToolkitLts, EXTENSIONS.nvidiaOpenKmodLts]);
    expect(gpu.patch.machine.kernel.modules.map((m: { name: string }) => m.name)).toEqual(['nvidia', 'nvidia_uvm', 'nvidia_drm', 'nvidia_modeset']);
  });

  it('runs the MIG manager with a MIG strategy, and turns off DCGM and NFD on request', () => {
    const values = find(renderGpu([gpuNode('gpu-0')], { ...ON_GPU_NODES, migStrategy: 'mixed', dcgmExporter: false, nodeFeatureDiscovery: false }), 'HelmRelease', 'gpu-operator').spec as Record<string, unknown>;
    expect(values.values).toMatchObject({ mig: { strategy: 'mixed' }, migManager: { enabled: true }, dcgmExporter: { enabled: false }, nfd: { enabled: false } });
  });

  describe('rejects a cluster whose nodes cannot run it', () => {
    it('a nodeSelector no node group carries: the GPU operator on a cluster without GPU nodes', () => {
      expect(configErrorOf(() => synthGpu([{ name: 'worker-0', role: 'worker' }]))).toBe(
        'test/GpuOperator[gpu-operator]: nodeSelector: no node group of test carries gpu.example.dev/nvidia=true; ' +
          'the GPU operator needs a GPU node group: label the GPU nodes with it in nodes[].labels',
      );
    });

    it('no nodeSelector, and no node lists the NVIDIA extensions', () => {
      expect(configErrorOf(() => synthGpu([{ name: 'worker-0', role: 'worker', extensions: [EXTENSIONS.kataContainers] }], {}))).toBe(
        'test/GpuOperator[gpu-operator]: no node of test lists an NVIDIA extension; the GPU operator needs a GPU node group: ' +
          "set nodeSelector to the GPU nodes' labels (they then get the NVIDIA extensions), or list the extensions in their nodes[].extensions",
      );
    });

    it('kernel modules without the toolkit, and the toolkit without kernel modules', () => {
      const nodes: NodeSpec[] = [
        { name: 'gpu-0', role: 'worker', group: 'a', extensions: [EXTENSIONS.nvidiaKmodProduction] },
        { name: 'gpu-1', role: 'worker', group: 'b', extensions: [EXTENSIONS.nvidiaToolkitLts] },
      ];
      expect(configErrorOf(() => synthGpu(nodes, {}))).toBe([
        'test/Cluster[test]: nodes: node group a (gpu-0) lists siderolabs/nonfree-kmod-nvidia-production but no NVIDIA container toolkit; ' +
          'add siderolabs/nvidia-container-toolkit-production (siderolabs/nonfree-kmod-nvidia-production from nodes[].extensions)',
        'test/Cluster[test]: nodes: node group b (gpu-1) lists siderolabs/nvidia-container-toolkit-lts but no NVIDIA kernel modules; ' +
          'add siderolabs/nonfree-kmod-nvidia-lts or siderolabs/nvidia-open-gpu-kernel-modules-lts (siderolabs/nvidia-container-toolkit-lts from nodes[].extensions)',
      ].join('\n'));
    });

    it('driver flavours that disagree', () => {
      expect(configErrorOf(() => synthGpu([gpuNode('gpu-0', [EXTENSIONS.nvidiaKmodProduction, EXTENSIONS.nvidiaToolkitLts])], {}))).toBe(
        'test/Cluster[test]: nodes: node group gpu (gpu-0) lists siderolabs/nonfree-kmod-nvidia-production and siderolabs/nvidia-container-toolkit-lts, ' +
          'which disagree on the driver flavour (production vs lts); use one flavour for both ' +
          '(siderolabs/nonfree-kmod-nvidia-production, siderolabs/nvidia-container-toolkit-lts from nodes[].extensions)',
      );
    });

    it('extensions in the cluster spec that contradict the driver it puts on the nodes', () => {
      expect(configErrorOf(() => synthGpu([gpuNode('gpu-0', [EXTENSIONS.nvidiaToolkitLts])]))).toBe(
        'test/Cluster[test]: nodes: node group gpu (gpu-0) lists 2 NVIDIA container toolkits ' +
          '(siderolabs/nvidia-container-toolkit-lts, siderolabs/nvidia-container-toolkit-production); keep one ' +
          '(siderolabs/nvidia-container-toolkit-lts from nodes[].extensions; ' +
          'siderolabs/nonfree-kmod-nvidia-production, siderolabs/nvidia-container-toolkit-production from GpuOperator[gpu-operator])',
      );
    });

    it('two kernel-module extensions on one node', () => {
      expect(configErrorOf(() => synthGpu([gpuNode('gpu-0', [...PRODUCTION, EXTENSIONS.nvidiaOpenKmodProduction])], {}))).toBe(
        'test/Cluster[test]: nodes: node group gpu (gpu-0) lists 2 NVIDIA kernel-module extensions ' +
          '(siderolabs/nonfree-kmod-nvidia-production, siderolabs/nvidia-open-gpu-kernel-modules-production); keep one ' +
          '(siderolabs/nonfree-kmod-nvidia-production, siderolabs/nvidia-container-toolkit-production, siderolabs/nvidia-open-gpu-kernel-modules-production from nodes[].extensions)',
      );
    });
  });

  it('rejects a driver choice without a nodeSelector, and a ServiceMonitor without the DCGM exporter', () => {
    expect(configErrorOf(() => synthGpu([gpuNode('gpu-0', PRODUCTION)], { driver: 'lts' }))).toBe(
      "test/GpuOperator[gpu-operator]: driver: chooses the extensions of nodeSelector's nodes; without nodeSelector the GPU nodes list their own in nodes[].extensions",
    );
    expect(configErrorOf(() => synthGpu([gpuNode('gpu-0')], { ...ON_GPU_NODES, dcgmExporter: false, dcgmServiceMonitor: true }))).toBe(
      'test/GpuOperator[gpu-operator]: dcgmServiceMonitor: a ServiceMonitor needs the DCGM exporter; set dcgmExporter to true or drop dcgmServiceMonitor',
    );
  });
});
