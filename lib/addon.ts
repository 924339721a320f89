import { Cluster, LAYERS } from './cluster';
import { Component } from './component';
import { TalosNamespace } from './talos/namespace';

/**
 * A platform add-on (Velero, KEDA, …) as opposed to an app. Cluster-wide policies treat the
 * namespaces of add-ons as system namespaces: the engines must run even where apps are restricted.
 */
export abstract class AddOn extends Component {
  /** Names of the namespaces this add-on creates, in any layer. */
  get namespaces(): string[] {
    return LAYERS.map((layer) => this.cluster.layer(layer).node.tryFindChild(this.node.id))
      .flatMap((scope) => scope?.node.findAll() ?? [])
      .filter((c): c is TalosNamespace => c instanceof TalosNamespace)
      .map((ns) => ns.name);
  }

  /**
   * Names of the namespaces all add-ons of a cluster create, sorted. Read it lazily (at render
   * time, for example through cdk8s `Lazy`), so add-ons defined later are included.
   */
  static namespacesOf(cluster: Cluster): string[] {
    const addOns = cluster.node.children.filter((c): c is AddOn => c instanceof AddOn);
    return [...new Set(addOns.flatMap((a) => a.namespaces))].sort();
  }
}
