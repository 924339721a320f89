import { Construct } from 'constructs';
import { Cluster, Layer } from '../../cluster';
import { Component } from '../../component';

/** A keda.sh object that a component places in one of its layers; it knows its cluster for cross-checks. */
export abstract class KedaResource extends Construct {
  /** The objects of this class defined in a cluster. */
  static allIn<T extends KedaResource>(this: abstract new (...args: never[]) => T, cluster: Cluster): T[] {
    return cluster.node.findAll().filter((c): c is T => c instanceof this);
  }

  readonly cluster: Cluster;

  protected constructor(component: Component, layer: Layer, id: string) {
    super(component.scope(layer), id);
    this.cluster = component.cluster;
  }
}

export { withDefaultName } from '../../props';
