import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Cluster, LAYERS } from './cluster';
import { Component } from './component';
import type { FluxObjectRef } from './flux/refs';
import { TalosNamespace } from './talos/namespace';

/**
 * A platform add-on (Velero, KEDA, …) as opposed to an app. Cluster-wide policies treat the
 * namespaces of add-ons as system namespaces: the engines must run even where apps are restricted.
 */
export abstract class AddOn extends Component {
  /** Names of the namespaces this add-on creates, in any layer. */
  get namespaces(): string[] {
    return this.constructsInLayers()
      .filter((c): c is TalosNamespace => c instanceof TalosNamespace)
      .map((ns) => ns.name);
  }

  /** The HelmReleases this add-on installs, in any layer: what another add-on's Flux `dependsOn` waits for. */
  get helmReleases(): FluxObjectRef[] {
    return this.constructsInLayers()
      .filter((c): c is ApiObject => ApiObject.isApiObject(c) && c.kind === 'HelmRelease' && c.apiVersion.startsWith('helm.toolkit.fluxcd.io/'))
      .map((hr) => ({ kind: 'HelmRelease', name: hr.name, namespace: hr.metadata.namespace ?? '' }));
  }

  private constructsInLayers(): IConstruct[] {
    return LAYERS.map((layer) => this.cluster.layer(layer).node.tryFindChild(this.node.id)).flatMap((scope) => scope?.node.findAll() ?? []);
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
