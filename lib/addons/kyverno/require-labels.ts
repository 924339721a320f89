import { z } from 'zod';
import { validateProps } from '../../props';
import { celList, CelVariable, hasPath } from './cel';
import { Kyverno } from './kyverno';
import { PolicyProps, policyPropsShape, WorkloadPolicy } from './policy';
import { labelKey } from './validators';

export interface RequireLabelsProps extends PolicyProps {
  /** Label keys every workload must carry with a non-empty value, such as `team`. */
  readonly labels: readonly string[];
}

const schema = z.strictObject({
  ...policyPropsShape,
  labels: z.array(labelKey()).min(1, { error: 'name at least one label key, such as team' }),
});

const metadataOr = (path: string) => `(${hasPath(path, 'metadata')} ? ${path}.metadata : {})`;

/**
 * The metadata that must carry the labels: the object's own and every template below it, so that
 * what a controller creates (ReplicaSets, a CronJob's Jobs, pods) carries them too.
 */
const LABELLED_METADATA: CelVariable = {
  name: 'labelledMetadata',
  expression:
    "object.kind == 'Pod' ? [object.metadata] : " +
    `(object.kind == 'CronJob' ? [object.metadata, ${metadataOr('object.spec.jobTemplate')}, ${metadataOr('variables.podTemplate')}] : ` +
    `[object.metadata, ${metadataOr('variables.podTemplate')}])`,
};

/** Requires labels (such as `team`) on workloads and their pod templates (`require-labels`). */
export class RequireLabels extends WorkloadPolicy {
  /** The required label keys. */
  readonly labels: readonly string[];

  constructor(kyverno: Kyverno, id: string, props: RequireLabelsProps) {
    super(kyverno, id);
    const p = validateProps(this, schema, props);
    this.labels = p.labels;
    this.renderWorkloadChecks(p, 'require-labels', [{
      expression: `variables.labelledMetadata.all(m, ${celList(p.labels)}.all(k, has(m.labels) && k in m.labels && m.labels[k] != ""))`,
      message: `every workload needs the label${p.labels.length > 1 ? 's' : ''} ${p.labels.join(', ')} with a value, on itself and on its pod template`,
    }], [LABELLED_METADATA]);
  }
}
