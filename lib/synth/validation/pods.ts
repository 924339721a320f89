/**
 * Where workloads keep their pod spec: shared by the reference checks and the Talos cross-layer checks
 * (lib/talos/cross-layer.ts), which cannot import the reference checks without an import cycle.
 */
import { apiGroup } from '../manifest';
import type { Path } from './access';

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
