/**
 * Where workloads keep their pod spec: shared by the reference checks and the Talos cross-layer checks
 * (lib/talos/cross-layer.ts), which cannot import the reference checks without an import cycle.
 */
import { apiGroup } from '../manifest';
import { at, list, Path, record } from './access';

/** Where each workload kind keeps its pod spec. */
const POD_SPECS: Readonly<Record<string, Path>> = {
  'v1 Pod': ['spec'],
  'v1 PodTemplate': ['template', 'spec'],
  'v1 ReplicationController': ['spec', 'template', 'spec'],
  'apps Deployment': ['spec', 'template', 'spec'],
  'apps StatefulSet': ['spec', 'template', 'spec'],
  'apps DaemonSet': ['spec', 'template', 'spec'],
  'apps ReplicaSet': ['spec', 'template', 'spec'],
  'batch Job': ['spec', 'template', 'spec'],
  'batch CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  'keda.sh ScaledJob': ['spec', 'jobTargetRef', 'template', 'spec'],
};

/** The pod spec path of a workload, or undefined for objects that run no pods. */
export function podSpecPath(apiVersion: string, kind: string): Path | undefined {
  const key = `${apiVersion === 'v1' ? 'v1' : apiGroup(apiVersion)} ${kind}`;
  return Object.hasOwn(POD_SPECS, key) ? POD_SPECS[key] : undefined;
}

/** The metadata of a workload's pod template (beside its pod spec); undefined for a Pod, which is its own. */
export function podTemplateMetadataPath(spec: Path): Path | undefined {
  return spec.length > 1 ? [...spec.slice(0, -1), 'metadata'] : undefined;
}

/** The container lists of a pod spec, in the order the kubelet starts them. */
export const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** A container of a rendered pod spec, and where it is. */
export interface ContainerAt {
  readonly container: Readonly<Record<string, unknown>>;
  readonly path: Path;
  readonly list: (typeof CONTAINER_LISTS)[number];
}

/** Every container of a workload (none for objects that run no pods), read as tolerantly as access.ts reads. */
export function containersOf(manifest: { readonly apiVersion: string; readonly kind: string }): ContainerAt[] {
  const spec = podSpecPath(manifest.apiVersion, manifest.kind);
  if (!spec) return [];
  const found: ContainerAt[] = [];
  for (const name of CONTAINER_LISTS) {
    list(at(manifest, ...spec, name)).forEach((c, i) => {
      const container = record(c);
      if (container) found.push({ container, path: [...spec, name, i], list: name });
    });
  }
  return found;
}
