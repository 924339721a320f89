import { z } from 'zod';
import { AddOn } from '../addon';
import { Cluster } from '../cluster';
import { FluxHelmRelease, PinnedChart } from '../flux/helm-release';
import { validateProps } from '../props';
import { TalosNamespace } from '../talos/namespace';
import { NVIDIA_EXTENSIONS, NVIDIA_GPU_RESOURCE, NVIDIA_RUNTIME_HANDLER, nvidiaExtensions, nvidiaRequirement, NvidiaDriverFlavour } from '../talos/nvidia';
import { labels } from '../validators';
import { CHARTS } from '../versions';

/** Namespace of the GPU operator and its operands. */
export const GPU_OPERATOR_NAMESPACE = 'gpu-operator';

/** How MIG-partitioned GPUs are advertised: not at all, as nvidia.com/gpu, or as nvidia.com/mig-<profile>. */
export type MigStrategy = 'none' | 'single' | 'mixed';

export interface GpuOperatorProps {
  /**
   * Labels of the GPU nodes (in nodes[].labels): their schematic gets the NVIDIA extensions of `driver`.
   * @default the nodes whose nodes[].extensions list NVIDIA extensions
   */
  readonly nodeSelector?: Record<string, string>;
  /** Driver flavour of the extensions `nodeSelector`'s nodes get. @default production */
  readonly driver?: NvidiaDriverFlavour;
  /** NVIDIA's open kernel modules instead of the proprietary ones, for `nodeSelector`'s nodes. @default false */
  readonly openKernelModules?: boolean;
  /** MIG strategy; anything but none also runs the MIG manager to partition the GPUs. @default none */
  readonly migStrategy?: MigStrategy;
  /** Run the DCGM exporter (GPU metrics for Prometheus on port 9400). @default true */
  readonly dcgmExporter?: boolean;
  /** Create a ServiceMonitor for the DCGM exporter; needs the Prometheus Operator's CRDs. @default whether the cluster has a monitoring add-on */
  readonly dcgmServiceMonitor?: boolean;
  /** Install node-feature-discovery with the operator; turn it off where NFD already runs. @default true */
  readonly nodeFeatureDiscovery?: boolean;
}

/** The gpu-operator chart values we set: a subset of charts/gpu-operator/values.yaml (v26.7.0), same key names. */
export interface GpuOperatorValues {
  readonly operator: { readonly version: string; readonly runtimeClass: string; readonly upgradeCRD: boolean };
  readonly validator: { readonly version: string };
  readonly psa: { readonly enabled: boolean };
  readonly driver: { readonly enabled: boolean };
  readonly toolkit: { readonly enabled: boolean };
  readonly hostPaths: { readonly driverInstallDir: string };
  readonly mig: { readonly strategy: MigStrategy };
  readonly migManager: { readonly enabled: boolean };
  readonly dcgmExporter: { readonly enabled: boolean; readonly serviceMonitor: { readonly enabled: boolean } };
  readonly nfd: { readonly enabled: boolean };
}

const schema = z.strictObject({
  nodeSelector: labels().optional(),
  driver: z.enum(['production', 'lts']).optional(),
  openKernelModules: z.boolean().optional(),
  migStrategy: z.enum(['none', 'single', 'mixed']).optional(),
  dcgmExporter: z.boolean().optional(),
  dcgmServiceMonitor: z.boolean().optional(),
  nodeFeatureDiscovery: z.boolean().optional(),
}).superRefine((p, ctx) => {
  for (const key of ['driver', 'openKernelModules'] as const) {
    if (p[key] !== undefined && !p.nodeSelector) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'chooses the extensions of nodeSelector\'s nodes; without nodeSelector the GPU nodes list their own in nodes[].extensions' });
    }
  }
  if (p.dcgmServiceMonitor && p.dcgmExporter === false) {
    ctx.addIssue({ code: 'custom', path: ['dcgmServiceMonitor'], message: 'a ServiceMonitor needs the DCGM exporter; set dcgmExporter to true or drop dcgmServiceMonitor' });
  }
});

/**
 * The NVIDIA GPU operator configured for Talos: the NVIDIA kernel modules and container toolkit come from
 * Talos system extensions, so the operator's driver and toolkit operands are off and it finds the driver
 * under /usr/local. It creates the `nvidia` RuntimeClass itself (no second one is rendered). It requires
 * of the GPU nodes (cluster.talos) the extensions, of one driver flavour, and their kernel modules loaded.
 */
export class GpuOperator extends AddOn {
  /** The RuntimeClass the operator creates; its handler is the one the Talos toolkit extension registers. */
  readonly runtimeClassName = NVIDIA_RUNTIME_HANDLER;
  /** The extended resource a pod requests a GPU with. */
  readonly gpuResource = NVIDIA_GPU_RESOURCE;
  readonly namespace = GPU_OPERATOR_NAMESPACE;
  readonly release: FluxHelmRelease<GpuOperatorValues>;

  constructor(cluster: Cluster, id: string, props: GpuOperatorProps = {}) {
    super(cluster, id);
    const p = validateProps(this, schema, props);
    this.requireGpuNodes(p.nodeSelector, p.driver ?? 'production', p.openKernelModules ?? false);

    const migStrategy = p.migStrategy ?? 'none';
    const dcgmExporter = p.dcgmExporter ?? true;
    // The operands mount host paths and run privileged (device plugin, DCGM, validator): Talos says privileged.
    new TalosNamespace(this.scope('controllers'), 'namespace', { name: GPU_OPERATOR_NAMESPACE, podSecurity: 'privileged' });
    const chart = new PinnedChart<GpuOperatorValues>(this.scope('controllers'), 'chart', {
      pin: CHARTS.gpuOperator,
      namespace: GPU_OPERATOR_NAMESPACE,
      values: {
        // The chart in git says appVersion main-latest and the images fall back to it: pin them to the chart.
        // Flux replaces the chart's CRDs on upgrade (CreateReplace); the chart's own CRD-upgrade hook is not needed.
        operator: { version: CHARTS.gpuOperator.version, runtimeClass: this.runtimeClassName, upgradeCRD: false },
        validator: { version: CHARTS.gpuOperator.version },
        // The namespace is rendered with its Pod Security level; the operator need not label it.
        psa: { enabled: false },
        driver: { enabled: false },
        toolkit: { enabled: false },
        hostPaths: { driverInstallDir: '/usr/local' },
        mig: { strategy: migStrategy },
        migManager: { enabled: migStrategy !== 'none' },
        dcgmExporter: { enabled: dcgmExporter, serviceMonitor: { enabled: p.dcgmServiceMonitor ?? false } },
        nfd: { enabled: p.nodeFeatureDiscovery ?? true },
      },
      // The operator creates the DCGM exporter's ServiceMonitor itself, once the monitoring release has the CRD.
      late: p.dcgmServiceMonitor === undefined && dcgmExporter ? this.whenMonitored<GpuOperatorValues>({ dcgmExporter: { serviceMonitor: { enabled: true } } }) : undefined,
    });
    this.release = chart.release;
  }

  private requireGpuNodes(nodeSelector: Record<string, string> | undefined, driver: NvidiaDriverFlavour, openKernelModules: boolean): void {
    const talos = this.cluster.talos;
    const needs = 'the GPU operator needs a GPU node group:';
    talos.require(this, nodeSelector ? 'nodeSelector' : '', nodeSelector
      ? nvidiaRequirement({ labels: nodeSelector }, nvidiaExtensions(driver, openKernelModules), `${needs} label the GPU nodes with it in nodes[].labels`)
      : nvidiaRequirement({ extensions: NVIDIA_EXTENSIONS, what: 'an NVIDIA extension' }, [], `${needs} set nodeSelector to the GPU nodes' labels (they then get the NVIDIA extensions), or list the extensions in their nodes[].extensions`));
    talos.addRuntimeClass(this, { name: this.runtimeClassName, handler: NVIDIA_RUNTIME_HANDLER });
    talos.addPrivilegedPods(this, {
      namespace: GPU_OPERATOR_NAMESPACE,
      reason: "the GPU operator's device plugin, DCGM exporter and validator mount host paths and run privileged",
    });
  }
}
