/**
 * Admission at synth: each cluster's own Kyverno policies run over every pod spec the cluster renders,
 * as the cluster's admission webhooks would once Flux applies them.
 *
 * Per cluster: its MutatingPolicies, ValidatingPolicies and PolicyExceptions (policies.kyverno.io/v1),
 * the labels of the Namespaces it renders (for namespaceSelector and namespaceObject; the API server's
 * `kubernetes.io/metadata.name` is always there), and every Pod and pod controller it renders, together
 * with what the controllers create from them (./pods.ts). Each request is mutated first, then
 * validated, as Kyverno orders its webhooks. A violation of a policy whose validationActions include
 * Deny is a problem (the synth fails); an Audit or Warn violation is a warning. A policy (mutating or
 * validating) whose CEL fails counts as a violation when its failurePolicy is Fail (the request would
 * be refused), a warning when it is Ignore.
 *
 * Out of reach: objects a Helm chart renders on the cluster (there is no helm here), and
 * ImageValidatingPolicies (they need the registry and the transparency log).
 */
import { Problem } from '../../errors';
import type { RenderedObject } from '../manifest';
import type { AdmissionTally } from '../validation/check';
import { CelEvaluationError } from './cel';
import { evaluateMutation, evaluateValidation, KubeObject, lazyBindings, PolicyManifest, PolicySpec } from './evaluate';
import { admissionChain, holdsPodSpec } from './pods';

/** One policy violation of one rendered workload. */
export interface AdmissionFinding {
  readonly cluster: string;
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  readonly policy: string;
  readonly message: string;
  /** The policy denies (validationActions include Deny): the request would be refused. */
  readonly denied: boolean;
}

/** What admission at synth found. */
export interface AdmissionReport {
  /** Pod specs checked: Pods and pod templates the fleet renders. */
  readonly podSpecs: number;
  /** Every violation, in the order of the rendered objects, then of the policies. */
  readonly findings: readonly AdmissionFinding[];
}

/** An object of a cluster, as the pipeline renders it or as the review reads it back. */
export type ClusterObject = Pick<RenderedObject, 'cluster' | 'manifest'>;

const KYVERNO = 'policies.kyverno.io/v1';

interface ClusterPolicies {
  readonly mutating: PolicyManifest[];
  readonly validating: PolicyManifest[];
  readonly exceptions: PolicyManifest[];
  readonly namespaceLabels: Map<string, Record<string, string>>;
}

function policiesOf(objects: readonly ClusterObject[]): Map<string, ClusterPolicies> {
  const byCluster = new Map<string, ClusterPolicies>();
  for (const { cluster, manifest } of objects) {
    let c = byCluster.get(cluster);
    if (!c) byCluster.set(cluster, (c = { mutating: [], validating: [], exceptions: [], namespaceLabels: new Map() }));
    const m = manifest as unknown as PolicyManifest;
    if (manifest.apiVersion === KYVERNO && manifest.kind === 'MutatingPolicy') c.mutating.push(m);
    else if (manifest.apiVersion === KYVERNO && manifest.kind === 'ValidatingPolicy') c.validating.push(m);
    else if (manifest.apiVersion === KYVERNO && manifest.kind === 'PolicyException') c.exceptions.push(m);
    else if (manifest.apiVersion === 'v1' && manifest.kind === 'Namespace' && typeof manifest.metadata.name === 'string') {
      c.namespaceLabels.set(manifest.metadata.name, { ...manifest.metadata.labels });
    }
  }
  return byCluster;
}

const specOf = (p: PolicyManifest) => (p.spec ?? {}) as PolicySpec;
const denies = (p: PolicyManifest) => (specOf(p).validationActions ?? []).includes('Deny');
// The CRD's default failurePolicy is Fail.
const failsClosed = (p: PolicyManifest) => specOf(p).failurePolicy !== 'Ignore';

/** Runs each cluster's policies over every pod spec it renders. */
export function admitWorkloads(objects: readonly ClusterObject[]): AdmissionReport {
  const clusters = policiesOf(objects);
  const findings: AdmissionFinding[] = [];
  let podSpecs = 0;
  for (const { cluster, manifest } of objects) {
    if (!holdsPodSpec(manifest)) continue;
    podSpecs++;
    const policies = clusters.get(cluster) as ClusterPolicies;
    if (!policies.validating.length) continue;
    const namespace = manifest.metadata.namespace ?? 'default';
    const options = { exceptions: policies.exceptions, namespaceLabels: policies.namespaceLabels.get(namespace) ?? {} };
    const seen = new Set<string>();
    const at = { cluster, namespace, kind: manifest.kind, name: String(manifest.metadata.name ?? '') };
    const report = (policy: PolicyManifest, message: string, denied: boolean) => {
      const key = `${policy.metadata.name}\n${message}`;
      if (seen.has(key)) return;
      seen.add(key);
      findings.push({ ...at, policy: String(policy.metadata.name), message, denied });
    };
    for (const request of admissionChain(manifest as unknown as KubeObject)) {
      const mutated = policies.mutating.reduce((o, p) => {
        try {
          return evaluateMutation(p, o, options);
        } catch (err) {
          if (!(err instanceof CelEvaluationError)) throw err;
          report(p, `the mutation's CEL fails (${err.reason}), so the request is ${failsClosed(p) ? 'refused (failurePolicy Fail)' : 'admitted unmutated (failurePolicy Ignore)'}`, failsClosed(p));
          return o;
        }
      }, request);
      const bindings = lazyBindings(mutated, options);
      for (const policy of policies.validating) {
        try {
          for (const message of evaluateValidation(policy, mutated, options, bindings).messages) report(policy, message, denies(policy));
        } catch (err) {
          if (!(err instanceof CelEvaluationError)) throw err;
          report(policy, `the policy's CEL fails (${err.reason}), so the request is ${failsClosed(policy) ? 'refused (failurePolicy Fail)' : 'admitted unchecked (failurePolicy Ignore)'}`, failsClosed(policy));
        }
      }
    }
  }
  return { podSpecs, findings };
}

/** `cluster/namespace/Kind/name`: how admission findings name a workload. */
export const findingWhere = (f: Pick<AdmissionFinding, 'cluster' | 'namespace' | 'kind' | 'name'>) => `${f.cluster}/${f.namespace}/${f.kind}/${f.name}`;

/** A finding as a problem (a warning unless the policy denies): `cluster/namespace/Kind/name: policy: message`. */
export function findingProblem(f: AdmissionFinding): Problem {
  return { where: findingWhere(f), field: '', message: `${f.policy}: ${f.message}`, ...(f.denied ? {} : { severity: 'warning' as const }) };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What a report counts: pod specs checked, findings that deny, findings that warn. */
export function tallyOf(r: AdmissionReport): AdmissionTally {
  const denied = r.findings.filter((f) => f.denied).length;
  return { podSpecs: r.podSpecs, denied, warnings: r.findings.length - denied };
}

/** `admission: 5 pod specs checked, 0 denied, 1 warning` */
export function formatAdmissionSummary(t: AdmissionTally): string {
  return `admission: ${plural(t.podSpecs, 'pod spec')} checked, ${t.denied} denied, ${plural(t.warnings, 'warning')}`;
}
