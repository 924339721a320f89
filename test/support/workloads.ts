/**
 * Workload objects for policy tests: a compliant pod spec (team label, requests and limits, non-root,
 * an image from an allowed registry) and the kinds that carry it. Each builder takes an `edit` that
 * changes a fresh copy, so a test states only what it breaks.
 */
import { KubeObject } from './cel';

/** A mutable pod spec, as tests edit it. */
export type PodSpec = Record<string, any>;

export const TEAM_LABELS: Readonly<Record<string, string>> = { team: 'ml' };

/** A pod spec every library policy admits. */
export function compliantPodSpec(): PodSpec {
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 65532 },
    containers: [{
      name: 'app',
      image: 'cgr.dev/chainguard/nginx:1.27',
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    }],
  };
}

function edited(edit?: (spec: PodSpec) => void): PodSpec {
  const spec = compliantPodSpec();
  edit?.(spec);
  return spec;
}

export interface WorkloadLabels {
  /** Labels of the object itself. @default TEAM_LABELS */
  readonly labels?: Record<string, string>;
  /** Labels of its pod template. @default labels */
  readonly templateLabels?: Record<string, string>;
}

export function deployment(edit?: (spec: PodSpec) => void, l: WorkloadLabels = {}): KubeObject {
  const labels = l.labels ?? { ...TEAM_LABELS };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'apps', labels },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: l.templateLabels ?? labels }, spec: edited(edit) } },
  };
}

export function pod(edit?: (spec: PodSpec) => void, labels: Record<string, string> = { ...TEAM_LABELS }): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'apps', labels }, spec: edited(edit) };
}

export function cronJob(edit?: (spec: PodSpec) => void, l: WorkloadLabels & { readonly jobLabels?: Record<string, string> } = {}): KubeObject {
  const labels = l.labels ?? { ...TEAM_LABELS };
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'report', namespace: 'apps', labels },
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: {
        metadata: { labels: l.jobLabels ?? labels },
        spec: { template: { metadata: { labels: l.templateLabels ?? labels }, spec: edited((s) => { s.restartPolicy = 'OnFailure'; edit?.(s); }) } },
      },
    },
  };
}

/** A kind no library policy matches. */
export function configMap(): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'apps' }, data: { a: 'b' } };
}

/** The object, moved to a namespace (and renamed when a name is given). */
export function placed(object: KubeObject, namespace: string, name?: string): KubeObject {
  Object.assign(object.metadata as object, { namespace }, name === undefined ? {} : { name });
  return object;
}
