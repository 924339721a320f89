import { z } from 'zod';
import { MutatingPolicy, MutatingPolicySpecFailurePolicy } from '../../../imports/mutatingpolicies-policies.kyverno.io';
import { validateProps } from '../../props';
import { dnsSubdomain, labels as labelMap } from '../../validators';
import { celString, hasPath, workloadResourceRules } from './cel';
import { Kyverno } from './kyverno';
import { KyvernoPolicy } from './policy';

export interface AddDefaultLabelsProps {
  /** Policy name (`metadata.name`). @default add-default-labels */
  readonly name?: string;
  /** Labels to add to workloads that lack them; a label the workload sets keeps its value. */
  readonly labels: Readonly<Record<string, string>>;
}

const schema = z.strictObject({
  name: dnsSubdomain().optional(),
  labels: labelMap().refine((m) => Object.keys(m).length > 0, { error: 'name at least one label to add, such as environment: production' }),
});

/**
 * Adds default labels to pods and the controllers that template them (`add-default-labels`, a
 * MutatingPolicy), outside the exempt namespaces. It never overwrites a label the workload sets. A
 * mutation has no mode: it cannot audit or deny, and it never blocks a request (failurePolicy Ignore).
 */
export class AddDefaultLabels extends KyvernoPolicy {
  readonly kind = 'MutatingPolicy' as const;
  readonly labels: Readonly<Record<string, string>>;

  constructor(kyverno: Kyverno, id: string, props: AddDefaultLabelsProps) {
    super(kyverno, id);
    const p = validateProps(this, schema, props);
    this.labels = p.labels;
    this.claim(p.name ?? 'add-default-labels');
    this.node.defaultChild = new MutatingPolicy(this, 'resource', {
      metadata: { name: this.name },
      spec: {
        failurePolicy: MutatingPolicySpecFailurePolicy.IGNORE,
        webhookConfiguration: this.webhookConfiguration(),
        matchConstraints: this.matchConstraints(workloadResourceRules()),
        mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: applyDefaults(p.labels) } }],
      },
    });
  }
}

/**
 * An apply configuration that sets every default label, to the workload's own value where it has
 * one: applying a label's current value changes nothing, so set labels are kept.
 */
function applyDefaults(defaults: Readonly<Record<string, string>>): string {
  const entries = Object.keys(defaults).sort().map((key) => {
    const k = celString(key);
    const keep = `${hasPath('object', 'metadata', 'labels')} && ${k} in object.metadata.labels`;
    return `${k}: ${keep} ? object.metadata.labels[${k}] : ${celString(defaults[key])}`;
  });
  return `Object{metadata: Object.metadata{labels: {${entries.join(', ')}}}}`;
}
