import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { z } from 'zod';
import { PolicyException } from '../../../imports/policyexceptions-policies.kyverno.io';
import { validateProps } from '../../props';
import { dnsLabel, dnsSubdomain } from '../../validators';
import { celList, celString, hasPath } from './cel';
import { Kyverno, PolicyRef } from './kyverno';

/** A workload by namespace and name. */
export interface WorkloadRef {
  /** Its namespace. */
  readonly namespace: string;
  /** Its name (a Deployment's, a CronJob's, a Pod's). */
  readonly name: string;
}

export interface KyvernoPolicyExceptionProps {
  /** Object name, in Kyverno's namespace. */
  readonly name: string;
  /** Why the exception exists; recorded in `spec.properties.reason` for audits. */
  readonly reason: string;
  /** Names of the policies it exempts from. @default every validating and image-validating policy of the cluster */
  readonly policies?: readonly string[];
  /** Namespaces whose workloads are exempt. @default [] */
  readonly namespaces?: readonly string[];
  /**
   * Workloads that are exempt, with what they create, matched by owner references rather than name
   * prefixes (so `api` does not exempt `api-gateway`): the object named exactly so; objects it owns
   * (a Deployment's ReplicaSets, a CronJob's Jobs, the pods of a StatefulSet, DaemonSet, Job or
   * ReplicaSet of that name); pods of a ReplicaSet named `<name>-<their pod-template-hash label>` (a
   * Deployment's pods); pods of a Job named `<name>-<digits>` (a CronJob's pods; a standalone Job so
   * named in that namespace counts too, as the pod does not name its CronJob). @default []
   */
  readonly workloads?: readonly WorkloadRef[];
}

const schema = z.strictObject({
  name: dnsSubdomain(),
  reason: z.string({ error: 'give the reason for the exception; it is what an audit reads' }).min(1, { error: 'give the reason for the exception; it is what an audit reads' }),
  policies: z.array(dnsSubdomain()).min(1, { error: 'name at least one policy, or leave policies out to exempt from all' }).optional(),
  namespaces: z.array(dnsLabel()).optional(),
  workloads: z.array(z.strictObject({ namespace: dnsLabel(), name: dnsSubdomain() })).optional(),
}).refine((p) => (p.namespaces?.length ?? 0) + (p.workloads?.length ?? 0) > 0, {
  path: ['namespaces'],
  error: 'an exception must name at least one namespace or workload to exempt',
});

/**
 * A PolicyException (policies.kyverno.io) that exempts named namespaces or workloads from some or
 * all of the cluster's validating policies. Policy names are checked when the cluster renders, so an
 * exception may be declared before the policies it names.
 */
export class KyvernoPolicyException extends Construct {
  readonly name: string;

  constructor(kyverno: Kyverno, id: string, props: KyvernoPolicyExceptionProps) {
    super(kyverno.scope('configs'), id);
    const p = validateProps(this, schema, props);
    this.name = p.name;
    const refs = (): PolicyRef[] => (p.policies
      ? p.policies.flatMap((name) => kyverno.validatingPolicyRefs.filter((r) => r.name === name))
      : kyverno.validatingPolicyRefs);
    this.node.addValidation({ validate: () => unknownPolicies(kyverno, p.policies ?? []) });
    this.node.defaultChild = new PolicyException(this, 'resource', {
      metadata: { name: p.name, namespace: kyverno.namespace },
      spec: {
        policyRefs: Lazy.any({ produce: refs }) as unknown as PolicyRef[],
        matchConditions: [{ name: 'exempt-workloads', expression: exemptExpression(p.namespaces ?? [], p.workloads ?? []) }],
        properties: { reason: p.reason },
      },
    });
  }
}

function unknownPolicies(kyverno: Kyverno, names: readonly string[]): string[] {
  return names.flatMap((name, i) => {
    const policy = kyverno.policy(name);
    if (!policy) return [`policies[${i}]: ${JSON.stringify(name)} is not a policy of this cluster (known: ${kyverno.policies.map((x) => x.name).join(', ') || 'none'})`];
    if (policy.kind === 'MutatingPolicy') return [`policies[${i}]: ${JSON.stringify(name)} is a MutatingPolicy; exceptions apply to validating policies`];
    return [];
  });
}

function exemptExpression(namespaces: readonly string[], workloads: readonly WorkloadRef[]): string {
  const ns = 'object.metadata.namespace';
  const terms = [
    ...(namespaces.length ? [`${ns} in ${celList(namespaces)}`] : []),
    ...workloads.map((w) => `(${ns} == ${celString(w.namespace)} && ${workloadOrOwned(w.name)})`),
  ];
  return `has(${ns}) && (${terms.join(' || ')})`;
}

/**
 * The workload itself, or an object it owns directly or through its ReplicaSets (the pod-template-hash
 * suffix) or its CronJob's Jobs (the scheduled-time suffix). A pod created from a template has no name
 * yet at admission (generateName), so owners, not names, identify what a workload creates.
 */
function workloadOrOwned(name: string): string {
  const hash = "object.metadata.labels['pod-template-hash']";
  const ownedBy = [
    `r.name == ${celString(name)}`,
    `(r.kind == 'ReplicaSet' && ${hasPath('object', 'metadata', 'labels')} && 'pod-template-hash' in object.metadata.labels && r.name == ${celString(`${name}-`)} + ${hash})`,
    `(r.kind == 'Job' && r.name.matches(${celString(`^${name.replace(/\./g, '\\.')}-[0-9]+$`)}))`,
  ];
  return `((has(object.metadata.name) && object.metadata.name == ${celString(name)}) || ` +
    `(has(object.metadata.ownerReferences) && object.metadata.ownerReferences.exists(r, ${ownedBy.join(' || ')})))`;
}
