import { Construct } from 'constructs';
import { Cluster, Layer } from './cluster';
import { ConfigError, showValue } from './errors';
import { isDnsLabel } from './validators';

/**
 * Checks a component id before it enters the construct tree (which would throw on a duplicate or a
 * non-string), so a mistake reads `cluster/Class[id]: id: …` like any other.
 */
function componentId(cluster: Cluster, id: unknown, className: string): string {
  const shown = typeof id === 'string' ? id : showValue(id);
  if (!(cluster instanceof Cluster)) throw ConfigError.single(`(no cluster)/${className}[${shown}]`, 'scope', 'a component belongs to a cluster; pass the Cluster as the first argument');
  const where = `${cluster.clusterName}/${className}[${shown}]`;
  if (typeof id !== 'string' || !isDnsLabel(id)) {
    throw ConfigError.single(where, 'id', `${showValue(id)} is not a DNS label; a component id names files and the part-of label`);
  }
  if (cluster.node.tryFindChild(id)) throw ConfigError.single(where, 'id', `${JSON.stringify(id)} is the id of another component of cluster ${cluster.clusterName}; each needs its own (it is their part-of label)`);
  return id;
}

/**
 * A part of a cluster — an add-on such as Velero or an app such as llm-worker — whose objects
 * are spread over the Flux layers. Its id names it in file paths, errors and the
 * `app.kubernetes.io/part-of` label.
 */
export class Component extends Construct {
  readonly cluster: Cluster;

  constructor(cluster: Cluster, id: string) {
    super(cluster, componentId(cluster, id, new.target.name));
    this.cluster = cluster;
  }

  /** Where this component puts its objects of one layer. */
  scope(layer: Layer): Construct {
    return this.cluster.scopeFor(this, layer);
  }
}
