import { GpuOperator, GpuOperatorProps } from '../lib/addons/gpu-operator';
import { NodeSpec } from '../lib/cluster';
import { EXTENSIONS } from '../lib/talos/extensions';
import { configErrorOf, find, renderCluster } from './helpers';

const CONTROL_PLANE: NodeSpec = { name: 'cp-0', role: 'controlplane' };
const gpuNode = (name: string, extensions: string[]): NodeSpec => ({ name, role: 'worker', extensions });
const PRODUCTION = [EXTENSIONS.nvidiaKmodProduction, EXTENSIONS.nvidiaToolkitProduction];

function renderGpu(nodes: NodeSpec[], props: GpuOperatorProps = {}) {
  return renderCluster((cluster) => {
    new GpuOperator(cluster, 'gpu-operator', props);
  }, { nodes: [CONTROL_PLANE, ...nodes] });
}

describe('GpuOperator', () => {
  const objects = renderGpu([gpuNode('gpu-0', PRODUCTION)]);

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

  it('runs the MIG manager with a MIG strategy, and turns off DCGM and NFD on request', () => {
    const values = find(renderGpu([gpuNode('gpu-0', PRODUCTION)], { migStrategy: 'mixed', dcgmExporter: false, nodeFeatureDiscovery: false }), 'HelmRelease', 'gpu-operator').spec as Record<string, unknown>;
    expect(values.values).toMatchObject({ mig: { strategy: 'mixed' }, migManager: { enabled: true }, dcgmExporter: { enabled: false }, nfd: { enabled: false } });
  });

  it('accepts the open kernel modules of the lts flavour with the lts toolkit', () => {
    expect(() => renderGpu([gpuNode('gpu-0', [EXTENSIONS.nvidiaOpenKmodLts, EXTENSIONS.nvidiaToolkitLts])])).not.toThrow();
  });

  describe('rejects a cluster whose nodes cannot run it', () => {
    it('no node with the NVIDIA extensions', () => {
      expect(configErrorOf(() => renderGpu([{ name: 'worker-0', role: 'worker', extensions: [EXTENSIONS.kataContainers] }]))).toBe(
        'test/Cluster[test]: nodes: no node lists the NVIDIA kernel-module and container-toolkit extensions that GpuOperator[gpu-operator] needs ' +
          '(for example siderolabs/nonfree-kmod-nvidia-production with siderolabs/nvidia-container-toolkit-production)',
      );
    });

    it('kernel modules without the toolkit, and the toolkit without kernel modules', () => {
      expect(configErrorOf(() => renderGpu([gpuNode('gpu-0', [EXTENSIONS.nvidiaKmodProduction]), gpuNode('gpu-1', [EXTENSIONS.nvidiaToolkitLts])]))).toBe([
        'test/Cluster[test]: nodes[1].extensions: node gpu-0 lists siderolabs/nonfree-kmod-nvidia-production but no NVIDIA container toolkit; ' +
          'add siderolabs/nvidia-container-toolkit-production (needed by GpuOperator[gpu-operator])',
        'test/Cluster[test]: nodes[2].extensions: node gpu-1 lists siderolabs/nvidia-container-toolkit-lts but no NVIDIA kernel modules; ' +
          'add siderolabs/nonfree-kmod-nvidia-lts or siderolabs/nvidia-open-gpu-kernel-modules-lts (needed by GpuOperator[gpu-operator])',
      ].join('\n'));
    });

    it('driver flavours that disagree', () => {
      expect(configErrorOf(() => renderGpu([gpuNode('gpu-0', PRODUCTION), gpuNode('gpu-1', [EXTENSIONS.nvidiaKmodProduction, EXTENSIONS.nvidiaToolkitLts])]))).toBe(
        'test/Cluster[test]: nodes[2].extensions: node gpu-1 lists siderolabs/nonfree-kmod-nvidia-production and siderolabs/nvidia-container-toolkit-lts, ' +
          'which disagree on the driver flavour (production vs lts); use one flavour for both (needed by GpuOperator[gpu-operator])',
      );
    });

    it('two kernel-module extensions on one node', () => {
      expect(configErrorOf(() => renderGpu([gpuNode('gpu-0', [...PRODUCTION, EXTENSIONS.nvidiaOpenKmodProduction])]))).toBe(
        'test/Cluster[test]: nodes[1].extensions: node gpu-0 lists 2 NVIDIA kernel-module extensions ' +
          '(siderolabs/nonfree-kmod-nvidia-production, siderolabs/nvidia-open-gpu-kernel-modules-production); keep one (needed by GpuOperator[gpu-operator])',
      );
    });
  });

  it('rejects a ServiceMonitor without the DCGM exporter', () => {
    expect(configErrorOf(() => renderGpu([gpuNode('gpu-0', PRODUCTION)], { dcgmExporter: false, dcgmServiceMonitor: true }))).toBe(
      'test/GpuOperator[gpu-operator]: dcgmServiceMonitor: a ServiceMonitor needs the DCGM exporter; set dcgmExporter to true or drop dcgmServiceMonitor',
    );
  });
});
