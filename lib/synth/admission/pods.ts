import type { KubeObject } from './evaluate';

/**
 * The admission requests a rendered workload causes once Flux applies it: the object itself, then
 * what its controllers create from its template (a Deployment's ReplicaSet and pod, a CronJob's Job
 * and pod, the pod of a StatefulSet, DaemonSet, Job or ReplicaSet). Each is an admission request of
 * its own, which the policies match (they match every pod controller and pods), so each is checked.
 *
 * What the controllers add is modelled where a policy or exception can tell: namespace, owner
 * references (PolicyExceptions exempt what a workload owns by them), the pod-template-hash label of a
 * Deployment's ReplicaSet and pods, the job-name labels of a Job's pods, a StatefulSet pod's ordinal
 * name. Generated names get a fixed suffix (`synth`), and a ReplicaSet's hash is fixed too: real ones
 * are random or hashed, and nothing a policy should depend on. Defaults the API server fills in
 * (restartPolicy, dnsPolicy, …) are not added.
 */

/** Kinds whose objects hold a pod spec, with the apiVersion they are served at. */
export const POD_SPEC_KINDS: Readonly<Record<string, string>> = {
  Pod: 'v1', Deployment: 'apps/v1', StatefulSet: 'apps/v1', DaemonSet: 'apps/v1', ReplicaSet: 'apps/v1', Job: 'batch/v1', CronJob: 'batch/v1',
};

/** Stands for a ReplicaSet's pod-template-hash (a hash of the template in a cluster). */
export const POD_TEMPLATE_HASH = 'synth';
/** Stands for a CronJob's Job suffix (the scheduled time in minutes, in a cluster). */
export const CRON_JOB_SUFFIX = '29000000';
/** Stands for the random suffix of a generated pod name. */
const GENERATED_SUFFIX = 'synth';

type Metadata = { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
type Template = { metadata?: Metadata; spec?: KubeObject };

/** Whether a rendered object holds a pod spec (a Pod, or a controller with a pod template). */
export function holdsPodSpec(manifest: { apiVersion?: unknown; kind?: unknown }): boolean {
  return typeof manifest.kind === 'string' && POD_SPEC_KINDS[manifest.kind] !== undefined && POD_SPEC_KINDS[manifest.kind] === manifest.apiVersion;
}

const metaOf = (o: KubeObject) => (o.metadata ?? {}) as Metadata;
const specOf = (o: KubeObject) => (o.spec ?? {}) as KubeObject;

function ownerRef(owner: KubeObject): KubeObject {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: metaOf(owner).name ?? '', uid: '', controller: true, blockOwnerDeletion: true };
}

function podOf(owner: KubeObject, template: Template, namespace: string, name: string, extraLabels: Record<string, string> = {}, generated = true): KubeObject {
  const meta = template.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...meta,
      ...(generated ? { generateName: name, name: `${name}${GENERATED_SUFFIX}` } : { name }),
      namespace,
      labels: { ...meta.labels, ...extraLabels },
      ownerReferences: [ownerRef(owner)],
    },
    spec: template.spec ?? {},
  };
}

const jobPodLabels = (job: string) => ({ 'batch.kubernetes.io/job-name': job, 'job-name': job });

/** The object and what its controllers create from it, in the order they are admitted; [] for other kinds. */
export function admissionChain(object: KubeObject): KubeObject[] {
  if (!holdsPodSpec(object)) return [];
  const meta = metaOf(object);
  const name = meta.name ?? '';
  const namespace = meta.namespace ?? 'default';
  const spec = specOf(object);
  const template = (spec.template ?? {}) as Template;
  switch (object.kind) {
    case 'Pod':
      return [object];
    case 'Deployment': {
      const rsName = `${name}-${POD_TEMPLATE_HASH}`;
      const hash = { 'pod-template-hash': POD_TEMPLATE_HASH };
      const rsTemplate = { ...template, metadata: { ...template.metadata, labels: { ...template.metadata?.labels, ...hash } } };
      const replicaSet: KubeObject = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: rsName, namespace, labels: rsTemplate.metadata.labels, ownerReferences: [ownerRef(object)] },
        spec: { selector: spec.selector, template: rsTemplate },
      };
      return [object, replicaSet, podOf(replicaSet, rsTemplate, namespace, `${rsName}-`)];
    }
    case 'StatefulSet':
      return [object, podOf(object, template, namespace, `${name}-0`, { 'statefulset.kubernetes.io/pod-name': `${name}-0` }, false)];
    case 'DaemonSet': case 'ReplicaSet':
      return [object, podOf(object, template, namespace, `${name}-`)];
    case 'Job':
      return [object, podOf(object, template, namespace, `${name}-`, jobPodLabels(name))];
    case 'CronJob': {
      const jobTemplate = (spec.jobTemplate ?? {}) as Template;
      const jobName = `${name}-${CRON_JOB_SUFFIX}`;
      const job: KubeObject = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { ...jobTemplate.metadata, name: jobName, namespace, ownerReferences: [ownerRef(object)] },
        spec: jobTemplate.spec ?? {},
      };
      return [object, job, podOf(job, (specOf(job).template ?? {}) as Template, namespace, `${jobName}-`, jobPodLabels(jobName))];
    }
    default:
      return [];
  }
}
