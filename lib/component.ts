import { Construct } from 'constructs';
import { Cluster, Layer } from './cluster';
import { propError } from './props';
import { isLabelValue } from './validators';

/**
 * A part of a cluster — an add-on such as Velero or an app such as llm-worker — whose objects
 * are spread over the Flux layers. Its id names it in file paths, errors and the
 * `app.kubernetes.io/part-of` label.
 */
export class Component extends Construct {
  readonly cluster: Cluster;

  constructor(cluster: Cluster, id: string) {
    super(cluster, id);
    this.cluster = cluster;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(id) || !isLabelValue(id)) {
      throw propError(this, 'id', `${JSON.stringify(id)} is not a DNS label; a component id names files and the part-of label`);
    }
  }

  /** Where this component puts its objects of one layer. */
  scope(layer: Layer): Construct {
    return this.cluster.scopeFor(this, layer);
  }
}
